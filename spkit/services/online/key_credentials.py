"""The certificate a client sent against those registered on its application (Graph ``keyCredentials``,
readable with a delegated admin sign-in): not registered at all, or registered but past its
``endDateTime``. Used to make AADSTS700027 exact when the app's registration can be read."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from ...errors import AuthenticationError

UPLOAD_PAGE = "Entra admin center > App registrations > the app > Certificates & secrets > Certificates"


def key_thumbprint(key: dict[str, Any]) -> str | None:
    """A keyCredential's SHA-1 thumbprint (upper hex) from ``customKeyIdentifier`` (hex, or base64 of the
    20 thumbprint bytes or of its 40 hex characters), or None."""
    ident = str(key.get("customKeyIdentifier") or "")
    if len(ident) == 40 and all(c in "0123456789abcdefABCDEF" for c in ident):
        return ident.upper()
    try:
        raw = base64.b64decode(ident, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) == 20:
        return raw.hex().upper()
    if len(raw) == 40:
        return raw.decode("ascii", "replace").upper()
    return None


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _describe(key: dict[str, Any]) -> str:
    return f"{key_thumbprint(key) or '?'} ({key.get('displayName') or 'no name'}, until {key.get('endDateTime')})"


def registered_key_error(
    thumbprint: str, key_credentials: list[dict[str, Any]], now: datetime | None = None
) -> AuthenticationError | None:
    """AUTH_CERT_NOT_REGISTERED when no keyCredential has the thumbprint sent, AUTH_CERT_KEY_EXPIRED when
    the one that has it ended; None when a current key matches (the cause is elsewhere)."""
    now = now or datetime.now(UTC)
    sent = thumbprint.replace(":", "").replace(" ", "").upper()
    registered = [
        k for k in key_credentials if str(k.get("type", "AsymmetricX509Cert")) == "AsymmetricX509Cert"
    ]
    listed = "; ".join(_describe(k) for k in registered) or "none"
    match = next((k for k in registered if key_thumbprint(k) == sent), None)
    if match is None:
        return AuthenticationError(
            f"the certificate {sent} is not registered on the application",
            code="AUTH_CERT_NOT_REGISTERED",
            evidence=f"thumbprint sent: {sent}; registered: {listed}",
            fix=f"upload the certificate's public part ('spkit certs export {sent} --out app.cer') to the app "
            f"({UPLOAD_PAGE}), or use the certificate whose thumbprint the app lists",
        )
    ended = _when(match.get("endDateTime"))
    if ended is not None and ended <= now:
        return AuthenticationError(
            f"the certificate {sent} registered on the application expired on {ended:%Y-%m-%d %H:%M} UTC",
            code="AUTH_CERT_KEY_EXPIRED",
            evidence=f"thumbprint sent: {sent}; keyCredential endDateTime {match.get('endDateTime')}",
            fix=f"upload a new certificate to the app ({UPLOAD_PAGE}) and use it in the profile, or rotate it "
            "with 'spkit register --rotate-certificate'",
        )
    return None
