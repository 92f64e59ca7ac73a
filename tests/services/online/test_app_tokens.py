"""``AppAuthenticator`` and its credentials against the sandbox's Entra: app-only tokens with the roles
consented, for a certificate (PEM or PFX) or a secret; each refusal a typed error with its AADSTS code
and diagnosis, never carrying the secret; fleets reuse one MSAL app and its token cache."""

from __future__ import annotations

import time

import pytest

from spkit.errors import AuthenticationError, InputError
from spkit.services.online.app_tokens import certificate_credential, secret_credential, sharing_apps
from tests.helpers import card_app

from .conftest import granted

WRONG_SECRET = "Xk8Q~wrongwrongwrongwrongwrongwrongwron"


def token_posts(session) -> list[str]:
    """Records each request to a token endpoint the session sends from now on."""
    seen: list[str] = []

    def hook(response, *args, **kwargs):
        if response.request.method == "POST" and response.url.endswith("/oauth2/v2.0/token"):
            seen.append(response.url)

    session.hooks["response"].append(hook)
    return seen


def test_a_pem_certificate_gets_a_graph_token_with_the_consented_roles(card, cloud, tenant, app_auth):
    entry = card_app(card, "spkit-certificate")
    token = app_auth("spkit-certificate").acquire(cloud.graph_url, "Graph token")
    assert token.resource == cloud.graph_url
    assert sorted(token.roles) == sorted(granted(card, "spkit-certificate", "Graph"))
    assert token.claims["aud"] == cloud.graph_url and token.claims["tid"] == tenant["tenant_id"]
    assert token.claims["appid"] == entry["client_id"]
    assert token.claims["appidacr"] == "2"  # a certificate
    assert token.expires_on > time.time() + 600
    assert token.token not in repr(token)


def test_a_pfx_certificate_gets_a_sharepoint_token(card, tenant, app_auth):
    entry = card_app(card, "spkit-certificate")
    credential = certificate_credential(entry["certificate"]["pfx"])
    assert credential.kind == "certificate" and credential.thumbprint == entry["certificate"]["thumbprint"]
    assert set(credential.msal_value) == {"private_key_pfx_path"}  # MSAL reads the PFX itself (PS256)
    token = app_auth("spkit-certificate", credential).acquire(tenant["sharepoint_url"], "SharePoint token")
    assert token.roles == granted(card, "spkit-certificate", "SharePoint")
    assert token.claims["aud"] == tenant["sharepoint_url"]


def test_a_client_secret_gets_a_graph_token_and_never_shows_the_secret(card, cloud, app_auth):
    secret = card_app(card, "spkit-secret")["client_secret"]
    credential = secret_credential(secret, "sandbox:contoso/spkit-secret")
    assert credential.description == "client secret from sandbox:contoso/spkit-secret"
    assert secret not in repr(credential)
    token = app_auth("spkit-secret", credential).acquire(cloud.graph_url)
    assert token.claims["appidacr"] == "1"  # a client secret
    assert sorted(token.roles) == sorted(granted(card, "spkit-secret", "Graph"))


@pytest.mark.parametrize(
    ("app", "secret", "client_id", "code", "aadsts"),
    [
        ("spkit-secret", WRONG_SECRET, None, "AUTH_INVALID_SECRET", 7000215),
        ("spkit-expired-secret", "card", None, "AUTH_SECRET_EXPIRED", 7000222),
        ("spkit-secret", WRONG_SECRET, "0e3c9a57-6b1f-4c41-9d0a-2f5e8b7c6d4a", "AUTH_APP_NOT_FOUND", 700016),
    ],
)
def test_each_refused_secret_is_a_typed_error_with_its_code(
    card, cloud, app_auth, app, secret, client_id, code, aadsts
):
    value = card_app(card, app)["client_secret"] if secret == "card" else secret
    auth = app_auth(app, secret_credential(value, "env:SPKIT_TEST_SECRET"), client_id)
    with pytest.raises(AuthenticationError) as raised:
        auth.acquire(cloud.graph_url, "Graph token")
    error = raised.value
    assert (error.code, error.aadsts) == (code, aadsts)
    assert error.summary.startswith("Graph token: ") and error.fix
    assert value not in error.summary + error.evidence + error.fix


def test_a_certificate_the_app_does_not_know_is_auth_cert_not_registered(card, cloud, app_auth):
    other = certificate_credential(card_app(card, "spkit-certificate")["certificate"]["pem"])
    with pytest.raises(AuthenticationError) as raised:
        app_auth("spkit-unconsented", other).acquire(cloud.graph_url)
    assert (raised.value.code, raised.value.aadsts) == ("AUTH_CERT_NOT_REGISTERED", 700027)
    assert other.thumbprint in raised.value.evidence  # the thumbprint sent, as evidence


def test_an_unconsented_app_gets_a_token_without_roles(card, cloud, app_auth):
    assert app_auth("spkit-unconsented").acquire(cloud.graph_url).roles == []


def test_an_empty_secret_is_refused_before_any_request():
    with pytest.raises(InputError) as raised:
        secret_credential("", "env:SPKIT_EMPTY")
    assert raised.value.code == "SECRET_EMPTY" and "env:SPKIT_EMPTY" in raised.value.summary


def test_alone_each_authenticator_asks_entra_in_a_fleet_the_app_and_its_cache_are_shared(
    card, cloud, session, app_auth
):
    posts = token_posts(session)
    app_auth("spkit-certificate").acquire(cloud.graph_url)
    app_auth("spkit-certificate").acquire(cloud.graph_url)
    assert len(posts) == 2  # one MSAL app each, each with its own token cache
    posts.clear()
    with sharing_apps():
        first, second = app_auth("spkit-certificate"), app_auth("spkit-certificate")
        assert first.app is second.app
        assert first.acquire(cloud.graph_url).token == second.acquire(cloud.graph_url).token
        other = app_auth(
            "spkit-secret", secret_credential(card_app(card, "spkit-secret")["client_secret"], "x")
        )
        assert other.app is not first.app  # another app: another MSAL client
    assert len(posts) == 1
