"""The sandbox's directory: the farms' Active Directory domains over LDAPS, served by a real OpenLDAP slapd.

``serve_directory`` builds the domains (``seed``: each farm's domain with the farm's own accounts, a
trusted and an untrusted partner), writes slapd's configuration and data under ``<state>/directory``
(``slapd``: the launcher the AD browse tests use too), starts slapd on a free loopback port with the
sandbox's server certificate, and leaves a guardian that stops it should the sandbox die. Without
slapd the sandbox still runs: the result says why there is no directory, and so does the card.

Nothing here imports the client (spkit.services, models, http, store).
"""

from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import slapd
from .seed import ADMINISTRATORS, FARM_ADMINS, Domain, Vault, build_domains
from .slapd import INSTALL_HINT, SLAPD_DIR_ENV, SlapdUnavailable

__all__ = [
    "ADMINISTRATORS",
    "FARM_ADMINS",
    "INSTALL_HINT",
    "SLAPD_DIR_ENV",
    "SandboxDirectory",
    "SlapdUnavailable",
    "serve_directory",
    "stop_recorded",
]

log = logging.getLogger("spkit.sandbox.directory")
HOST = "127.0.0.1"


@dataclass
class SandboxDirectory:
    """A running slapd (``available``), or why there is none (``reason``, ``fix``)."""

    available: bool
    reason: str = ""
    fix: str = ""
    state: Path | None = None
    domains: list[Domain] = field(default_factory=list)
    started: slapd.Started | None = None
    ca_bundle: Path | None = None
    seconds: float = 0.0
    guardian: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.started.pid if self.started else None

    @property
    def ldaps_url(self) -> str | None:
        return f"ldaps://{HOST}:{self.started.ldaps_port}" if self.started else None

    def card_entry(self) -> dict[str, Any]:
        """The card's ``directory``: where it is, how to bind, and every domain with its accounts."""
        if not self.available:
            return {"available": False, "reason": self.reason, "fix": self.fix}
        home = self.domains[0]
        bind = home.bind_account
        return {
            "available": True,
            "ldaps_url": self.ldaps_url,
            "ca_bundle": str(self.ca_bundle),
            "pid": self.pid,
            "server": "OpenLDAP slapd with an Active Directory-like schema (bind with a DN)",
            "base": home.base,
            "domain": home.dns_name,
            "bind_user": bind.dn,
            "bind_password": bind.password,
            "admins_group": home.group_dn(FARM_ADMINS),
            "start_seconds": self.seconds,
            "domains": [
                {
                    "domain": d.dns_name,
                    "netbios_domain": d.netbios,
                    "base": d.base,
                    "role": d.role,
                    "farm": d.farm,
                    "trusted": d.trusted,
                    "bind_user": d.bind_account.dn,
                    "bind_password": d.bind_account.password,
                    "admins_group": d.group_dn(FARM_ADMINS),
                    "administrators_group": d.group_dn(ADMINISTRATORS),
                    "users": [a.card_entry() for a in d.accounts],
                }
                for d in self.domains
            ],
        }

    def stop(self) -> None:
        if self.started is not None and self.state is not None:
            slapd.terminate(self.started.pid, self.started.process, self.state / "slapd.conf")
            slapd.dismiss(self.guardian)
            self.started = self.guardian = None


def serve_directory(
    farms: list[Any],
    vault: Vault,
    state_dir: Path,
    *,
    cert: Path,
    key: Path,
    ca_bundle: Path,
    owner_pid: int,
) -> SandboxDirectory:
    """Start slapd for the farms' domains; never raises for a missing or failing slapd (says why)."""
    if not farms:
        return SandboxDirectory(False, "the scenario has no on-premises farm, so no domain to serve")
    t0 = time.perf_counter()
    state = state_dir / "directory"
    domains = build_domains(farms, vault)
    config = slapd.Config(
        databases=[slapd.Database(d.base, d.to_ldif(), d.readers(domains)) for d in domains],
        cert=cert,
        key=key,
        ca=ca_bundle,
        # like a domain controller: an unpaged search stops at AD's MaxPageSize, a paged one does not
        global_lines="sizelimit size.soft=1000 size.hard=1000 size.prtotal=unlimited",
        root_dse={"defaultNamingContext": domains[0].base},
    )
    try:
        slapd.build(state, config)
        started = slapd.start(state, ldap=False, ldaps=True, host=HOST)
    except (SlapdUnavailable, OSError, subprocess.SubprocessError) as exc:
        text = str(exc).strip() or exc.__class__.__name__
        log.warning("directory not served: %s", text)
        if getattr(exc, "missing", False):
            reason, _, _hint = text.partition("; ")
            return SandboxDirectory(False, reason=reason, fix=f"{INSTALL_HINT}, then restart the sandbox")
        return SandboxDirectory(
            False,
            reason=f"slapd did not start: {text.splitlines()[0]}",
            fix=f"see {state / 'slapd.log'} and {state_dir / 'sandbox.log'}, then restart the sandbox",
        )
    guardian = slapd.spawn_guardian(owner_pid, started.pid, state / "slapd.conf")
    seconds = round(time.perf_counter() - t0, 3)
    log.info(
        "directory: %s on %s:%s in %.3f s", [d.dns_name for d in domains], HOST, started.ldaps_port, seconds
    )
    return SandboxDirectory(
        True,
        state=state,
        domains=domains,
        started=started,
        ca_bundle=ca_bundle,
        seconds=seconds,
        guardian=guardian,
    )


def stop_recorded(entry: dict[str, Any] | None, state_dir: Path) -> None:
    """Stop the slapd a card's ``directory`` names, if it still runs (after its sandbox was killed)."""
    pid = (entry or {}).get("pid")
    if isinstance(pid, int) and pid > 0:
        slapd.terminate(pid, conf=state_dir / "directory" / "slapd.conf", grace=5.0)
