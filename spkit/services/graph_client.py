"""A small Microsoft Graph client over spkit's session: JSON in and out, paging, errors as diagnoses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import requests

from ..errors import AuthorizationError, CheckError, ServiceError, ThrottledError
from ..http.session import SpkitSession
from .http_errors import call, json_body


def graph_error(response: requests.Response, what: str) -> CheckError:
    """Graph's error body (``{"error": {"code", "message"}}``) as a diagnosis."""
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
            evidence=evidence,
            fix="run again later or outside business hours; spkit honours Retry-After",
        )
    return ServiceError(
        f"{what}: Graph answered HTTP {status}",
        code="GRAPH_ERROR",
        evidence=evidence,
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
        response = call(
            getattr(self.session, method.lower()),
            url,
            what,
            headers={"Authorization": f"Bearer {self.token()}", "Accept": "application/json"},
            json=json,
            params=params,
        )
        if response.status_code not in ok:
            raise graph_error(response, what)
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
