"""Client authentication at the token endpoint, shared by every grant: a confidential client proves itself
with exactly one credential (a client secret, or a certificate-signed assertion checked by
``client_assertions``); a public client must send none. ``client_secret_basic`` is read here too."""

from __future__ import annotations

import base64
import hmac
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from ..state import App, Tenant
from . import client_assertions
from . import exceptions as aad
from .context import IdentityContext
from .models import DelegatedClient, TokenRequest


def authenticate_client(ctx: IdentityContext, request: TokenRequest, tenant: Tenant, app: App) -> str:
    """Exactly one credential, verified; returns ``appidacr``: "1" secret, "2" certificate."""
    form = request.form
    secret = form.get("client_secret")
    assertion_type = form.get("client_assertion_type")
    assertion = form.get("client_assertion")
    has_secret = bool(secret)
    has_assertion = bool(assertion_type or assertion)
    if has_secret and has_assertion:
        raise aad.two_client_credentials()
    if has_secret:
        check_secret(app, secret or "", ctx.clock())
        return "1"
    if not has_assertion:
        raise aad.no_client_credential()
    if assertion_type != client_assertions.JWT_BEARER:
        if not assertion_type:
            raise aad.missing_parameter("client_assertion_type")
        raise aad.bad_assertion_type(assertion_type)
    if not assertion:
        raise aad.missing_parameter("client_assertion")
    client_assertions.verify(
        assertion,
        app,
        audiences=assertion_audiences(ctx.authority, request.tenant_ref, tenant),
        now=ctx.clock(),
        graph_url=ctx.state.graph_url,
    )
    return "2"


def check_secret(app: App, secret: str, now: float) -> None:
    """A current secret passes; one that matches only expired keys is 7000222; anything else (the
    secret's ID pasted instead of its value, a typo, another app's secret) is 7000215.
    A secret not yet valid (start in the future) counts as no match. [unsure]"""
    moment = datetime.fromtimestamp(now, UTC)
    given = secret.encode("utf-8")
    matches = [s for s in app.secrets if hmac.compare_digest(s.value.encode("utf-8"), given)]
    if any(s.start <= moment < s.end for s in matches):
        return
    if any(s.expired(moment) for s in matches):
        raise aad.expired_client_secret(app.client_id)
    raise aad.invalid_client_secret(app.client_id)


def assertion_audiences(authority: str, tenant_ref: str, tenant: Tenant) -> list[str]:
    """The ``aud`` values a client assertion may carry: this token endpoint, with the tenant as written
    in the path or as its GUID, v2.0 or v1."""
    refs = dict.fromkeys((tenant_ref, tenant.tenant_id))
    return [f"{authority}/{ref}/oauth2/{v}token" for ref in refs for v in ("v2.0/", "")]


def authenticate_delegated_client(
    ctx: IdentityContext, request: TokenRequest, client: DelegatedClient
) -> str:
    """``appidacr`` for a user token: "0" for a public client (which must send no credential: 700025),
    else the confidential app's own credential, checked as for client credentials (none: 7000218)."""
    form = request.form
    if client.public:
        if form.get("client_secret") or form.get("client_assertion") or form.get("client_assertion_type"):
            raise aad.public_client_with_credential()
        return "0"
    home = ctx.state.tenant_by_id(client.home_tenant_id or "")
    if home is None or client.app is None:
        raise aad.app_not_found(client.client_id, request.tenant_ref)
    return authenticate_client(ctx, request, home, client.app)


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``client_secret_basic`` (advertised in discovery): (client_id, secret) from an ``Authorization:
    Basic`` header, form-urldecoded per RFC 6749 2.3.1."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None
