"""``get_web`` against the sandbox's SharePoint: ``/_api/web`` read with a certificate token, and each
refusal explained by the token that was sent (a secret's token, a token without SharePoint roles)."""

from __future__ import annotations

import pytest

from spkit.errors import AuthorizationError, ServiceError
from spkit.services.online.app_tokens import secret_credential
from spkit.services.online.sharepoint_rest import get_web
from tests.helpers import card_app


def test_a_certificate_token_reads_the_root_web(session, tenant, app_auth):
    token = app_auth("spkit-certificate").acquire(tenant["sharepoint_url"]).token
    web = get_web(session, tenant["sharepoint_url"] + "/", token)
    assert web["Url"] == tenant["sharepoint_url"]
    assert web["Title"] and web["Id"] and web["WebTemplate"]
    assert "__metadata" not in web  # nometadata JSON, as asked


def test_a_secret_token_is_refused_by_sharepoint_as_such(card, session, tenant, app_auth):
    credential = secret_credential(
        card_app(card, "spkit-secret")["client_secret"], "sandbox:contoso/spkit-secret"
    )
    token = app_auth("spkit-secret", credential).acquire(tenant["sharepoint_url"]).token
    with pytest.raises(AuthorizationError) as raised:
        get_web(session, tenant["sharepoint_url"], token, "SharePoint REST")
    assert raised.value.code == "SPO_SECRET_TOKEN_REFUSED"
    assert "token: client secret" in raised.value.evidence  # read from the token's own claims


def test_a_token_without_sharepoint_roles_is_spo_access_denied(session, tenant, app_auth):
    token = app_auth("spkit-unconsented").acquire(tenant["sharepoint_url"]).token
    with pytest.raises(AuthorizationError) as raised:
        get_web(session, tenant["sharepoint_url"], token)
    assert raised.value.code == "SPO_ACCESS_DENIED"
    assert "roles: none" in raised.value.evidence


def test_no_site_at_the_address_is_spo_site_not_found(session, tenant, app_auth):
    token = app_auth("spkit-certificate").acquire(tenant["sharepoint_url"]).token
    missing = tenant["sharepoint_url"] + "/sites/no-such-site-here"
    with pytest.raises(ServiceError) as raised:
        get_web(session, missing, token)
    assert raised.value.code == "SPO_SITE_NOT_FOUND" and missing in raised.value.summary
