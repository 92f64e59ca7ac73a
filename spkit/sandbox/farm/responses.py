"""The farm's services: the web application and Central Administration of on-premises SharePoint Server,
each behind IIS Windows authentication (Negotiate/NTLM, ``ntlm.py``).

One ``FarmService`` answers one role for some farms: ``web`` (the web applications of the HTTPS farms on the
main listener, or one plain-HTTP farm's on its own listener) or ``central_admin`` (one farm's Central
Administration on its own listener, at the port of its URL). A listener's dispatcher holds only the services
that belong on it, so Central Administration is not reachable through the web application's port.

Every request is authenticated first (IIS runs before SharePoint): 401 with ``WWW-Authenticate: Negotiate``
and ``NTLM`` (``Negotiate`` alone for a Kerberos-only farm, ``Basic`` for a Basic-only one), then the handshake
on the connection. SharePoint's request throttling comes after authentication (503 with ``Retry-After``).
A farm whose alternate access mappings miss the requested URL writes the default zone's URL into its
answers (``Farm.public_url``). SharePoint's REST layer then answers in the OData flavour
of ``Accept`` (verbose, nometadata, minimalmetadata; SharePoint Server's ``/_api`` is OData v3, so the v4
``odata.metadata=`` forms are answered as their v3 counterparts [unsure]).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..dispatch import server_error
from ..guids import stable_guid
from ..http import Request, Response, Route
from ..sp_rest.context_info import render_context_info
from ..sp_rest.dates import last_modified
from ..sp_rest.odata import CONTENT_TYPES, Entity, odata_mode, render_entity, select, unless_selected
from ..sp_rest.web_fields import ZERO_GUID
from ..state import SandboxState
from ..timestamps import edm_datetime
from . import models, search, urls
from .exceptions import (
    BUSY_BODY,
    UNAUTHORIZED_BODY,
    FileNotFound,
    InternalError,
    InvalidClientQuery,
    MethodNotAllowed,
    SharePointError,
    error_body,
    unknown_target,
)
from .forms import forms_answer
from .iis import httpsys_refusal
from .ntlm import NtlmGate, Outcome
from .state import Farm, FarmSite, FarmUser

log = logging.getLogger("spkit.sandbox.farm")

_WEB_NAVIGATION = ("FirstUniqueAncestorSecurableObject", "RoleAssignments", "AllProperties", "Lists", "Webs")
_SITE_NAVIGATION = ("Features", "Owner", "RootWeb", "UserCustomActions")
_USER_NAVIGATION = ("Groups",)
# How Central Administration names the web application's authentication provider. [unsure] the wording.
_PROVIDERS = {
    "ntlm": "Windows (NTLM)",
    "kerberos": "Windows (Kerberos)",
    "basic": "Windows (Basic)",
    "forms": "Forms",
}
USER_KEY = "ntlm.user:"  # + farm name: the sAMAccountName the connection authenticated as


def flavour(request: Request) -> str:
    """The OData v3 flavour to answer in: SharePoint Server's ``/_api`` has no v4 forms [unsure]."""
    mode = odata_mode(request.header("Accept"))
    return {"v4": "minimal", "v4none": "nometadata"}.get(mode, mode)


@dataclass(frozen=True)
class Collection:
    """A feed (the sandbox's Central Administration lists) with an optional next page."""

    type_name: str
    base_url: str
    path: str  # farm/webapplications
    items: list[dict[str, Any]]
    next_link: str | None = None


@dataclass(frozen=True)
class Raw:
    """A body rendered by the handler itself per flavour (search results, context info)."""

    body: dict[str, Any]


@dataclass(frozen=True)
class _Context:
    request: Request
    farm: Farm
    user: FarmUser
    mode: str


def render_collection(feed: Collection, mode: str) -> dict[str, Any]:
    if mode == "verbose":
        items = [
            {"__metadata": {"type": feed.type_name}, **{k: _verbose_value(v) for k, v in item.items()}}
            for item in feed.items
        ]
        body: dict[str, Any] = {"results": items}
        if feed.next_link:
            body["__next"] = feed.next_link
        return {"d": body}
    out: dict[str, Any] = {}
    if mode == "minimal":
        out["odata.metadata"] = f"{feed.base_url}/_api/$metadata#{feed.type_name}s"
    out["value"] = feed.items
    if feed.next_link:
        out["odata.nextLink"] = feed.next_link
    return out


def _verbose_value(value: Any) -> Any:
    if isinstance(value, list):
        return {"results": [_verbose_value(v) for v in value]}
    if isinstance(value, dict):
        return {k: _verbose_value(v) for k, v in value.items()}
    return value


def _key_values(pairs: list[tuple[str, str | None, str]], mode: str) -> Any:
    items = []
    for key, value, value_type in pairs:
        item: dict[str, Any] = {"Key": key, "Value": value, "ValueType": value_type}
        if mode == "verbose":
            item = {"__metadata": {"type": "SP.KeyValue"}, **item}
        items.append(item)
    return {"results": items} if mode == "verbose" else items


def render_search(page: search.SearchPage, mode: str, base_url: str, elapsed_ms: int) -> dict[str, Any]:
    """Microsoft.Office.Server.Search.REST.SearchResult, in nometadata/minimal or verbose (``d.query``)."""
    verbose = mode == "verbose"

    def typed(type_name: str, fields: dict[str, Any]) -> dict[str, Any]:
        return {"__metadata": {"type": type_name}, **fields} if verbose else fields

    def collection(items: list) -> Any:
        return {"results": items} if verbose else items

    query_id = str(uuid.uuid4())
    rows = [typed("SP.SimpleDataRow", {"Cells": _key_values(cells, mode)}) for cells in page.rows]
    relevant = typed(
        "Microsoft.Office.Server.Search.REST.RelevantResults",
        {
            "GroupTemplateId": None,
            "ItemTemplateId": None,
            "Properties": _key_values(
                [
                    ("GenerationId", "9223372036854775806", "Edm.Int64"),
                    ("indexSystem", "", "Edm.String"),
                    ("ExecutionTimeMs", str(elapsed_ms), "Edm.Int32"),
                    ("QueryModification", page.query.querytext, "Edm.String"),
                    (
                        "RenderTemplateId",
                        "~sitecollection/_catalogs/masterpage/Display Templates/Search/Group_Default.js",
                        "Edm.String",
                    ),
                    ("StartRecord", str(page.query.start_row), "Edm.Int32"),
                ],
                mode,
            ),
            "ResultTitle": None,
            "ResultTitleUrl": None,
            "RowCount": len(page.rows),
            "Table": typed("SP.SimpleDataTable", {"Rows": collection(rows)}),
            "TotalRows": page.total,
            "TotalRowsIncludingDuplicates": page.total,
        },
    )
    primary = typed(
        "Microsoft.Office.Server.Search.REST.QueryResult",
        {
            "CustomResults": collection([]),
            "QueryId": query_id,
            "QueryRuleId": ZERO_GUID,
            "RefinementResults": None,
            "RelevantResults": relevant,
            "SpecialTermResults": None,
        },
    )
    result = typed(
        "Microsoft.Office.Server.Search.REST.SearchResult",
        {
            "ElapsedTime": elapsed_ms,
            "PrimaryQueryResult": primary,
            "Properties": _key_values(
                [
                    ("RowLimit", str(page.query.row_limit), "Edm.Int32"),
                    ("SourceId", search.LOCAL_SHAREPOINT_RESULTS, "Edm.Guid"),
                    ("CorrelationId", str(uuid.uuid4()), "Edm.Guid"),
                    ("WasGroupRestricted", "false", "Edm.Boolean"),
                    ("IsPartial", "false", "Edm.Boolean"),
                ],
                mode,
            ),
            "SecondaryQueryResults": collection([]),
            "SpellingSuggestion": "",
            "TriggeredRules": collection([]),
        },
    )
    if verbose:
        return {"d": {"query": result}}
    if mode == "minimal":
        return {
            "odata.metadata": f"{base_url}/_api/$metadata#Microsoft.Office.Server.Search.REST.SearchResult",
            **result,
        }
    return result


class FarmService:
    """SharePoint Server for some farms in one role (``web`` or ``central_admin``)."""

    throttleable = True  # --throttle applies; the farm throttles itself, after IIS authentication
    on_premises = True

    def __init__(self, state: SandboxState, farms: list[Farm], role: str) -> None:
        if role not in ("web", "central_admin"):
            raise ValueError(role)
        self.state = state
        self.farms = {f.host: f for f in farms}
        self.role = role
        self.name = f"farm-{role}:" + ",".join(sorted(f.name for f in farms))
        self._gates: dict[str, NtlmGate] = {}

    # --- Service protocol -------------------------------------------------------------------------------

    def serves(self, host: str, port: int) -> bool:
        farm = self.farms.get(host)
        if farm is None:
            return False
        return port == (farm.central_admin_port if self.role == "central_admin" else farm.default_port)

    def routes(self) -> list[Route]:
        return urls.central_admin_routes(self) if self.role == "central_admin" else urls.web_routes(self)

    def not_found(self, request: Request) -> Response:
        def work(ctx: _Context) -> Entity:
            raise unknown_target(ctx.request.path)

        return self._answer(request, work)

    def method_not_allowed(self, request: Request) -> Response:
        def work(ctx: _Context) -> Entity:
            raise MethodNotAllowed(request.method)

        return self._answer(request, work)

    def throttled(self, request: Request, retry_after: int) -> Response:
        """SharePoint Server's HTTP request throttling: 503 with Retry-After and a high health score."""
        headers = [
            (name, "10" if name == "X-SharePointHealthScore" else value)
            for name, value in self._headers(self._farm(request))
        ]
        headers.append(("Retry-After", str(retry_after)))
        return Response.text(503, BUSY_BODY, headers=headers)

    def internal_error(self, request: Request, error: Exception) -> Response:
        response = self._error(self._farm(request), flavour(request), InternalError())
        response.headers.append(("x-sandbox-error", type(error).__name__))
        return response

    def unreadable(self, request: Request, status: int, message: str) -> Response:
        """HTTP.sys refuses an unreadable body before IIS (and SharePoint) see the request."""
        return httpsys_refusal(status, message)

    # --- handlers (urls.py) -------------------------------------------------------------------------------

    def get_web(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            site, url = self._open(ctx, match["web"])
            fields = select(models.web_fields(ctx.farm, site, url), request.arg("$select"), "SP.Web")
            nav = unless_selected(request.arg("$select"), _WEB_NAVIGATION)
            return Entity("SP.Web", "Web", "SP.ApiData.Webs", url, fields, nav)

        return self._answer(request, work)

    def get_site(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            site, url = self._open(ctx, match["web"])
            fields = select(models.site_fields(ctx.farm, site, url), request.arg("$select"), "SP.Site")
            nav = unless_selected(request.arg("$select"), _SITE_NAVIGATION)
            return Entity("SP.Site", "site", "SP.ApiData.Sites", url, fields, nav)

        return self._answer(request, work)

    def get_current_user(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            site, url = self._open(ctx, match["web"])
            fields = models.current_user_fields(ctx.farm, ctx.user, site)
            fields = select(fields, request.arg("$select"), "SP.User")
            nav = unless_selected(request.arg("$select"), _USER_NAVIGATION)
            link = f"Web/GetUserById({fields.get('Id', models.user_id(ctx.user))})"
            return Entity("SP.User", link, "SP.ApiData.Users", url, fields, nav)

        return self._answer(request, work)

    def post_context_info(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Raw:
            _, url = self._open(ctx, match["web"])
            return Raw(render_context_info(models.context_info(ctx.farm, url), ctx.mode, url))

        return self._answer(request, work)

    def search_query(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Raw:
            _, url = self._open(ctx, match["web"])
            query = search.parse_search(lambda name: _arg_ci(request, name))
            page = search.search(ctx.farm, ctx.user, query)
            return Raw(render_search(page, ctx.mode, url, elapsed_ms=31))

        return self._answer(request, work)

    # Central Administration (sandbox endpoints; see docs/sandbox-internals.md)

    def get_farm(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Entity:
            farm = ctx.farm
            admins = [u for u in farm.users.values() if u.farm_admin]
            fields = {
                "Id": farm.farm_id,
                "Name": "SharePoint_Config",
                "BuildVersion": farm.build,
                "DisplayVersion": farm.version,
                "CentralAdministrationUrl": farm.central_admin_url,
                "NetBiosDomainName": farm.netbios_domain,
                "DnsDomainName": farm.dns_domain,
                "Servers": [
                    {
                        "Name": farm.server_name,
                        "Address": f"{farm.server_name.lower()}.{farm.dns_domain}",
                        "Role": "SingleServerFarm",
                    }
                ],
                "FarmAdministrators": [
                    {"LoginName": models.claims_login(farm, u), "Title": u.display_name} for u in admins
                ],
            }
            fields = select(fields, request.arg("$select"), "SP.Administration.SPFarm")
            return Entity(
                "SP.Administration.SPFarm", "farm", "SP.ApiData.Farms", farm.central_admin_url, fields
            )

        return self._answer(request, work)

    def list_web_applications(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Collection:
            farm = ctx.farm
            policies = [
                {
                    "UserName": models.claims_login(farm, u),
                    "DisplayName": u.display_name,
                    "PolicyRoles": [
                        "Full Control" if u.web_application_policy == "full_control" else "Full Read"
                    ],
                }
                for u in farm.users.values()
                if u.web_application_policy != "none"
            ]
            port = farm.default_port
            content = {
                "Id": stable_guid(farm.farm_id, "webapplication"),
                "DisplayName": f"SharePoint - {port}",
                "Url": farm.public_url + "/",
                "IsAdministrationWebApplication": False,
                "ApplicationPool": f"SharePoint - {port}",
                "AuthenticationProviders": [_PROVIDERS[farm.authentication]],
                "ExtendedProtection": "Required" if farm.extended_protection == "required" else "Off",
                "SiteCollectionCount": len(farm.sites),
                "ContentDatabases": [{"Name": "WSS_Content", "SiteCount": len(farm.sites)}],
                "Policies": policies,
            }
            admin = {
                "Id": stable_guid(farm.farm_id, "central-admin", "webapplication"),
                "DisplayName": "SharePoint Central Administration v4",
                "Url": farm.central_admin_url + "/",
                "IsAdministrationWebApplication": True,
                "ApplicationPool": "SharePoint Central Administration v4",
                "AuthenticationProviders": ["Windows (NTLM)"],
                "ExtendedProtection": content["ExtendedProtection"],
                "SiteCollectionCount": 1,
                "ContentDatabases": [{"Name": "SharePoint_AdminContent", "SiteCount": 1}],
                "Policies": [],
            }
            return Collection(
                "SP.Administration.SPWebApplication",
                farm.central_admin_url,
                "farm/webapplications",
                [content, admin],
            )

        return self._answer(request, work)

    def list_site_collections(self, request: Request, match) -> Response:
        def work(ctx: _Context) -> Collection:
            farm = ctx.farm
            top = _page_arg(request, "$top", 1000, 5000)
            skip = _page_arg(request, "$skip", 0, None)
            owner = models.primary_owner(farm)
            items = []
            for index in range(skip, min(skip + top, len(farm.sites))):
                site = farm.sites.get(index)
                items.append(
                    {
                        "Id": site.site_id,
                        "RootWebId": site.web_id,
                        "Url": farm.public_site_url(site),
                        "ServerRelativeUrl": site.path,
                        "Title": site.title,
                        "WebTemplate": f"{site.web_template}#{site.configuration}",
                        "IsPersonalSite": site.is_personal,
                        "Owner": (
                            f"i:0#.w|{farm.netbios_domain.lower()}\\{site.owner}"
                            if site.owner
                            else (models.claims_login(farm, owner) if owner else None)
                        ),
                        "ContentDatabase": "WSS_Content",
                        "Created": edm_datetime(site.created),
                        "LastContentModifiedDate": edm_datetime(last_modified(site)),
                    }
                )
            more = skip + top < len(farm.sites)
            next_link = (
                f"{farm.central_admin_url}/_api/farm/sitecollections?$top={top}&$skip={skip + top}"
                if more
                else None
            )
            return Collection(
                "SP.Administration.SPSite", farm.central_admin_url, "farm/sitecollections", items, next_link
            )

        return self._answer(request, work)

    # --- authentication, sites and rendering -----------------------------------------------------------------

    def _farm(self, request: Request) -> Farm:
        return self.farms[request.host]

    def _open(self, ctx: _Context, web_path: str) -> tuple[FarmSite, str]:
        """The site collection at ``web_path`` if the user may read it (404 / 403 otherwise)."""
        if self.role == "central_admin":
            if web_path.strip("/"):
                raise FileNotFound()
            return models.central_admin_site(ctx.farm), ctx.farm.central_admin_url
        site = models.find_site(ctx.farm, web_path)
        models.authorize_read(ctx.user, site)
        return site, ctx.farm.public_site_url(site)

    def _gate(self, farm: Farm) -> NtlmGate:
        gate = self._gates.get(farm.name)
        if gate is None:
            if self.state.ntlm_user_file is None:
                raise RuntimeError("the farm has no NTLM user file (build_state writes it)")
            gate = self._gates[farm.name] = NtlmGate(
                farm, self.state.ntlm_user_file, offloaded=farm.tls_offload and self.role == "web"
            )
        return gate

    def _authenticate(
        self, request: Request, farm: Farm
    ) -> tuple[FarmUser, list[tuple[str, str]]] | Response:
        """The connection's Windows user (and a final Negotiate token to send, if any), or the 401 that
        continues, or restarts, the handshake."""
        if farm.authentication == "basic":
            return self._basic(request, farm)
        if farm.authentication == "forms" and self.role == "web":  # Central Administration stays Windows
            return forms_answer(request, farm, self._headers(farm))
        key = USER_KEY + farm.name
        connection = request.connection
        outcome = self._gate(farm).step(request.headers, connection, request.server_certificate_der)
        if outcome.kind == "anonymous" and key in connection:
            user = farm.user_by_sam(connection[key])
            if user is not None:
                return user, []  # the connection authenticated earlier (IIS: connection-based NTLM)
        if outcome.kind == "authenticated":
            user = farm.user_for_principal(outcome.principal or "")
            if user is None:
                reason = (
                    f"{outcome.principal}: no such account in {farm.netbios_domain} (or a domain it trusts)"
                )
            elif not user.enabled:
                reason = f"{outcome.principal}: the account is disabled"  # AD: STATUS_ACCOUNT_DISABLED
            else:
                connection[key] = user.sam_account_name.lower()
                return user, [("WWW-Authenticate", outcome.header)] if outcome.header else []
            outcome = Outcome("refused", reason=reason)
        connection.pop(key, None)
        if outcome.kind == "challenge":
            return self._unauthorized(farm, [("WWW-Authenticate", outcome.header or "")])
        if outcome.kind == "refused":
            log.info("farm %s (%s): logon refused: %s", farm.name, self.role, outcome.reason)
        return self._unauthorized(farm, self._challenges(farm))

    @staticmethod
    def _challenges(farm: Farm) -> list[tuple[str, str]]:
        return [
            ("WWW-Authenticate", f'Basic realm="{farm.host}"' if scheme == "Basic" else scheme)
            for scheme in farm.authentication_schemes
        ]

    def _basic(self, request: Request, farm: Farm) -> tuple[FarmUser, list[tuple[str, str]]] | Response:
        """IIS Basic authentication: ``DOMAIN\\user`` or a UPN and the password, on every request; anything
        else (an NTLM or Negotiate token included) is answered with the Basic challenge again."""
        credentials = basic_credentials(request.header("Authorization"))
        if credentials is not None:
            user = farm.user_for_principal(credentials[0])
            if (
                user is not None
                and user.enabled
                and hmac.compare_digest(user.password.encode("utf-8"), credentials[1].encode("utf-8"))
            ):
                return user, []
            log.info("farm %s (%s): Basic logon refused for %s", farm.name, self.role, credentials[0])
        return self._unauthorized(farm, self._challenges(farm))

    def _unauthorized(self, farm: Farm, challenge: list[tuple[str, str]]) -> Response:
        request_id = str(uuid.uuid4())
        headers = [
            ("SPRequestGuid", request_id),
            ("request-id", request_id),
            ("X-FRAME-OPTIONS", "SAMEORIGIN"),
            ("SPRequestDuration", "4"),
            ("SPIisLatency", "0"),
            *challenge,
            ("X-Powered-By", "ASP.NET"),
            ("MicrosoftSharePointTeamServices", farm.team_services_version),
            ("X-Content-Type-Options", "nosniff"),
            ("X-MS-InvokeApp", "1; RequireReadOnly"),
        ]
        return Response.text(401, UNAUTHORIZED_BODY, headers=headers)

    def _answer(self, request: Request, work: Callable[[_Context], Any]) -> Response:
        """Authenticate (IIS), authorize Central Administration, run ``work``, render it or the refusal."""
        farm = self._farm(request)
        authenticated = self._authenticate(request, farm)
        if isinstance(authenticated, Response):
            return authenticated
        user, extra = authenticated
        retry_after = self.state.faults.throttle(request.host, request.path, by_rate=True)
        if retry_after is not None:
            throttled = self.throttled(request, retry_after)
            throttled.headers.extend(extra)
            return throttled
        status = self.state.faults.server_error(request.host, request.path)
        if status is not None:  # SharePoint's own 500s come after authentication, with its headers
            failed = server_error(self, request, status)
            failed.headers.extend(extra)
            return failed
        mode = flavour(request)
        try:
            if self.role == "central_admin":
                models.authorize_central_admin(user)
            result = work(_Context(request, farm, user, mode))
        except SharePointError as err:
            response = self._error(farm, mode, err)
            response.headers.extend(extra)
            return response
        if isinstance(result, Entity):
            body = render_entity(result, mode)
        elif isinstance(result, Collection):
            body = render_collection(result, mode)
        else:
            body = result.body
        headers = self._headers(farm) + [("Persistent-Auth", "true"), *extra]
        return Response.json(200, body, headers, content_type=CONTENT_TYPES[mode])

    def _headers(self, farm: Farm) -> list[tuple[str, str]]:
        request_id = str(uuid.uuid4())
        return [
            ("Cache-Control", "private, max-age=0"),
            ("X-SharePointHealthScore", "0"),
            ("X-SP-SERVERSTATE", "ReadOnly=0"),
            ("DataServiceVersion", "3.0"),
            ("SPClientServiceRequestDuration", "12"),
            ("X-AspNet-Version", "4.0.30319"),
            ("SPRequestGuid", request_id),
            ("request-id", request_id),
            ("X-FRAME-OPTIONS", "SAMEORIGIN"),
            ("SPRequestDuration", "16"),
            ("SPIisLatency", "0"),
            ("X-Powered-By", "ASP.NET"),
            ("MicrosoftSharePointTeamServices", farm.team_services_version),
            ("X-Content-Type-Options", "nosniff"),
            ("X-MS-InvokeApp", "1; RequireReadOnly"),
        ]

    def _error(self, farm: Farm, mode: str, err: SharePointError) -> Response:
        return Response.json(
            err.status, error_body(err, mode), self._headers(farm), content_type=CONTENT_TYPES[mode]
        )


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(login, password) of an ``Authorization: Basic`` header (UTF-8, as browsers send it), or None."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        login, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return (login, password) if sep else None


def _arg_ci(request: Request, name: str) -> str | None:
    """A query parameter by case-insensitive name (SharePoint's search parameters are)."""
    for key, values in request.query.items():
        if key.lower() == name.lower():
            return values[0]
    return None


def _page_arg(request: Request, name: str, default: int, cap: int | None) -> int:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:  # "²".isdigit() is True, int("²") fails
        raise InvalidClientQuery(f'The expression "{name}={raw}" is not valid.')
    value = int(raw)
    return min(value, cap) if cap else value
