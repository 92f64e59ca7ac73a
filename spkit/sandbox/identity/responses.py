"""The identity platform as a sandbox ``Service``: parse the request, call the rule, render Entra's answer.

``IdentityService`` holds the per-sandbox wiring (``IdentityContext``: state, token signer, clock, the
delegated stores) and hands it to the rules, which are free functions in the topic modules
(``discovery``, ``token_endpoint``, ``device_flow``). Here are only the HTTP facts Entra shows: which form
the token endpoint reads (``application/x-www-form-urlencoded`` only, so a JSON body is "missing
grant_type" exactly as Entra says), ``client_secret_basic``, ``client-request-id`` echoed as the
correlation id, the cache headers, and the error pages for unknown paths and wrong methods.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import unquote

from ..access_tokens import TokenService
from ..http import Request, Response, Route
from ..state import SandboxState
from . import device_flow, discovery, pages
from . import exceptions as aad
from .client_auth import basic_credentials
from .context import IdentityContext
from .exceptions import FlowRejected
from .models import TokenRequest
from .token_endpoint import token
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

    def __init__(
        self, state: SandboxState, tokens: TokenService, clock: Callable[[], float] = time.time
    ) -> None:
        self.context = IdentityContext(state, tokens, clock)
        self._routes = url_routes(self)

    @property
    def state(self) -> SandboxState:
        return self.context.state

    def serves(self, host: str, port: int) -> bool:
        return host.lower() == self.state.login_host

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
            self.context.authority,
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
            document = discovery.openid_configuration(self.state, self._tenant(match))
            return self._ok(request, document, _METADATA_CACHE)
        except aad.AadstsError as err:
            return self._error(request, err)

    def openid_configuration_v1(self, request: Request, match: re.Match) -> Response:
        try:
            document = discovery.openid_configuration_v1(self.state, self._tenant(match))
            return self._ok(request, document, _METADATA_CACHE)
        except aad.AadstsError as err:
            return self._error(request, err)

    def keys(self, request: Request, match: re.Match) -> Response:
        try:
            keys = discovery.jwks(self.state, self.context.tokens, self._tenant(match))
            return self._ok(request, keys, _METADATA_CACHE)
        except aad.AadstsError as err:
            return self._error(request, err)

    def user_realm(self, request: Request, match: re.Match) -> Response:
        return self._ok(request, discovery.user_realm(self.state, request.arg("login")), _NO_CACHE)

    def token(self, request: Request, match: re.Match) -> Response:
        form = self._token_form(request)  # read the body first, whatever the outcome
        try:
            payload = token(self.context, TokenRequest(tenant_ref=self._tenant(match), form=form))
        except aad.AadstsError as err:
            return self._error(request, err)
        return self._ok(request, payload, _NO_CACHE)

    def user_realm_v1(self, request: Request, match: re.Match) -> Response:
        """MSAL's ``/common/userrealm/<login>?api-version=1.0`` (asked on the host without port)."""
        return self._ok(request, discovery.user_realm_v1(self.state, unquote(match["login"])), _NO_CACHE)

    def devicecode(self, request: Request, match: re.Match) -> Response:
        form = self._token_form(request)
        try:
            payload = device_flow.device_authorization(self.context, self._tenant(match), form)
        except aad.AadstsError as err:
            return self._error(request, err)
        return self._ok(request, payload, _NO_CACHE)

    # --- the verification pages ------------------------------------------------------------------

    def device_login(self, request: Request, match: re.Match) -> Response:
        """``GET /devicelogin``: the code form; ``POST``: the code typed into it."""
        try:
            if request.method == "GET":
                return pages.render(device_flow.begin_device_login(self.context))
            form = request.form()
            step = device_flow.submit_user_code(self.context, form.get("flowToken"), form.get("otc", ""))
            return pages.render(step)
        except FlowRejected:
            return pages.flow_rejected()

    def device_login_signin(self, request: Request, match: re.Match) -> Response:
        form = request.form()
        try:
            step = device_flow.submit_credentials(
                self.context, form.get("flowToken"), form.get("login", ""), form.get("passwd", "")
            )
        except FlowRejected:
            return pages.flow_rejected()
        return pages.render(step)

    def device_login_approve(self, request: Request, match: re.Match) -> Response:
        try:
            return pages.render(device_flow.approve_sign_in(self.context, request.form().get("flowToken")))
        except FlowRejected:
            return pages.flow_rejected()

    def device_login_cancel(self, request: Request, match: re.Match) -> Response:
        try:
            return pages.render(device_flow.cancel_sign_in(self.context, request.form().get("flowToken")))
        except FlowRejected:
            return pages.flow_rejected()

    def sandbox_device_code(self, request: Request, match: re.Match) -> Response:
        """The tests' hook: approve or decline a user code without a browser (JSON answer, Entra's error
        body when refused)."""
        try:
            payload = device_flow.hook_device_code(self.context, request.form())
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
