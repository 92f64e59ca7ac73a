"""Who a validated access token speaks for, as every resource service of the sandbox sees it.

Graph and SharePoint Online read the same claims of the same tokens (``tid``, ``appid``/``azp``, ``roles``,
``scp``, ``oid``, ``upn``), so they share one ``Caller``; each service's ``authenticate()`` validates the
token against its own audiences and refusals first, then builds it with ``Caller.from_claims``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .state import Tenant


@dataclass(frozen=True)
class Caller:
    """An app-only caller (``roles``) or a signed-in user through an app (``scp``), in one tenant."""

    tenant: Tenant
    client_id: str
    roles: frozenset[str]
    scopes: frozenset[str]
    # Delegated tokens: the signed-in user (``oid``, ``upn`` claims).
    object_id: str = ""
    upn: str | None = None

    @classmethod
    def from_claims(cls, tenant: Tenant, claims: Mapping[str, Any]) -> Caller:
        """The caller of a token already validated for ``tenant`` (v1 ``appid`` or v2 ``azp``)."""
        return cls(
            tenant=tenant,
            client_id=str(claims.get("appid") or claims.get("azp") or ""),
            roles=frozenset(claims.get("roles") or ()),
            scopes=frozenset(str(claims.get("scp") or "").split()),
            object_id=str(claims.get("oid") or "").lower(),
            upn=claims.get("upn"),
        )

    @property
    def delegated(self) -> bool:
        return bool(self.scopes)

    @property
    def granted(self) -> frozenset[str]:
        """The permissions the token carries: ``scp`` values if delegated, ``roles`` otherwise."""
        return self.scopes if self.delegated else self.roles
