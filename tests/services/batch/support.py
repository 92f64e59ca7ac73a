"""Helpers of the ``spkit batch`` tests: what a batch wrote, which of its processes live on, a farm profile."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def marked_processes(mark: str) -> list[int]:
    """Processes (children, kernels) that carry this test's marker in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"SPKIT_TEST_BATCH_MARK={mark}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def onprem_profile(folder: Path, card_path: Path, card: dict, name: str = "farm") -> Path:
    farm = card["farms"][0]
    user = farm["users"][0]
    data = {
        "name": name,
        "kind": "onprem",
        "sandbox": str(card_path),
        "sharepoint_url": farm["url"],
        "central_admin_port": farm["central_admin_port"],
        "admin_upn": user["upn"],
        "admin_password": f"sandbox:{farm['name']}/{user['upn']}",
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def statuses(out: Path) -> dict[str, str]:
    return {row["connection"]: row["status"] for row in summary(out)["connections"]}
