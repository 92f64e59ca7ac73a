"""SharePoint Server REST calls and what their failures mean."""

from __future__ import annotations

from typing import Any

import requests

from ...errors import AuthenticationError, AuthorizationError, CheckError, ServiceError, ThrottledError
from ...http.session import SpkitSession
from ..http_errors import call, json_body
from ..sharepoint_rest import odata_error_text

NOMETADATA = "application/json;odata=nometadata"
VERSION_HEADER = "MicrosoftSharePointTeamServices"


def farm_error(response: requests.Response, url: str, what: str, account: str) -> CheckError:
    status = response.status_code
    offered = ", ".join(response.headers.get("WWW-Authenticate", "").split(",")) or "nothing"
    if status == 401:
        schemes = response.headers.get("WWW-Authenticate", "")
        if "NTLM" not in schemes and "Negotiate" not in schemes:
            return AuthenticationError(
                f"{what}: the server does not offer NTLM or Negotiate",
                code="ONPREM_AUTH_UNSUPPORTED",
                evidence=f"HTTP 401, WWW-Authenticate: {offered}",
                fix="enable Windows authentication (NTLM) on the web application's IIS site",
            )
        return AuthenticationError(
            f"{what}: the farm refused the credentials of {account}",
            code="ONPREM_AUTH_FAILED",
            evidence=f"HTTP 401 after the NTLM handshake; WWW-Authenticate: {offered}",
            fix="check the password and that the account is enabled and not locked out; if they are right, the "
            "server may require NTLMv2 or Extended Protection (spkit sends both over https://, never over http://)",
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
            evidence=odata_error_text(response),
            fix="try again later",
        )
    return ServiceError(
        f"{what}: the farm answered HTTP {status}",
        code="ONPREM_ERROR",
        evidence=odata_error_text(response),
        fix="see the evidence",
    )


def get_json(
    session: SpkitSession, url: str, what: str, account: str, *, require_sharepoint: bool = True
) -> tuple[dict[str, Any], requests.Response]:
    """GET a REST URL as nometadata JSON; the answer must come from SharePoint."""
    response = call(session.get, url, what, headers={"Accept": NOMETADATA})
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
