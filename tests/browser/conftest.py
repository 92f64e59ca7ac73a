"""Real-browser fixtures: Debian's chromium driven by Playwright against the real servers on loopback.

Per pytest(-xdist) worker and only when a test asks: one Voilà server started by the real
``spkit wizard`` command, one JupyterLab server on a copy of ``notebooks/``, one headless chromium.
Everything runs in an isolated store (config, certificates, caches, Jupyter's own directories in a
temporary folder) against the shared session sandbox, and is stopped at the end of the session.
"""

from __future__ import annotations

import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, SCREENSHOTS

WIZARD_LINE = re.compile(r"^wizard: (http://127\.0\.0\.1:\d+/\S*)$")


@dataclass
class Server:
    """A server process we started, the URL it answers on, and where its output goes."""

    url: str
    process: subprocess.Popen
    log: Path


def read_line(process: subprocess.Popen, timeout_s: float) -> str:
    """The first line ``process`` prints on stdout, within ``timeout_s`` ('' when it prints none)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout_s).rstrip("\n")
    except queue.Empty:
        return ""


def start_wizard_command(
    args: list[str], env: dict, cwd: Path, log: Path, timeout_s: float = 90
) -> tuple[Server, str]:
    """Run ``spkit wizard ARGS`` as a user does; return it once it printed its ``wizard: URL`` line."""
    with open(log, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "spkit", "wizard", *args],
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    line = read_line(process, timeout_s)
    match = WIZARD_LINE.match(line)
    if not match:
        process.kill()
        process.wait()
        raise AssertionError(f"spkit wizard printed {line!r}; stderr: {log.read_text()[-2000:]}")
    return Server(url=match.group(1), process=process, log=log), line


def stop_with_ctrl_c(server: Server, timeout_s: float = 30) -> int:
    """What Ctrl-C in its terminal does: SIGINT, then wait for the exit code."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
    try:
        return server.process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        raise


@pytest.fixture(scope="session")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The user's stores, private to this session: connections, certificates, caches, Jupyter's dirs."""
    root = tmp_path_factory.mktemp("browser-home")
    env = {
        "SPKIT_CONFIG_DIR": root / "config",
        "SPKIT_KEYRING": "off",
        "SPKIT_CERT_STORE": root / "certificates",
        "XDG_CACHE_HOME": root / "cache",
        "SPKIT_CACHE_DIR": root / "cache" / "spkit",
        "XDG_DATA_HOME": root / "data",
        "JUPYTER_CONFIG_DIR": root / "jupyter-config",
        "JUPYTER_DATA_DIR": root / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": root / "jupyter-runtime",
    }
    return {key: str(value) for key, value in env.items()}


@pytest.fixture(scope="session")
def wizard_server(
    store_env: dict[str, str], card_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Voilà serving the wizard, started through ``spkit wizard --no-browser --port 0 --sandbox CARD``."""
    folder = tmp_path_factory.mktemp("wizard")
    server, _ = start_wizard_command(
        ["--no-browser", "--port", "0", "--sandbox", str(card_path)], store_env, folder, folder / "stderr.txt"
    )
    yield server
    code = stop_with_ctrl_c(server)
    assert code == 130, server.log.read_text()


@pytest.fixture(scope="session")
def lab_server(
    store_env: dict[str, str], card_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """JupyterLab on a copy of ``notebooks/`` (loopback, a token), the sandbox card in the kernels' env."""
    folder = tmp_path_factory.mktemp("lab")
    notebooks = folder / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    token = secrets.token_hex(16)
    log = folder / "lab.log"
    news = Path(store_env["JUPYTER_CONFIG_DIR"]) / "lab/user-settings/@jupyterlab/apputils-extension"
    news.mkdir(parents=True, exist_ok=True)  # no "get notified about Jupyter news?" toast over the page
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {**os.environ, **store_env, "SPKIT_SANDBOX_CARD": str(card_path)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                f"--IdentityProvider.token={token}",
                "--ServerApp.ip=127.0.0.1",
                "--ServerApp.port=0",
                f"--ServerApp.root_dir={notebooks}",
                "--ServerApp.allow_root=True",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.news_url=",
                "--LabApp.extension_manager=readonly",
            ],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = _wait_for_lab_url(process, log, token)
    server = Server(url=url, process=process, log=log)
    yield server
    process.send_signal(signal.SIGTERM)  # jupyter-server shuts its kernels down on SIGTERM
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_lab_url(process: subprocess.Popen, log: Path, token: str, timeout_s: float = 90) -> str:
    """JupyterLab logs ``http://127.0.0.1:PORT/lab?token=...`` once it listens."""
    pattern = re.compile(r"http://127\.0\.0\.1:(\d+)/lab\?token=")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        match = pattern.search(log.read_text("utf-8", "replace"))
        if match:
            return f"http://127.0.0.1:{match.group(1)}/lab?token={token}"
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"JupyterLab did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh browser context per test (its own page, so its own wizard kernel)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
