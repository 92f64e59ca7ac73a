"""From a profile to what every check needs: the session (sandbox-aware) and the app's credential."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from ...errors import InputError
from ...http.pools import sharing_pools
from ...http.session import SpkitSession, session_for
from ...models.cert_store import CertificateStore
from ...models.online_profile import (
    CertificateFileCredential,
    CertificateThumbprintCredential,
    ClientSecretCredential,
    OnlineProfile,
)
from ..secret_values import secret_value
from .app_tokens import AppCredential, certificate_credential, secret_credential, sharing_apps


def session_for_profile(profile: OnlineProfile) -> SpkitSession:
    """The one session for a profile: its CA bundle, and the sandbox's connect-to map when it has one
    (inside ``sharing_connections()``, on the fleet's shared pools)."""
    return session_for(profile.card, profile.ca_bundle, shared=True)


class CredentialCache:
    """Certificate credentials already loaded in this fleet, by file identity (path, size, mtime) and
    password: loading a key checks it (~60 ms of CPU for RSA 2048), once per file is enough. Failures
    are not kept: each connection meets them itself."""

    def __init__(self) -> None:
        self._loaded: dict[tuple, AppCredential] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple | None, load: Callable[[], AppCredential]) -> AppCredential:
        if key is None:
            return load()
        with self._lock:
            found = self._loaded.get(key)
        if found is None:
            found = load()
            with self._lock:
                self._loaded.setdefault(key, found)
        return found


_credentials: ContextVar[CredentialCache | None] = ContextVar("spkit_shared_credentials", default=None)


def _file_key(path: str | Path | None) -> tuple | None:
    if path is None:
        return None
    try:
        stat = Path(path).expanduser().stat()
    except OSError:
        return None  # let the load report it
    return (str(Path(path).expanduser().resolve()), stat.st_size, stat.st_mtime_ns)


def _certificate_key(path: str, password: str | None, key_path: str | None) -> tuple | None:
    cert_key = _file_key(path)
    if cert_key is None or (key_path is not None and _file_key(key_path) is None):
        return None
    secret = hashlib.sha256(password.encode("utf-8")).hexdigest() if password is not None else None
    return (cert_key, _file_key(key_path), secret)


def app_credential(profile: OnlineProfile) -> AppCredential:
    """The profile's credential resolved for MSAL (secret values never leave this object's repr)."""
    credential = profile.credential
    if isinstance(credential, ClientSecretCredential):
        return secret_credential(secret_value(credential.secret, profile.card), credential.secret.text)
    if isinstance(credential, CertificateFileCredential):
        password = secret_value(credential.password, profile.card) if credential.password else None
        path, key_path = str(credential.path), str(credential.key_path) if credential.key_path else None
        return _cached_certificate(path, password, key_path)
    if isinstance(credential, CertificateThumbprintCredential):
        # The store entry is a PEM file (certificate + PKCS#8 key): the PEM path gives the same MSAL
        # credential ({"private_key", "thumbprint"}), checks and description as a profile's .pem.
        stored = CertificateStore().get(credential.thumbprint)  # CERT_NOT_IN_STORE / CERT_STORE_DAMAGED
        return _cached_certificate(str(stored.path), None, None)
    raise InputError(f"unknown credential type {type(credential).__name__}", code="PROFILE_INVALID")


def _cached_certificate(path: str, password: str | None, key_path: str | None) -> AppCredential:
    cache = _credentials.get()
    if cache is None:
        return certificate_credential(path, password, key_path)
    return cache.get(
        _certificate_key(path, password, key_path), lambda: certificate_credential(path, password, key_path)
    )


@contextmanager
def sharing_connections(pool_maxsize: int = 10) -> Iterator[None]:
    """Verify many connections at once in this process: within this context (and contexts copied from
    it for worker threads), Online sessions share one pool per host, MSAL apps are reused per
    (authority, app, credential) with their token caches, and certificate files load once. Outside it
    every verification builds its own, as before."""
    token = _credentials.set(CredentialCache())
    try:
        with sharing_pools(pool_maxsize), sharing_apps():
            yield
    finally:
        _credentials.reset(token)
