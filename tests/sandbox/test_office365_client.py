"""Fidelity for a client other than ours: Office365-REST-Python-Client, unmodified, against the shared
sandbox (SharePoint Online with a certificate token, the farm with NTLM).

Its first call on any site is ``POST /_api/contextinfo`` (the form digest); then ``GET /_api/Web`` and
``/_api/Site`` in OData verbose. How it reaches the sandbox, whose hosts resolve nowhere:

* SharePoint requests: ``ClientContext.with_transport(session=...)``, its documented hook for "custom
  adapters, TLS config": a requests session mounting the card's connect-to map and CA (spkit's, used here
  only as that plumbing).
* Tokens: ``with_client_certificate`` builds ``msal.ConfidentialClientApplication(client_id, authority=...,
  client_credential=...)`` itself, with no way to pass MSAL an ``http_client`` or ``instance_discovery=False``.
  For an authority MSAL does not know (``https://login.localhost/<tenant>``, given with the library's own
  ``ClientContext(authority=...)`` override) MSAL first asks Microsoft's instance discovery at
  ``login.microsoftonline.com`` to vouch for it, which a loopback sandbox cannot answer without
  impersonating Microsoft. So ``with_client_certificate`` cannot be pointed at the sandbox unmodified; the
  least invasive ways are (1) the library's supported ``with_access_token(callback)`` with MSAL called with
  the same certificate and MSAL's own options (no patching at all), and (2) ``with_client_certificate``
  itself, with only MSAL's constructor given those two documented options by the test (the library's
  code, its certificate handling included, runs as shipped).
"""

from __future__ import annotations

from pathlib import Path

import msal
import pytest
from office365.sharepoint.client_context import ClientContext

from spkit.http.session import session_for_card
from tests.helpers import card_app, card_tenant
from tests.sandbox.test_farm import farm_of, farm_user


def _authority(card: dict) -> str:
    return f"{card['cloud']['authority_host']}/{card_tenant(card)['tenant_id']}"


def _certificate_token(card: dict):
    """MSAL's client credentials with the app's certificate, through the sandbox."""
    app = card_app(card, "spkit-certificate")
    client = msal.ConfidentialClientApplication(
        app["client_id"],
        authority=_authority(card),
        client_credential={
            "private_key": Path(app["certificate"]["pem"]).read_text(),
            "thumbprint": app["certificate"]["thumbprint"],
        },
        http_client=session_for_card(card, retries=0),
        instance_discovery=False,
    )
    url = card_tenant(card)["sharepoint_url"]
    return lambda: client.acquire_token_for_client([f"{url}/.default"])


def _assert_web_and_site(ctx: ClientContext, url: str, title: str) -> None:
    web = ctx.web.get().execute_query()
    assert (web.title, web.url) == (title, url)
    site = ctx.site.get().execute_query()
    assert site.url == url
    info = ctx.context_info  # what the library parsed from POST /_api/contextinfo
    assert info.FormDigestValue and info.FormDigestValue.startswith("0x")
    assert info.FormDigestTimeoutSeconds == 1800
    assert (info.WebFullUrl, info.SiteFullUrl) == (url, url)
    assert list(info.SupportedSchemaVersions) == ["14.0.0.0", "15.0.0.0"]


def test_online_web_and_site_with_a_certificate_token(card):
    tenant = card_tenant(card)
    ctx = (
        ClientContext(tenant["sharepoint_url"])
        .with_transport(session=session_for_card(card, retries=0))
        .with_access_token(_certificate_token(card))
    )
    _assert_web_and_site(ctx, tenant["sharepoint_url"], "Communication site")
    assert ctx.context_info.LibraryVersion.startswith("16.0.")


def test_online_with_the_librarys_own_client_certificate_flow(card, monkeypatch):
    tenant, app = card_tenant(card), card_app(card, "spkit-certificate")
    session = session_for_card(card, retries=0)
    shipped = msal.ConfidentialClientApplication

    def through_sandbox(*args, **kwargs):  # MSAL's own options, which the library cannot pass it
        return shipped(*args, **{"http_client": session, "instance_discovery": False, **kwargs})

    monkeypatch.setattr(msal, "ConfidentialClientApplication", through_sandbox)
    ctx = (
        ClientContext(tenant["sharepoint_url"], authority=_authority(card))
        .with_transport(session=session)
        .with_client_certificate(
            tenant["tenant_id"], app["client_id"], app["certificate"]["thumbprint"], app["certificate"]["pem"]
        )
    )
    _assert_web_and_site(ctx, tenant["sharepoint_url"], "Communication site")


def test_online_refusal_reaches_the_library_as_sharepoints_error(card):
    """An app without SharePoint consent: SharePoint's 401 at contextinfo, surfaced by the library."""
    from office365.runtime.client_request_exception import ClientRequestException

    tenant, app = card_tenant(card), card_app(card, "spkit-unconsented")
    client = msal.ConfidentialClientApplication(
        app["client_id"],
        authority=_authority(card),
        client_credential={
            "private_key": Path(app["certificate"]["pem"]).read_text(),
            "thumbprint": app["certificate"]["thumbprint"],
        },
        http_client=session_for_card(card, retries=0),
        instance_discovery=False,
    )
    ctx = (
        ClientContext(tenant["sharepoint_url"])
        .with_transport(session=session_for_card(card, retries=0))
        .with_access_token(lambda: client.acquire_token_for_client([f"{tenant['sharepoint_url']}/.default"]))
    )
    with pytest.raises(ClientRequestException) as refused:
        ctx.web.get().execute_query()
    assert refused.value.response.status_code == 401
    assert refused.value.response.request.url.lower().endswith("/_api/contextinfo")


def test_farm_web_and_site_with_ntlm(card):
    farm = farm_of(card)
    user = farm_user(farm, "spadmin")
    ctx = (
        ClientContext(farm["url"], allow_ntlm=True)
        .with_transport(session=session_for_card(card, retries=0))
        .with_user_credentials(user["logon"], user["password"])  # requests-ntlm's HttpNtlmAuth
    )
    _assert_web_and_site(ctx, farm["url"], "Fabrikam Portal")
    assert ctx.context_info.LibraryVersion == farm["build"]
