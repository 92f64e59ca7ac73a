"""Access tokens the sandbox's identity platform signs and its resources (Graph, SharePoint) check.

RS256 JWTs with a ``kid`` from the JWKS the identity platform publishes, like Entra's. Issuing lives
here rather than in ``identity/`` because both sides must agree on the key and the claim rules.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.utils import base64url_encode, to_base64url_uint

from .certificate_builder import build_certificate
from .certificate_builder import common_name as subject_name


class TokenRejected(Exception):
    """A bearer token a resource must refuse. ``reason`` is one of: missing, malformed, signature,
    expired, not_yet_valid, audience, issuer, tenant. ``message`` is worded as Entra's resources word it
    (IDX codes of Microsoft.IdentityModel), for a resource with no wording of its own for the reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class SigningKey:
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def kid(self) -> str:
        thumbprint = self.certificate.fingerprint(hashes.SHA1())  # noqa: S303 - x5t is SHA-1 by spec
        return base64url_encode(thumbprint).decode("ascii")

    def jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": to_base64url_uint(numbers.n).decode("ascii"),
            "e": to_base64url_uint(numbers.e).decode("ascii"),
            "x5c": [base64.b64encode(der).decode("ascii")],
        }


class TokenService:
    """Signs access tokens and validates them for a resource, both by ``clock`` (the cloud's, which a
    scenario may skew from this machine's)."""

    def __init__(
        self,
        key: SigningKey,
        authority_host: str,
        lifetime_s: int = 3599,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = key
        self.authority_host = authority_host.rstrip("/")
        self.lifetime_s = lifetime_s
        self.clock = clock

    def issuer(self, tenant_id: str) -> str:
        return f"{self.authority_host}/{tenant_id}/v2.0"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.jwk()]}

    def issue(
        self,
        *,
        tenant_id: str,
        audience: str,
        client_id: str,
        app_display_name: str,
        acr: str,
        roles: list[str] | None = None,
        scopes: list[str] | None = None,
        subject_oid: str | None = None,
        upn: str | None = None,
        now: float | None = None,
        lifetime_s: int | None = None,
    ) -> str:
        """A signed token. ``acr`` is "0" (public client), "1" (secret) or "2" (certificate)."""
        now = int(now if now is not None else self.clock())
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": self.issuer(tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + (lifetime_s if lifetime_s is not None else self.lifetime_s),
            "tid": tenant_id,
            "appid": client_id,
            "azp": client_id,
            "appidacr": acr,
            "azpacr": acr,
            "app_displayname": app_display_name,
            "oid": subject_oid or client_id,
            "sub": subject_oid or client_id,
            "idtyp": "user" if upn else "app",
            "uti": base64url_encode(uuid.uuid4().bytes).decode("ascii"),
            "ver": "2.0",
        }
        if roles:
            claims["roles"] = list(roles)
        if scopes:
            claims["scp"] = " ".join(scopes)
        if upn:
            claims["upn"] = upn
        return jwt.encode(
            claims,
            self.key.private_key,
            algorithm="RS256",
            headers={"kid": self.key.kid, "x5t": self.key.kid},
        )

    def validate(self, token: str | None, *, audiences: set[str], leeway_s: int = 0) -> dict[str, Any]:
        """The claims of a token this resource accepts; ``TokenRejected`` otherwise."""
        if not token:
            raise TokenRejected("missing", "Access token is empty.")
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, RecursionError) as exc:  # a header nested too deep is no JWT either
            raise TokenRejected("malformed", "IDX14100: JWT is not well formed.") from exc
        if header.get("alg") != "RS256" or header.get("kid") != self.key.kid:
            raise TokenRejected(
                "signature",
                "IDX10503: Signature validation failed. Token does not have a kid "
                "that matches a published signing key.",
            )
        try:
            claims = jwt.decode(
                token,
                self.key.private_key.public_key(),
                algorithms=["RS256"],
                # Microsoft.IdentityModel checks nbf and exp, never iat; both against self.clock, below.
                options={
                    "verify_aud": False,
                    "verify_iat": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "require": ["exp", "aud", "iss", "tid"],
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise TokenRejected("signature", "IDX10511: Signature validation failed.") from exc
        except (jwt.PyJWTError, RecursionError) as exc:
            raise TokenRejected("malformed", f"IDX14100: JWT is not well formed: {exc}") from exc
        now = self.clock()
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if not isinstance(expires, int | float) or (
            not_before is not None and not isinstance(not_before, int | float)
        ):
            raise TokenRejected("malformed", "IDX14100: JWT is not well formed: exp/nbf are not numbers.")
        if now >= expires + leeway_s:
            raise TokenRejected("expired", "Lifetime validation failed, the token is expired.")
        if not_before is not None and now < not_before - leeway_s:
            raise TokenRejected("not_yet_valid", _not_yet_valid_message(token, now))
        _check_claim_types(claims)
        if claims["aud"] not in audiences:
            raise TokenRejected("audience", f"Invalid audience '{claims.get('aud')}'.")
        if claims.get("iss") != self.issuer(str(claims.get("tid"))):
            raise TokenRejected("issuer", "Invalid issuer.")
        return claims


def _check_claim_types(claims: dict[str, Any]) -> None:
    """Entra issues ``aud``, ``iss`` and ``tid`` as strings, ``roles`` as a list of strings and ``scp`` as
    one string; a signed token with any other shape (an ``aud`` list, a numeric tenant) is refused as the
    resources refuse a token they cannot read (401), never left to fail later."""
    if not isinstance(claims.get("aud"), str):
        raise TokenRejected("audience", f"Invalid audience '{claims.get('aud')}'.")
    if not all(isinstance(claims.get(name), str) for name in ("iss", "tid")):
        raise TokenRejected("malformed", "IDX14100: JWT is not well formed: iss and tid must be strings.")
    roles, scopes = claims.get("roles"), claims.get("scp")
    if roles is not None and not (isinstance(roles, list) and all(isinstance(r, str) for r in roles)):
        raise TokenRejected("malformed", "IDX14100: JWT is not well formed: roles must be a list of strings.")
    if scopes is not None and not isinstance(scopes, str):
        raise TokenRejected("malformed", "IDX14100: JWT is not well formed: scp must be a string.")


def _not_yet_valid_message(token: str, now: float) -> str:
    """Microsoft.IdentityModel's IDX10222, with the token's ``nbf`` and the current time."""
    from datetime import UTC, datetime

    def dotnet(seconds: float) -> str:  # .NET's DateTime.ToString() in en-US: 11/28/2026 6:07:50 PM
        at = datetime.fromtimestamp(seconds, UTC)
        return f"{at.month}/{at.day}/{at.year} {at.strftime('%I').lstrip('0')}:{at:%M:%S %p}"

    claims = jwt.decode(token, options={"verify_signature": False})
    valid_from = claims.get("nbf")
    shown = dotnet(float(valid_from)) if isinstance(valid_from, int | float) else "(null)"
    return (
        "IDX10222: Lifetime validation failed. The token is not yet valid. "
        f"ValidFrom (UTC): '{shown}', Current time (UTC): '{dotnet(now)}'."
    )


def new_signing_key(common_name: str = "sandbox token signing") -> SigningKey:
    from datetime import UTC, datetime, timedelta

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = build_certificate(
        subject_name(common_name),
        key,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=3650),
    )
    return SigningKey(key, cert)
