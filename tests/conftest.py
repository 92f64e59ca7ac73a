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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    state = factory.getbasetemp() / "shared-sandbox"
    if (state / "sandbox.json").exists():
        spkit_cli("sandbox", "stop", "--state", str(state))
