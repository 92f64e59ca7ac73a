"""What every delegated sign-in checks, whether at the token endpoint (ROPC, device code) or on the
verification pages: which client the user signs in to, the user's password and account, and consent."""

from __future__ import annotations

import hmac

from ..state import SandboxState, Tenant, User
from . import exceptions as aad
from .first_party import public_client
from .models import DelegatedClient, ScopeRequest, TokenRequest
from .tenants import is_guid, tenant_for_login


def delegated_client(state: SandboxState, request: TokenRequest, tenant: Tenant | None) -> DelegatedClient:
    """The first-party public client (in every tenant), or an app registration of this tenant (of any,
    over /common); 900144 without ``client_id``, 700016 for anything else."""
    client_id = (request.form.get("client_id") or "").strip()
    if not client_id:
        raise aad.missing_parameter("client_id")
    if is_guid(client_id):
        first_party = public_client(client_id)
        if first_party is not None:
            return DelegatedClient.first_party(first_party)
        if tenant is not None:
            app = tenant.app(client_id)
            if app is not None:
                return DelegatedClient.registered(app, tenant)
        else:
            hit = state.find_app(client_id)
            if hit is not None:
                return DelegatedClient.registered(hit[1], hit[0])
    raise aad.app_not_found(client_id, request.tenant_ref)


def sign_in_user(
    state: SandboxState,
    tenant: Tenant | None,
    directory: str,
    login: str,
    password: str,
    *,
    app_password_ok: bool,
) -> tuple[Tenant, User, bool]:
    """Primary authentication, in Entra's order: the user must exist in the tenant (50034), the password
    be right (50126), then the account be enabled (50057) and no Conditional Access policy block it
    (53003). Returns (tenant, user, whether the app password was used). Over /common and
    /organizations (``tenant`` None) the UPN's domain picks the tenant.

    App passwords: the vendor's specification accepts a user's app password wherever a password
    grant would otherwise need MFA, and the sandbox follows it (``app_password_ok``, ROPC only; the
    browser pages refuse it like a wrong password). [sandbox follows the product spec, not Entra]
    Real Entra no longer accepts app passwords for modern authentication: expect 50126 there."""
    login = login.strip()
    home = tenant or tenant_for_login(state, login)
    user = home.user(login) if home is not None and login else None
    if user is None or home is None:
        shown = directory if tenant is not None else (login.rpartition("@")[2] or directory)
        raise aad.user_not_found(shown)
    given = password.encode("utf-8")
    via_app_password = False
    if not hmac.compare_digest(user.password.encode("utf-8"), given):
        app_password = (user.app_password or "").encode("utf-8")
        if app_password_ok and app_password and hmac.compare_digest(app_password, given):
            via_app_password = True
        else:
            raise aad.invalid_username_or_password()
    if not user.enabled:
        raise aad.user_disabled()
    if user.blocked_by_conditional_access:
        raise aad.blocked_by_conditional_access()
    return home, user, via_app_password


def check_consent(client: DelegatedClient, scopes: ScopeRequest) -> None:
    """65001 unless every permission the token would carry is consented for the client."""
    wanted = set(scopes.granted(client.consented))
    if not client.consented or not wanted <= client.consented:
        raise aad.consent_required(client.client_id, client.name)
