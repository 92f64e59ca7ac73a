"""The identity platform's own value types: what a request named (resource, scopes, client), a device code
and a page flow in progress, what a refresh token stands for, and what one verification-page step produced.

The shared state (tenants, users, apps) lives in ``..state``; these are the pieces only login.<suffix>
keeps. The rules that build and judge them are free functions in the topic modules beside this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..state import App, Tenant
from . import exceptions as aad
from .first_party import PublicClient


@dataclass(frozen=True)
class Resource:
    """What a scope named: ``kind`` is the key of ``App.roles_for`` ("Graph"/"SharePoint")."""

    kind: str
    audience: str


@dataclass(frozen=True)
class TokenRequest:
    """A token request after routing: the tenant as written in the path, and the form fields."""

    tenant_ref: str
    form: Mapping[str, str]


# --- delegated sign-in -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DelegatedClient:
    """The application a user signs in to: a first-party public client, or an app registration of a tenant
    (a confidential client, which must then authenticate itself)."""

    client_id: str
    name: str
    public: bool
    consented: frozenset[str]
    app: App | None = None
    home_tenant_id: str | None = None

    @classmethod
    def first_party(cls, client: PublicClient) -> DelegatedClient:
        return cls(client.client_id, client.name, True, client.consented)

    @classmethod
    def registered(cls, app: App, tenant: Tenant) -> DelegatedClient:
        # [unsure] The scenario's apps hold application permissions only; delegated consent (an
        # oauth2PermissionGrant) is not modelled, so a registered app has none and gets 65001.
        return cls(app.client_id, app.name, False, frozenset(), app, tenant.tenant_id)


@dataclass(frozen=True)
class ScopeRequest:
    """A delegated ``scope`` parameter, understood: the Graph permissions (canonical spelling, in request
    order), how the caller wrote each of them, the OpenID scopes, and whether it was Graph's ``.default``."""

    graph: tuple[str, ...]
    written: tuple[str, ...]
    reserved: frozenset[str]
    default: bool = False
    default_resource: str = ""  # how the caller named Graph in '<resource>/.default'

    def granted(self, consented: frozenset[str]) -> tuple[str, ...]:
        """The permissions the token carries. ``.default`` means every consented one; no resource scope at
        all means Graph's ``User.Read``. [unsure] Entra's answer to an OpenID-only request."""
        if self.default:
            return tuple(sorted(consented))
        return self.graph or ("User.Read",)

    def response_scope(self, consented: frozenset[str]) -> str:
        """The token response's ``scope``: the Graph scopes as the caller wrote them (for ``.default``, each
        granted one under the resource as written), then the OpenID scopes asked for. [unsure] Entra's
        exact echo (it may drop the Graph prefix and add ``email``)."""
        if self.default:
            written = [f"{self.default_resource}/{name}" for name in self.granted(consented)]
        else:
            written = list(self.written) if self.graph else list(self.granted(consented))
        reserved = [s for s in ("openid", "profile", "email", "offline_access") if s in self.reserved]
        return " ".join(written + reserved)


PENDING, APPROVED, DECLINED, FAILED, REDEEMED = "pending", "approved", "declined", "failed", "redeemed"


@dataclass
class DeviceCode:
    """One device authorization: created by ``/devicecode``, decided at the verification page (or the test
    hook), redeemed once at the token endpoint."""

    device_code: str
    user_code: str
    tenant_ref: str
    tenant_id: str | None  # None when asked over /common or /organizations: the user's tenant decides
    client: DelegatedClient
    scopes: ScopeRequest
    issued_at: float
    expires_at: float
    interval_s: int
    status: str = PENDING
    last_poll: float | None = None
    user_tenant_id: str | None = None
    user_upn: str | None = None
    failure: aad.AadstsError | None = None

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass
class WebFlow:
    """One browser's way through the verification pages. ``stage`` is what its next form submits:
    "code", "signin" or "mfa"; the nonce naming it is single-use and rotates at every step."""

    stage: str
    expires_at: float
    user_code: str | None = None
    user_tenant_id: str | None = None
    user_upn: str | None = None


@dataclass(frozen=True)
class RefreshGrant:
    """What a refresh token stands for: this user, signed in to this client, in this tenant."""

    tenant_id: str
    client_id: str
    user_upn: str
    user_oid: str
    scopes: ScopeRequest
    issued_at: float


@dataclass
class PageStep:
    """What one verification-page step produced, for ``pages.py`` to render: ``page`` is "code", "signin",
    "mfa", "done", "declined" or "error"; ``nonce`` names the next form's flow."""

    page: str
    code: DeviceCode | None = None
    nonce: str | None = None
    error: aad.AadstsError | None = None
    login: str = ""
