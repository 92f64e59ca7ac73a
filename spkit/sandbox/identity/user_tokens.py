"""What a signed-in user gets back: the Graph access token, the ID token and ``client_info`` MSAL builds
its account from, and a refresh token, in the token response's shape."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping

import jwt
from jwt.utils import base64url_encode

from ..access_tokens import TokenService
from ..state import Tenant, User
from .context import IdentityContext
from .models import DelegatedClient, RefreshGrant, ScopeRequest


def user_tokens(
    ctx: IdentityContext,
    tenant: Tenant,
    user: User,
    client: DelegatedClient,
    scopes: ScopeRequest,
    form: Mapping[str, str],
    acr: str,
    *,
    refresh: bool = False,
) -> dict:
    """The token response for a signed-in user: a Graph access token whose ``scp`` holds the granted
    permissions, an ID token (with ``openid``), a refresh token (with ``offline_access``, and always when
    refreshing) and ``client_info`` (when the client asks with ``client_info=1``, as MSAL does)."""
    now = ctx.clock()
    access_token = ctx.tokens.issue(
        tenant_id=tenant.tenant_id,
        audience=ctx.state.graph_url,
        client_id=client.client_id,
        app_display_name=client.name,
        acr=acr,
        scopes=list(scopes.granted(client.consented)),
        subject_oid=user.object_id,
        upn=user.upn,
        now=now,
    )
    body: dict = {
        "token_type": "Bearer",
        "scope": scopes.response_scope(client.consented),
        "expires_in": ctx.tokens.lifetime_s,
        "ext_expires_in": ctx.tokens.lifetime_s,
        "access_token": access_token,
    }
    if refresh or "offline_access" in scopes.reserved:
        grant = RefreshGrant(tenant.tenant_id, client.client_id, user.upn, user.object_id, scopes, now)
        body["refresh_token"] = ctx.refresh_tokens.issue(grant)
    if "openid" in scopes.reserved:
        body["id_token"] = id_token(ctx.tokens, tenant=tenant, user=user, client_id=client.client_id, now=now)
    if str(form.get("client_info", "")).strip() == "1":
        body["client_info"] = client_info(user, tenant)
    return body


def client_info(user: User, tenant: Tenant) -> str:
    """``client_info``: base64url JSON ``{"uid": <oid>, "utid": <tid>}``, MSAL's home account ID."""
    payload = json.dumps({"uid": user.object_id, "utid": tenant.tenant_id}, separators=(",", ":"))
    return base64url_encode(payload.encode("utf-8")).decode()


def pairwise_sub(user: User, client_id: str) -> str:
    """The v2.0 ID token's ``sub``: stable per user and app, different across apps (as Entra's)."""
    return base64url_encode(hashlib.sha256(f"{user.object_id}|{client_id}".encode()).digest()).decode()


def id_token(
    tokens: TokenService, *, tenant: Tenant, user: User, client_id: str, now: float, lifetime_s: int = 3600
) -> str:
    """A v2.0 ID token, RS256 with the sandbox's published key."""
    issued = int(now)
    claims = {
        "aud": client_id,
        "iss": tokens.issuer(tenant.tenant_id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime_s,
        "name": user.display_name,
        "oid": user.object_id,
        "preferred_username": user.upn,
        "rh": "0.AQ" + base64url_encode(secrets.token_bytes(24)).decode(),
        "sub": pairwise_sub(user, client_id),
        "tid": tenant.tenant_id,
        "uti": base64url_encode(secrets.token_bytes(16)).decode(),
        "ver": "2.0",
    }
    return jwt.encode(
        claims,
        tokens.key.private_key,
        algorithm="RS256",
        headers={"kid": tokens.key.kid, "typ": "JWT"},
    )
