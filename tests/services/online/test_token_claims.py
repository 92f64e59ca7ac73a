"""``token_claims``: a real token from the sandbox read for evidence (tenant, app, roles, credential
type, expiry) without verifying its signature; anything else reads as no claims."""

from __future__ import annotations

from datetime import UTC, datetime

from spkit.services.online.app_tokens import secret_credential
from spkit.services.online.token_claims import decode_claims, summarise_claims
from tests.helpers import card_app

from .conftest import granted


def test_a_certificate_token_is_summarised_with_its_credential_type_and_expiry(card, cloud, tenant, app_auth):
    token = app_auth("spkit-certificate").acquire(cloud.graph_url).token
    claims = decode_claims(token)
    summary = summarise_claims(claims)
    assert summary["aud"] == cloud.graph_url and summary["tid"] == tenant["tenant_id"]
    assert summary["appid"] == card_app(card, "spkit-certificate")["client_id"]
    assert summary["app_displayname"] == "spkit-certificate"
    assert summary["credential"] == "certificate" and summary["scp"] is None
    assert sorted(summary["roles"]) == sorted(granted(card, "spkit-certificate", "Graph"))
    assert summary["expires"] == datetime.fromtimestamp(claims["exp"], UTC).isoformat(timespec="seconds")


def test_a_secret_token_says_client_secret(card, cloud, app_auth):
    credential = secret_credential(card_app(card, "spkit-secret")["client_secret"], "x")
    token = app_auth("spkit-secret", credential).acquire(cloud.graph_url).token
    assert summarise_claims(decode_claims(token))["credential"] == "client secret"


def test_a_delegated_token_carries_scopes_not_roles(admin_signin):
    summary = summarise_claims(decode_claims(admin_signin.token()))
    assert summary["roles"] == [] and "Application.ReadWrite.All" in summary["scp"].split()
    assert summary["credential"] == "public client"


def test_what_is_not_a_jwt_has_no_claims_and_each_caller_gets_its_own_dict(cloud, app_auth):
    assert decode_claims("not-a-token") == {} and decode_claims("") == {}
    assert summarise_claims({})["expires"] is None
    token = app_auth("spkit-certificate").acquire(cloud.graph_url).token
    decode_claims(token)["roles"] = ["changed"]
    assert decode_claims(token)["roles"] != ["changed"]
