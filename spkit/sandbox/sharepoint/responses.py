"""The SharePoint Online service: ``/_api/web`` and ``/_api/site`` in every OData flavour, with
SharePoint's authentication refusals, error bodies and response headers.

The OData flavour comes from ``Accept``: ``odata=verbose`` (``{"d": {"__metadata": ..}}``),
``odata=nometadata`` (flat), ``odata=minimalmetadata`` (``odata.metadata`` & co.) and the OData v4
``odata.metadata=minimal|none`` forms SharePoint Online also speaks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..access_tokens import TokenService
from ..http import Request, Response, Route
from ..state import SHAREPOINT_APP_ID, SandboxState, Site, Tenant
from . import models, urls
from .exceptions import (
    FileNotFound,
    InternalError,
    MethodNotAllowed,
    SharePointError,
    TokenRefused,
)

_CONTENT_TYPES = {
    "verbose": "application/json;odata=verbose;charset=utf-8",
    "nometadata": "application/json;odata=nometadata;streaming=true;charset=utf-8",
    "minimal": "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
    "v4": "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8",
    "v4none": "application/json;odata.metadata=none;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8",
}
# Complex-typed properties get their own __metadata in verbose answers.
_COMPLEX_TYPES = {"CurrentChangeToken": "SP.ChangeToken", "ResourcePath": "SP.ResourcePath"}


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


def _unless_selected(request: Request, navigation: tuple[str, ...]) -> tuple[str, ...]:
    """A ``$select`` narrows a verbose answer to the chosen properties: no deferred navigation then."""
    return () if request.arg("$select") else navigation


def odata_mode(accept: str | None) -> str:
    """The OData flavour a client asked for.

    [unsure] Without a JSON ``Accept`` (none, ``*/*``, ``application/atom+xml``) SharePoint answers Atom
    XML; the sandbox answers minimal-metadata JSON instead, since no spkit client asks for XML.
    """
    accept = (accept or "").lower().replace(" ", "")
    if "odata=verbose" in accept:
        return "verbose"
    if "odata=nometadata" in accept:
        return "nometadata"
    if "odata.metadata=none" in accept:
        return "v4none"
    if "odata.metadata=minimal" in accept or "odata.metadata=full" in accept:
        return "v4"
    return "minimal"


@dataclass(frozen=True)
class Entity:
    """One SP entity to render: its type, where it lives, and its (already ``$select``-ed) fields."""

    type_name: str  # SP.Web
    edit_link: str  # Web
    entity_set: str  # SP.ApiData.Webs
    v4_context: str  # web
    base_url: str  # the site's URL
    fields: dict[str, Any]
    deferred: tuple[str, ...] = field(default=())

    @property
    def uri(self) -> str:
        return f"{self.base_url}/_api/{self.edit_link}"


@dataclass(frozen=True)
class _Context:
    request: Request
    tenant: Tenant
    kind: str  # root | admin | my
    mode: str
    caller: models.Caller


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
            _, sep, rest = ctx.request.path.partition("/_api/")
            if sep:
                raise models.resource_not_found(rest.split("/")[0] or "_api")
            raise FileNotFound()

        return self._answer(request, work)

    def method_not_allowed(self, request: Request) -> Response:
        return self._error(
            request,
            odata_mode(request.header("Accept")),
            MethodNotAllowed(f"The HTTP method '{request.method}' cannot be used on this resource."),
        )

    def throttled(self, request: Request, retry_after: int) -> Response:
        """429 with Retry-After; [unsure] body: reports quote a plain "429 TOO MANY REQUESTS"."""
        headers = self._headers(str(uuid.uuid4())) + [
            ("Retry-After", str(retry_after)),
            ("RateLimit-Limit", "1200"),  # [unsure] SharePoint sends these to apps near their limit
            ("RateLimit-Remaining", "0"),
            ("RateLimit-Reset", str(retry_after)),
        ]
        return Response.text(429, "429 TOO MANY REQUESTS", headers=headers)

    def internal_error(self, request: Request, error: Exception) -> Response:
        response = self._error(
            request, odata_mode(request.header("Accept")), InternalError("Sorry, something went wrong.")
        )
        response.headers.append(("x-sandbox-error", type(error).__name__))  # not Microsoft's; for debugging
        return response

    # --- handlers (see urls.py) -----------------------------------------------------------------------

    def get_web(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            site = self._open(ctx, match["web"])
            fields = models.select(models.web_fields(site, ctx.kind), request.arg("$select"), "SP.Web")
            return Entity(
                "SP.Web",
                "Web",
                "SP.ApiData.Webs",
                "web",
                site.url,
                fields,
                deferred=_unless_selected(request, _WEB_NAVIGATION),
            )

        return self._answer(request, work)

    def get_site(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            site = self._open(ctx, match["web"])
            fields = models.select(models.site_fields(site), request.arg("$select"), "SP.Site")
            return Entity(
                "SP.Site",
                "site",
                "SP.ApiData.Sites",
                "site",
                site.url,
                fields,
                deferred=_unless_selected(request, _SITE_NAVIGATION),
            )

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

    def _answer(self, request: Request, work: Callable[[_Context], Entity]) -> Response:
        """Authenticate against the host's tenant, run ``work``, render the entity or the refusal."""
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
            self._render(entity, mode),
            self._headers(request_id, mode),
            content_type=_CONTENT_TYPES[mode],
        )

    @staticmethod
    def _render(entity: Entity, mode: str) -> dict[str, Any]:
        if mode in ("nometadata", "v4none"):
            return dict(entity.fields)
        if mode == "minimal":
            return {
                "odata.metadata": f"{entity.base_url}/_api/$metadata#{entity.entity_set}/@Element",
                "odata.type": entity.type_name,
                "odata.id": entity.uri,
                "odata.editLink": entity.edit_link,
                **entity.fields,
            }
        if mode == "v4":
            # [unsure] the v4 context fragment for /_api/site
            return {
                "@odata.context": f"{entity.base_url}/_api/$metadata#{entity.v4_context}",
                "@odata.type": f"#{entity.type_name}",
                "@odata.id": entity.uri,
                "@odata.editLink": entity.edit_link,
                **entity.fields,
            }
        body: dict[str, Any] = {"__metadata": {"id": entity.uri, "uri": entity.uri, "type": entity.type_name}}
        body.update({nav: {"__deferred": {"uri": f"{entity.uri}/{nav}"}} for nav in entity.deferred})
        for name, value in entity.fields.items():
            complex_type = _COMPLEX_TYPES.get(name)
            body[name] = {"__metadata": {"type": complex_type}, **value} if complex_type and value else value
        return {"d": body}

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
        message = {"code": err.code, "message": {"lang": "en-US", "value": err.message}}
        body = {"error": message} if mode == "verbose" else {"odata.error": message}
        headers = self._headers(str(uuid.uuid4()), mode)
        if err.status == 401:
            tenant, _ = self.state.tenant_by_sharepoint_host(request.host) or (None, "")
            headers.append(("WWW-Authenticate", self._challenge(tenant)))
        return Response.json(err.status, body, headers, content_type=_CONTENT_TYPES[mode])

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
