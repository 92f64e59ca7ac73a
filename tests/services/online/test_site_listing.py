"""``open_online_sites`` called directly: discovery and the first token on entry (a refusal fails before
any site), then every site collection as a stream, OneDrive flagged, the count heard page by page."""

from __future__ import annotations

import pytest

from spkit.errors import AuthenticationError
from spkit.services.online.graph_sites import SiteInfo
from spkit.services.online.site_listing import open_online_sites
from tests.helpers import card_app


def test_every_site_collection_streams_with_onedrive_flagged(online_profile, tenant):
    progress: list[int] = []
    with open_online_sites(online_profile("spkit-certificate"), 100, on_progress=progress.append) as sites:
        listed = list(sites)
    assert len(listed) == tenant["site_count"] and all(isinstance(s, SiteInfo) for s in listed)
    assert sum(s.is_personal for s in listed) == tenant["personal_site_count"]
    assert progress == [100, 200, tenant["site_count"]]


def test_a_refused_token_fails_on_entry_before_any_site(online_profile, card):
    other = card_app(card, "spkit-certificate")["certificate"]["pem"]
    profile = online_profile("spkit-unconsented", name="wrong-cert", certificate={"path": other})
    entered = []
    with pytest.raises(AuthenticationError) as raised, open_online_sites(profile) as sites:
        entered.append(sites)
    assert raised.value.code == "AUTH_CERT_NOT_REGISTERED" and entered == []
