"""One catalog entry, and the rung and area names entries may use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# The ladders' rungs, in order (spkit/checks/ladders.py).
ONLINE_RUNGS = (
    "address",
    "dns",
    "tcp",
    "tls",
    "discovery",
    "token",
    "claims",
    "graph",
    "tenant_name",
    "account",
    "sites",
    "sharepoint",
    "admin_center",
)
ONPREM_RUNGS = (
    "address",
    "dns",
    "tcp",
    "tls",
    "http",
    "ntlm",
    "web",
    "search",
    "central_admin",
    "requirements",
)
RUNGS = tuple(dict.fromkeys(ONLINE_RUNGS + ONPREM_RUNGS))

# Where a code comes from when no rung reports it, and the service area of a rung's code.
AREAS = {
    "network": "Network: name, TCP, proxy, TLS",
    "identity": "Identity platform: tenant discovery, app-only token, claims",
    "graph": "Microsoft Graph",
    "sharepoint": "SharePoint Online REST",
    "farm": "SharePoint Server farm",
    "signin": "Admin sign-in (Microsoft 365 administrator)",
    "registration": "Application registration and consent",
    "input": "Input: profiles, addresses, clouds, secrets, sandbox cards",
    "certificate": "Certificates: files and the local certificate store",
    "store": "Saved connections store",
    "ad": "Active Directory browse",
    "sandbox": "The local sandbox",
    "wizard": "The connection wizard",
    "record": "Onboarding record",
    "batch": "Batch runs: many connections, fleets, Dask",
    "cli": "Command line usage",
    "internal": "spkit itself",
}


@dataclass(frozen=True)
class CatalogEntry:
    """What a diagnosis code means and how to fix it, for consultants (``fix_steps``) and for the
    customer's admin (``tell_customer``). ``rung`` is the ladder rung that reports the code (None outside
    the ladder), ``area`` its service area, ``ladder`` "online", "onprem" or "both" for a rung's code,
    ``also`` other rungs or areas that report it; ``generic`` marks an entry made up for an unknown code."""

    code: str
    title: str
    meaning: str
    rung: str | None
    area: str
    evidence: str
    fix_steps: list[str]
    tell_customer: str
    ladder: str | None = None
    also: tuple[str, ...] = ()
    generic: bool = False

    @property
    def where(self) -> str:
        """The rung (with its ladder) or the area, as a person reads it."""
        if self.rung is None:
            return AREAS.get(self.area, self.area)
        ladder = {"online": "Online", "onprem": "on-premises", "both": "Online and on-premises"}.get(
            self.ladder or "", ""
        )
        return f"rung '{self.rung}'" + (f" ({ladder})" if ladder else "")


Build = Callable[..., CatalogEntry]


def maker(area: str, ladder: str | None = None) -> Build:
    """An entry builder for one area module: ``E(code, title, meaning=..., evidence=..., fix=[...],
    tell=..., rung=..., also=...)``."""

    def build(
        code: str,
        title: str,
        *,
        meaning: str,
        evidence: str,
        fix: Sequence[str],
        tell: str,
        rung: str | None = None,
        also: Sequence[str] = (),
        ladder_: str | None = None,
    ) -> CatalogEntry:
        return CatalogEntry(
            code=code,
            title=title,
            meaning=meaning,
            rung=rung,
            area=area,
            evidence=evidence,
            fix_steps=list(fix),
            tell_customer=tell,
            ladder=(ladder_ or ladder) if rung else None,
            also=tuple(also),
        )

    return build
