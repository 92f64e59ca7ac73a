"""``open_site_listing``, whatever the kind: Graph for Online, search for a farm, each a stream of site
collections with what a listing shows (id, address, title, OneDrive or not, creation) and its count."""

from __future__ import annotations

from spkit.models.profile import load_profile
from spkit.services.online.graph_sites import SiteInfo
from spkit.services.onprem.search import FarmSite
from spkit.services.site_listing import open_site_listing
from tests.helpers import card_tenant, write_profile
from tests.services.batch.support import onprem_profile


def test_an_online_profile_lists_through_graph(tmp_path, card, card_path):
    profile = load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate"))
    progress: list[int] = []
    with open_site_listing(profile, 100, on_progress=progress.append) as sites:
        listed = list(sites)
    tenant = card_tenant(card)
    assert len(listed) == tenant["site_count"] and {type(s) for s in listed} == {SiteInfo}
    assert sum(s.is_personal for s in listed) == tenant["personal_site_count"]
    assert all(s.id and s.url and s.title and s.created for s in listed)
    assert progress[-1] == tenant["site_count"]


def test_a_farm_profile_lists_through_search(tmp_path, card, card_path):
    profile = load_profile(onprem_profile(tmp_path, card_path, card))
    farm = card["farms"][0]
    progress: list[int] = []
    with open_site_listing(profile, 100, on_progress=progress.append) as sites:
        listed = list(sites)
    assert len(listed) == farm["site_count"] and {type(s) for s in listed} == {FarmSite}
    assert sum(s.is_personal for s in listed) == farm["personal_site_count"]
    assert all(s.id and s.url.startswith(farm["url"]) and s.created is None for s in listed)
    assert progress == [farm["site_count"]]
