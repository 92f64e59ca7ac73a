"""Browse called directly against the session sandbox's directory (a real slapd): the base, the group and
its nested expansion decided in order, the users streamed lazily, an untrusted domain refused."""

from __future__ import annotations

import pytest

from spkit.services.ad import DomainNotTrustedError, open_directory
from spkit.services.ad.browse import GLOBAL_CATALOG_GROUPS, browse_users
from spkit.services.ad.sandbox_directory import directory_settings_from_card


def farm_users(card: dict) -> list[dict]:
    return card["farms"][0]["users"]


@pytest.fixture
def settings(card: dict):
    found = directory_settings_from_card(card)
    assert found is not None, "the session sandbox serves no directory: run 'make system-deps' (slapd)"
    return found


def test_a_group_s_members_from_the_directory_s_own_domain(settings, card):
    with open_directory(settings) as directory:
        found = browse_users(directory, group="SharePoint Farm Admins")
        assert found.group is not None and "SharePoint Farm Admins" in found.group.dn
        assert found.nested is False  # "auto" on a server that is not Active Directory
        assert found.base == directory.base and found.warnings == []
        assert found.stats.pages == 0  # nothing is read before the stream is
        admins = [u.upn for u in found.users]
        assert found.stats.pages >= 1
    assert admins == [u["upn"] for u in farm_users(card) if u["farm_admin"]] == ["spfarm@fabrikam.local"]


def test_every_user_or_the_enabled_ones_without_a_group(settings, card):
    with open_directory(settings) as directory:
        everyone = browse_users(directory)
        assert everyone.group is None and everyone.nested is False
        listed = {u.upn: u for u in everyone.users}
        enabled = {u.upn for u in browse_users(directory, enabled_only=True).users}
    assert set(listed) == {u["upn"] for u in farm_users(card)}
    assert listed["olduser@fabrikam.local"].disabled is True
    assert enabled == set(listed) - {"olduser@fabrikam.local"}


def test_an_untrusted_domain_is_refused_before_any_user_is_read(settings):
    with open_directory(settings) as directory:
        with pytest.raises(DomainNotTrustedError) as refused:
            browse_users(directory, domain="northwind.local", group="SharePoint Farm Admins")
        assert "type the UPN" in refused.value.fix
        assert browse_users(directory, domain="fabrikam.local").base == directory.base


def test_the_global_catalog_warns_that_it_holds_universal_groups_only(card):
    settings = directory_settings_from_card(card, global_catalog=True)
    assert settings is not None and settings.global_catalog
    with open_directory(settings) as directory:
        assert browse_users(directory, group="SharePoint Farm Admins").warnings == [GLOBAL_CATALOG_GROUPS]
        assert browse_users(directory).warnings == []  # no group: nothing to warn about
