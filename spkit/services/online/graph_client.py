"""A small Microsoft Graph client over spkit's session: JSON in and out, paging, errors as diagnoses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import requests

from ...errors import AuthorizationError, CheckError, ServiceError, ThrottledError
from ...http.session import SpkitSession
from ..http_errors import call, json_body, throttle_evidence
from .required_roles import graph_path, only_site_selected, roles_for_graph
from .token_claims import decode_claims


def app_roles(token: str) -> list[str] | None:
    """The ``roles`` of an app-only token (None for a delegated token, which carries ``scp``)."""
    claims = decode_claims(token)
    if claims.get("scp"):
        return None
    return [str(role) for role in claims.get("roles") or []]


def _denied_for_roles(response: requests.Response, what: str, roles: list[str], evidence: str):
    """A 403 explained by the token's own roles: a site not granted to a Sites.Selected app, or a
    permission this call needs that the token does not carry; None when the roles do not explain it."""
    method = response.request.method if response.request is not None else "GET"
    call_name = f"{method} {graph_path(response.url)}"
    needed = roles_for_graph(method or "GET", response.url)
    if not needed or not roles:
        return None
    held = ", ".join(roles)
    if only_site_selected(roles) and "Sites.Selected" in needed:
        return AuthorizationError(
            f"{what}: the app has Sites.Selected, and this site is not granted to it",
            code="GRAPH_SITE_NOT_GRANTED",
            evidence=f"{evidence}; {call_name}; token roles: {held}",
            fix="grant the app this site ('spkit grant-site PARAMS.yaml --site URL --admin UPN', or Graph "
            "POST /sites/{site-id}/permissions), or name a granted site in sharepoint_url",
        )
    if not set(needed) & set(roles):
        least = next(role for role in needed if role != "Sites.Selected")
        return AuthorizationError(
            f"{what}: {call_name} needs one of {', '.join(needed)}; the token carries {held}",
            code="GRAPH_ROLE_MISSING",
            evidence=f"{evidence}; token roles: {held}",
            fix=f"add the Microsoft Graph application permission {least} to the app (Entra admin center > App "
            "registrations > the app > API permissions) and grant admin consent",
        )
    return None


def graph_error(response: requests.Response, what: str, *, roles: list[str] | None = None) -> CheckError:
    """Graph's error body (``{"error": {"code", "message"}}``) as a diagnosis; ``roles`` are the app-only
    token's roles, when known, so a 403 can name the permission that is missing."""
    try:
        err = response.json().get("error", {})
    except ValueError:
        err = {}
    code, message = err.get("code", ""), err.get("message", response.text[:200])
    evidence = f"HTTP {response.status_code} {code}: {message}".strip()
    status = response.status_code
    if status == 401:
        return AuthorizationError(
            f"{what}: Graph rejected the token",
            code="GRAPH_TOKEN_REJECTED",
            evidence=evidence,
            fix="check the cloud and the tenant; sign in again",
        )
    if status == 403 and code == "Authorization_RequestDenied":
        return AuthorizationError(
            f"{what}: the signed-in account lacks the directory privileges for this",
            code="GRAPH_INSUFFICIENT_PRIVILEGES",
            evidence=evidence,
            fix="sign in as a Global Administrator (automatic registration and admin consent need one)",
        )
    if status == 403:
        explained = _denied_for_roles(response, what, roles, evidence) if roles is not None else None
        if explained is not None:
            return explained
        if roles == []:
            evidence += "; the token carries no application roles (no admin consent)"
        return AuthorizationError(
            f"{what}: Graph denied access (the app lacks an application permission for sites)",
            code="GRAPH_ACCESS_DENIED",
            evidence=evidence,
            fix="add the Microsoft Graph application permission Sites.Read.All (or Sites.FullControl.All) "
            "to the app and grant admin consent",
        )
    if status == 404:
        return ServiceError(
            f"{what}: not found in the directory",
            code="GRAPH_NOT_FOUND",
            evidence=evidence,
            fix="it may have been deleted; check the IDs",
        )
    if status in (429, 503):
        return ThrottledError(
            f"{what}: Graph kept throttling after the retries spkit allows",
            code="GRAPH_THROTTLED",
            evidence=throttle_evidence(response, f"{code}: {message}".strip(": ")),
            fix="run again later or outside business hours; spkit honours Retry-After",
        )
    request_id = response.headers.get("request-id")  # what Microsoft support asks for
    return ServiceError(
        f"{what}: Graph answered HTTP {status}",
        code="GRAPH_ERROR",
        evidence=f"{evidence}; request-id: {request_id}" if request_id else evidence,
        fix="see the evidence; retry if the error is transient",
    )


def odata_quote(value: str) -> str:
    """A string literal for $filter (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


class GraphClient:
    """Calls ``<graph_url>/v1.0/...`` with a bearer token from ``token()`` (called per request)."""

    def __init__(
        self, session: SpkitSession, graph_url: str, token: Callable[[], str], version: str = "v1.0"
    ):
        self.session = session
        self.base = f"{graph_url.rstrip('/')}/{version}"
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        url = path if path.startswith("https://") else self.base + path
        token = self.token()
        response = call(
            getattr(self.session, method.lower()),
            url,
            what,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            json=json,
            params=params,
        )
        if response.status_code not in ok:
            raise graph_error(response, what, roles=app_roles(token))
        if response.status_code == 204 or not response.content:
            return None
        return json_body(response, what)

    def get(self, path: str, what: str, **kwargs: Any) -> Any:
        return self.request("GET", path, what, **kwargs)

    def post(self, path: str, what: str, body: Any) -> Any:
        return self.request("POST", path, what, json=body)

    def patch(self, path: str, what: str, body: Any) -> Any:
        return self.request("PATCH", path, what, json=body)

    def delete(self, path: str, what: str) -> None:
        self.request("DELETE", path, what)

    def values(self, path: str, what: str, params: dict[str, str] | None = None) -> Iterator[dict]:
        """Every item of a collection, following ``@odata.nextLink``."""
        page = self.get(path, what, params=params)
        while True:
            yield from page.get("value", [])
            link = page.get("@odata.nextLink")
            if not link:
                return
            page = self.get(link, what)


def path_segment(value: str) -> str:
    return quote(value, safe="")
