"""Read an access token's claims for evidence (what tenant, app, roles, credential type, expiry).

The claims are decoded without verifying the signature: spkit is the client, the resource verifies.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import jwt

CREDENTIAL_TYPES = {"0": "public client", "1": "client secret", "2": "certificate"}


def decode_claims(token: str) -> dict[str, Any]:
    """The token's claims ({} when it is not a JWT); a dict of the caller's own."""
    return dict(_claims(token))


@functools.lru_cache(maxsize=256)  # a token is read after each acquisition and on refusals: decoded once
def _claims(token: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token, options={"verify_signature": False, "verify_aud": False, "verify_exp": False}
        )
    except jwt.PyJWTError:
        return {}


def summarise_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims that explain a connection, with the credential type and expiry made readable."""
    acr = str(claims.get("appidacr", claims.get("azpacr", "")))
    exp = claims.get("exp")
    return {
        "aud": claims.get("aud"),
        "tid": claims.get("tid"),
        "appid": claims.get("appid") or claims.get("azp"),
        "app_displayname": claims.get("app_displayname"),
        "credential": CREDENTIAL_TYPES.get(acr, acr or None),
        "roles": list(claims.get("roles") or []),
        "scp": claims.get("scp"),
        "expires": datetime.fromtimestamp(exp, UTC).isoformat(timespec="seconds")
        if isinstance(exp, int | float)
        else None,
    }
