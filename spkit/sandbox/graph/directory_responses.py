"""Graph's directory endpoints (``/me``, ``/users``, ``/directoryRoles``, ``/applications``,
``/servicePrincipals``, ``/oauth2PermissionGrants``) and ``/sites/{id}/permissions``: parse, call the rules
(``directory``; ``app_permissions`` with ``applications``, ``service_principals``, ``app_role_assignments``
and ``permission_grants``; ``site_permissions``), render (``app_resources``). Mixed into ``GraphService``,
whose ``_answer`` authenticates and renders errors.

Writes answer as Graph does: POST ``201`` with the new object, PATCH and DELETE ``204`` without a body,
``addPassword`` ``200`` with the one-time ``secretText``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ..http import Request, Response
from ..state import App, SandboxState
from . import app_permissions as permissions
from . import app_resources as resources
from . import app_role_assignments as role_assignments
from . import applications, directory, models, odata, service_principals, site_permissions
from . import permission_grants as grants
from .exceptions import BadRequest, GraphError, RequestBadRequest

if TYPE_CHECKING:
    from ..callers import Caller
    from .models import SkipTokens

DIRECTORY_PAGE_SIZE = 100  # [unsure] the directory's default page size
_PAYLOAD_ERROR = (
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid "
    "JSON format."
)


@dataclass(frozen=True)
class Reply:
    """A handler's answer other than ``200`` with a body: ``201`` + object, ``204`` (payload None)."""

    status: int
    payload: dict[str, Any] | None = None


# Microsoft.OData's 415 for a body in a media type it does not read (seen for text/plain and form bodies).
_MEDIA_TYPE_ERROR = (
    "A supported MIME type could not be found that matches the content type of the response. None of the "
    "supported type(s) 'application/json;odata.metadata=minimal;odata.streaming=true, application/json' "
    "matches the content type '{}'."
)


def json_body(request: Request, *, required: bool = True) -> Any:
    """The JSON a write sends. A body in another declared media type is 415 ``RequestBodyRead``; one that
    is not JSON (or nests deeper than a parser goes) is the 400 Graph gives for an unreadable payload."""
    if not request.body.strip():
        if required:
            raise BadRequest(_PAYLOAD_ERROR)
        return None
    media_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise GraphError(
            _MEDIA_TYPE_ERROR.format(request.header("Content-Type")), code="RequestBodyRead", status=415
        )
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest(_PAYLOAD_ERROR) from None


def object_id(raw: str) -> str:
    """A directory object id from the path; anything but a GUID is Graph's 400."""
    raw = unquote(raw)
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise RequestBadRequest(f"Invalid object identifier '{raw}'.") from None


def page_size(raw: str | None) -> int:
    if raw is None:
        return DIRECTORY_PAGE_SIZE
    size = odata.top_value(raw)
    if not 1 <= size <= models.MAX_PAGE_SIZE:
        raise RequestBadRequest(
            f"Invalid page size specified: '{size}'. Must be between 1 and {models.MAX_PAGE_SIZE} inclusive."
        )
    return size


class DirectoryHandlers:
    """The directory and Sites.Selected handlers of ``GraphService`` (see ``urls.py``)."""

    state: SandboxState
    skip_tokens: SkipTokens
    clock: Callable[[], datetime]

    def _answer(self, request: Request, work: Callable[[Request, Caller], Any]) -> Response:
        raise NotImplementedError

    def _base(self, version: str) -> str:
        raise NotImplementedError

    # --- helpers ----------------------------------------------------------------------------------------

    def _context(self, match, shape: str) -> str:
        return f"{self._base(match['version'])}/$metadata#{shape}"

    def _collection(
        self,
        request: Request,
        caller: Caller,
        match,
        shape: str,
        items: Sequence[dict[str, Any]],
    ) -> dict[str, Any]:
        """One page of an already filtered and rendered collection, with ``@odata.nextLink`` if more."""
        size = page_size(request.arg("$top"))
        token = request.arg("$skiptoken")
        start = 0 if token is None else self.skip_tokens.read(caller.tenant.tenant_id, token)
        if not 0 <= start <= len(items):
            raise BadRequest("Invalid skip token.")  # [unsure]
        stop = min(start + size, len(items))
        payload: dict[str, Any] = {"@odata.context": self._context(match, shape)}
        if stop < len(items):
            query = [
                (k, v)
                for k, v in parse_qsl(request.query_string, keep_blank_values=True)
                if k != "$skiptoken"
            ]
            query.append(("$skiptoken", self.skip_tokens.issue(caller.tenant.tenant_id, stop)))
            payload["@odata.nextLink"] = (
                f"{self.state.graph_url}{request.path}?{urlencode(query, safe='$,()/:', quote_via=quote)}"
            )
        payload["value"] = list(items[start:stop])
        return payload

    def _listing(
        self,
        request: Request,
        caller: Caller,
        match,
        entity: odata.EntityType,
        collection: str,
        objects: Iterable[Any],
        render: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        """``$filter`` + ``$select`` + paging over directory objects rendered by ``render``."""
        filter_ = odata.parse_filter(request.arg("$filter"), entity)
        chosen = odata.parse_select(request.arg("$select"), entity)
        rendered = [render(o) for o in objects]
        kept = [r for r in rendered if odata.matches(filter_, r.get)]
        shown = [odata.select(r, chosen) for r in kept]
        return self._collection(request, caller, match, odata.context_shape(collection, chosen), shown)

    def _entity(
        self, request: Request, match, entity: odata.EntityType, collection: str, resource: dict
    ) -> dict:
        chosen = odata.parse_select(request.arg("$select"), entity)
        return {
            "@odata.context": self._context(match, f"{odata.context_shape(collection, chosen)}/$entity"),
            **odata.select(resource, chosen),
        }

    # --- the signed-in user, users, directory roles --------------------------------------------------------

    def get_me(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            user = directory.me(caller)
            return self._user_entity(req, match, user, caller)

        return self._answer(request, work)

    def get_me_member_of(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            user = directory.me(caller)
            return self._collection(
                req, caller, match, "directoryObjects", directory.member_of(caller.tenant, user)
            )

        return self._answer(request, work)

    def list_users(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            directory.authorize_users(caller)
            tenant = caller.tenant
            users = sorted(tenant.users.values(), key=lambda u: u.upn)
            filter_ = odata.parse_filter(req.arg("$filter"), directory.USER)
            chosen = odata.parse_select(req.arg("$select"), directory.USER)
            full = [directory.user_resource(u, tenant) for u in users]
            kept = [r for r in full if odata.matches(filter_, r.get)]
            shown = [odata.select(r, chosen) if chosen else directory.default_user(r) for r in kept]
            return self._collection(req, caller, match, odata.context_shape("users", chosen), shown)

        return self._answer(request, work)

    def get_user(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            models.require_permissions(caller)
            user = directory.user_by_reference(caller.tenant, unquote(match["user"]))
            directory.authorize_users(caller, user)
            return self._user_entity(req, match, user, caller)

        return self._answer(request, work)

    def get_user_member_of(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            models.require_permissions(caller)
            user = directory.user_by_reference(caller.tenant, unquote(match["user"]))
            directory.authorize_member_of(caller, user)
            return self._collection(
                req, caller, match, "directoryObjects", directory.member_of(caller.tenant, user)
            )

        return self._answer(request, work)

    def list_directory_roles(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            directory.require_any(caller, directory.DIRECTORY_ROLES_SCOPES, directory.DIRECTORY_ROLES_ROLES)
            roles = directory.activated_roles(caller.tenant)
            return self._collection(req, caller, match, "directoryRoles", roles)

        return self._answer(request, work)

    def _user_entity(self, request: Request, match, user, caller: Caller) -> dict[str, Any]:
        chosen = odata.parse_select(request.arg("$select"), directory.USER)
        full = directory.user_resource(user, caller.tenant)
        shown = odata.select(full, chosen) if chosen else directory.default_user(full)
        return {
            "@odata.context": self._context(match, f"{odata.context_shape('users', chosen)}/$entity"),
            **shown,
        }

    # --- applications -----------------------------------------------------------------------------------

    def _application(self, caller: Caller, match) -> App:
        if match["app_id"] is not None:
            return applications.application_by_app_id(caller.tenant, unquote(match["app_id"]))
        return applications.application_by_object_id(caller.tenant, object_id(match["id"]))

    def list_applications(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            permissions.authorize_read(caller)
            tenant = caller.tenant
            return self._listing(
                req,
                caller,
                match,
                resources.APPLICATION,
                "applications",
                applications.applications_visible(caller),
                lambda app: resources.application_resource(app, tenant),
            )

        return self._answer(request, work)

    def create_application(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            permissions.authorize_create(caller)
            app = applications.create_application(self.state, caller, json_body(req), self.clock())
            resource = resources.application_resource(app, caller.tenant)
            return Reply(201, {"@odata.context": self._context(match, "applications/$entity"), **resource})

        return self._answer(request, work)

    def get_application(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            permissions.authorize_read(caller)
            app = self._application(caller, match)
            chosen = odata.parse_select(req.arg("$select"), resources.APPLICATION)
            # The certificate itself is only sent when selected on one object (keyCredential docs).
            resource = resources.application_resource(
                app, caller.tenant, with_keys=bool(chosen and "keyCredentials" in chosen)
            )
            return self._entity(req, match, resources.APPLICATION, "applications", resource)

        return self._answer(request, work)

    def update_application(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            models.require_permissions(caller)
            app = self._application(caller, match)
            permissions.authorize_manage(caller, app)
            applications.update_application(self.state, app, json_body(req))
            return Reply(204)

        return self._answer(request, work)

    def delete_application(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            models.require_permissions(caller)
            app = self._application(caller, match)
            permissions.authorize_manage(caller, app)
            applications.delete_application(self.state, caller.tenant, app)
            return Reply(204)

        return self._answer(request, work)

    def add_password(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            models.require_permissions(caller)
            app = self._application(caller, match)
            permissions.authorize_manage(caller, app)
            secret, value = applications.add_password(
                self.state, app, json_body(req, required=False), self.clock()
            )
            return {
                "@odata.context": self._context(match, "microsoft.graph.passwordCredential"),
                **resources.password_resource(secret, secret_text=value),
            }

        return self._answer(request, work)

    def remove_password(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            models.require_permissions(caller)
            app = self._application(caller, match)
            permissions.authorize_manage(caller, app)
            applications.remove_password(self.state, app, json_body(req))
            return Reply(204)

        return self._answer(request, work)

    # --- service principals -----------------------------------------------------------------------------

    def _service_principal(self, caller: Caller, match) -> service_principals.ServicePrincipal:
        if match["app_id"] is not None:
            return service_principals.service_principal_by_app_id(caller.tenant, unquote(match["app_id"]))
        return service_principals.service_principal_by_id(caller.tenant, object_id(match["id"]))

    def _sp_resource(self, caller: Caller) -> Callable[[service_principals.ServicePrincipal], dict[str, Any]]:
        return lambda sp: resources.service_principal_resource(sp, self.state, caller.tenant)

    def list_service_principals(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            permissions.authorize_read(caller)
            sps = service_principals.service_principals(caller.tenant)
            return self._listing(
                req,
                caller,
                match,
                resources.SERVICE_PRINCIPAL,
                "servicePrincipals",
                sps,
                self._sp_resource(caller),
            )

        return self._answer(request, work)

    def create_service_principal(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            sp = service_principals.create_service_principal(self.state, caller, json_body(req))
            resource = resources.service_principal_resource(sp, self.state, caller.tenant)
            return Reply(
                201, {"@odata.context": self._context(match, "servicePrincipals/$entity"), **resource}
            )

        return self._answer(request, work)

    def get_service_principal(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            permissions.authorize_read(caller)
            sp = self._service_principal(caller, match)
            resource = resources.service_principal_resource(sp, self.state, caller.tenant)
            return self._entity(req, match, resources.SERVICE_PRINCIPAL, "servicePrincipals", resource)

        return self._answer(request, work)

    def delete_service_principal(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            models.require_permissions(caller)
            sp = self._service_principal(caller, match)
            service_principals.delete_service_principal(self.state, caller, sp)
            return Reply(204)

        return self._answer(request, work)

    # --- app role assignments (application consent) -----------------------------------------------------

    def _relationship(self, match) -> tuple[bool, str]:
        """(as_resource, relationship name) for ``appRoleAssignedTo`` / ``appRoleAssignments``."""
        name = match["relation"]
        return name.lower() == "approleassignedto", name

    def list_role_assignments(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            permissions.authorize_read(caller)
            sp = self._service_principal(caller, match)
            as_resource, name = self._relationship(match)
            found = role_assignments.assignments_of(caller.tenant, sp, as_resource=as_resource)
            return self._listing(
                req,
                caller,
                match,
                resources.ASSIGNMENT,
                f"servicePrincipals('{sp.id}')/{name}",
                found,
                lambda a: resources.assignment_resource(a, caller.tenant),
            )

        return self._answer(request, work)

    def create_role_assignment(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            models.require_permissions(caller)
            sp = self._service_principal(caller, match)
            as_resource, name = self._relationship(match)
            body = json_body(req)
            if as_resource:
                permissions.authorize_assign(caller, sp.resource)
                created = role_assignments.assign(
                    self.state, caller.tenant, body, resource_sp=sp, now=self.clock()
                )
            else:
                permissions.authorize_assign(caller, role_assignments.named_resource(caller.tenant, body))
                created = role_assignments.assign(
                    self.state, caller.tenant, body, principal_sp=sp, now=self.clock()
                )
            rendered = resources.assignment_resource(created, caller.tenant)
            context = self._context(match, f"servicePrincipals('{sp.id}')/{name}/$entity")
            return Reply(201, {"@odata.context": context, **rendered})

        return self._answer(request, work)

    def delete_role_assignment(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            models.require_permissions(caller)
            sp = self._service_principal(caller, match)
            as_resource, _ = self._relationship(match)
            wanted = unquote(match["assignment"])
            found = role_assignments.find_assignment(caller.tenant, sp, wanted, as_resource=as_resource)
            permissions.authorize_assign(caller, found.resource if found else sp.resource)
            role_assignments.unassign(self.state, caller.tenant, sp, wanted, as_resource=as_resource)
            return Reply(204)

        return self._answer(request, work)

    # --- delegated permission grants ------------------------------------------------------------------------

    def list_grants(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            permissions.authorize_read_grants(caller)
            client = None
            if match.groupdict().get("id") is not None or match.groupdict().get("app_id") is not None:
                client = self._service_principal(caller, match)
            found = grants.grants_of(caller.tenant, client)
            return self._listing(
                req, caller, match, resources.GRANT, "oauth2PermissionGrants", found, resources.grant_resource
            )

        return self._answer(request, work)

    def create_grant(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            permissions.authorize_write_grants(caller)
            grant = grants.create_grant(self.state, caller.tenant, json_body(req))
            context = self._context(match, "oauth2PermissionGrants/$entity")
            return Reply(201, {"@odata.context": context, **resources.grant_resource(grant)})

        return self._answer(request, work)

    def get_grant(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            permissions.authorize_read_grants(caller)
            grant = grants.grant_by_id(caller.tenant, unquote(match["grant"]))
            return self._entity(
                req, match, resources.GRANT, "oauth2PermissionGrants", resources.grant_resource(grant)
            )

        return self._answer(request, work)

    def update_grant(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            permissions.authorize_write_grants(caller)
            grant = grants.grant_by_id(caller.tenant, unquote(match["grant"]))
            grants.update_grant(self.state, caller.tenant, grant, json_body(req))
            return Reply(204)

        return self._answer(request, work)

    def delete_grant(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            permissions.authorize_write_grants(caller)
            grant = grants.grant_by_id(caller.tenant, unquote(match["grant"]))
            grants.delete_grant(self.state, caller.tenant, grant)
            return Reply(204)

        return self._answer(request, work)

    # --- Sites.Selected: /sites/{id}/permissions ------------------------------------------------------------

    def _permissions_site(self, caller: Caller, match):
        site_permissions.authorize(caller)
        return models.resolve_site(self.state, caller.tenant, match["ref"])

    def list_site_permissions(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            site = self._permissions_site(caller, match)
            found = [
                site_permissions.permission_resource(g)
                for g in site_permissions.grants(caller.tenant, site.site_id)
            ]
            return self._collection(req, caller, match, f"sites('{site.graph_id}')/permissions", found)

        return self._answer(request, work)

    def create_site_permission(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            site = self._permissions_site(caller, match)
            grant = site_permissions.grant(self.state, caller.tenant, site.site_id, json_body(req))
            context = self._context(match, f"sites('{site.graph_id}')/permissions/$entity")
            return Reply(201, {"@odata.context": context, **site_permissions.permission_resource(grant)})

        return self._answer(request, work)

    def get_site_permission(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            site = self._permissions_site(caller, match)
            grant = site_permissions.find(caller.tenant, site.site_id, unquote(match["permission"]))
            context = self._context(match, f"sites('{site.graph_id}')/permissions/$entity")
            return {"@odata.context": context, **site_permissions.permission_resource(grant)}

        return self._answer(request, work)

    def update_site_permission(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> dict[str, Any]:
            site = self._permissions_site(caller, match)
            grant = site_permissions.find(caller.tenant, site.site_id, unquote(match["permission"]))
            site_permissions.update(self.state, grant, json_body(req))
            context = self._context(match, f"sites('{site.graph_id}')/permissions/$entity")
            return {"@odata.context": context, **site_permissions.permission_resource(grant)}

        return self._answer(request, work)

    def delete_site_permission(self, request: Request, match) -> Response:
        def work(req: Request, caller: Caller) -> Reply:
            site = self._permissions_site(caller, match)
            grant = site_permissions.find(caller.tenant, site.site_id, unquote(match["permission"]))
            site_permissions.revoke(self.state, caller.tenant, site.site_id, grant)
            return Reply(204)

        return self._answer(request, work)
