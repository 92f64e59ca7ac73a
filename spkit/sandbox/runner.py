"""Start, find, check and stop a sandbox: in this process (tests), in the foreground, or detached.

A running sandbox is known by its card in the state directory; ``stop`` and ``status`` read it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import SandboxError, SandboxInputError
from . import card_client
from .access_tokens import TokenService
from .ca import ensure_ca, issue_fault_certificate, issue_server_certificate
from .card import CARD_NAME, build_card, write_card
from .directory import SandboxDirectory, serve_directory, stop_recorded
from .dispatch import Dispatcher
from .faults import Faults
from .fleet import MAX_TENANTS, FleetVault, server_names, with_tenants
from .scenario import build_state, load_scenario, scenario_faults
from .server import Listener
from .state import SandboxState

log = logging.getLogger("spkit.sandbox")

DEFAULT_CONSENT_DELAY_S = 3.0


def default_state_dir() -> Path:
    """``$XDG_DATA_HOME/spkit/sandbox`` (``~/.local/share/spkit/sandbox`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spkit" / "sandbox"


@dataclass
class SandboxOptions:
    state_dir: Path = field(default_factory=default_state_dir)
    port: int = 0
    sites: int | None = None
    scenario: Path | None = None
    throttle: float = 0.0
    latency_ms: int = 0
    # None: the scenario's faults.consent_delay_s, else 3 s (Entra's propagation, roughly).
    consent_delay_s: float | None = None
    # Overrides every HTTPS farm's scenario setting: "off" or "required" (None: as the scenario says).
    extended_protection: str | None = None
    # Serve the farms' Active Directory domains over LDAPS with slapd (see directory/), when installed.
    directory: bool = True
    # Online tenants in all, the scenario's first, then generated ones up to this number (fleet.py).
    tenants: int | None = None

    def validate(self) -> None:
        """Bad arguments are bad input (``SandboxInputError``, exit 2), found before anything starts."""
        if not 0 <= self.port <= 65535:
            raise SandboxInputError(f"--port must be between 0 and 65535, not {self.port}")
        if self.sites is not None and not 1 <= self.sites <= 10_000_000:
            raise SandboxInputError(f"--sites must be between 1 and 10,000,000, not {self.sites}")
        if not 0.0 <= self.throttle < 1.0:  # NaN fails this too
            raise SandboxInputError(f"--throttle is a fraction in [0, 1), not {self.throttle}")
        if not 0 <= self.latency_ms <= 60_000:
            raise SandboxInputError(f"--latency must be 0..60000 ms, not {self.latency_ms}")
        if self.consent_delay_s is not None and not 0.0 <= self.consent_delay_s <= 600.0:
            raise SandboxInputError(f"--consent-delay must be 0..600 s, not {self.consent_delay_s}")
        if self.tenants is not None and not 1 <= self.tenants <= MAX_TENANTS:
            raise SandboxInputError(f"--tenants must be between 1 and {MAX_TENANTS:,}, not {self.tenants}")
        if self.extended_protection not in (None, "off", "required"):
            raise SandboxInputError(
                f"--extended-protection is off or required, not {self.extended_protection!r}"
            )


class RunningSandbox:
    """A sandbox serving in this process (background threads). Use as a context manager or ``stop()``."""

    def __init__(self, options: SandboxOptions) -> None:
        from . import farm, graph, identity, sharepoint
        from .farm.ntlm import activate_environment

        options.validate()
        self.options = options
        state_dir = options.state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(state_dir, 0o700)
        scenario, generated = with_tenants(load_scenario(options.scenario), options.tenants)
        faults = scenario_faults(scenario)
        self.state = SandboxState(
            faults=Faults(throttle_rate=options.throttle, latency_ms=options.latency_ms)
        )
        self.state.consent_delay_s = next(
            d
            for d in (options.consent_delay_s, faults.consent_delay_s, DEFAULT_CONSENT_DELAY_S)
            if d is not None
        )
        _, vault = build_state(
            scenario, state_dir, sites=options.sites, state=self.state, vault=FleetVault(state_dir, generated)
        )
        self.vault = vault
        if options.extended_protection:
            for each in self.state.farms.values():
                if each.scheme == "https":
                    each.extended_protection = options.extended_protection
        self.tokens = TokenService(vault.signing_key(), self.state.authority_host, clock=self.state.now)
        services = [m.make_service(self.state, self.tokens) for m in (identity, graph, sharepoint, farm)]
        self.dispatcher = Dispatcher(self.state, services)
        ca = ensure_ca(state_dir)
        cert, key = issue_server_certificate(
            ca, server_names(self.state, generated) + self.state.farm_hostnames(), state_dir
        )
        sni, self.certificate_faults = {}, []
        for fault in faults.certificates:
            fault_cert, fault_key, issuer = issue_fault_certificate(
                fault.certificate, fault.host, list(fault.names), ca, state_dir
            )
            sni[fault.host] = (fault_cert, fault_key)
            self.certificate_faults.append(
                {
                    "host": fault.host,
                    "certificate": fault.certificate,
                    "pem": str(fault_cert.resolve()),
                    "issuer_ca": str(issuer.pem_path.resolve()),
                    "names": list(fault.names) or [fault.host],
                }
            )
        try:
            listener = Listener(self.dispatcher, port=options.port, cert_path=cert, key_path=key, sni=sni)
        except OSError as exc:
            raise SandboxError(
                f"cannot listen on 127.0.0.1:{options.port}: {exc.strerror or exc}",
                code="SANDBOX_PORT",
                fix="give another --port, or 0 for a free one",
            ) from exc
        self.listener = listener.start()
        try:
            self.farm_endpoints = farm.open_endpoints(
                self.state, cert, key, self.listener.address, self.listener.port, sni=sni
            )
        except BaseException:
            self.listener.stop()
            raise
        # Closed ports: the card maps them to a loopback port bound but never listening (refused at once).
        closed: dict[str, str] = {}
        for entry in faults.closed_ports:
            sock, address = farm.reserve_closed_port(self.listener.address)
            self.farm_endpoints.reserved.append(sock)
            closed[entry] = address
        try:
            self.directory = self._serve_directory(cert, key, ca.pem_path)
        except BaseException:
            self.listener.stop()
            self.farm_endpoints.stop()
            raise
        if self.state.ntlm_user_file is not None:
            # NTLM_USER_FILE and LM_COMPAT_LEVEL=5 for this process (pyspnego's acceptor reads them)
            activate_environment(self.state.ntlm_user_file)
        self.card = build_card(
            self.state,
            state_dir=state_dir,
            ca_bundle=ca.pem_path,
            address=self.listener.address,
            port=self.listener.port,
            pid=os.getpid(),
            extra_hosts={**self.farm_endpoints.connect_to, **closed},
            directory=self.directory.card_entry(),
            faults={
                "clock_skew_s": self.state.faults.clock_skew_s,
                "consent_delay_s": self.state.consent_delay_s,
                "server_certificates": self.certificate_faults,
                "closed_ports": sorted(closed),
                "throttle_rules": [
                    {"host": r.host, "path": r.path, "count": r.count, "retry_after_s": r.retry_after_s}
                    for r in self.state.faults.throttle_rules
                ],
                "server_error_rules": [
                    {"host": r.host, "path": r.path, "status": r.status, "count": r.count}
                    for r in self.state.faults.server_error_rules
                ],
            },
        )
        self.card_path = write_card(state_dir, self.card)

    def _serve_directory(self, cert: Path, key: Path, ca_pem: Path) -> SandboxDirectory:
        """slapd for the farms' domains (its accounts are the farms'); none without slapd, and says why."""
        if not self.options.directory:
            return SandboxDirectory(False, "not asked for (--no-directory)")
        directory = serve_directory(
            list(self.state.farms.values()),
            self.vault,
            self.options.state_dir,
            cert=cert,
            key=key,
            ca_bundle=ca_pem,
            owner_pid=os.getpid(),
        )
        self.vault.save()  # the partner domains' passwords, made once per state directory
        return directory

    def stop(self) -> None:
        from .farm.ntlm import release_environment

        self.listener.stop()
        self.farm_endpoints.stop()
        self.directory.stop()
        if self.state.ntlm_user_file is not None:
            release_environment(self.state.ntlm_user_file)
        try:
            card = json.loads(self.card_path.read_text("utf-8"))
            if card.get("pid") == os.getpid() and card.get("connect_to") == self.card["connect_to"]:
                self.card_path.unlink()
        except (OSError, ValueError):
            pass

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_in_thread(options: SandboxOptions) -> RunningSandbox:
    return RunningSandbox(options)


def read_card(state_dir: Path) -> dict[str, Any] | None:
    path = state_dir / CARD_NAME
    try:
        card = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SandboxError(f"the sandbox card {path} cannot be read: {exc}", code="SANDBOX_CARD") from exc
    if not isinstance(card, dict):
        raise SandboxError(
            f"the sandbox card {path} cannot be read: it holds a JSON {type(card).__name__}, not an object",
            code="SANDBOX_CARD",
        )
    return card


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs. A zombie does not: a detached sandbox's parent is init, which may reap it
    only seconds after it exited (``kill(pid, 0)`` succeeds on a zombie)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text("ascii", "replace")
    except FileNotFoundError:  # gone since kill(), or no procfs at all (macOS): then trust kill()
        return not Path("/proc/self").is_dir()
    except OSError:
        return True
    state = stat.rpartition(")")[2].split()[:1]  # the field after "(comm)", which may hold spaces
    return state not in (["Z"], ["X"])


def _process_started_at(pid: int) -> float | None:
    """When ``pid`` started (epoch seconds), from procfs; None where that cannot be told."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text("ascii", "replace").rpartition(")")[2].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text("ascii").splitlines()
            if line.startswith("btime ")
        )
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat: starttime
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def card_process_alive(card: dict[str, Any]) -> bool:
    """Whether the process on the card runs and is the one that wrote it.

    A card left behind by a sandbox that was killed (or by a reboot) names a pid the system may have
    given to another process since: that process started after the card's ``started_at``, so it is not
    the sandbox, and ``stop`` must not signal it. (A process whose command line names the card's state
    directory is the sandbox whatever the dates say, should the clock have jumped.)
    """
    try:
        pid = int(card.get("pid") or 0)
    except (TypeError, ValueError):
        return False
    if not pid_alive(pid):
        return False
    began = _process_started_at(pid)
    try:
        written = datetime.fromisoformat(str(card.get("started_at"))).timestamp()
    except ValueError:
        return True  # no usable date on the card: trust the pid, as before
    if began is None or began <= written + 2:  # started_at has whole seconds
        return True
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return str(card.get("state_dir", "")).encode() in command


def _refuse_if_running(state_dir: Path) -> None:
    card = read_card(state_dir)
    if card and card_process_alive(card) and card.get("pid") != os.getpid():
        raise SandboxError(
            f"a sandbox is already running on {state_dir} (pid {card['pid']})",
            code="SANDBOX_RUNNING",
            fix="stop it with 'spkit sandbox stop', or give another --state directory",
        )


def run_foreground(options: SandboxOptions, announce=print) -> int:
    """Serve until SIGINT/SIGTERM; the card disappears when the sandbox stops."""
    options.validate()
    _refuse_if_running(options.state_dir)
    _log_to_state_dir(options.state_dir)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sandbox = RunningSandbox(options)
    announce(
        f"sandbox listening on https://{sandbox.listener.address}:{sandbox.listener.port} "
        f"(pid {os.getpid()}); card: {sandbox.card_path}"
    )
    if options.directory:
        announce(directory_line(sandbox.card))
    try:
        stop.wait()
    finally:
        sandbox.stop()
    return 0


def _log_to_state_dir(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(state_dir / "sandbox.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("spkit.sandbox")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def child_python() -> list[str]:
    """The interpreter for a child that runs spkit, without the caller's directory on ``sys.path``.

    ``-P`` (not ``-I``): the child keeps the parent's own ``sys.path`` otherwise — a ``pip install
    --user`` (user site-packages) and ``PYTHONPATH`` still work — but ``python -m`` no longer puts the
    working directory first, where a ``secrets.py`` or ``json.py`` would shadow the module spkit imports.
    """
    return [sys.executable, "-P"]


def child_env() -> dict[str, str]:
    """The environment for ``child_python()``: the parent's, plus spkit's own source root on
    ``PYTHONPATH`` when spkit was found only because it lies in the working directory (run from its
    source tree without an install); without it, such a child could not import spkit."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    if not _importable_without_cwd("spkit"):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _importable_without_cwd(name: str) -> bool:
    import importlib.machinery

    cwd = os.path.realpath(os.getcwd())
    path = [p for p in sys.path if p and os.path.realpath(p) != cwd]
    for finder in sys.meta_path:
        try:
            if finder is importlib.machinery.PathFinder:
                spec = importlib.machinery.PathFinder.find_spec(name, path)
            else:
                find = getattr(finder, "find_spec", None)
                spec = find(name, None) if find else None
        except Exception:  # a third-party finder that fails: it does not find spkit
            spec = None
        if spec is not None:
            return True
    return False


def start_detached(options: SandboxOptions, timeout_s: float = 60.0) -> dict[str, Any]:
    """Start a sandbox process in its own session and return its card once it answers."""
    options.validate()
    with_tenants(load_scenario(options.scenario), options.tenants)  # reported here, not by a dead child
    _refuse_if_running(options.state_dir)
    options.state_dir.mkdir(parents=True, exist_ok=True)
    state_dir = options.state_dir.resolve()  # the child runs in "/": no path may be relative
    args = [
        *child_python(),
        "-m",
        "spkit",
        "sandbox",
        "start",
        "--state",
        str(state_dir),
        "--port",
        str(options.port),
        "--throttle",
        str(options.throttle),
        "--latency",
        str(options.latency_ms),
    ]
    if options.consent_delay_s is not None:
        args += ["--consent-delay", str(options.consent_delay_s)]
    if options.sites is not None:
        args += ["--sites", str(options.sites)]
    if options.tenants is not None:
        args += ["--tenants", str(options.tenants)]
    if options.extended_protection is not None:
        args += ["--extended-protection", options.extended_protection]
    if not options.directory:
        args.append("--no-directory")
    if options.scenario is not None:
        args += ["--scenario", str(options.scenario.resolve())]
    out = open(options.state_dir / "sandbox.out", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        args,
        cwd="/",  # never the caller's directory: nothing lying there is imported or written to
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        close_fds=True,
    )
    out.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        card = read_card(options.state_dir)
        if card and card.get("pid") == proc.pid:
            return card
        if proc.poll() is not None:
            tail = (options.state_dir / "sandbox.out").read_text("utf-8", "replace").strip().splitlines()[-3:]
            raise SandboxError(
                f"the sandbox exited during start (code {proc.returncode}): " + " | ".join(tail),
                code="SANDBOX_START_FAILED",
            )
        time.sleep(0.1)
    proc.terminate()
    raise SandboxError(
        f"the sandbox did not write its card within {timeout_s:.0f} s", code="SANDBOX_START_FAILED"
    )


def stop(state_dir: Path, timeout_s: float = 15.0) -> int | None:
    """Stop the detached sandbox of ``state_dir``; returns its pid, or None if none was running."""
    card = read_card(state_dir)
    if not card:
        return None
    if not card_process_alive(card):
        stop_recorded(card.get("directory"), state_dir)  # the guardian's job, should it have been killed too
        (state_dir / CARD_NAME).unlink(missing_ok=True)  # a stale card: nothing (of ours) to stop
        return None
    pid = int(card["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    stop_recorded(card.get("directory"), state_dir)  # normally gone with the sandbox; never left behind
    (state_dir / CARD_NAME).unlink(missing_ok=True)
    return pid


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def status(state_dir: Path) -> dict[str, Any]:
    """Whether the sandbox of ``state_dir`` runs and answers over HTTPS (a JWKS request)."""
    card = read_card(state_dir)
    if not card:
        return {"running": False, "answers": False, "reason": f"no card in {state_dir}"}
    pid = card.get("pid")
    if not card_process_alive(card):
        return {"running": False, "answers": False, "pid": pid, "reason": "the card's process is gone"}
    try:
        code, body = card_client.get(card, f"{card['cloud']['authority_host']}/common/discovery/v2.0/keys")
        ok = code == 200 and "keys" in json.loads(body)
        return {
            "running": True,
            "answers": ok,
            "pid": pid,
            "card": str(state_dir / CARD_NAME),
            "connect_to": card["connect_to"],
            "directory": _directory_status(card),
        }
    except Exception as exc:  # any failure to answer is the status we report
        return {"running": True, "answers": False, "pid": pid, "reason": str(exc)}


def _directory_status(card: dict[str, Any]) -> dict[str, Any]:
    """The card's directory without its passwords, and whether its slapd still runs."""
    entry = card.get("directory")
    if not isinstance(entry, dict):
        return {"available": False, "reason": "this sandbox's card lists no directory"}
    if not entry.get("available"):
        return {k: entry.get(k) for k in ("available", "reason", "fix")}
    pid = entry.get("pid")
    return {
        "available": True,
        "running": isinstance(pid, int) and pid_alive(pid),
        "ldaps_url": entry.get("ldaps_url"),
        "ca_bundle": entry.get("ca_bundle"),
        "base": entry.get("base"),
        "bind_user": entry.get("bind_user"),
        "pid": pid,
        "domains": [
            {k: d.get(k) for k in ("domain", "role", "trusted", "base")} for d in entry.get("domains", [])
        ],
    }


def directory_line(card: dict[str, Any]) -> str:
    """One line on the sandbox's directory: where it is, or why there is none and what to install."""
    entry = card.get("directory") or {}
    if entry.get("available"):
        domains = ", ".join(f"{d['domain']} ({d['role']})" for d in entry.get("domains", []))
        return f"directory: {entry['ldaps_url']} ({domains}); bind as {entry['bind_user']}"
    reason = entry.get("reason") or "this sandbox's card lists no directory"
    fix = entry.get("fix")
    return f"directory not served: {reason}" + (f"; {fix}" if fix else "")
