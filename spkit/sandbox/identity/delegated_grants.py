"""The token endpoint's delegated grants, which sign a user in: ROPC (``password``), ``refresh_token`` and
the device code grant (the device's poll), for the first-party public client or, with its credential, a
tenant's app. Each checks in Entra's order, so a request with two mistakes hears the first."""

from __future__ import annotations

from . import exceptions as aad
from .client_auth import authenticate_delegated_client
from .context import IdentityContext
from .models import TokenRequest
from .scopes import requested_scopes
from .sign_in import check_consent, delegated_client, sign_in_user
from .tenants import request_tenant
from .user_tokens import user_tokens


def grant_device_code(ctx: IdentityContext, request: TokenRequest) -> dict:
    """Polling: client, ``device_code``, the client's credential (if confidential), then the code's state:
    used or unknown (bad_verification_code), expired (70020), declined, failed at sign-in (the page's
    error, e.g. 53003 / 50057), pending (70016, or slow_down when polled within ``interval``)."""
    tenant = request_tenant(ctx.state, request.tenant_ref)
    client = delegated_client(ctx.state, request, tenant)
    device_code = (request.form.get("device_code") or "").strip()
    if not device_code:
        raise aad.missing_parameter("device_code")
    acr = authenticate_delegated_client(ctx, request, client)
    tenant_id = tenant.tenant_id if tenant is not None else None
    code = ctx.device_codes.poll(device_code, client.client_id, ctx.clock(), tenant_id)
    home = ctx.state.tenant_by_id(code.user_tenant_id or "")
    user = home.user(code.user_upn or "") if home is not None else None
    if home is None or user is None:
        raise aad.bad_verification_code()
    return user_tokens(ctx, home, user, client, code.scopes, request.form, acr)


def grant_password(ctx: IdentityContext, request: TokenRequest) -> dict:
    """ROPC: client, username and password fields, scope, the client's credential, then the user
    (50034 / 50126 / 50057 / 53003), then MFA (50076 unless the app password was used), then consent.
    Not over /common or /consumers (9001023), as Entra's ROPC documentation says."""
    ref = request.tenant_ref
    if ref.lower() in ("common", "consumers"):
        raise aad.grant_not_on_common(ref)
    tenant = request_tenant(ctx.state, ref)
    client = delegated_client(ctx.state, request, tenant)
    form = request.form
    for name in ("username", "password"):
        if not form.get(name):
            raise aad.missing_parameter(name)
    scopes = requested_scopes(ctx.state, form.get("scope"), client, tenant, ref)
    acr = authenticate_delegated_client(ctx, request, client)
    home, user, via_app_password = sign_in_user(
        ctx.state, tenant, ref, form.get("username", ""), form.get("password", ""), app_password_ok=True
    )
    if user.mfa and not via_app_password:
        raise aad.mfa_required()
    check_consent(client, scopes)
    return user_tokens(ctx, home, user, client, scopes, form, acr)


def grant_refresh_token(ctx: IdentityContext, request: TokenRequest) -> dict:
    """A refresh token of this client and tenant (70000 otherwise), for a user who may still sign in
    (50057 / 53003 if that changed); ``scope`` may name other consented Graph scopes."""
    tenant = request_tenant(ctx.state, request.tenant_ref)
    client = delegated_client(ctx.state, request, tenant)
    token = (request.form.get("refresh_token") or "").strip()
    if not token:
        raise aad.missing_parameter("refresh_token")
    acr = authenticate_delegated_client(ctx, request, client)
    grant = ctx.refresh_tokens.get(token)
    if grant is None or grant.client_id != client.client_id:
        raise aad.invalid_grant()
    if tenant is not None and tenant.tenant_id != grant.tenant_id:
        raise aad.invalid_grant()
    home = ctx.state.tenant_by_id(grant.tenant_id)
    user = home.user(grant.user_upn) if home is not None else None
    if home is None or user is None or user.object_id != grant.user_oid:
        raise aad.invalid_grant()
    if not user.enabled:
        raise aad.user_disabled()
    if user.blocked_by_conditional_access:
        raise aad.blocked_by_conditional_access()
    raw_scope = request.form.get("scope")
    scopes = (
        requested_scopes(ctx.state, raw_scope, client, home, request.tenant_ref)
        if raw_scope
        else grant.scopes
    )
    check_consent(client, scopes)
    return user_tokens(ctx, home, user, client, scopes, request.form, acr, refresh=True)
