"""App-only tokens with MSAL, secret or certificate, over spkit's session; MSAL errors become diagnoses."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from ...errors import AuthenticationError, InputError
from ...http.session import SpkitSession
from ...models.certificates import check_usable, load_certificate
from ...models.clouds import Cloud
from ..http_errors import body_size, network_error, request_too_large
from .aadsts import ClientFacts, auth_error, first_line, secret_shape
from .token_claims import decode_claims


@dataclass(frozen=True)
class AccessToken:
    """A token and its decoded claims. ``repr`` never shows the token itself."""

    token: str = field(repr=False)
    resource: str
    claims: dict[str, Any]
    expires_on: float

    @property
    def roles(self) -> list[str]:
        return list(self.claims.get("roles") or [])


@dataclass(frozen=True)
class AppCredential:
    """What MSAL needs as ``client_credential``, and how to describe it without revealing it."""

    msal_value: Any = field(repr=False)
    kind: str  # "secret" | "certificate"
    description: str
    warnings: tuple[str, ...] = ()
    thumbprint: str | None = None  # the certificate's SHA-1 thumbprint (evidence for AADSTS700027)
    secret_shape: str | None = None  # "guid" when the secret looks like a Secret ID (never the value)
    not_after: datetime | None = None  # the certificate's expiry (facts for a report, without reloading)


def secret_credential(secret: str, reference: str) -> AppCredential:
    if not secret:
        raise InputError(
            f"the client secret from {reference} is empty",
            code="SECRET_EMPTY",
            fix="put the secret's value where the reference points",
        )
    return AppCredential(
        secret, "secret", f"client secret from {reference}", secret_shape=secret_shape(secret)
    )


def certificate_credential(
    path: str, password: str | None = None, key_path: str | None = None
) -> AppCredential:
    """A certificate file as MSAL takes it: PEM → RS256 with ``x5t``; PFX → PS256 with ``x5t#S256``."""
    loaded = load_certificate(path, password, key_path=key_path)
    warnings = tuple(check_usable(loaded))
    description = f"certificate {loaded.thumbprint} ({loaded.subject}, expires {loaded.not_after:%Y-%m-%d})"
    if str(path).lower().endswith((".pfx", ".p12")):
        value: dict[str, Any] = {"private_key_pfx_path": str(path)}
        if password:
            value["passphrase"] = password
    else:
        if loaded.private_key is None:
            loaded.private_key_pem()  # raises CERT_NO_PRIVATE_KEY
        # The key object, already loaded and checked, rather than PEM text: MSAL hands it to PyJWT as it
        # is (same RS256 assertion with x5t) instead of loading and checking the key again (~60 ms).
        value = {"private_key": loaded.private_key, "thumbprint": loaded.thumbprint}
    return AppCredential(
        value, "certificate", description, warnings, thumbprint=loaded.thumbprint, not_after=loaded.not_after
    )


def _credential_identity(credential: AppCredential) -> tuple:
    """What distinguishes one credential from another for MSAL, without keeping a secret's value."""
    value = credential.msal_value
    if isinstance(value, dict):
        return (credential.kind, credential.thumbprint, "pfx" if "private_key_pfx_path" in value else "pem")
    return (credential.kind, hashlib.sha256(str(value).encode("utf-8")).hexdigest())


class _RoutedHttpClient:
    """MSAL's ``http_client`` for an app shared by many connections: each call goes through the session
    of the connection that is asking (per thread), so its hooks, evidence and settings stay its own."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def using(self, session: SpkitSession) -> Iterator[None]:
        previous = getattr(self._local, "session", None)
        self._local.session = session
        try:
            yield
        finally:
            self._local.session = previous

    def _session(self) -> SpkitSession:
        session = getattr(self._local, "session", None)
        if session is None:
            raise RuntimeError("a shared MSAL app was used outside a connection's session")
        return session

    def post(self, *args: Any, **kwargs: Any) -> requests.Response:
        return self._session().post(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> requests.Response:
        return self._session().get(*args, **kwargs)

    def close(self) -> None:  # the sessions belong to their connections
        pass


@dataclass
class _SharedApp:
    app: msal.ConfidentialClientApplication
    http: _RoutedHttpClient


class SharedApps:
    """MSAL confidential clients of one fleet, one per (authority, client_id, credential), with their
    in-memory token caches; built once per key (other threads wait), never cached when building fails."""

    def __init__(self) -> None:
        self._apps: dict[tuple, _SharedApp] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, build) -> _SharedApp:
        with self._lock:
            found = self._apps.get(key)
            if found is not None:
                return found
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                found = self._apps.get(key)
            if found is None:
                found = build()
                with self._lock:
                    self._apps[key] = found
            return found


_shared_apps: ContextVar[SharedApps | None] = ContextVar("spkit_shared_apps", default=None)


@contextmanager
def sharing_apps() -> Iterator[SharedApps]:
    """Within this context (and contexts copied from it), ``AppAuthenticator`` reuses MSAL apps."""
    apps = SharedApps()
    token = _shared_apps.set(apps)
    try:
        yield apps
    finally:
        _shared_apps.reset(token)


class AppAuthenticator:
    """One confidential client per (tenant, app); tokens per resource, cached by MSAL in memory."""

    def __init__(
        self,
        *,
        cloud: Cloud,
        tenant_id: str,
        client_id: str,
        credential: AppCredential,
        session: SpkitSession,
        token_cache: msal.TokenCache | None = None,
    ) -> None:
        self.cloud = cloud
        self.credential = credential
        self.session = session
        self._routed: _RoutedHttpClient | None = None
        self._build = lambda http_client: msal.ConfidentialClientApplication(
            client_id,
            authority=cloud.authority(tenant_id),
            client_credential=credential.msal_value,
            http_client=http_client,
            instance_discovery=cloud.instance_discovery,
            token_cache=token_cache,
        )
        shared = _shared_apps.get() if token_cache is None else None
        try:
            if shared is None:
                self.app = self._build(session)
            else:  # a fleet: the app (and its token cache) of this authority, client and credential
                key = (cloud.authority(tenant_id), client_id.lower(), _credential_identity(credential))
                routed = _RoutedHttpClient()

                def build() -> _SharedApp:
                    with routed.using(session):
                        return _SharedApp(self._build(routed), routed)

                entry = shared.get(key, build)
                self.app, self._routed = entry.app, entry.http
        except requests.RequestException as exc:
            raise network_error(
                exc, cloud.authority(tenant_id), "sign-in", ca_bundle=session.ca_bundle
            ) from exc
        except ValueError as exc:  # MSAL's word for an authority or credential it cannot use
            raise AuthenticationError(
                f"MSAL refused the configuration: {exc}",
                code="AUTH_CONFIG",
                fix="check tenant_id, the cloud and the credential",
            ) from exc

    def acquire(self, resource: str, what: str = "token") -> AccessToken:
        """An app-only token for ``resource`` (an origin like https://graph.microsoft.com)."""
        scope = resource.rstrip("/") + "/.default"
        answered: dict[str, Any] = {}

        def remember(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            """The token endpoint's Date and when it arrived here: a clock-skew diagnosis compares them."""
            if response.request is not None and response.request.method == "POST":
                answered.update(date=response.headers.get("Date"), at=time.time())
                answered.update(status=response.status_code, size=body_size(response.request))

        self.session.hooks["response"].append(remember)
        try:
            if self._routed is None:
                result = self.app.acquire_token_for_client(scopes=[scope])
            else:
                with self._routed.using(self.session):
                    result = self.app.acquire_token_for_client(scopes=[scope])
                if "access_token" not in result and not answered:
                    # A shared app answered from what another connection got (MSAL keeps a refusal
                    # for a minute): ask for this connection, with an app of its own, so its evidence
                    # (the token endpoint's Date) is its own, as in a verification on its own.
                    self.app, self._routed = self._build(self.session), None
                    result = self.app.acquire_token_for_client(scopes=[scope])
        except requests.RequestException as exc:
            raise network_error(
                exc, self.cloud.authority_host, what, ca_bundle=self.session.ca_bundle
            ) from exc
        finally:
            self.session.hooks["response"].remove(remember)
        if "access_token" not in result and answered.get("status") == 413:  # refused for its size
            host = urlsplit(self.cloud.authority_host).netloc
            raise request_too_large(host, what, answered["size"], f"HTTP 413: {first_line(result)}")
        if "access_token" not in result:
            facts = ClientFacts(
                secret_shape=self.credential.secret_shape,
                thumbprint=self.credential.thumbprint,
                local_time=answered.get("at"),
                server_date=answered.get("date"),
            )
            raise auth_error(result, what, facts)
        token = result["access_token"]
        return AccessToken(
            token=token,
            resource=resource,
            claims=decode_claims(token),
            expires_on=time.time() + float(result.get("expires_in", 0)),
        )
