"""A sandbox profile whose sandbox is stopped: ``spkit verify`` says the sandbox is not running and how
to start it (``SANDBOX_NOT_RUNNING``), not that a file path is wrong.

Stopped means either of what a user meets: the card is gone (``spkit sandbox stop`` removes it, and a
fresh clone never had one), or the card is still there but its process has ended (a killed sandbox).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, spkit_cli


def _profiles(card: dict, card_path: Path) -> dict[str, dict]:
    """The two kinds, as parameters/ writes them, pointing at ``card_path``."""
    farm = card["farms"][0]
    tenant = card["tenants"][0]
    app = next(a for a in tenant["apps"] if a["certificate"])
    return {
        "onprem": {
            "name": "stopped-farm",
            "kind": "onprem",
            "sandbox": str(card_path),
            "sharepoint_url": farm["url"],
            "central_admin_port": farm["central_admin_port"],
            "admin_upn": farm["users"][0]["upn"],
            "admin_password": f"sandbox:{farm['name']}/{farm['users'][0]['upn']}",
        },
        "online": {
            "name": "stopped-online",
            "kind": "online",
            "cloud": "sandbox",
            "sandbox": str(card_path),
            "sharepoint_url": tenant["sharepoint_url"],
            "tenant_id": tenant["tenant_id"],
            "client_id": app["client_id"],
            "application_account": tenant["users"][0]["upn"],
            "certificate": {"path": app["certificate"]["pem"]},
        },
    }


def _verify(profile: dict, folder: Path):
    path = folder / f"{profile['name']}.yaml"
    path.write_text(yaml.safe_dump(profile))
    return spkit_cli("verify", str(path))


def _says_not_running(done, state: Path, why: str) -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines[0].startswith("spkit: error [SANDBOX_NOT_RUNNING]: the sandbox is not running: "), lines
    assert why in lines[0]
    assert lines[1] == (
        "  fix: start it with 'make sandbox-start' (in the spkit checkout, for its .sandbox/) or "
        f"'spkit sandbox start --detach --state {state}'"
    )
    assert "PROFILE_FILE_MISSING" not in done.stderr and "check the path" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("kind", ["onprem", "online"])
def test_no_card_means_the_sandbox_is_not_running(card, tmp_path, kind):
    state = tmp_path / "stopped-state"  # never started, or stopped: no sandbox.json
    done = _verify(_profiles(card, state / "sandbox.json")[kind], tmp_path)
    _says_not_running(done, state, f"there is no sandbox card at {state / 'sandbox.json'}")


@pytest.mark.parametrize("kind", ["onprem", "online"])
def test_a_card_whose_process_ended_means_the_sandbox_is_not_running(card, tmp_path, kind):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(ended.stdout)  # a real process that has just exited
    state = tmp_path / "killed-state"
    state.mkdir()
    (state / "sandbox.json").write_text(json.dumps({**card, "pid": dead_pid, "state_dir": str(state)}))
    done = _verify(_profiles(card, state / "sandbox.json")[kind], tmp_path)
    _says_not_running(done, state, f"names process {dead_pid}, which has ended")


def test_the_shipped_profiles_say_so_too(tmp_path):
    """parameters/*.yaml name ../.sandbox/sandbox.json; a copy beside a state dir that never ran."""
    (tmp_path / "parameters").mkdir()
    shipped = (REPO / "parameters" / "fabrikam-onprem.yaml").read_text()
    (tmp_path / "parameters" / "fabrikam-onprem.yaml").write_text(shipped)
    done = spkit_cli("verify", str(tmp_path / "parameters" / "fabrikam-onprem.yaml"))
    _says_not_running(done, tmp_path / ".sandbox", "there is no sandbox card at")
