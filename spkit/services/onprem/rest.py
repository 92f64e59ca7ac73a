"""SharePoint Server REST calls and what their failures mean.

A refused sign-in is told apart by what the exchange shows: the schemes the farm offers
(``WWW-Authenticate``: Basic only, Negotiate only), whether the NTLM handshake got a challenge, and
whether our authenticate message carried a channel binding (Extended Protection).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from ...errors import AuthenticationError, AuthorizationError, CheckError, ServiceError, ThrottledError
from ...http.session import SpkitSession
from ..http_errors import call, json_body, odata_error_text, throttle_evidence
from .auth_evidence import channel_binding_sent, has_windows_auth, offered_schemes

NOMETADATA = "application/json;odata=nometadata"
VERSION_HEADER = "MicrosoftSharePointTeamServices"
CENTRAL_ADMIN_TEMPLATE = "CENTRALADMIN"
ENABLE_NTLM = (
    "enable Windows authentication with NTLM for the web application (Central Administration > Manage web "
    "applications > the web application > Authentication Providers > Default zone > Integrated Windows "
    "authentication: NTLM, or IIS Manager > the site > Authentication > Windows Authentication > Providers: "
    "add NTLM)"
)


def _first_challenge(response: requests.Response) -> requests.Response:
    """The farm's first answer: the 401 that offered the schemes (before any handshake)."""
    for earlier in response.history:
        if earlier.status_code == 401:
            return earlier
    return response


def _sign_in_refused(response: requests.Response, what: str, account: str) -> AuthenticationError:
    """A 401: the farm offers no Windows authentication (Basic only, or nothing usable), or it refused
    the account after a complete handshake, with or without a channel binding."""
    offered = offered_schemes(_first_challenge(response).headers.get("WWW-Authenticate"))
    shown = ", ".join(offered) or "nothing"
    if not has_windows_auth(offered):
        if [s.lower() for s in offered] == ["basic"]:
            return AuthenticationError(
                f"{what}: the farm offers only Basic authentication, not NTLM",
                code="ONPREM_BASIC_ONLY",
                evidence=f"HTTP 401, WWW-Authenticate: {shown}",
                fix=ENABLE_NTLM + "; spkit does not send a password with Basic",
            )
        return AuthenticationError(
            f"{what}: the server does not offer NTLM or Negotiate",
            code="ONPREM_AUTH_UNSUPPORTED",
            evidence=f"HTTP 401, WWW-Authenticate: {shown}",
            fix="enable Windows authentication (NTLM) on the web application's IIS site",
        )
    bound = channel_binding_sent(response.request.headers.get("Authorization") if response.request else None)
    https = urlsplit(response.url).scheme == "https"
    if https and bound is False:
        return AuthenticationError(
            f"{what}: the farm refused the sign-in after a complete NTLM handshake that carried no channel "
            "binding: Extended Protection requires one",
            code="ONPREM_EPA_REQUIRED",
            evidence=f"HTTP 401 after the NTLM authenticate message (no channel binding token, over https); "
            f"WWW-Authenticate: {shown}",
            fix="let the client bind the TLS channel (spkit does over https:// unless a TLS-inspecting proxy "
            "stands between); or have the farm's administrator set Extended Protection to Accept (IIS Manager > "
            "the site > Authentication > Windows Authentication > Advanced Settings); check the password too",
        )
    binding = {True: "with a channel binding", False: "without a channel binding", None: "no NTLM message"}[
        bound
    ]
    return AuthenticationError(
        f"{what}: the farm refused the credentials of {account}",
        code="ONPREM_AUTH_FAILED",
        evidence=f"HTTP 401 after the NTLM handshake ({binding}); WWW-Authenticate: {shown}",
        fix="check the password and that the account is enabled and not locked out; if they are right, the "
        "server may require NTLMv2 or Extended Protection (spkit sends both over https://, never over http://)",
    )


def farm_error(response: requests.Response, url: str, what: str, account: str) -> CheckError:
    status = response.status_code
    if status == 401:
        return _sign_in_refused(response, what, account)
    login = response.headers.get("X-Forms_Based_Auth_Required")
    if status == 403 and login:  # MS-OFBA: a forms (claims) sign-in zone, no Windows authentication offered
        return AuthenticationError(
            f"{what}: the web application signs in with forms only: it offers no NTLM or Negotiate",
            code="ONPREM_AUTH_UNSUPPORTED",
            evidence=f"HTTP 403, WWW-Authenticate: {response.headers.get('WWW-Authenticate') or '(none)'}, "
            f"X-Forms_Based_Auth_Required: {login}"[:300],
            fix="enable Windows authentication (NTLM) on the web application's zone, or extend the web "
            "application to a zone that offers it and use that zone's URL",
        )
    if status == 403:
        return AuthorizationError(
            f"{what}: {account} has no access to {url}",
            code="ONPREM_ACCESS_DENIED",
            evidence=f"HTTP 403: {odata_error_text(response)}",
            fix="give the account access (site collection administrator, or Full Control by web application "
            "policy)",
        )
    if status == 404:
        return ServiceError(
            f"{what}: nothing at {url}",
            code="ONPREM_NOT_FOUND",
            evidence=f"HTTP 404: {odata_error_text(response)}",
            fix="check the address",
        )
    if status in (429, 503):
        return ThrottledError(
            f"{what}: the farm kept answering {status}",
            code="ONPREM_THROTTLED",
            evidence=throttle_evidence(response, odata_error_text(response)),
            fix="try again later",
        )
    request_id = response.headers.get("SPRequestGuid")  # the correlation ID of the farm's ULS logs
    evidence = f"HTTP {status}: {odata_error_text(response)}"
    return ServiceError(
        f"{what}: the farm answered HTTP {status}",
        code="ONPREM_ERROR",
        evidence=f"{evidence}; SPRequestGuid (ULS correlation ID): {request_id}" if request_id else evidence,
        fix="see the evidence",
    )


def _no_challenge(session: SpkitSession, url: str, what: str, error: Exception) -> AuthenticationError:
    """The NTLM negotiate message got no challenge back (requests-ntlm gives up): a farm that takes
    Kerberos only when it offers Negotiate alone; otherwise it refuses NTLM outright."""
    anonymous = call(session.get, url, what, headers={"Accept": NOMETADATA}, auth=lambda request: request)
    offered = offered_schemes(anonymous.headers.get("WWW-Authenticate"))
    shown = ", ".join(offered) or "nothing"
    evidence = (
        f"offered: {shown}; the NTLM negotiate message got no challenge ({type(error).__name__}: {error})"
    )
    if [s.lower() for s in offered] == ["negotiate"]:
        return AuthenticationError(
            f"{what}: the farm offers Negotiate only and answers no NTLM inside it: it takes Kerberos only",
            code="ONPREM_KERBEROS_ONLY",
            evidence=evidence[:300],
            fix="use Kerberos (auth: negotiate, with a ticket from kinit on a machine joined to the realm), or "
            + ENABLE_NTLM,
        )
    return AuthenticationError(
        f"{what}: the farm refused the NTLM handshake (no challenge to the negotiate message)",
        code="ONPREM_NTLM_REFUSED",
        evidence=evidence[:300],
        fix=ENABLE_NTLM + "; a proxy between may also strip Windows authentication",
    )


def get_json(
    session: SpkitSession, url: str, what: str, account: str, *, require_sharepoint: bool = True
) -> tuple[dict[str, Any], requests.Response]:
    """GET a REST URL as nometadata JSON; the answer must come from SharePoint."""
    try:
        response = call(session.get, url, what, headers={"Accept": NOMETADATA})
    except PermissionError as error:  # requests-ntlm: "Server did not respond with NTLM challenge token"
        raise _no_challenge(session, url, what, error) from error
    except KeyError as error:  # requests-ntlm: the answer to the negotiate message has no WWW-Authenticate
        if str(error).strip("'\"").lower() != "www-authenticate":
            raise
        raise _no_challenge(session, url, what, error) from error
    if response.status_code != 200:
        raise farm_error(response, url, what, account)
    if require_sharepoint and VERSION_HEADER not in response.headers:
        raise ServiceError(
            f"{what}: {url} answered, but not as SharePoint (no {VERSION_HEADER} header)",
            code="ONPREM_NOT_SHAREPOINT",
            evidence=f"HTTP {response.status_code}, Server: {response.headers.get('Server', '?')}",
            fix="check the address and the port (is this the SharePoint web application or Central Administration?)",
        )
    return json_body(response, what), response


def farm_version(response: requests.Response) -> str | None:
    return response.headers.get(VERSION_HEADER)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def alternate_access_mapping_error(requested_url: str, web: dict[str, Any], response: requests.Response):
    """The farm answered for another address than the one asked: its web's ``Url`` (the public URL of
    the zone that served the request) or a redirect points elsewhere. A ServiceError, or None."""
    served = str(web.get("Url") or "")
    hops = [r.headers.get("Location", "") for r in response.history if r.is_redirect]
    if not served or _origin(served) == _origin(requested_url):
        return None
    redirects = f"; redirected: {' → '.join(h for h in hops if h)}" if any(hops) else ""
    return ServiceError(
        f"{requested_url} is answered by the alternate access mapping of {served}: SharePoint builds every link "
        "with that address",
        code="ONPREM_AAM_MISMATCH",
        evidence=f"asked {requested_url}; the web's Url is {served}{redirects}",
        fix=f"use {served} as sharepoint_url, or have the farm's administrator add {requested_url} as a public URL "
        "(Central Administration > System Settings > Configure alternate access mappings > Edit Public URLs)",
    )


def not_central_admin_error(url: str, web: dict[str, Any], response: requests.Response):
    """The Central Administration port answered as SharePoint, but with an ordinary site (its web is not
    the CENTRALADMIN template). A ServiceError, or None."""
    template = str(web.get("WebTemplate") or "")
    if template.upper().split("#", 1)[0] == CENTRAL_ADMIN_TEMPLATE:
        return None
    return ServiceError(
        f"{url} answers as SharePoint but is not Central Administration (its site is a '{template or '?'}' site)",
        code="ONPREM_NOT_CENTRAL_ADMIN",
        evidence=f"GET {url}/_api/web: WebTemplate={template or '(none)'}, Title={web.get('Title')!r}, "
        f"{VERSION_HEADER}: {farm_version(response)}",
        fix="set central_admin_port to Central Administration's port (shown in its URL on the server: Start > "
        "SharePoint Central Administration, or Get-SPWebApplication -IncludeCentralAdministration)",
    )
