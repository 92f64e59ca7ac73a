"""The Graph service: parse each request, apply ``models``' rules, render Graph's exact answers.

Every answer carries Graph's ``request-id`` / ``client-request-id`` pair (the latter echoes the client's,
as Graph does), because clients log them and SDKs parse them out of error bodies.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..access_tokens import TokenService
from ..callers import Caller
from ..http import Request, Response, Route
from ..state import GRAPH_APP_ID, SandboxState
from ..timestamps import edm_datetime
from . import models, urls
from .directory_responses import DirectoryHandlers, Reply
from .exceptions import BadRequest, GeneralException, GraphError, MethodNotAllowed, Throttled

ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
ERROR_JSON = "application/json"

Work = Callable[[Request, Caller], "dict[str, Any] | Reply"]
# The top-level segments the sandbox's Graph serves (anything else is Graph's unknown-segment 400).
KNOWN_SEGMENTS = frozenset(
    {
        "sites",
        "organization",
        "me",
        "users",
        "directoryroles",
        "applications",
        "serviceprincipals",
        "oauth2permissiongrants",
    }
)


@dataclass(frozen=True)
class _Ids:
    request_id: str
    client_request_id: str


class GraphService(DirectoryHandlers):
    """Microsoft Graph v1.0 (and beta) on ``graph.<suffix>``: sites (getAllSites, root, by id, Sites.Selected
    permissions), organization, the signed-in user and directory roles, users, app registrations, service
    principals and consent (app role assignments, delegated permission grants)."""

    name = "graph"
    throttleable = True

    def __init__(
        self,
        state: SandboxState,
        tokens: TokenService,
        skip_tokens: models.SkipTokens | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.state = state
        self.tokens = tokens
        self.skip_tokens = skip_tokens or models.SkipTokens()
        self.clock = clock or (lambda: datetime.now(UTC))

    # --- Service protocol -----------------------------------------------------------------------------

    def serves(self, host: str, port: int) -> bool:
        return host.lower() == self.state.graph_host

    def routes(self) -> list[Route]:
        return urls.routes(self)

    def not_found(self, request: Request) -> Response:
        """Graph authenticates first, then names the first path segment it cannot resolve (400)."""
        return self._answer(request, lambda req, caller: self._unknown_segment(req))

    def method_not_allowed(self, request: Request) -> Response:
        return self._error(
            self._ids(request),
            MethodNotAllowed("Specified HTTP method is not allowed for the request target."),
        )

    def throttled(self, request: Request, retry_after: int) -> Response:
        if "/sites" in request.path.lower():
            error = Throttled(
                "The request has been throttled", code="activityLimitReached", inner_code="throttledRequest"
            )
        else:
            error = Throttled("Too many requests", code="TooManyRequests")  # [unsure] directory wording
        error.headers = (("Retry-After", str(retry_after)),)
        return self._error(self._ids(request), error)

    def internal_error(self, request: Request, error: Exception) -> Response:
        failure = GeneralException("General exception while processing")
        failure.headers = (("x-sandbox-error", type(error).__name__),)  # not Microsoft's; helps debugging
        return self._error(self._ids(request), failure)

    def unreadable(self, request: Request, status: int, message: str) -> Response:
        """A body the HTTP layer refused (bad framing 400, over the cap 413) as a Graph error.
        [unsure] the code Graph's front end gives for these; the status is HTTP's."""
        code = "RequestEntityTooLarge" if status == 413 else "BadRequest"
        return self._error(self._ids(request), GraphError(message, code=code, status=status))

    # --- handlers (see urls.py) -----------------------------------------------------------------------

    def get_all_sites(self, request: Request, match) -> Response:
        return self._answer(request, lambda req, caller: self._all_sites(req, caller, match["version"]))

    def get_root_site(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            site = caller.tenant.sites.get(0)
            models.authorize_site(caller, site)
            return self._one_site(req, caller, site, match["version"])

        return self._answer(request, work)

    def get_site(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            models.require_permissions(caller)
            site = models.resolve_site(self.state, caller.tenant, match["ref"])
            models.authorize_site(caller, site)
            return self._one_site(req, caller, site, match["version"])

        return self._answer(request, work)

    def get_organization(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            models.authorize_organization(caller)
            return {
                "@odata.context": f"{self._base(match['version'])}/$metadata#organization",
                "value": [models.organization_resource(caller.tenant)],
            }

        return self._answer(request, work)

    # --- work ---------------------------------------------------------------------------------------

    def _all_sites(self, request: Request, caller: Caller, version: str) -> dict[str, Any]:
        models.authorize_all_sites(caller)
        size = models.page_size(request.arg("$top"))
        select_raw = request.arg("$select")
        select = models.parse_select(select_raw)
        token = request.arg("$skiptoken")
        start = 0 if token is None else self.skip_tokens.read(caller.tenant.tenant_id, token)
        sites, next_start = models.page_of_sites(caller.tenant, start, size)
        shape = "Collection(site)" if select is None else f"Collection(site({','.join(select)}))"  # [unsure]
        payload: dict[str, Any] = {"@odata.context": f"{self._base(version)}/$metadata#{shape}"}
        if next_start is not None:
            link = (
                f"{self._base(version)}/sites/getAllSites?$top={size}"
                f"&$skiptoken={self.skip_tokens.issue(caller.tenant.tenant_id, next_start)}"
            )
            if select_raw:
                link += f"&$select={quote(select_raw, safe=',')}"
            payload["@odata.nextLink"] = link
        payload["value"] = [models.site_resource(site, caller.tenant, select) for site in sites]
        return payload

    def _one_site(self, request: Request, caller: Caller, site, version: str) -> dict[str, Any]:
        select = models.parse_select(request.arg("$select"))
        shape = "sites/$entity" if select is None else f"sites({','.join(select)})/$entity"
        return {
            "@odata.context": f"{self._base(version)}/$metadata#{shape}",
            **models.site_resource(site, caller.tenant, select),
        }

    def _unknown_segment(self, request: Request) -> dict[str, Any]:
        segments = [s for s in request.path.split("/") if s]
        if not segments or segments[0].lower() not in ("v1.0", "beta"):
            raise BadRequest(f"Invalid version: {segments[0] if segments else ''}")  # [unsure]
        rest = segments[1:] or [""]
        top = rest[0].split("(", 1)[0].lower()
        unknown = rest[0] if top not in KNOWN_SEGMENTS else rest[-1]
        raise BadRequest(f"Resource not found for the segment '{unknown}'.")

    # --- rendering ----------------------------------------------------------------------------------

    def _base(self, version: str) -> str:
        return f"{self.state.graph_url}/{version}"

    def _answer(self, request: Request, work: Work) -> Response:
        """Authenticate, run ``work``, render its payload (200, or a ``Reply``'s status) or its ``GraphError``."""
        ids = self._ids(request)
        try:
            caller = models.authenticate(self.state, self.tokens, request.bearer_token())
            payload = work(request, caller)
        except GraphError as err:
            return self._error(ids, err)
        status = 200
        if isinstance(payload, Reply):
            status, payload = payload.status, payload.payload
        if payload is None:
            return Response(status, b"", self._headers(ids))
        return Response.json(status, payload, self._headers(ids), content_type=ODATA_JSON)

    @staticmethod
    def _ids(request: Request) -> _Ids:
        request_id = str(uuid.uuid4())
        return _Ids(request_id, request.header("client-request-id") or request_id)

    @staticmethod
    def _headers(ids: _Ids) -> list[tuple[str, str]]:
        diagnostic = {
            "ServerInfo": {
                "DataCenter": "Sandbox",
                "Slice": "E",
                "Ring": "0",
                "ScaleUnit": "000",
                "RoleInstance": "SANDBOX",
            }
        }
        return [
            ("Cache-Control", "no-cache"),
            ("request-id", ids.request_id),
            ("client-request-id", ids.client_request_id),
            ("x-ms-ags-diagnostic", json.dumps(diagnostic, separators=(",", ":"))),
            ("OData-Version", "4.0"),
            ("Strict-Transport-Security", "max-age=31536000"),
        ]

    def _error(self, ids: _Ids, err: GraphError) -> Response:
        date = edm_datetime(datetime.now(UTC))  # innerError.date: UTC, no zone, no fraction
        headers = self._headers(ids) + list(err.headers)
        if err.status == 401:
            headers.append(("WWW-Authenticate", self._challenge()))
        body = err.body(date=date, request_id=ids.request_id, client_request_id=ids.client_request_id)
        return Response.json(err.status, body, headers, content_type=ERROR_JSON)

    def _challenge(self) -> str:
        """Graph's 401 challenge names the authority and its own app id."""
        return (
            f'Bearer realm="", authorization_uri="{self.state.authority_host}/common/oauth2/authorize", '
            f'client_id="{GRAPH_APP_ID}"'
        )
