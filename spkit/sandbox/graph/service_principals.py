"""Service principals, without HTTP: the identity an app has in a tenant, which consent attaches to.

An app's service principal is its ``service_principal_id`` (None until ``POST /servicePrincipals``). The
resource service principals of Microsoft Graph and SharePoint are not apps of the tenant: they come from
``catalog``, and the sandbox does not let them be created or deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..callers import Caller
from ..state import App, SandboxState, Tenant
from . import app_bodies as bodies
from . import app_permissions as permissions
from . import catalog
from .catalog import ResourceApp
from .exceptions import ObjectConflict, RequestBadRequest, ResourceNotFound


@dataclass(frozen=True)
class ServicePrincipal:
    """A service principal of the tenant: a Microsoft resource (``resource``) or one of its apps (``app``)."""

    id: str
    app_id: str
    display_name: str
    resource: ResourceApp | None = None
    app: App | None = None


def service_principals(tenant: Tenant) -> list[ServicePrincipal]:
    """Microsoft's resources first, then the tenant's apps that have one, oldest first."""
    resources = [
        ServicePrincipal(r.service_principal_id(tenant.tenant_id), r.app_id, r.display_name, resource=r)
        for r in catalog.RESOURCES
    ]
    apps = sorted(
        (a for a in tenant.apps.values() if a.service_principal_id),
        key=lambda a: (a.created, a.object_id),
    )
    return resources + [
        ServicePrincipal(a.service_principal_id or "", a.client_id, a.name, app=a) for a in apps
    ]


def service_principal_by_id(tenant: Tenant, sp_id: str) -> ServicePrincipal:
    wanted = sp_id.strip().lower()
    found = next((sp for sp in service_principals(tenant) if sp.id == wanted), None)
    if found is None:
        raise ResourceNotFound.of(sp_id)
    return found


def service_principal_by_app_id(tenant: Tenant, app_id: str) -> ServicePrincipal:
    wanted = app_id.strip().lower()
    found = next((sp for sp in service_principals(tenant) if sp.app_id == wanted), None)
    if found is None:
        raise ResourceNotFound.of(app_id)
    return found


def create_service_principal(state: SandboxState, caller: Caller, body: Any) -> ServicePrincipal:
    """``POST /servicePrincipals {appId}``: the app's identity in this tenant, which consent attaches to."""
    permissions.authorize_write(caller)
    app_id = bodies.service_principal_app_id(body)
    resource = catalog.resource_by_app_id(app_id)
    app = caller.tenant.app(app_id) if resource is None else None
    if resource is None and app is None:
        message = (
            f"The appId '{app_id}' of the service principal does not reference a valid application object."
        )
        raise RequestBadRequest(
            message, details=[{"code": "NoBackingApplicationObject", "message": message, "target": "appId"}]
        )
    permissions.authorize_service_principal(caller, app)
    with state.lock:
        if resource is not None or (app is not None and app.service_principal_id):
            raise ObjectConflict(
                "The service principal cannot be created, updated, or restored because the service principal "
                f"name {app_id} is already in use."
            )
        assert app is not None
        app.service_principal_id = str(uuid.uuid4())
    return ServicePrincipal(app.service_principal_id, app.client_id, app.name, app=app)


def delete_service_principal(state: SandboxState, caller: Caller, sp: ServicePrincipal) -> None:
    permissions.authorize_remove_service_principal(caller, sp.app)
    assert sp.app is not None
    with state.lock:
        remove_service_principal(caller.tenant, sp.app)


def remove_service_principal(tenant: Tenant, app: App) -> None:
    """Deleting a service principal deletes its app role assignments and delegated grants with it."""
    if app.service_principal_id:
        for grant_id in [
            g.grant_id for g in tenant.oauth2_grants.values() if g.client_id == app.service_principal_id
        ]:
            tenant.oauth2_grants.pop(grant_id, None)
    app.granted = []
    app.granted_at = {}
    app.consented_at = {}
    app.assignment_ids = {}
    app.service_principal_id = None
