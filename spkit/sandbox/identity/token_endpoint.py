"""``POST /{tenant}/oauth2/v2.0/token``: the checks every token request passes (tenant, national cloud,
``grant_type``) and the table that hands it to its grant. Client credentials is the app-only grant
(``client_credentials``); the device code grant, ROPC and ``refresh_token`` sign users in
(``delegated_grants``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import exceptions as aad
from .client_credentials import grant_client_credentials
from .context import IdentityContext
from .delegated_grants import grant_device_code, grant_password, grant_refresh_token
from .models import TokenRequest
from .tenants import MULTI_TENANT, resolve_tenant, same_cloud

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

Grant = Callable[[IdentityContext, TokenRequest], dict]
GRANTS: Mapping[str, Grant] = {
    "client_credentials": grant_client_credentials,
    DEVICE_CODE_GRANT: grant_device_code,
    "password": grant_password,
    "refresh_token": grant_refresh_token,
}

# Grants Entra has that this sandbox does not emulate yet: 70003 with a note, not Entra's plain refusal.
KNOWN_GRANTS = frozenset(
    {
        "password",
        "refresh_token",
        "authorization_code",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "urn:ietf:params:oauth:grant-type:saml1_1-bearer",
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
    }
)


def token(ctx: IdentityContext, request: TokenRequest) -> dict:
    """The token response, or the first AADSTS error in Entra's order (tenant, grant_type, then the
    grant's own rules)."""
    if request.tenant_ref.lower() not in (*MULTI_TENANT, "consumers"):
        same_cloud(resolve_tenant(ctx.state, request.tenant_ref), request.form)
    grant_type = (request.form.get("grant_type") or "").strip()
    if not grant_type:
        raise aad.missing_parameter("grant_type")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise aad.unsupported_grant_type(grant_type, sandbox_gap=grant_type in KNOWN_GRANTS)
    return grant(ctx, request)
