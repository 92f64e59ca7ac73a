"""The SharePoint Online service: ``/_api/web``, ``/_api/site`` and ``/_api/contextinfo`` in every OData
flavour, with SharePoint's authentication refusals, error bodies and response headers.

The OData flavour comes from ``Accept`` (``sp_rest.odata``): verbose, nometadata, minimalmetadata and the
OData v4 ``odata.metadata=minimal|none`` forms SharePoint Online also speaks. Entities and the REST layer's
errors are rendered as SharePoint Server's are (``sp_rest``); the bearer-token refusals and the headers
are Online's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..access_tokens import TokenService
from ..callers import Caller
from ..http import Request, Response, Route
from ..site_catalog import Site
from ..sp_rest.context_info import context_info, digest_date, render_context_info
from ..sp_rest.odata import CONTENT_TYPES, Entity, odata_mode, render_entity, select, unless_selected
from ..state import SHAREPOINT_APP_ID, SandboxState, Tenant
from . import models, urls
from .exceptions import (
    THROTTLED_BODY,
    InternalError,
    MethodNotAllowed,
    SharePointError,
    TokenRefused,
    error_body,
    unknown_target,
)

# Navigation properties a verbose answer lists as {"__deferred": {"uri": ..}} (a subset of SharePoint's).
_WEB_NAVIGATION = (
    "FirstUniqueAncestorSecurableObject",
    "RoleAssignments",
    "AllProperties",
    "Lists",
    "RootFolder",
    "SiteUsers",
    "Webs",
)
_SITE_NAVIGATION = ("Features", "Owner", "RootWeb", "UserCustomActions")


@dataclass(frozen=True)
class _Context:
    request: Request
    tenant: Tenant
    kind: str  # root | admin | my
    mode: str
    caller: Caller


class SharePointService:
    """SharePoint Online on ``<t>.``, ``<t>-admin.`` and ``<t>-my.`` + the SharePoint suffix."""

    name = "sharepoint"
    throttleable = True

    def __init__(self, state: SandboxState, tokens: TokenService) -> None:
        self.state = state
        self.tokens = tokens

    # --- Service protocol -----------------------------------------------------------------------------

    def serves(self, host: str, port: int) -> bool:
        return self.state.tenant_by_sharepoint_host(host) is not None

    def routes(self) -> list[Route]:
        return urls.routes(self)

    def not_found(self, request: Request) -> Response:
        """Authenticate first (SharePoint does), then answer like SharePoint for an unknown target."""

        def work(ctx: _Context) -> Entity:
            raise unknown_target(ctx.request.path)

        return self._answer(request, work)

    def method_not_allowed(self, request: Request) -> Response:
        return self._error(
            request,
            odata_mode(request.header("Accept")),
            MethodNotAllowed(request.method),
        )

    def throttled(self, request: Request, retry_after: int) -> Response:
        """429 with Retry-After and Online's plain-text body."""
        headers = self._headers(str(uuid.uuid4())) + [
            ("Retry-After", str(retry_after)),
            ("RateLimit-Limit", "1200"),  # [unsure] SharePoint sends these to apps near their limit
            ("RateLimit-Remaining", "0"),
            ("RateLimit-Reset", str(retry_after)),
        ]
        return Response.text(429, THROTTLED_BODY, headers=headers)

    def internal_error(self, request: Request, error: Exception) -> Response:
        response = self._error(request, odata_mode(request.header("Accept")), InternalError())
        response.headers.append(("x-sandbox-error", type(error).__name__))  # not Microsoft's; for debugging
        return response

    def unreadable(self, request: Request, status: int, message: str) -> Response:
        """A body the HTTP layer refused (bad framing 400, over the cap 413) in the REST layer's shape."""
        return self._error(
            request, odata_mode(request.header("Accept")), SharePointError(message, status=status)
        )

    # --- handlers (see urls.py) -----------------------------------------------------------------------

    def get_web(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            site = self._open(ctx, match["web"])
            fields = select(models.web_fields(site, ctx.kind), request.arg("$select"), "SP.Web")
            nav = unless_selected(request.arg("$select"), _WEB_NAVIGATION)
            return Entity("SP.Web", "Web", "SP.ApiData.Webs", site.url, fields, nav, v4_context="web")

        return self._answer(request, work)

    def get_site(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            site = self._open(ctx, match["web"])
            fields = select(models.site_fields(site), request.arg("$select"), "SP.Site")
            nav = unless_selected(request.arg("$select"), _SITE_NAVIGATION)
            return Entity("SP.Site", "site", "SP.ApiData.Sites", site.url, fields, nav, v4_context="site")

        return self._answer(request, work)

    def post_context_info(self, request: Request, match) -> Response:
        """The form digest clients fetch before their first request (GetContextWebInformation)."""

        def work(ctx: _Context) -> dict:
            site = self._open(ctx, match["web"])
            info = context_info(site.url, models.LIBRARY_VERSION, digest_date(datetime.now(UTC), "-0000"))
            return render_context_info(info, ctx.mode, site.url)

        return self._answer(request, work)

    def _open(self, ctx: _Context, web_path: str) -> Site:
        """The site at ``web_path`` if the caller may read it (404 / 401 / 403 otherwise)."""
        if ctx.kind == "admin":
            models.authorize_admin(ctx.caller)
        site = models.find_site(self.state, ctx.tenant, ctx.kind, ctx.request.host, web_path)
        if ctx.kind != "admin":
            models.authorize_read(ctx.caller, site)
        return site

    # --- rendering ----------------------------------------------------------------------------------

    def _answer(self, request: Request, work: Callable[[_Context], Entity | dict]) -> Response:
        """Authenticate against the host's tenant, run ``work``, render the entity (or take the body it
        rendered itself) or the refusal."""
        tenant, kind = self.state.tenant_by_sharepoint_host(request.host) or (None, "")
        assert tenant is not None  # serves() guarantees it
        mode = odata_mode(request.header("Accept"))
        try:
            caller = models.authenticate(self.tokens, request.bearer_token(), request.host, tenant)
            entity = work(_Context(request, tenant, kind, mode, caller))
        except TokenRefused as refused:
            return self._refused(request, tenant, refused)
        except SharePointError as err:
            return self._error(request, mode, err)
        request_id = str(uuid.uuid4())
        return Response.json(
            200,
            render_entity(entity, mode) if isinstance(entity, Entity) else entity,
            self._headers(request_id, mode),
            content_type=CONTENT_TYPES[mode],
        )

    @staticmethod
    def _headers(request_id: str, mode: str = "minimal") -> list[tuple[str, str]]:
        version = ("OData-Version", "4.0") if mode.startswith("v4") else ("DataServiceVersion", "3.0")
        return [
            ("Cache-Control", "private, max-age=0"),
            ("SPRequestGuid", request_id),
            ("request-id", request_id),
            ("MicrosoftSharePointTeamServices", models.BUILD),
            ("X-SharePointHealthScore", "1"),
            ("SPRequestDuration", "12"),
            ("SPIisLatency", "0"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-MS-InvokeApp", "1; RequireReadOnly"),
            ("Strict-Transport-Security", "max-age=31536000"),
            version,
        ]

    def _error(self, request: Request, mode: str, err: SharePointError) -> Response:
        headers = self._headers(str(uuid.uuid4()), mode)
        if err.status == 401:
            tenant, _ = self.state.tenant_by_sharepoint_host(request.host) or (None, "")
            headers.append(("WWW-Authenticate", self._challenge(tenant)))
        return Response.json(err.status, error_body(err, mode), headers, content_type=CONTENT_TYPES[mode])

    def _refused(self, request: Request, tenant: Tenant, refused: TokenRefused) -> Response:
        headers = self._headers(str(uuid.uuid4())) + [
            ("WWW-Authenticate", self._challenge(tenant)),
            ("x-ms-diagnostics", refused.diagnostics),
        ]
        return Response.json(401, {"error_description": refused.description}, headers)

    def _challenge(self, tenant: Tenant | None) -> str:
        """SharePoint's challenge: clients read the tenant id (realm) from it without any token."""
        realm = tenant.tenant_id if tenant else ""
        login = self.state.authority_host
        return (
            f'Bearer realm="{realm}",client_id="{SHAREPOINT_APP_ID}",'
            f'trusted_issuers="00000001-0000-0000-c000-000000000000@*,{login}/*/",'
            f'authorization_uri="{login}/common/oauth2/authorize"'
        )
