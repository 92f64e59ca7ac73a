"""``verify_profile``, the one entry every face calls: the ladder of the profile's kind, with Online's
tuning passed to Online and left out for a farm (whose ladder has no Graph pages)."""

from __future__ import annotations

import math

import pytest

from spkit.models.profile import load_profile
from spkit.services.verification import verify_profile
from tests.helpers import card_tenant, write_profile
from tests.services.batch.support import onprem_profile


@pytest.fixture
def online(tmp_path, card, card_path):
    return load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate"))


@pytest.fixture
def farm(tmp_path, card, card_path):
    return load_profile(onprem_profile(tmp_path, card_path, card))


def test_online_options_reach_the_online_ladder(online, card):
    counts: list[int] = []
    result = verify_profile(online, sample_size=2, page_size=100, on_sites=counts.append)
    assert result.passed and result.kind == "online"
    sites = result.enumeration_step
    total = card_tenant(card)["site_count"]
    assert (sites.step, len(sites.facts["sample"]), sites.facts["pages"]) == (
        "sites",
        2,
        math.ceil(total / 100),
    )
    assert counts[-1] == total


def test_a_farm_ignores_onlines_options(farm, card):
    counts: list[int] = []
    result = verify_profile(farm, sample_size=2, page_size=7, on_sites=counts.append)
    assert result.passed and result.kind == "onprem"
    search = result.enumeration_step
    assert search.step == "search" and len(search.facts["sample"]) == 5  # the farm's own default sample
    assert counts[-1] == card["farms"][0]["site_count"]
