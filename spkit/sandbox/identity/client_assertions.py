"""Checking a certificate client assertion (``private_key_jwt``) the way Entra does.

MSAL Python builds two shapes (docs/protocols.md#msal-assertion-shapes):
``{"alg":"RS256","x5t":<SHA-1>}`` when given a thumbprint and
``{"alg":"PS256","x5t#S256":<SHA-256>}`` for PFX / public-certificate input, base64url values *with* ``=``
padding, claims ``aud``/``iss``/``sub``/``jti``/``iat``/``exp`` as floats and no ``nbf``. Both shapes must
pass, and each way one can get it wrong must fail with Entra's code, so the user learns what to fix.

Signature checking uses ``cryptography`` directly on the bytes as sent, so nothing is re-encoded.
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.utils import base64url_decode

from ..state import App, KeyCredential
from . import exceptions as aad

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLOCK_SKEW_S = 300  # Entra tolerates about five minutes of clock difference
_B64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


def strict_b64url(value: str) -> bytes:
    """Base64url with or without ``=`` padding (MSAL keeps the padding); anything else is ``ValueError``.
    Plain base64 (``+``/``/``) is refused: Entra does not find the key for it either. PyJWT's decoder does
    the decoding; the check before it is ours, since that decoder accepts ``+``/``/`` as well."""
    if not isinstance(value, str) or not _B64URL.match(value):
        raise ValueError("not base64url")
    try:
        return base64url_decode(value.rstrip("="))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def _json_segment(segment: str) -> dict:
    data = json.loads(strict_b64url(segment))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def parse(assertion: str) -> tuple[dict, dict, bytes, bytes]:
    """(header, claims, signing input, signature) of a compact JWS; 50027 if it is not one."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise aad.assertion_malformed()
    try:
        header, claims = _json_segment(parts[0]), _json_segment(parts[1])
        signature = strict_b64url(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise aad.assertion_malformed() from exc
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def find_key(app: App, header: dict) -> tuple[KeyCredential | None, str | None]:
    """The registered certificate the header's thumbprint names, and that thumbprint in hex (or None if the
    header carried no decodable thumbprint, in which case Entra's message omits it)."""
    for name, size, attr in (("x5t#S256", 32, "sha256"), ("x5t", 20, "sha1")):
        if name not in header:
            continue
        try:
            digest = strict_b64url(header[name])
        except ValueError:
            return None, None
        if len(digest) != size:
            return None, None
        key = next((k for k in app.key_credentials if getattr(k, attr) == digest), None)
        return key, digest.hex().upper()
    return None, None


def _signature_ok(key: KeyCredential, alg: object, signing_input: bytes, signature: bytes) -> bool:
    public_key = key.certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    if alg == "RS256":
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
    elif alg == "PS256":
        # RFC 7518 3.5: PSS with MGF1-SHA256 and a salt as long as the hash.
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    else:
        return False
    try:
        public_key.verify(signature, signing_input, pad, hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def key_start(key: KeyCredential) -> datetime:
    """The registered key's startDateTime (the certificate's notBefore unless registered otherwise)."""
    return key.start or key.certificate.not_valid_before_utc


def key_end(key: KeyCredential) -> datetime:
    """The registered key's endDateTime (the certificate's notAfter unless registered otherwise)."""
    return key.end or key.certificate.not_valid_after_utc


def _key_window(key: KeyCredential) -> str:
    """``Start=08/18/2024 19:33:23, End=08/18/2029 19:33:23`` as Entra prints the found key (its registered
    start and end dates)."""
    fmt = "%m/%d/%Y %H:%M:%S"
    return f"Start={key_start(key).strftime(fmt)}, End={key_end(key).strftime(fmt)}"


def _check_signature(
    app: App, header: dict, signing_input: bytes, signature: bytes, now: float, graph_url: str
) -> KeyCredential:
    key, thumbprint = find_key(app, header)
    if key is None:
        raise aad.assertion_key_not_found(app.client_id, thumbprint, graph_url)
    assert thumbprint is not None
    if not _signature_ok(key, header.get("alg"), signing_input, signature):
        raise aad.assertion_bad_signature(app.client_id, thumbprint, _key_window(key), graph_url)
    moment = datetime.fromtimestamp(now, UTC)
    if moment >= key_end(key) or moment < key_start(key):
        # The registered key (keyCredential endDateTime; for a certificate uploaded as is, its notAfter) is
        # past, or its start (notBefore) is still ahead: 700027 "[Reason - The key used is expired.,
        # Thumbprint of key used by client: '...', Found key 'Start=..., End=...']". Source: Microsoft's
        # Azure Stack HCI registration troubleshooting page quotes that answer for a key past its End, and
        # a field report quotes it for a key whose Start is in the future (a clock ahead). Entra checks its
        # registered copy, not the file: an expired certificate never reaches it from spkit, which refuses
        # it first (CERT_EXPIRED). Microsoft.Identity.Web also lists 1000502 ("The provided certificate is
        # not within its specified validity window") and 7000274 as certificate errors [unsure: when].
        raise aad.assertion_bad_signature(
            app.client_id, thumbprint, _key_window(key), graph_url, reason="The key used is expired."
        )
    return key


def _check_required(claims: dict) -> None:
    """``aud``, ``iss``, ``sub``, ``exp`` are required. ``nbf`` is not (MSAL never sends it) and neither
    is ``jti``: the docs list it but say nothing of enforcing it, and Entra documents no replay check.
    [unsure] whether Entra refuses an assertion without ``jti``; we accept it."""
    for name in ("aud", "iss", "sub", "exp"):
        if claims.get(name) in (None, ""):
            raise aad.missing_credential_field(name)


def _check_audience(claims: dict, allowed: Iterable[str]) -> None:
    aud = claims["aud"]
    if isinstance(aud, list):
        if len(aud) > 1:
            raise aad.assertion_too_many_audiences(len(aud))
        aud = aud[0] if aud else ""
    if not isinstance(aud, str) or aud.lower() not in {a.lower() for a in allowed}:
        raise aad.assertion_malformed(
            f"The audience '{aud}' of the client assertion is not this token endpoint."
        )


def _check_parties(claims: dict, client_id: str) -> None:
    if claims["sub"] != claims["iss"]:
        raise aad.assertion_subject_mismatch()
    if str(claims["iss"]).lower() != client_id.lower():
        raise aad.assertion_client_mismatch()


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise aad.assertion_malformed()
    return float(value)


def _check_times(claims: dict, now: float) -> None:
    """``exp`` in the future and ``nbf`` (if any) in the past, each within the clock skew. No cap on the
    window: the docs say Entra 'doesn't place restrictions on the exp time currently'."""
    expires = _number(claims["exp"])
    not_before = _number(claims["nbf"]) if claims.get("nbf") is not None else None
    if now > expires + CLOCK_SKEW_S or (not_before is not None and now < not_before - CLOCK_SKEW_S):
        raise aad.assertion_time_range(now, not_before, expires)


def verify(
    assertion: str, app: App, *, audiences: Iterable[str], now: float, graph_url: str
) -> KeyCredential:
    """The ``KeyCredential`` that signed a valid assertion for ``app``; ``AadstsError`` otherwise.

    Order: shape (50027), key by thumbprint (700027), signature (700027), required claims (90014), audience
    (5002741 / 50027), ``sub``==``iss`` (50048), ``iss``==client_id (700021), time window (700024).
    """
    header, claims, signing_input, signature = parse(assertion)
    key = _check_signature(app, header, signing_input, signature, now, graph_url)
    _check_required(claims)
    _check_audience(claims, audiences)
    _check_parties(claims, app.client_id)
    _check_times(claims, now)
    return key
