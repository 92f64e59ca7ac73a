"""The state delegated sign-in keeps between requests: device codes waiting for a user, the verification
pages' flows, and the refresh tokens issued.

One ``DeviceCodeStore`` and one ``RefreshTokenStore`` per sandbox (``context.IdentityContext``); both
thread-safe, because the listener serves each connection in its own thread. The stores keep the state and
enforce what must hold under the lock (one decision per code, single use, single-use nonces); which error
a caller sees when is decided here too, since it depends on that state.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from . import exceptions as aad
from .models import DECLINED, FAILED, PENDING, REDEEMED, DeviceCode, RefreshGrant, WebFlow

# User codes as Entra prints them: nine characters, upper-case letters and digits without look-alikes.
_USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_USER_CODE_LENGTH = 9
# Finished codes are kept this long past their expiry, so a late poll still hears "expired" or "used".
_RETAIN_S = 3600.0


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
