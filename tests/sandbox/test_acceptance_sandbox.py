"""The foundation's acceptance checks against the shared sandbox, with unmodified MSAL and requests."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import msal
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from spkit.http.session import session_for_card
from spkit.models.certificates import generate_self_signed
from spkit.sandbox.access_tokens import SigningKey, TokenService
from tests.helpers import card_app, card_tenant


def _app(card, name, credential, session):
    tenant = card_tenant(card)
    return msal.ConfidentialClientApplication(
        card_app(card, name)["client_id"],
        authority=f"{card['cloud']['authority_host']}/{tenant['tenant_id']}",
        client_credential=credential,
        http_client=session,
        instance_discovery=False,
    )


@pytest.fixture
def session(card):
    with session_for_card(card) as s:
        yield s


def _graph_scope(card):
    return [card["cloud"]["graph_url"] + "/.default"]


def test_msal_gets_a_token_with_the_secret_app(card, session):
    result = _app(
        card, "spkit-secret", card_app(card, "spkit-secret")["client_secret"], session
    ).acquire_token_for_client(_graph_scope(card))
    assert result.get("token_type") == "Bearer", result


def test_msal_gets_tokens_with_the_certificate_app_pem_and_pfx(card, session):
    cert = card_app(card, "spkit-certificate")["certificate"]
    pem = Path(cert["pem"]).read_text()
    by_thumbprint = {"private_key": pem, "thumbprint": cert["thumbprint"]}
    by_pfx = {"private_key_pfx_path": cert["pfx"]}
    for credential in (by_thumbprint, by_pfx):
        result = _app(card, "spkit-certificate", credential, session).acquire_token_for_client(
            _graph_scope(card)
        )
        assert "access_token" in result, result


def test_wrong_secret_expired_secret_and_unregistered_certificate(card, session):
    wrong = _app(card, "spkit-secret", "definitely-not-the-secret", session).acquire_token_for_client(
        _graph_scope(card)
    )
    assert wrong["error_codes"] == [7000215]
    expired_app = card_app(card, "spkit-expired-secret")
    expired = _app(
        card, "spkit-expired-secret", expired_app["client_secret"], session
    ).acquire_token_for_client(_graph_scope(card))
    assert expired["error_codes"] == [7000222]
    stranger = generate_self_signed("not registered anywhere")
    unregistered = _app(
        card,
        "spkit-certificate",
        {"private_key": stranger.private_key_pem().decode(), "thumbprint": stranger.thumbprint},
        session,
    ).acquire_token_for_client(_graph_scope(card))
    assert unregistered["error_codes"] == [700027]
    assert stranger.thumbprint in unregistered["error_description"]


def _token(card, session, app_name="spkit-certificate"):
    cert = card_app(card, app_name)["certificate"]
    credential = {"private_key": Path(cert["pem"]).read_text(), "thumbprint": cert["thumbprint"]}
    return _app(card, app_name, credential, session).acquire_token_for_client(_graph_scope(card))[
        "access_token"
    ]


def test_get_all_sites_pages_through_exactly_site_count(card, session):
    tenant = card_tenant(card)
    token = _token(card, session)
    url = f"{card['cloud']['graph_url']}/v1.0/sites/getAllSites?$top=37"
    ids, pages = [], 0
    while url:
        r = session.get(url, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        body = r.json()
        ids += [s["id"] for s in body["value"]]
        pages += 1
        url = body.get("@odata.nextLink")
    assert len(ids) == len(set(ids)) == tenant["site_count"]
    assert pages == -(-tenant["site_count"] // 37)


def test_token_without_roles_is_forbidden_and_bad_tokens_are_unauthorized(card, session, sandbox_state_dir):
    graph = f"{card['cloud']['graph_url']}/v1.0/sites/getAllSites"
    no_roles = _token(card, session, "spkit-unconsented")
    r = session.get(graph, headers={"Authorization": f"Bearer {no_roles}"})
    assert r.status_code == 403
    assert r.json()["error"]["code"]

    good = _token(card, session)
    head, payload, signature = good.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0xFF
    tampered = ".".join([head, payload, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()])
    r = session.get(graph, headers={"Authorization": f"Bearer {tampered}"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "InvalidAuthenticationToken"

    # A token the sandbox itself signed, but expired an hour ago.
    key = serialization.load_pem_private_key((sandbox_state_dir / "token-signing-key.pem").read_bytes(), None)
    certificate = x509.load_pem_x509_certificate((sandbox_state_dir / "token-signing.pem").read_bytes())
    tokens = TokenService(SigningKey(key, certificate), card["cloud"]["authority_host"])
    tenant = card_tenant(card)
    expired = tokens.issue(
        tenant_id=tenant["tenant_id"],
        audience=card["cloud"]["graph_url"],
        client_id=card_app(card, "spkit-certificate")["client_id"],
        app_display_name="spkit-certificate",
        acr="2",
        roles=["Sites.Read.All"],
        now=time.time() - 7200,
    )
    r = session.get(graph, headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401
    assert "expired" in r.json()["error"]["message"].lower()
