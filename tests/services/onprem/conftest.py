"""What the on-premises service tests share: farm profiles of the shared sandbox's farm, written as a
user writes them, one per farm account (or with a wrong password)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from spkit.models.onprem_profile import OnpremProfile
from spkit.models.profile import load_profile

WRONG_PASSWORD = "Wrong-Password-1"


@pytest.fixture(scope="module")
def farm(card: dict) -> dict:
    return card["farms"][0]


def farm_user(farm: dict, sam_account_name: str) -> dict:
    return next(u for u in farm["users"] if u["sam_account_name"] == sam_account_name)


@pytest.fixture
def farm_profile(tmp_path: Path, card_path: Path, farm: dict, monkeypatch) -> Callable[..., OnpremProfile]:
    """``farm_profile(account="spfarm", wrong_password=False, **overrides)``: a farm profile, loaded."""

    def make(account: str = "spfarm", *, wrong_password: bool = False, **overrides) -> OnpremProfile:
        user = farm_user(farm, account)
        password = f"sandbox:{farm['name']}/{user['upn']}"
        if wrong_password:
            monkeypatch.setenv("SPKIT_TEST_FARM_PASSWORD", WRONG_PASSWORD)
            password = "env:SPKIT_TEST_FARM_PASSWORD"
        data = {
            "name": f"{account}-{len(list(tmp_path.glob('*.yaml')))}",
            "kind": "onprem",
            "sandbox": str(card_path),
            "sharepoint_url": farm["url"],
            "central_admin_port": farm["central_admin_port"],
            "admin_upn": user["upn"],
            "admin_password": password,
            **overrides,
        }
        path = tmp_path / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        profile = load_profile(path)
        assert isinstance(profile, OnpremProfile)
        return profile

    return make
