"""Serve the connection wizard notebook as a standalone Voilà app on loopback, and stop it cleanly.

Voilà runs in its own process (``python -I``, cwd the notebook's folder, so nothing in the caller's
directory is ever imported) and its own session, so a Ctrl-C reaches spkit, which then shuts Voilà down
with its kernels; any kernel still alive afterwards is killed, so nothing is left behind. A sandbox card
given (or found running) reaches the kernels as ``SPKIT_SANDBOX_CARD``, which makes the wizard offer and
preselect the sandbox cloud.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, SpkitError
from ..models.card import load_card
from ..store.paths import cache_dir, private_dir

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
WIZARD_NOTEBOOK = NOTEBOOKS_DIR / "connect_sharepoint.ipynb"
SANDBOX_CARD_ENV = "SPKIT_SANDBOX_CARD"
LOOPBACK = "127.0.0.1"


class WizardError(SpkitError):
    """The wizard server could not be started or stopped (not the user's input)."""

    default_code = "WIZARD_FAILED"
    exit_code = 1


@dataclass
class WizardServer:
    """A running Voilà server: its URL (with its access token), process and log."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: Path
    sandbox_card: Path | None = None
    _descendants: set[tuple[int, str]] = field(default_factory=set, repr=False)

    def running(self) -> bool:
        return self.process.poll() is None


# --- ports ------------------------------------------------------------------------------------------


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def check_port(port: int) -> None:
    """Refuse a port outside 1..65535, or one another program listens on (``InputError``, exit 2)."""
    if not 1 <= port <= 65535:
        raise InputError(
            f"--port must be between 0 and 65535, not {port}",
            code="WIZARD_PORT",
            fix="give 0 for a free port",
        )
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is fine
        try:
            sock.bind((LOOPBACK, port))
        except OSError as exc:
            problem = (
                "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            )
            raise InputError(
                f"port {port} of {LOOPBACK} {problem}",
                code="WIZARD_PORT_IN_USE" if exc.errno == errno.EADDRINUSE else "WIZARD_PORT",
                fix="give another --port, or 0 for a free one",
            ) from None


# --- the sandbox card -------------------------------------------------------------------------------


def default_sandbox_cards(cwd: Path | None = None) -> list[Path]:
    """Where a running sandbox's card is looked for: ``make demo``'s, then the default state directory."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return [
        (cwd or Path.cwd()) / ".sandbox" / "sandbox.json",
        Path(data_home) / "spkit" / "sandbox" / "sandbox.json",
    ]


def sandbox_answers(card: dict, timeout_s: float = 5.0) -> bool:
    """Whether the sandbox a card describes answers over HTTPS (its identity platform's JWKS)."""
    from ..http import session_for_card

    try:
        with session_for_card(card) as session:
            answer = session.get(
                f"{card['cloud']['authority_host']}/common/discovery/v2.0/keys", timeout=timeout_s
            )
        return answer.status_code == 200
    except Exception:  # any failure to answer means: not running
        return False


def resolve_sandbox_card(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """The absolute path of a running sandbox's card: ``explicit`` (which must exist and answer), else
    the first default one that answers, else None (the wizard then offers the real clouds only)."""
    if explicit is not None:
        path = explicit.expanduser().absolute()
        card = load_card(path)  # CARD_NOT_FOUND / CARD_INVALID: exit 2
        if not sandbox_answers(card):
            raise InputError(
                f"the sandbox of {path} is not running",
                code="SANDBOX_NOT_RUNNING",
                fix="start it with 'make sandbox-start' (or 'spkit sandbox start --detach --state DIR')",
            )
        return path
    for path in default_sandbox_cards(cwd):
        if not path.is_file():
            continue
        try:
            card = load_card(path)
        except InputError:
            continue
        if sandbox_answers(card):
            return path.absolute()
    return None


# --- the Voilà server -------------------------------------------------------------------------------


def voila_command(notebook: Path, port: int) -> list[str]:
    """Voilà on loopback only, a fixed port (no silent fallback to another), a token, sources stripped."""
    return [
        sys.executable,
        "-I",
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={LOOPBACK}",
        "--Voila.port_retries=0",
        "--Voila.auto_token=True",  # the token itself comes in JUPYTER_TOKEN: a command line is public
        "--strip_sources=True",
        "--show_tracebacks=False",
        # a page closed without saying so leaves its kernel: end it after an idle hour with no page
        "--MappingKernelManager.cull_idle_timeout=3600",
        "--MappingKernelManager.cull_interval=300",
        "--MappingKernelManager.cull_connected=False",
    ]


def start_wizard(
    port: int = 0,
    sandbox_card: Path | None = None,
    notebook: Path = WIZARD_NOTEBOOK,
    timeout_s: float = 60.0,
    env: dict[str, str] | None = None,
) -> WizardServer:
    """Start Voilà on ``notebook`` and return once it answers. ``port`` 0 takes a free one.

    ``sandbox_card`` (already resolved) is passed to the kernels; the caller's own
    ``SPKIT_SANDBOX_CARD`` is not, so the wizard only ever offers a sandbox that was checked."""
    if not notebook.is_file():
        raise WizardError(
            f"the wizard notebook {notebook} is missing",
            code="WIZARD_NOTEBOOK_MISSING",
            fix="run spkit from its source tree (make install), where notebooks/ is",
        )
    if port:
        check_port(port)
    child_env = dict(os.environ if env is None else env)
    child_env.pop(SANDBOX_CARD_ENV, None)
    if sandbox_card is not None:
        child_env[SANDBOX_CARD_ENV] = str(sandbox_card)
    log_path = private_dir(cache_dir()) / f"wizard-{os.getpid()}.log"  # one per wizard: several may run
    attempts = 1 if port else 3  # a free port can be taken between looking and listening: look again
    for attempt in range(attempts):
        chosen = port or free_port()
        token = secrets.token_urlsafe(24)
        child_env["JUPYTER_TOKEN"] = token
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as log:
            process = subprocess.Popen(
                voila_command(notebook, chosen),
                cwd=notebook.parent,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        server = WizardServer(
            url=f"http://{LOOPBACK}:{chosen}/?token={token}",
            port=chosen,
            process=process,
            log_path=log_path,
            sandbox_card=sandbox_card,
        )
        try:
            if _wait_until_answering(server, timeout_s):
                return server
        except BaseException:
            stop_wizard(server)
            raise
        stop_wizard(server)
        if attempt + 1 == attempts or not _port_was_taken(log_path):
            break
    tail = " | ".join(_log_tail(log_path))
    raise WizardError(
        f"the wizard server did not start: {tail or 'no output'}",
        code="WIZARD_START_FAILED",
        fix=f"see {log_path}",
    )


def _wait_until_answering(server: WizardServer, timeout_s: float) -> bool:
    """Poll a static path (the notebook's own path would start a kernel) until Voilà answers at all."""
    probe = f"http://{LOOPBACK}:{server.port}/voila/static/"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not server.running():
            return False
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return True
        except urllib.error.HTTPError:  # 404 is an answer: the server is up
            return True
        except OSError:
            time.sleep(0.1)
    return False


def _port_was_taken(log_path: Path) -> bool:
    return any("no available port" in line or "already in use" in line for line in _log_tail(log_path, 20))


def _log_tail(log_path: Path, lines: int = 3) -> list[str]:
    try:
        text = log_path.read_text("utf-8", "replace")
    except OSError:
        return []
    return [line.strip() for line in text.strip().splitlines()[-lines:] if line.strip()]


def wait_wizard(server: WizardServer, poll_s: float = 0.5) -> int:
    """Block until the server ends by itself (returns its exit code); Ctrl-C raises as usual."""
    while True:
        code = server.process.poll()
        if code is not None:
            return code
        _remember_descendants(server)
        time.sleep(poll_s)


def stop_wizard(server: WizardServer, timeout_s: float = 10.0) -> None:
    """SIGTERM Voilà (it shuts its kernels down), SIGKILL it after ``timeout_s``, then kill any of its
    descendants (kernels) still alive: no orphan survives."""
    _remember_descendants(server)
    if server.running():
        with contextlib.suppress(ProcessLookupError):
            server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(5)
    else:
        server.process.wait()
    for pid, started in server._descendants:
        if _start_time(pid) == started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def discard_log(server: WizardServer) -> None:
    """Remove the server's log once it stopped as asked (a failed start keeps it, for its fix)."""
    server.log_path.unlink(missing_ok=True)


def _remember_descendants(server: WizardServer) -> None:
    """Record the (pid, start time) of every process below Voilà: kernels run in sessions of their
    own, so only this list finds them once Voilà is gone."""
    if server.running():
        found = {(pid, _start_time(pid)) for pid in _descendants(server.process.pid)}
        server._descendants |= {(pid, started) for pid, started in found if started}


def _descendants(root: int) -> set[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self").is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text("ascii", "replace").rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _start_time(pid: int) -> str:
    """Field 22 of ``/proc/PID/stat`` (start time): tells a process from a later one given its pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text("ascii", "replace").rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return ""


def open_in_browser(url: str) -> None:
    """Open ``url`` in the user's browser, in the background; no browser at all is not an error."""

    def _open() -> None:
        with contextlib.suppress(Exception):
            webbrowser.open(url, new=2)

    threading.Thread(target=_open, name="spkit-wizard-browser", daemon=True).start()


# --- the whole run ----------------------------------------------------------------------------------


@dataclass
class WizardRun:
    """How a served wizard ended: stopped by Ctrl-C (its log removed), or by itself (its exit code, the
    log kept for the fix)."""

    server: WizardServer
    interrupted: bool
    exit_code: int | None = None


def serve_wizard(
    port: int = 0,
    sandbox: Path | None = None,
    *,
    on_ready: Callable[[WizardServer], None] = lambda _server: None,
    open_browser: bool = False,
    notebook: Path = WIZARD_NOTEBOOK,
) -> WizardRun:
    """``spkit wizard``: refuse a taken port or a wrong sandbox card before anything starts, serve the
    wizard, tell ``on_ready`` where it is (and open the browser if asked), then wait for Ctrl-C or for the
    server to end by itself. Either way Voilà and its kernels are stopped before this returns."""
    if port:
        check_port(port)
    card = resolve_sandbox_card(sandbox)
    server = start_wizard(port=port, sandbox_card=card, notebook=notebook)
    try:
        on_ready(server)
        if open_browser:
            open_in_browser(server.url)
        code = wait_wizard(server)
    except KeyboardInterrupt:
        with _interrupts_ignored():  # a second Ctrl-C must not cut the shutdown short
            stop_wizard(server)
            discard_log(server)
        return WizardRun(server, interrupted=True)
    stop_wizard(server)
    return WizardRun(server, interrupted=False, exit_code=code)


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """SIGINT ignored for the block (signal handlers belong to the main thread: elsewhere, nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
