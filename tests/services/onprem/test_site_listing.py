"""``open_farm_sites`` called directly: the farm's site collections through search as a stream over the
NTLM session, counted for a face's progress; Graph's page size means nothing here."""

from __future__ import annotations

import pytest

from spkit.errors import AuthenticationError
from spkit.services.onprem.search import FarmSite
from spkit.services.onprem.site_listing import open_farm_sites

from .conftest import farm_user


def test_every_site_collection_the_account_reads_streams_with_the_count(farm_profile, farm):
    progress: list[int] = []
    with open_farm_sites(farm_profile("spfarm"), 7, on_progress=progress.append) as sites:
        listed = list(sites)
    assert all(isinstance(s, FarmSite) for s in listed)
    assert sorted(s.url for s in listed) == sorted(farm_user(farm, "spfarm")["readable_site_urls"])
    assert progress == [farm["site_count"]]  # told every 100 sites and at the end


def test_a_wrong_password_fails_at_the_first_page(farm_profile):
    with (
        pytest.raises(AuthenticationError) as raised,
        open_farm_sites(farm_profile("spfarm", wrong_password=True)) as sites,
    ):
        next(sites)
    assert raised.value.code == "ONPREM_AUTH_FAILED"
