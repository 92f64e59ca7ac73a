"""Requests that used to be Graph 500s and are refused as Graph refuses them, over HTTPS against the shared
sandbox: a non-ASCII ``$top``, a signed token whose ``aud`` is a list, JSON nested 100,000 deep, a
``displayName`` over the application's 256-character limit and a ``text/plain`` body to a JSON endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from spkit.sandbox.access_tokens import SigningKey, TokenService
from spkit.sandbox.guids import stable_guid
from tests.helpers import card_app, card_tenant
from tests.sandbox.wire import Wire, still_answers

PUBLIC_CLIENT = "14d82eec-204b-4c2f-b7e8-296a70dab67e"


@pytest.fixture(scope="module")
def app_token(card) -> str:
    """An app-only Graph token from the token endpoint (client credentials with the card's secret)."""
    tenant, app = card_tenant(card), card_app(card, "spkit-secret")
    form = urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": card["cloud"]["graph_url"] + "/.default",
        }
    ).encode()
    with Wire(card, "login.localhost") as wire:
        answer = wire.request(
            "POST",
            f"/{tenant['tenant_id']}/oauth2/v2.0/token",
            {"Content-Type": "application/x-www-form-urlencoded"},
            form,
        )
    assert answer.status == 200, answer.body
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
def signer(sandbox_state_dir: Path, card) -> TokenService:
    """Tokens signed with the sandbox's own key, as its token endpoint signs them."""
    key = serialization.load_pem_private_key((sandbox_state_dir / "token-signing-key.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((sandbox_state_dir / "token-signing.pem").read_bytes())
    return TokenService(SigningKey(key, cert), card["cloud"]["authority_host"])


def admin_token(signer: TokenService, card, audience=None) -> str:
    tenant = card_tenant(card)
    upn = tenant["users"][0]["upn"]
    return signer.issue(
        tenant_id=tenant["tenant_id"],
        audience=audience if audience is not None else card["cloud"]["graph_url"],
        client_id=PUBLIC_CLIENT,
        app_display_name="Microsoft Graph Command Line Tools",
        acr="0",
        scopes=["Application.ReadWrite.All", "Directory.Read.All", "User.Read"],
        subject_oid=stable_guid(tenant["tenant_id"], "user", upn.lower()),
        upn=upn,
    )


def graph(card, method: str, path: str, token: str, body: bytes = b"", content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}"}
    if body:
        headers["Content-Type"] = content_type
    with Wire(card, "graph.localhost") as wire:
        answer = wire.request(method, path, headers, body)
    assert answer.status == 204 or answer.headers["content-type"].startswith("application/json"), answer
    return answer


@pytest.mark.parametrize("path", ["/v1.0/sites/getAllSites", "/v1.0/applications", "/v1.0/users"])
@pytest.mark.parametrize("top", ["²", "٣", "1_0", "9" * 5000])
def test_a_top_that_is_not_an_ascii_integer_is_a_400(card, app_token, signer, path, top):
    token = app_token if "sites" in path else admin_token(signer, card)
    answer = graph(card, "GET", f"{path}?$top={quote(top)}", token)
    assert answer.status == 400, answer.body
    error = answer.json()["error"]
    if len(top) < 10:
        assert error["code"] == "BadRequest"
        assert error["message"].startswith(f"Invalid value '{top}' for $top query option found.")


@pytest.mark.parametrize("audience", [["https://graph.localhost"], [], 7, {"a": 1}])
def test_a_signed_token_whose_aud_is_not_a_string_is_401(card, signer, audience):
    token = admin_token(signer, card, audience=audience)
    answer = graph(card, "GET", "/v1.0/organization", token)
    assert answer.status == 401, answer.body
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    host = card_tenant(card)["sharepoint_url"].split("://", 1)[1]
    with Wire(card, host) as wire:
        spo = wire.request(
            "GET", "/_api/web", {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        )
    assert spo.status == 401, spo.body


def test_json_nested_100000_deep_is_a_400(card, signer):
    body = b"[" * 100_000 + b"]" * 100_000
    answer = graph(card, "POST", "/v1.0/applications", admin_token(signer, card), body)
    assert answer.status == 400, answer.body
    assert answer.json()["error"]["message"].startswith("Unable to read JSON request payload.")
    still_answers(card)


def test_a_display_name_over_256_characters_is_refused_as_graph_refuses_it(card, signer):
    token = admin_token(signer, card)
    for name in ("n" * 257, "n" * 1024 * 1024):
        body = json.dumps({"displayName": name}).encode()
        answer = graph(card, "POST", "/v1.0/applications", token, body)
        assert answer.status == 400, answer.body[:300]
        error = answer.json()["error"]
        assert error["code"] == "Request_BadRequest"
        assert (
            error["message"]
            == "Invalid value specified for property 'displayName' of resource 'Application'."
        )
    created = graph(
        card, "POST", "/v1.0/applications", token, json.dumps({"displayName": "n" * 256}).encode()
    )
    assert created.status == 201, created.body
    assert graph(card, "DELETE", f"/v1.0/applications/{created.json()['id']}", token).status == 204


def test_a_text_plain_body_to_a_json_endpoint_is_415(card, signer):
    body = json.dumps({"displayName": "spkit-text-plain"}).encode()
    answer = graph(card, "POST", "/v1.0/applications", admin_token(signer, card), body, "text/plain")
    assert answer.status == 415, answer.body
    error = answer.json()["error"]
    assert error["code"] == "RequestBodyRead"
    assert "matches the content type 'text/plain'" in error["message"]
