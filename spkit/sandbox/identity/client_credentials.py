"""The client credentials grant: an app-only token for one registered app in one tenant, for the one
resource (Graph or that tenant's SharePoint) its ``<resource>/.default`` scope names, carrying the
application permissions consented for it (``roles``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..state import GRAPH_APP_ID, SHAREPOINT_APP_ID, App, SandboxState, Tenant
from . import exceptions as aad
from .client_auth import authenticate_client
from .context import IdentityContext
from .models import Resource, TokenRequest
from .tenants import is_guid, resolve_tenant


def grant_client_credentials(ctx: IdentityContext, request: TokenRequest) -> dict:
    """App-only token: client, its service principal, scope, then credential, then the app's
    Conditional Access, each failing as Entra fails."""
    tenant = single_tenant(ctx.state, request.tenant_ref)
    app = client_app(request, tenant)
    if app.service_principal_id is None:
        # [unsure] where Entra checks this (before or after the credential); the sandbox: first.
        raise aad.missing_service_principal(app.client_id, tenant.tenant_id)
    if not app.sign_in_enabled:  # [unsure] the order of this check in Entra's; the sandbox: next
        raise aad.app_disabled(app.client_id, app.name)
    resource = requested_resource(ctx.state, request.form.get("scope"), tenant)
    acr = authenticate_client(ctx, request, tenant, app)
    if app.blocked_by_conditional_access:
        raise aad.app_blocked_by_conditional_access()
    roles = app.roles_for(resource.kind) or None
    access_token = ctx.tokens.issue(
        tenant_id=tenant.tenant_id,
        audience=resource.audience,
        client_id=app.client_id,
        app_display_name=app.name,
        acr=acr,
        roles=roles,
        now=ctx.clock(),
    )
    return {
        "token_type": "Bearer",
        "expires_in": ctx.tokens.lifetime_s,
        "ext_expires_in": ctx.tokens.lifetime_s,
        "access_token": access_token,
    }


def single_tenant(state: SandboxState, ref: str) -> Tenant:
    """Client credentials need one tenant: /common and /consumers refuse the grant (9001023) and
    /organizations cannot tell which tenant (50059)."""
    lowered = ref.lower()
    if lowered in ("common", "consumers"):
        raise aad.grant_not_on_common(ref)
    if lowered == "organizations":
        raise aad.no_tenant_information()
    return resolve_tenant(state, ref)


def client_app(request: TokenRequest, tenant: Tenant) -> App:
    """The app named by ``client_id`` in *this* tenant: 900144 if absent, 700016 if not a GUID or not
    registered here (Entra answers a non-GUID identifier with 700016 too)."""
    client_id = (request.form.get("client_id") or "").strip()
    if not client_id:
        raise aad.missing_parameter("client_id")
    app = tenant.app(client_id) if is_guid(client_id) else None
    if app is None:
        raise aad.app_not_found(client_id, request.tenant_ref)
    return app


def requested_resource(state: SandboxState, scope: str | None, tenant: Tenant) -> Resource:
    """One scope of the form ``<resource>/.default`` naming a resource this tenant has."""
    scopes = (scope or "").split()
    if not scopes:
        raise aad.missing_credential_field("scope")
    wrong = next((s for s in scopes if not s.lower().endswith("/.default")), None)
    if wrong is not None:
        raise aad.scope_needs_default(wrong)
    names = list(dict.fromkeys(s[: -len("/.default")] for s in scopes))
    if len(names) > 1:
        raise aad.scope_multiple_resources(" ".join(scopes))
    return resource(state, names[0], tenant)


def resource(state: SandboxState, name: str, tenant: Tenant) -> Resource:
    """Graph (URL or app ID) or this tenant's SharePoint (root, -admin, -my host, or the app ID, which
    means the root host); 500011 for anything else, including another tenant's SharePoint.
    One trailing slash is tolerated (``https://graph.microsoft.com//.default`` works against Entra)."""
    key = name.lower().removesuffix("/")
    if key in (state.graph_url.lower(), GRAPH_APP_ID):
        return Resource("Graph", state.graph_url)
    if key == SHAREPOINT_APP_ID:
        return Resource("SharePoint", f"https://{tenant.name}.{state.sharepoint_suffix}")
    url = urlsplit(key)
    if url.scheme == "https" and url.hostname and not url.path and url.port is None:
        hit = state.tenant_by_sharepoint_host(url.hostname)
        if hit is not None and hit[0] is tenant:
            return Resource("SharePoint", f"https://{url.hostname}")
    raise aad.resource_not_found(name, tenant.display_name)
