"""``kinds``: the one dispatch by a profile's kind: Online and on-premises profiles get their own
verification and site listing, the options that mean something to each, and an unknown kind is refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from spkit.errors import InputError
from spkit.models.profile import load_profile
from spkit.services.kinds import KINDS, services_for
from spkit.services.online.site_listing import open_online_sites
from spkit.services.online.verification import verify_online
from spkit.services.onprem.site_listing import open_farm_sites
from spkit.services.onprem.verification import verify_onprem
from tests.helpers import write_profile
from tests.services.batch.support import onprem_profile


def test_each_kind_names_its_own_services_and_options():
    assert set(KINDS) == {"online", "onprem"}
    online, onprem = KINDS["online"], KINDS["onprem"]
    assert (online.verify, online.open_sites) == (verify_online, open_online_sites)
    assert (onprem.verify, onprem.open_sites) == (verify_onprem, open_farm_sites)
    assert online.verify_options == {"sample_size", "page_size"} and onprem.verify_options == frozenset()
    assert (online.personal_sites, onprem.personal_sites) == ("OneDrive sites", "My Sites")
    assert online.refine_with_admin is not None and onprem.refine_with_admin is None  # Entra's admin: Online


def test_a_profile_gets_the_services_of_its_kind(tmp_path, card, card_path):
    online = load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate"))
    farm = load_profile(onprem_profile(tmp_path, card_path, card))
    assert services_for(online) is KINDS["online"]
    assert services_for(farm) is KINDS["onprem"]


def test_an_unknown_kind_is_refused_as_an_invalid_profile():
    with pytest.raises(InputError) as raised:
        services_for(SimpleNamespace(kind="hybrid"))
    assert (
        raised.value.code == "PROFILE_INVALID" and "unknown connection kind 'hybrid'" in raised.value.summary
    )
