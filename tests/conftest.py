"""One sandbox per test session, shared by every pytest-xdist worker, started by the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "out" / "screenshots"  # test artifacts to look at, never committed
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; browsers are never downloaded
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _shared_root(tmp_path_factory: pytest.TempPathFactory, config: pytest.Config) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def spkit_cli(
    *args: str,
    env: dict | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess:
    """Run the real ``spkit`` command line (as users do) and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "spkit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
        env={**os.environ, **(env or {})},
        input=input,
    )


@pytest.fixture(scope="session")
def sandbox_state_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    root = _shared_root(tmp_path_factory, request.config)
    state = root / "shared-sandbox"
    with FileLock(str(root / "shared-sandbox.lock")):
        card_path = state / "sandbox.json"
        if not card_path.exists():
            done = spkit_cli("sandbox", "start", "--detach", "--state", str(state))
            assert done.returncode == 0, done.stderr + done.stdout
    return state


@pytest.fixture(scope="session")
def card(sandbox_state_dir: Path) -> dict:
    return json.loads((sandbox_state_dir / "sandbox.json").read_text())


@pytest.fixture(scope="session")
def card_path(sandbox_state_dir: Path) -> Path:
    return sandbox_state_dir / "sandbox.json"


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium per worker, driven by Playwright's sync API. One per process: a
    second ``sync_playwright()`` inside a running one refuses to start ("inside the asyncio loop")."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make system-deps' (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    state = factory.getbasetemp() / "shared-sandbox"
    if (state / "sandbox.json").exists():
        spkit_cli("sandbox", "stop", "--state", str(state))
