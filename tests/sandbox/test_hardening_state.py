"""The state directory the sandbox started by ``spkit sandbox start`` leaves behind: the folders under
``tenants/`` that hold the apps' private keys are as private (0700) as the keys (0600)."""

from __future__ import annotations

import stat
from pathlib import Path


def test_tenant_folders_are_0700_and_their_files_0600(sandbox_state_dir: Path):
    tenants = sandbox_state_dir / "tenants"
    folders = [tenants, *(p for p in tenants.rglob("*") if p.is_dir())]
    files = [p for p in tenants.rglob("*") if p.is_file()]
    assert files, "the scenario's certificate apps have key files under tenants/"
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
