"""Sites.Selected: the per-site permissions an administrator grants an app (``/sites/{id}/permissions``).

A grant is stored on the tenant (``tenant.site_grants[site_id][client_id]``) and read by
``sharepoint.models.selected_site_access``, so an app holding Sites.Selected reads exactly the sites it
was granted, through Graph and through SharePoint REST alike.

Only an app with Sites.FullControl.All may create these (site-post-permissions: delegated "not
supported"); the note there that "in delegated workflows the user must have an administrator role, such
as SharePoint Administrator or higher" is honoured too: a signed-in SharePoint or Global Administrator with
the delegated Sites.FullControl.All [unsure].
"""

from __future__ import annotations

import base64
from typing import Any

from ..callers import Caller
from ..state import SandboxState, SiteGrant, Tenant
from .directory import SITE_ADMINS, holds_role
from .exceptions import AccessDenied, InvalidRequest, ItemNotFound
from .models import require_permissions

# Roles an application may be granted on a site, weakest first.
ROLES = ("read", "write", "manage", "fullcontrol", "owner")
_DEPRECATION = "GrantedToIdentities has been deprecated. Refer to GrantedToIdentitiesV2"


def authorize(caller: Caller) -> None:
    require_permissions(caller)
    if caller.delegated:
        if "Sites.FullControl.All" in caller.scopes and holds_role(caller, SITE_ADMINS):
            return
    elif "Sites.FullControl.All" in caller.roles:
        return
    raise AccessDenied("Access denied")  # [unsure] wording of the sites workload's refusal here


def permission_id(tenant: Tenant, client_id: str) -> str:
    """SharePoint names an app principal ``i:0i.t|ms.sp.ext|<appId>@<tenantId>``; Graph's permission id is
    that claim, base64 [unsure: observed shape, not documented]."""
    claim = f"i:0i.t|ms.sp.ext|{client_id}@{tenant.tenant_id}"
    return base64.b64encode(claim.encode("utf-8")).decode("ascii")


def permission_resource(grant: SiteGrant) -> dict[str, Any]:
    identity = {"application": {"displayName": grant.display_name, "id": grant.client_id}}
    return {
        "id": grant.permission_id,
        "@deprecated.GrantedToIdentities": _DEPRECATION,
        "roles": list(grant.roles),
        "grantedToIdentities": [identity],
        "grantedToIdentitiesV2": [identity],
    }


def _roles(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(r, str) for r in value):
        raise InvalidRequest("Invalid request")  # [unsure] wording
    roles = [r.lower() for r in value]
    unknown = next((r for r in roles if r not in ROLES), None)
    if unknown is not None:
        raise InvalidRequest(f"Invalid role: '{unknown}'.")  # [unsure] wording
    return list(dict.fromkeys(roles))


def grants(tenant: Tenant, site_id: str) -> list[SiteGrant]:
    return list(tenant.site_grants.get(site_id, {}).values())


def grant(state: SandboxState, tenant: Tenant, site_id: str, body: Any) -> SiteGrant:
    """Grant an app roles on one site (a second grant to the same app replaces its roles)."""
    if not isinstance(body, dict):
        raise InvalidRequest("Invalid request")
    roles = _roles(body.get("roles"))
    identities = body.get("grantedToIdentitiesV2") or body.get("grantedToIdentities")
    if not isinstance(identities, list) or len(identities) != 1 or not isinstance(identities[0], dict):
        raise InvalidRequest("Invalid request")  # [unsure]: exactly one application identity per permission
    application = identities[0].get("application")
    if not isinstance(application, dict) or not isinstance(application.get("id"), str):
        raise InvalidRequest("Invalid request")
    client_id = application["id"].strip().lower()
    app = tenant.app(client_id)
    if app is None:
        raise InvalidRequest(
            f"The application '{application['id']}' was not found in the tenant."
        )  # [unsure]
    display_name = application.get("displayName")
    new = SiteGrant(
        permission_id=permission_id(tenant, app.client_id),
        client_id=app.client_id,
        display_name=display_name if isinstance(display_name, str) else app.name,
        roles=roles,
    )
    with state.lock:
        tenant.site_grants.setdefault(site_id, {})[app.client_id] = new
    return new


def find(tenant: Tenant, site_id: str, wanted: str) -> SiteGrant:
    found = next((g for g in grants(tenant, site_id) if g.permission_id == wanted), None)
    if found is None:
        raise ItemNotFound("Item not found")  # [unsure] wording
    return found


def update(state: SandboxState, found: SiteGrant, body: Any) -> None:
    if not isinstance(body, dict) or set(body) - {"roles"}:
        raise InvalidRequest("Invalid request")
    roles = _roles(body.get("roles"))
    with state.lock:
        found.roles = roles


def revoke(state: SandboxState, tenant: Tenant, site_id: str, found: SiteGrant) -> None:
    with state.lock:
        tenant.site_grants.get(site_id, {}).pop(found.client_id, None)
