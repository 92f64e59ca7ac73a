"""App role assignments (application consent), without HTTP.

Granting an app role adds ``"<Graph|SharePoint>/<role>"`` to ``app.granted`` and takes effect in issued
tokens ``state.consent_delay_s`` later (``app.granted_at``), like Entra's propagation delay that clients
poll through. Revoking one takes effect at once.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jwt.utils import base64url_encode

from ..state import App, SandboxState, Tenant
from . import app_bodies as bodies
from . import catalog
from .app_resources import ASSIGNMENT
from .catalog import ResourceApp
from .exceptions import RequestBadRequest, ResourceNotFound
from .service_principals import ServicePrincipal, service_principal_by_id


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    app: App
    resource: ResourceApp
    role: catalog.AppRole

    @property
    def permission(self) -> str:
        return f"{self.resource.key}/{self.role.value}"


def assignment_id(principal_id: str, tail: bytes) -> str:
    """Entra's assignment ids: base64url of the principal's GUID (as .NET lays it out) and 16 more bytes
    (``-WmtM5na…`` for principal ``33ad69f9-…``, serviceprincipal-post-approleassignedto example)."""
    return base64url_encode(uuid.UUID(principal_id).bytes_le + tail).decode("ascii")


def assignments(tenant: Tenant) -> list[Assignment]:
    """Every app role assignment of the tenant's apps (scenario grants get stable ids on first sight)."""
    found = []
    for app in sorted(tenant.apps.values(), key=lambda a: (a.created, a.object_id)):
        if not app.service_principal_id:
            continue
        for permission in app.granted:
            key, _, value = permission.partition("/")
            resource = catalog.resource_by_key(key)
            role = resource.role_by_value(value) if resource else None
            if resource is None or role is None:
                continue
            known = app.assignment_ids.get(permission)
            if known is None:
                tail = uuid.uuid5(uuid.UUID(app.service_principal_id), permission).bytes
                known = assignment_id(app.service_principal_id, tail)
                app.assignment_ids[permission] = known
            found.append(Assignment(known, app, resource, role))
    return found


def assignments_of(tenant: Tenant, sp: ServicePrincipal, *, as_resource: bool) -> list[Assignment]:
    """``appRoleAssignedTo`` (granted on this resource) or ``appRoleAssignments`` (granted to this app)."""
    if as_resource:
        return [a for a in assignments(tenant) if sp.resource is not None and a.resource is sp.resource]
    return [a for a in assignments(tenant) if sp.app is not None and a.app is sp.app]


def find_assignment(
    tenant: Tenant, sp: ServicePrincipal, wanted: str, *, as_resource: bool
) -> Assignment | None:
    """One assignment of ``assignments_of`` by its id."""
    return next(
        (a for a in assignments_of(tenant, sp, as_resource=as_resource) if a.assignment_id == wanted), None
    )


def named_resource(tenant: Tenant, body: Any) -> ResourceApp | None:
    """The resource a ``POST …/appRoleAssignments`` body names by ``resourceId``, if it is one of Microsoft's:
    who may grant depends on it (Graph's app roles need more than other APIs'), before the body is read."""
    resource_id = body.get("resourceId") if isinstance(body, dict) else None
    return catalog.resource_by_sp_id(tenant.tenant_id, resource_id) if isinstance(resource_id, str) else None


def assign(
    state: SandboxState,
    tenant: Tenant,
    body: Any,
    *,
    resource_sp: ServicePrincipal | None = None,
    principal_sp: ServicePrincipal | None = None,
    now: datetime,
) -> Assignment:
    """Grant one app role. The path names the resource (``appRoleAssignedTo``) or the principal
    (``appRoleAssignments``); the body names both, and must agree with the path."""
    bodies.check_properties(body, frozenset(ASSIGNMENT.properties), "appRoleAssignment")
    principal_id = bodies.guid(body.get("principalId"), "principalId", "AppRoleAssignment")
    resource_id = bodies.guid(body.get("resourceId"), "resourceId", "AppRoleAssignment")
    role_id = bodies.guid(body.get("appRoleId"), "appRoleId", "AppRoleAssignment")
    if resource_sp is not None and resource_id != resource_sp.id:
        raise RequestBadRequest("Not a valid reference update.")  # [unsure] for a body/path mismatch
    if principal_sp is not None and principal_id != principal_sp.id:
        raise RequestBadRequest("Not a valid reference update.")
    resource_sp = resource_sp or service_principal_by_id(tenant, resource_id)
    principal_sp = principal_sp or service_principal_by_id(tenant, principal_id)
    app = principal_sp.app
    if app is None:
        raise RequestBadRequest("Not a valid reference update.")  # [unsure] a Microsoft SP as principal
    resource = resource_sp.resource
    role = resource.role_by_id(role_id) if resource else None
    if resource is None or role is None:
        # [unsure] the end of the message (the resource named by its appId).
        raise RequestBadRequest(
            f"Permission being assigned was not found on application '{resource_sp.app_id}'."
        )
    permission = f"{resource.key}/{role.value}"
    with state.lock:
        if permission in app.granted:
            raise RequestBadRequest("Permission being assigned already exists on the object.")
        new_id = assignment_id(app.service_principal_id or principal_id, secrets.token_bytes(16))
        app.granted.append(permission)
        app.granted_at[permission] = now + timedelta(seconds=state.consent_delay_s)
        app.consented_at[permission] = now
        app.assignment_ids[permission] = new_id
    return Assignment(new_id, app, resource, role)


def unassign(
    state: SandboxState, tenant: Tenant, sp: ServicePrincipal, wanted: str, *, as_resource: bool
) -> None:
    """Revoke one assignment: new tokens lose the role at once."""
    found = find_assignment(tenant, sp, wanted, as_resource=as_resource)
    if found is None:
        raise ResourceNotFound.of(wanted)
    with state.lock:
        app = found.app
        if found.permission in app.granted:
            app.granted.remove(found.permission)
        app.granted_at.pop(found.permission, None)
        app.consented_at.pop(found.permission, None)
        app.assignment_ids.pop(found.permission, None)
