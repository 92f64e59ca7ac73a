"""Who may read and change app registrations, service principals and consent, as Graph decides it.

Each rule checks the token's permission first (``scp`` for a signed-in user, ``roles`` for an app), then,
for a signed-in user, the directory role the operation needs (``directory.py``); both refusals are 403
``Authorization_RequestDenied``.
"""

from __future__ import annotations

from ..callers import Caller
from ..state import App
from . import catalog
from .catalog import ResourceApp
from .directory import (
    APP_ADMINS,
    APP_CREATORS,
    CONSENT_ADMINS,
    GRAPH_CONSENT_ADMINS,
    holds_role,
    require_any,
)
from .exceptions import insufficient_privileges
from .models import require_permissions

READ_SCOPES = frozenset(
    {
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
READ_ROLES = frozenset(
    {
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Application.ReadWrite.OwnedBy",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
# POST /applications: delegated Application.ReadWrite.All; application Application.ReadWrite.OwnedBy or
# Application.ReadWrite.All (application-post-applications). Directory.ReadWrite.All does not create apps.
WRITE_SCOPES = frozenset({"Application.ReadWrite.All", "Directory.AccessAsUser.All"})
WRITE_ROLES = frozenset({"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"})
# App role assignments need AppRoleAssignment.ReadWrite.All *and* a permission to read the service
# principals involved (Application.Read.All or more): with AppRoleAssignment.ReadWrite.All alone Graph
# answers 403 (microsoftgraph/microsoft-graph-docs#12833).
ASSIGN = "AppRoleAssignment.ReadWrite.All"
ASSIGN_READ = frozenset(
    {"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
)
GRANT_SCOPES = frozenset(
    {"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
)
GRANT_ROLES = frozenset({"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"})
GRANT_READ_SCOPES = GRANT_SCOPES | {"DelegatedPermissionGrant.Read.All", "Directory.Read.All"}
GRANT_READ_ROLES = GRANT_ROLES | {"DelegatedPermissionGrant.Read.All", "Directory.Read.All"}


def authorize_read(caller: Caller) -> None:
    require_any(caller, READ_SCOPES, READ_ROLES)


def authorize_write(caller: Caller) -> None:
    """The token may write app registrations at all (which ones is ``authorize_manage``'s question)."""
    require_any(caller, WRITE_SCOPES, WRITE_ROLES)


def authorize_create(caller: Caller) -> None:
    """Registering an app: the permission, and (signed in) a role that may register apps here."""
    authorize_write(caller)
    if caller.delegated and not holds_role(caller, APP_CREATORS):
        raise insufficient_privileges()


def owner_id(caller: Caller) -> str | None:
    """The object id that owns what this caller creates: the user, or the calling app's service principal."""
    if caller.delegated:
        return caller.object_id or None
    app = caller.tenant.app(caller.client_id)
    return app.service_principal_id if app else None


def sees_owned_only(caller: Caller) -> bool:
    """An app holding Application.ReadWrite.OwnedBy and no wider read role lists only the apps it owns."""
    return not caller.delegated and not caller.roles & (READ_ROLES - {"Application.ReadWrite.OwnedBy"})


def authorize_manage(caller: Caller, app: App) -> None:
    """Changing or deleting one app (and its service principal): an app administrator, or its owner."""
    authorize_write(caller)
    owned = owner_id(caller) in app.owner_ids
    if caller.delegated:
        if holds_role(caller, APP_ADMINS) or owned:
            return
    elif "Application.ReadWrite.All" in caller.roles or owned:
        return
    raise insufficient_privileges()


def authorize_service_principal(caller: Caller, app: App | None) -> None:
    """Creating a service principal (after ``authorize_write``): for one of the tenant's apps, whoever may
    manage it; for a Microsoft resource, a signed-in app administrator (or an app)."""
    if app is not None:
        authorize_manage(caller, app)
    elif caller.delegated and not holds_role(caller, APP_ADMINS):
        raise insufficient_privileges()


def authorize_remove_service_principal(caller: Caller, app: App | None) -> None:
    """Deleting a service principal: whoever may manage its app. ``app`` None is a Microsoft resource's.

    [unsure] Entra lets a Global Administrator delete Microsoft's service principals; the sandbox keeps its
    two resources, which every consent refers to."""
    if app is None:
        authorize_write(caller)
        raise insufficient_privileges()
    authorize_manage(caller, app)


def authorize_assign(caller: Caller, resource: ResourceApp | None) -> None:
    """Granting or revoking application permissions on one resource's app roles."""
    require_permissions(caller)
    granted = caller.granted
    allowed = ASSIGN in granted and bool(granted & ASSIGN_READ)
    if caller.delegated:
        allowed = allowed or "Directory.AccessAsUser.All" in granted
        admins = GRAPH_CONSENT_ADMINS if resource is catalog.GRAPH else CONSENT_ADMINS
        if allowed and not holds_role(caller, admins):
            raise insufficient_privileges()
    if not allowed:
        raise insufficient_privileges()


def authorize_read_grants(caller: Caller) -> None:
    require_any(caller, GRANT_READ_SCOPES, GRANT_READ_ROLES)


def authorize_write_grants(caller: Caller) -> None:
    """Delegated consent: Global, Privileged Role, Application or Cloud Application Administrator."""
    require_any(caller, GRANT_SCOPES, GRANT_ROLES)
    if caller.delegated and not holds_role(caller, CONSENT_ADMINS):
        raise insufficient_privileges()
