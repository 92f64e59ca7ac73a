"""The directory's people and roles, without HTTP: users, their directory roles, and who may do what.

Who may write is decided twice, as in Entra: the token must carry a permission for the operation (``scp``
for a signed-in user, ``roles`` for an app), and a signed-in user must also hold a directory role that
allows it. Both failures are the same 403 ``Authorization_RequestDenied`` "Insufficient privileges to
complete the operation.".

The sandbox tenant is one where **users may not register applications** ("Users can register
applications" = No, the setting careful customers choose): only Global, Application and Cloud Application
Administrators (and Application Developers) create apps; owners keep managing the apps they own.
"""

from __future__ import annotations

from typing import Any

from ..callers import Caller
from ..guids import stable_guid
from ..state import Tenant, User
from ..timestamps import iso_z
from . import catalog
from .catalog import (
    APPLICATION_ADMINISTRATOR,
    APPLICATION_DEVELOPER,
    CLOUD_APPLICATION_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    SHAREPOINT_ADMINISTRATOR,
    RoleTemplate,
)
from .exceptions import BadRequest, ResourceNotFound, insufficient_privileges
from .models import require_permissions
from .odata import EntityType

# --- who may do what (least privileged first, as the permission tables of the Graph docs list them) -----

ME_SCOPES = frozenset(
    {
        "User.Read",
        "User.ReadWrite",
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
USERS_SCOPES = frozenset(
    {
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
USERS_ROLES = frozenset(
    {
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
# [unsure] another user's memberOf: the docs table for /users/{id}/memberOf names these.
MEMBER_OF_SCOPES = frozenset(
    {
        "User.Read.All",
        "GroupMember.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
MEMBER_OF_ROLES = frozenset(
    {"User.Read.All", "GroupMember.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"}
)
DIRECTORY_ROLES_SCOPES = frozenset(
    {
        "RoleManagement.Read.Directory",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
DIRECTORY_ROLES_ROLES = frozenset(
    {"RoleManagement.Read.Directory", "Directory.Read.All", "Directory.ReadWrite.All"}
)

# Directory roles that manage every app registration and enterprise app.
APP_ADMINS = frozenset({GLOBAL_ADMINISTRATOR, APPLICATION_ADMINISTRATOR, CLOUD_APPLICATION_ADMINISTRATOR})
# ... and those that may register apps in a tenant where users may not.
APP_CREATORS = APP_ADMINS | {APPLICATION_DEVELOPER}
# Granting application permissions (app role assignments): Privileged Role Administrator is the least
# privileged role for Microsoft Graph's app roles; Application and Cloud Application Administrators may
# grant any other API's (microsoft-graph-docs rbac-approleassignments-apis-write; Entra "grant tenant-wide
# admin consent"). A SharePoint Administrator may do neither.
GRAPH_CONSENT_ADMINS = frozenset({GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR})
CONSENT_ADMINS = GRAPH_CONSENT_ADMINS | {APPLICATION_ADMINISTRATOR, CLOUD_APPLICATION_ADMINISTRATOR}
SITE_ADMINS = frozenset({GLOBAL_ADMINISTRATOR, SHAREPOINT_ADMINISTRATOR})


def caller_user(caller: Caller) -> User | None:
    """The signed-in user of a delegated token (by ``oid``, else ``upn``); None for app-only tokens."""
    if not caller.delegated:
        return None
    tenant = caller.tenant
    user = next((u for u in tenant.users.values() if u.object_id.lower() == caller.object_id), None)
    if user is None and caller.upn:
        user = tenant.user(caller.upn)
    return user


def directory_roles(user: User | None) -> set[str]:
    """The canonical names of the built-in roles a user holds (unknown names are ignored)."""
    names = set()
    for name in user.roles if user else ():
        template = catalog.role_template(name)
        if template is not None:
            names.add(template.display_name)
    return names


def holds_role(caller: Caller, allowed: frozenset[str]) -> bool:
    user = caller_user(caller)
    return bool(user is not None and user.enabled and directory_roles(user) & allowed)


def require_any(caller: Caller, delegated: frozenset[str], application: frozenset[str]) -> None:
    """The token carries one of the permissions the operation accepts; 403 otherwise."""
    require_permissions(caller)
    if not caller.granted & (delegated if caller.delegated else application):
        raise insufficient_privileges()


# --- users ---------------------------------------------------------------------------------------------

USER_DEFAULT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
USER = EntityType(
    name="user",
    resource="User",
    properties=(
        *USER_DEFAULT,
        "accountEnabled",
        "city",
        "companyName",
        "country",
        "createdDateTime",
        "deletedDateTime",
        "department",
        "employeeId",
        "identities",
        "mailNickname",
        "onPremisesSyncEnabled",
        "otherMails",
        "proxyAddresses",
        "usageLocation",
        "userType",
    ),
    eq=frozenset(
        {
            "userPrincipalName",
            "mail",
            "displayName",
            "id",
            "accountEnabled",
            "userType",
            "givenName",
            "surname",
            "mailNickname",
        }
    ),
    startswith=frozenset(
        {"userPrincipalName", "displayName", "mail", "givenName", "surname", "mailNickname"}
    ),
    any=frozenset({"otherMails", "proxyAddresses"}),
)


def user_resource(user: User, tenant: Tenant) -> dict[str, Any]:
    """Every property the sandbox knows of a user; ``USER_DEFAULT`` is what Graph sends without $select."""
    given, _, surname = user.display_name.partition(" ")
    return {
        "businessPhones": [],
        "displayName": user.display_name,
        "givenName": given or None,
        "jobTitle": None,
        "mail": user.upn,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "surname": surname or None,
        "userPrincipalName": user.upn,
        "id": user.object_id,
        "accountEnabled": user.enabled,
        "city": None,
        "companyName": None,
        "country": None,
        "createdDateTime": iso_z(tenant.created),
        "deletedDateTime": None,
        "department": None,
        "employeeId": None,
        "identities": [
            {"signInType": "userPrincipalName", "issuer": tenant.initial_domain, "issuerAssignedId": user.upn}
        ],
        "mailNickname": user.upn.split("@", 1)[0],
        "onPremisesSyncEnabled": None,
        "otherMails": [],
        "proxyAddresses": [f"SMTP:{user.upn}"],
        "usageLocation": "US",
        "userType": "Member",
    }


def default_user(resource: dict[str, Any]) -> dict[str, Any]:
    return {name: resource[name] for name in USER_DEFAULT}


def user_by_reference(tenant: Tenant, reference: str) -> User:
    """A user by object id or userPrincipalName (case-insensitive); 404 ``Request_ResourceNotFound``."""
    wanted = reference.strip().lower()
    user = tenant.user(wanted) or next(
        (u for u in tenant.users.values() if u.object_id.lower() == wanted), None
    )
    if user is None:
        raise ResourceNotFound.of(reference)
    return user


def me(caller: Caller) -> User:
    """The signed-in user; ``/me`` with an app-only token is Graph's 400."""
    require_permissions(caller)
    if not caller.delegated:
        raise BadRequest("/me request is only valid with delegated authentication flow.")
    if not caller.scopes & ME_SCOPES:
        raise insufficient_privileges()
    user = caller_user(caller)
    if user is None:
        raise ResourceNotFound.of(caller.object_id or caller.upn or "me")
    return user


def authorize_users(caller: Caller, target: User | None = None) -> None:
    """Reading users: User.ReadBasic.All or higher; a signed-in user may always read themself."""
    require_permissions(caller)
    if (
        caller.delegated
        and target is not None
        and caller.scopes & ME_SCOPES
        and caller_user(caller) is target
    ):
        return
    require_any(caller, USERS_SCOPES, USERS_ROLES)


def authorize_member_of(caller: Caller, target: User) -> None:
    """Reading a user's ``memberOf``: themself with a ``/me`` scope, anyone else with a memberOf permission."""
    require_permissions(caller)
    themself = caller.delegated and caller_user(caller) is target
    if not (themself and caller.scopes & ME_SCOPES):
        require_any(caller, MEMBER_OF_SCOPES, MEMBER_OF_ROLES)


# --- directory roles -------------------------------------------------------------------------------------


def directory_role_id(tenant: Tenant, template: RoleTemplate) -> str:
    """A role's object id in one tenant (each tenant activates its own directoryRole objects)."""
    return stable_guid(tenant.tenant_id, "directoryRole", template.template_id)


def directory_role_resource(tenant: Tenant, template: RoleTemplate) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.directoryRole",
        "id": directory_role_id(tenant, template),
        "deletedDateTime": None,
        "description": template.description,
        "displayName": template.display_name,
        "roleTemplateId": template.template_id,
    }


def member_of(tenant: Tenant, user: User) -> list[dict[str, Any]]:
    """The directory roles a user holds, as ``memberOf`` lists them (no groups in the sandbox)."""
    templates = {}
    for name in user.roles:
        template = catalog.role_template(name)
        if template is not None:
            templates[template.template_id] = template
    return [directory_role_resource(tenant, t) for t in templates.values()]


def activated_roles(tenant: Tenant) -> list[dict[str, Any]]:
    """``GET /directoryRoles``: the roles activated in the tenant (held by someone; Global Administrator
    always, since the tenant's creator holds it)."""
    creator = catalog.ROLE_TEMPLATES[GLOBAL_ADMINISTRATOR.lower()]
    held = {creator.template_id: creator}
    for user in tenant.users.values():
        for name in user.roles:
            template = catalog.role_template(name)
            if template is not None:
                held[template.template_id] = template
    return [directory_role_resource(tenant, t) for t in held.values()]
