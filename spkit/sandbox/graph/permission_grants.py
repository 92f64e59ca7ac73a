"""Delegated permission grants (``oauth2PermissionGrants``), without HTTP: the scopes a client may use on
a resource for every user of the tenant (``AllPrincipals``) or for one (``Principal``)."""

from __future__ import annotations

import uuid
from typing import Any

from jwt.utils import base64url_encode

from ..state import OAuth2Grant, SandboxState, Tenant
from . import app_bodies as bodies
from . import catalog
from .app_resources import GRANT
from .exceptions import ObjectConflict, ResourceNotFound
from .service_principals import ServicePrincipal, service_principal_by_id


def grant_id(client_id: str, resource_id: str, principal_id: str | None) -> str:
    """Entra's grant ids: base64url of the client's and the resource's GUIDs (and the user's)."""
    raw = uuid.UUID(client_id).bytes_le + uuid.UUID(resource_id).bytes_le
    if principal_id:
        raw += uuid.UUID(principal_id).bytes_le
    return base64url_encode(raw).decode("ascii")


def grants_of(tenant: Tenant, client: ServicePrincipal | None = None) -> list[OAuth2Grant]:
    """The tenant's grants, or those made to one client's service principal."""
    grants = list(tenant.oauth2_grants.values())
    return grants if client is None else [g for g in grants if g.client_id == client.id]


def create_grant(state: SandboxState, tenant: Tenant, body: Any) -> OAuth2Grant:
    bodies.check_properties(
        body, frozenset(GRANT.properties) | {"expiryTime", "startTime"}, "oAuth2PermissionGrant"
    )
    client_id = bodies.guid(body.get("clientId"), "clientId", "OAuth2PermissionGrant")
    resource_id = bodies.guid(body.get("resourceId"), "resourceId", "OAuth2PermissionGrant")
    consent_type = body.get("consentType")
    if consent_type not in ("AllPrincipals", "Principal"):
        raise bodies.invalid("consentType", "OAuth2PermissionGrant")
    principal_id = body.get("principalId")
    if consent_type == "Principal":
        principal_id = bodies.guid(principal_id, "principalId", "OAuth2PermissionGrant")
        if not any(u.object_id.lower() == principal_id for u in tenant.users.values()):
            raise ResourceNotFound.of(principal_id)
    elif principal_id is not None:
        raise bodies.invalid("principalId", "OAuth2PermissionGrant")
    service_principal_by_id(tenant, client_id)
    resource_sp = service_principal_by_id(tenant, resource_id)
    scope = bodies.parse_scope(body.get("scope"), resource_sp.resource)
    grant = OAuth2Grant(
        grant_id(client_id, resource_id, principal_id),
        client_id,
        consent_type,
        principal_id,
        resource_id,
        scope,
    )
    with state.lock:
        if grant.grant_id in tenant.oauth2_grants:
            raise ObjectConflict("Permission entry already exists.")  # [unsure] wording
        tenant.oauth2_grants[grant.grant_id] = grant
    return grant


def grant_by_id(tenant: Tenant, wanted: str) -> OAuth2Grant:
    grant = tenant.oauth2_grants.get(wanted)
    if grant is None:
        raise ResourceNotFound.of(wanted)
    return grant


def update_grant(state: SandboxState, tenant: Tenant, grant: OAuth2Grant, body: Any) -> None:
    """PATCH: only ``scope`` changes."""
    bodies.check_properties(body, frozenset({"scope"}), "oAuth2PermissionGrant")
    if "scope" in body:
        resource = catalog.resource_by_sp_id(tenant.tenant_id, grant.resource_id)
        scope = bodies.parse_scope(body["scope"], resource)
        with state.lock:
            grant.scope = scope


def delete_grant(state: SandboxState, tenant: Tenant, grant: OAuth2Grant) -> None:
    with state.lock:
        tenant.oauth2_grants.pop(grant.grant_id, None)
