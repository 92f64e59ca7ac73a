"""The pieces of delegated (user) sign-in, without HTTP: which client asks, which scopes it asks for, the
device codes waiting for a user, the sign-in page's flows, the refresh tokens, and the ID token and
``client_info`` MSAL builds its account from.

``models.IdentityBackend`` holds one ``DeviceCodeStore`` and one ``RefreshTokenStore`` (both thread-safe:
the listener serves each connection in its own thread) and applies Entra's rules with them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any

import jwt

from ..access_tokens import TokenService
from ..state import GRAPH_APP_ID, SHAREPOINT_APP_ID, App, SandboxState, Tenant, User
from . import exceptions as aad
from .first_party import RESERVED_SCOPES, PublicClient, graph_permission

# User codes as Entra prints them: nine characters, upper-case letters and digits without look-alikes.
_USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_USER_CODE_LENGTH = 9
# Finished codes are kept this long past their expiry, so a late poll still hears "expired" or "used".
_RETAIN_S = 3600.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- the client ---------------------------------------------------------------------------------------


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


# --- scopes -------------------------------------------------------------------------------------------


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


def parse_scopes(raw: str | None, state: SandboxState, client_name: str, directory: str) -> ScopeRequest:
    """Read a delegated ``scope`` value. Graph scopes may be bare (``User.Read``) or qualified by Graph's URL
    or app ID; anything else is refused the way Entra refuses it."""
    values = list(dict.fromkeys((raw or "").split()))
    if not values:
        raise aad.missing_parameter("scope")
    graph: dict[str, str] = {}
    reserved: set[str] = set()
    default, default_resource = False, ""
    graph_ids = (state.graph_url.lower(), GRAPH_APP_ID)
    for value in values:
        if value.lower() in RESERVED_SCOPES:
            reserved.add(value.lower())
            continue
        resource, slash, name = value.rpartition("/")
        if slash:
            key = resource.lower().rstrip("/")
            if key not in graph_ids:
                raise _foreign_resource(value, resource, key, state, directory)
        if not name:
            raise aad.invalid_scope(value)
        if name.lower() == ".default":
            default, default_resource = True, resource or GRAPH_APP_ID
            continue
        canonical = graph_permission(name)
        if canonical is None:
            raise aad.scope_not_on_resource(client_name, name)
        graph.setdefault(canonical, value)
    if default and graph:
        raise aad.invalid_scope(
            " ".join(values), "'.default' cannot be combined with other scopes of the same resource."
        )
    return ScopeRequest(tuple(graph), tuple(graph.values()), frozenset(reserved), default, default_resource)


def _foreign_resource(
    value: str, resource: str, key: str, state: SandboxState, directory: str
) -> aad.AadstsError:
    """A scope on a resource other than Graph: SharePoint's are real but not emulated yet for users."""
    host = key.removeprefix("https://")
    if key == SHAREPOINT_APP_ID or (key.startswith("https://") and state.tenant_by_sharepoint_host(host)):
        return aad.invalid_scope(
            value,
            "(Delegated SharePoint scopes are not supported by this sandbox yet: ask for Graph scopes.)",
        )
    return aad.resource_not_found(resource, directory)


# --- device codes ---------------------------------------------------------------------------------------

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


def normalize_user_code(text: str) -> str:
    """What the user typed, as a code: case and separators do not matter."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


class DeviceCodeStore:
    """Device codes and page flows, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_device: dict[str, DeviceCode] = {}
        self._by_user: dict[str, DeviceCode] = {}
        self._flows: dict[str, WebFlow] = {}

    def create(self, *, now: float, lifetime_s: float, interval_s: int, **fields: Any) -> DeviceCode:
        with self._lock:
            self._purge(now)
            user_code = self._new_user_code()
            code = DeviceCode(
                device_code=f"DAQABIQEAAAD{secrets.token_urlsafe(180)}",
                user_code=user_code,
                issued_at=now,
                expires_at=now + lifetime_s,
                interval_s=interval_s,
                **fields,
            )
            self._by_device[code.device_code] = code
            self._by_user[user_code] = code
            return code

    def _new_user_code(self) -> str:
        while True:
            code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(_USER_CODE_LENGTH))
            if code not in self._by_user:
                return code

    def _purge(self, now: float) -> None:
        for key, code in list(self._by_device.items()):
            if now >= code.expires_at + _RETAIN_S:
                del self._by_device[key]
                self._by_user.pop(code.user_code, None)
        for nonce, flow in list(self._flows.items()):
            if now >= flow.expires_at:
                del self._flows[nonce]

    # --- the token endpoint's side ---

    def poll(self, device_code: str, client_id: str, now: float, tenant_id: str | None = None) -> DeviceCode:
        """The code a poll names, after Entra's rules; raises the poll's error. On success the code is
        redeemed (single use) and returned for the caller to mint tokens from. A code asked for by another
        client, or for another tenant than the poll's (``tenant_id``, None over /common), is unknown here."""
        with self._lock:
            code = self._by_device.get(device_code)
            if (
                code is None
                or code.client.client_id != client_id.lower()
                or (tenant_id is not None and code.tenant_id is not None and code.tenant_id != tenant_id)
                or code.status == REDEEMED
            ):
                raise aad.bad_verification_code()
            if code.expired(now):
                raise aad.device_code_expired()
            if code.status == DECLINED:
                raise aad.device_code_declined()
            if code.status == FAILED and code.failure is not None:
                raise code.failure
            if code.status == PENDING:
                too_soon = code.last_poll is not None and now - code.last_poll < code.interval_s
                code.last_poll = now
                raise aad.slow_down() if too_soon else aad.authorization_pending()
            code.status = REDEEMED
            return code

    # --- the verification page's side ---

    def pending(self, user_code: str, now: float) -> DeviceCode:
        """The pending code the user typed; 90119 / 70018 / 70019 / 90120 otherwise."""
        with self._lock:
            return self._pending_locked(user_code, now)

    def decide(
        self,
        user_code: str,
        now: float,
        *,
        status: str,
        user: tuple[str, str] | None = None,
        failure: aad.AadstsError | None = None,
    ) -> DeviceCode:
        """Approve, decline or fail a pending code (checked again under the lock: one decision only)."""
        with self._lock:
            code = self._pending_locked(user_code, now)
            code.status = status
            code.failure = failure
            if user is not None:
                code.user_tenant_id, code.user_upn = user
            return code

    def _pending_locked(self, user_code: str, now: float) -> DeviceCode:
        typed = normalize_user_code(user_code)
        if not typed:
            raise aad.user_code_empty()
        code = self._by_user.get(typed)
        if code is None:
            raise aad.user_code_not_recognized()
        if code.expired(now):
            raise aad.user_code_expired()
        if code.status != PENDING:
            raise aad.user_code_already_used()
        return code

    # --- page flows ---

    def start_flow(self, now: float, lifetime_s: float, **fields: Any) -> str:
        """A new flow (or the next step of one): its fresh nonce."""
        nonce = secrets.token_urlsafe(32)
        with self._lock:
            self._purge(now)
            self._flows[nonce] = WebFlow(expires_at=now + lifetime_s, **fields)
        return nonce

    def take_flow(self, nonce: str | None, stage: str, now: float) -> WebFlow | None:
        """The flow a form names, consumed (its nonce never works twice); None if unknown, expired, or at
        another stage."""
        with self._lock:
            flow = self._flows.get(nonce or "")
            if flow is None or flow.stage != stage or now >= flow.expires_at:
                return None
            del self._flows[nonce or ""]
            return flow


# --- refresh tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshGrant:
    """What a refresh token stands for: this user, signed in to this client, in this tenant."""

    tenant_id: str
    client_id: str
    user_upn: str
    user_oid: str
    scopes: ScopeRequest
    issued_at: float


class RefreshTokenStore:
    """Opaque refresh tokens. Redeeming one issues a new one; the old stays valid (as Entra's do for
    public clients outside the browser) until the sandbox stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, RefreshGrant] = {}

    def issue(self, grant: RefreshGrant) -> str:
        token = f"1.AQ{secrets.token_urlsafe(240)}"
        with self._lock:
            self._grants[token] = grant
        return token

    def get(self, token: str) -> RefreshGrant | None:
        with self._lock:
            return self._grants.get(token)


# --- what MSAL reads ----------------------------------------------------------------------------------


def client_info(user: User, tenant: Tenant) -> str:
    """``client_info``: base64url JSON ``{"uid": <oid>, "utid": <tid>}``, MSAL's home account ID."""
    payload = json.dumps({"uid": user.object_id, "utid": tenant.tenant_id}, separators=(",", ":"))
    return b64url(payload.encode("utf-8"))


def pairwise_sub(user: User, client_id: str) -> str:
    """The v2.0 ID token's ``sub``: stable per user and app, different across apps (as Entra's)."""
    return b64url(hashlib.sha256(f"{user.object_id}|{client_id}".encode()).digest())


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
        "rh": "0.AQ" + b64url(secrets.token_bytes(24)),
        "sub": pairwise_sub(user, client_id),
        "tid": tenant.tenant_id,
        "uti": b64url(secrets.token_bytes(16)),
        "ver": "2.0",
    }
    return jwt.encode(
        claims,
        tokens.key.private_key,
        algorithm="RS256",
        headers={"kid": tokens.key.kid, "typ": "JWT"},
    )


def tenant_for_login(state: SandboxState, login: str) -> Tenant | None:
    """The tenant whose domain the UPN carries."""
    domain = login.strip().rpartition("@")[2].lower()
    if not domain:
        return None
    return next((t for t in state.tenants.values() if domain in (d.lower() for d in t.domains)), None)


class FlowRejected(Exception):
    """A verification-page form whose flow nonce is unknown, spent, expired or for another step."""


@dataclass
class PageStep:
    """What one verification-page step produced, for ``pages.py`` to render: ``page`` is "code", "signin",
    "mfa", "done", "declined" or "error"; ``nonce`` names the next form's flow."""

    page: str
    code: DeviceCode | None = None
    nonce: str | None = None
    error: aad.AadstsError | None = None
    login: str = ""
