"""The identity platform as a sandbox ``Service``: parse the request, ask the backend, render Entra's answer.

Everything protocol-level lives in ``models.py``; here are only the HTTP facts Entra shows: which form
the token endpoint reads (``application/x-www-form-urlencoded`` only, so a JSON body is "missing
grant_type" exactly as Entra says), ``client_secret_basic``, ``client-request-id`` echoed as the
correlation id, the cache headers, and the error pages for unknown paths and wrong methods.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import unquote

from ..http import Request, Response, Route
from . import exceptions as aad
from . import pages
from .delegated import FlowRejected
from .models import IdentityBackend, TokenRequest, basic_credentials
from .urls import url_routes

_NO_CACHE = [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")]
_METADATA_CACHE = [("Cache-Control", "max-age=86400, private"), ("Access-Control-Allow-Origin", "*")]
_NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body>"
    "<h2>404 - File or directory not found.</h2><h3>The resource you are looking for might have been "
    "removed, had its name changed, or is temporarily unavailable.</h3></body></html>"
)


class IdentityService:
    """``login.<suffix>``: OIDC discovery, JWKS, user realm, the v2.0 token and device authorization
    endpoints, the device code flow's verification pages, and a test hook (``/_sandbox/devicecode``)."""

    name = "identity"
    throttleable = False

    def __init__(self, backend: IdentityBackend) -> None:
        self.backend = backend
        self._routes = url_routes(self)

    def serves(self, host: str, port: int) -> bool:
        return host.lower() == self.backend.state.login_host

    def routes(self) -> list[Route]:
        return list(self._routes)

    # --- plumbing --------------------------------------------------------------------------------

    @staticmethod
    def _correlation_id(request: Request) -> str | None:
        """Entra reports the caller's ``client-request-id`` (MSAL sends one) as the correlation id."""
        value = (request.header("client-request-id") or "").strip()
        try:
            return str(uuid.UUID(value)) if value else None
        except ValueError:
            return None

    def _echo(self, request: Request) -> list[tuple[str, str]]:
        cid = self._correlation_id(request)
        return [("client-request-id", cid)] if cid else []

    def _error(
        self, request: Request, err: aad.AadstsError, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        return aad.error_response(
            err,
            self.backend.authority,
            correlation_id=self._correlation_id(request),
            headers=[*self._echo(request), *(headers or [])],
        )

    def _ok(self, request: Request, payload: dict, cache: list[tuple[str, str]]) -> Response:
        headers = [*cache, ("x-ms-request-id", str(uuid.uuid4())), *self._echo(request)]
        return Response.json(200, payload, headers)

    @staticmethod
    def _tenant(match: re.Match) -> str:
        return unquote(match["tenant"])

    # --- endpoints -------------------------------------------------------------------------------

    def openid_configuration(self, request: Request, match: re.Match) -> Response:
        try:
            return self._ok(request, self.backend.openid_configuration(self._tenant(match)), _METADATA_CACHE)
        except aad.AadstsError as err:
            return self._error(request, err)

    def openid_configuration_v1(self, request: Request, match: re.Match) -> Response:
        try:
            document = self.backend.openid_configuration_v1(self._tenant(match))
            return self._ok(request, document, _METADATA_CACHE)
        except aad.AadstsError as err:
            return self._error(request, err)

    def keys(self, request: Request, match: re.Match) -> Response:
        try:
            return self._ok(request, self.backend.jwks(self._tenant(match)), _METADATA_CACHE)
        except aad.AadstsError as err:
            return self._error(request, err)

    def user_realm(self, request: Request, match: re.Match) -> Response:
        return self._ok(request, self.backend.user_realm(request.arg("login")), _NO_CACHE)

    def token(self, request: Request, match: re.Match) -> Response:
        form = self._token_form(request)  # read the body first, whatever the outcome
        try:
            payload = self.backend.token(TokenRequest(tenant_ref=self._tenant(match), form=form))
        except aad.AadstsError as err:
            return self._error(request, err)
        return self._ok(request, payload, _NO_CACHE)

    def user_realm_v1(self, request: Request, match: re.Match) -> Response:
        """MSAL's ``/common/userrealm/<login>?api-version=1.0`` (asked on the host without port)."""
        return self._ok(request, self.backend.user_realm_v1(unquote(match["login"])), _NO_CACHE)

    def devicecode(self, request: Request, match: re.Match) -> Response:
        form = self._token_form(request)
        try:
            payload = self.backend.device_authorization(self._tenant(match), form)
        except aad.AadstsError as err:
            return self._error(request, err)
        return self._ok(request, payload, _NO_CACHE)

    # --- the verification pages ------------------------------------------------------------------

    def device_login(self, request: Request, match: re.Match) -> Response:
        """``GET /devicelogin``: the code form; ``POST``: the code typed into it."""
        try:
            if request.method == "GET":
                return pages.render(self.backend.begin_device_login())
            form = request.form()
            return pages.render(self.backend.submit_user_code(form.get("flowToken"), form.get("otc", "")))
        except FlowRejected:
            return pages.flow_rejected()

    def device_login_signin(self, request: Request, match: re.Match) -> Response:
        form = request.form()
        try:
            step = self.backend.submit_credentials(
                form.get("flowToken"), form.get("login", ""), form.get("passwd", "")
            )
        except FlowRejected:
            return pages.flow_rejected()
        return pages.render(step)

    def device_login_approve(self, request: Request, match: re.Match) -> Response:
        try:
            return pages.render(self.backend.approve_sign_in(request.form().get("flowToken")))
        except FlowRejected:
            return pages.flow_rejected()

    def device_login_cancel(self, request: Request, match: re.Match) -> Response:
        try:
            return pages.render(self.backend.cancel_sign_in(request.form().get("flowToken")))
        except FlowRejected:
            return pages.flow_rejected()

    def sandbox_device_code(self, request: Request, match: re.Match) -> Response:
        """The tests' hook: approve or decline a user code without a browser (JSON answer, Entra's error
        body when refused)."""
        try:
            payload = self.backend.hook_device_code(request.form())
        except aad.AadstsError as err:
            return self._error(request, err)
        return self._ok(request, payload, _NO_CACHE)

    @staticmethod
    def _token_form(request: Request) -> dict[str, str]:
        """The form fields, plus ``client_secret_basic``. Only a form-urlencoded body is read: Entra treats
        any other body (JSON, say) as carrying no parameters, so the caller sees 900144 'grant_type'."""
        content_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
        form = request.form() if content_type == "application/x-www-form-urlencoded" else {}
        basic = basic_credentials(request.header("Authorization"))
        if basic:
            form.setdefault("client_id", basic[0])
            form.setdefault("client_secret", basic[1])
        return form

    # --- the Service protocol's error answers ----------------------------------------------------

    def not_found(self, request: Request) -> Response:
        """Unknown path on the login host. [unsure] Entra's exact page; an IIS-style 404 (MSAL only looks
        at the status, e.g. to fall back from userrealm)."""
        return Response.html(404, _NOT_FOUND_HTML, _NO_CACHE)

    def method_not_allowed(self, request: Request) -> Response:
        """900561, naming the verbs the endpoint takes (the token endpoint: "POST, OPTIONS")."""
        allowed: list[str] = []
        for route in self._routes:
            if route.pattern.fullmatch(request.path):
                allowed += [m for m in route.methods if m not in allowed]
        if "POST" in allowed and "OPTIONS" not in allowed:
            allowed.append("OPTIONS")
        return self._error(request, aad.method_not_allowed(allowed or ["GET"], request.method.upper()))

    def throttled(self, request: Request, retry_after: int) -> Response:
        return self._error(request, aad.throttled(), headers=[("Retry-After", str(retry_after))])

    def internal_error(self, request: Request, error: Exception) -> Response:
        return self._error(request, aad.server_error())

    def unreadable(self, request: Request, status: int, message: str) -> Response:
        """A body the HTTP layer refused (bad framing 400, over the cap 413) as an Entra error.
        [unsure] Entra's code for these: 90023 is its generic "InvalidRequest"."""
        return self._error(request, aad.AadstsError(90023, "invalid_request", message, status=status))
