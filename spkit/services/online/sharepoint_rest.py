"""SharePoint REST (``/_api/web``): the proof that a site itself, not only Graph, accepts the app."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from ...errors import AuthorizationError, CheckError, ServiceError, ThrottledError
from ...http.session import SpkitSession
from ..http_errors import call, json_body, odata_error_text, throttle_evidence
from .required_roles import only_site_selected
from .token_claims import CREDENTIAL_TYPES, decode_claims

NOMETADATA = "application/json;odata=nometadata"


def _secret_token(claims: dict[str, Any] | None, response: requests.Response) -> bool:
    """Was the refused token an app-only token obtained with a client secret? The token says so itself
    (``appidacr`` 1, no ``scp``); only without its claims is SharePoint's message read."""
    if claims:
        return str(claims.get("appidacr", claims.get("azpacr", ""))) == "1" and not claims.get("scp")
    return "Unsupported app only token" in response.text


def _is_admin_center(url: str) -> bool:
    return (urlsplit(url).hostname or "").split(".", 1)[0].endswith("-admin")


def sharepoint_error(
    response: requests.Response, url: str, what: str, *, claims: dict[str, Any] | None = None
) -> CheckError:
    """SharePoint's answer as a diagnosis; ``claims`` are those of the token sent, when known, so a 401 or
    403 is explained by the token's credential type and roles."""
    evidence = f"HTTP {response.status_code}: {odata_error_text(response)}"[:300]
    status = response.status_code
    roles = [str(role) for role in (claims or {}).get("roles") or []]
    if claims:
        credential = CREDENTIAL_TYPES.get(str(claims.get("appidacr", claims.get("azpacr", ""))), "unknown")
        evidence += f"; token: {credential}, roles: {', '.join(roles) or 'none'}"
    if status == 401 and _secret_token(claims, response):
        return AuthorizationError(
            f"{what}: SharePoint refuses app-only tokens obtained with a client secret (Graph accepts them)",
            code="SPO_SECRET_TOKEN_REFUSED",
            evidence=evidence,
            fix="register a certificate on the app and use 'certificate:' in the profile instead of "
            "'client_secret:' — SharePoint REST and CSOM accept only certificate-based app-only tokens",
        )
    if status == 401 and claims and not roles and not claims.get("scp"):
        # The app-only token itself says why: no SharePoint application permission was consented.
        return AuthorizationError(
            f"{what}: the SharePoint token carries no application role: the app has no SharePoint permission",
            code="SPO_ACCESS_DENIED",
            evidence=evidence,
            fix="add the SharePoint application permission Sites.FullControl.All (or Sites.Read.All) to the "
            "app and grant admin consent",
        )
    if status == 401:
        return AuthorizationError(
            f"{what}: SharePoint rejected the token",
            code="SPO_TOKEN_REJECTED",
            evidence=evidence,
            fix="the token's audience must be this SharePoint host in this tenant",
        )
    if status == 403 and only_site_selected(roles) and not _is_admin_center(url):
        return AuthorizationError(
            f"{what}: the app has Sites.Selected, and {url} is not granted to it",
            code="SPO_SITE_NOT_GRANTED",
            evidence=evidence,
            fix=f"grant the app this site: 'spkit grant-site PARAMS.yaml --site {url} --admin UPN' (a SharePoint "
            "or Global Administrator), or name a site already granted in sharepoint_url",
        )
    if status == 403:
        return AuthorizationError(
            f"{what}: SharePoint denied access to {url}",
            code="SPO_ACCESS_DENIED",
            evidence=evidence,
            fix="add the SharePoint application permission Sites.FullControl.All (or Sites.Read.All) to the "
            "app and grant admin consent",
        )
    if status == 404:
        return ServiceError(
            f"{what}: no site at {url}",
            code="SPO_SITE_NOT_FOUND",
            evidence=evidence,
            fix="check the site address",
        )
    if status in (429, 503):
        return ThrottledError(
            f"{what}: SharePoint kept throttling",
            code="SPO_THROTTLED",
            evidence=throttle_evidence(response, odata_error_text(response)),
            fix="run again later; spkit honours Retry-After",
        )
    request_id = response.headers.get("SPRequestGuid") or response.headers.get("request-id")
    return ServiceError(
        f"{what}: SharePoint answered HTTP {status}",
        code="SPO_ERROR",
        evidence=f"{evidence}; SPRequestGuid: {request_id}" if request_id else evidence,
        fix="see the evidence",
    )


def get_web(
    session: SpkitSession, site_url: str, token: str, what: str = "SharePoint REST"
) -> dict[str, Any]:
    """``GET <site>/_api/web`` as nometadata JSON."""
    url = site_url.rstrip("/") + "/_api/web"
    response = call(
        session.get, url, what, headers={"Authorization": f"Bearer {token}", "Accept": NOMETADATA}
    )
    if response.status_code != 200:
        raise sharepoint_error(response, site_url, what, claims=decode_claims(token))
    return json_body(response, what)
