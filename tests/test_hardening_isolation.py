"""Code lying in the caller's directory never runs: the processes spkit starts (the detached sandbox,
batch workers and their kernels) import nothing from where the command was typed.

The directory holds modules named like ones spkit imports (``secrets``, ``json``, ``yaml``...); each
writes a marker file when imported. The commands run from there, through the installed ``spkit``
script, as a user types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_profile

SPKIT = Path(sys.executable).with_name("spkit")  # the console script: its own directory is sys.path[0]
SHADOWED = ("secrets", "json", "yaml", "ssl", "logging", "cryptography", "requests")


@pytest.fixture
def hostile(tmp_path) -> tuple[Path, Path]:
    """A working directory full of modules that leave a marker when imported; (directory, marker)."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    marker = tmp_path / "imported-from-cwd.txt"
    for name in SHADOWED:
        (folder / f"{name}.py").write_text(
            f"with open({str(marker)!r}, 'a') as f:\n    f.write({name!r} + '\\n')\n", "utf-8"
        )
    return folder, marker


def _run(cwd: Path, *args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SPKIT), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _imported(marker: Path) -> list[str]:
    return marker.read_text("utf-8").split() if marker.exists() else []


def test_a_detached_sandbox_imports_nothing_from_the_callers_directory(hostile):
    folder, marker = hostile
    started = _run(
        folder, "sandbox", "start", "--detach", "--state", "state", "--no-directory", "--sites", "3"
    )
    try:
        assert _imported(marker) == [], f"modules of the caller's directory ran: {_imported(marker)}"
        assert started.returncode == 0, started.stdout + started.stderr
        card = json.loads((folder / "state" / "sandbox.json").read_text("utf-8"))  # a relative --state
        assert card["state_dir"] == str((folder / "state").resolve())
        status = _run(folder, "sandbox", "status", "--state", "state")
        assert status.returncode == 0, status.stdout + status.stderr
        assert _imported(marker) == []
    finally:
        _run(folder, "sandbox", "stop", "--state", "state", timeout=60)


def test_batch_workers_and_kernels_import_nothing_from_the_callers_directory(
    hostile, card, card_path, tmp_path
):
    folder, marker = hostile
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate", name="isolated")
    env = {
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_KEYRING": "off",
    }
    done = _run(folder, "batch", str(profile), "--out", "out", "--notebooks", "all", env=env)
    assert _imported(marker) == [], f"modules of the caller's directory ran: {_imported(marker)}"
    assert done.returncode == 0, done.stdout + done.stderr
    assert (folder / "out" / "isolated.ipynb").is_file()  # the kernel ran, and wrote where asked
