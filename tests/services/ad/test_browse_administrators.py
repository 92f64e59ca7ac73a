"""The directory Browse binds to, and the wizard's Browse called directly against the session sandbox's
directory (a real slapd): the card's directory unless ``SPKIT_AD_SERVER`` names another, the farm's
administrators, a trusted partner of another forest in its own directory, an untrusted one refused."""

from __future__ import annotations

import pytest

from spkit.errors import InputError
from spkit.models.secrets import Secret
from spkit.services.ad import DomainNotTrustedError
from spkit.services.ad.browse import ADMIN_GROUP_ENV, browse_administrators
from spkit.services.ad.directory_choice import choose_directory_settings, directory_card

pytestmark = pytest.mark.filterwarnings("ignore:ssl.match_hostname:DeprecationWarning")  # ldap3's TLS check

AD_ENV = ("SPKIT_AD_SERVER", "SPKIT_AD_BASE", "SPKIT_AD_USER", "SPKIT_AD_PASSWORD", "SPKIT_AD_CA_BUNDLE")
NO_DIRECTORY = {"available": False, "reason": "slapd is not installed", "fix": "install OpenLDAP"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's directory settings must not leak into a test."""
    for name in (*AD_ENV, ADMIN_GROUP_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def directory_card_entry(card: dict) -> dict:
    entry = card.get("directory") or {}
    assert entry.get("available"), "the session sandbox serves no directory: run 'make system-deps' (slapd)"
    return entry


def domain_entry(card: dict, domain: str) -> dict:
    return next(d for d in card["directory"]["domains"] if d["domain"] == domain)


def never() -> Secret:
    pytest.fail("the password is read only once a directory is known")


# --- which directory --------------------------------------------------------------------------------


def test_no_directory_anywhere_is_type_the_upn_before_the_password_is_read():
    with pytest.raises(InputError) as none:
        choose_directory_settings(None, read_password=never)
    assert none.value.code == "AD_NOT_CONFIGURED" and none.value.summary.endswith(
        "type the UPN (user@domain)"
    )


def test_a_card_without_a_directory_says_why_before_the_password_is_read(card):
    without = {**card, "directory": NO_DIRECTORY}
    with pytest.raises(InputError) as refused:
        choose_directory_settings(without, read_password=never)
    assert refused.value.code == "SANDBOX_NO_DIRECTORY" and "slapd is not installed" in refused.value.summary
    assert refused.value.fix == "type the UPN (user@domain), or install OpenLDAP"


def test_the_card_s_domain_and_account_and_a_password_read_when_asked(card, directory_card_entry):
    home = choose_directory_settings(card)
    assert home.url == directory_card_entry["ldaps_url"] and home.base == directory_card_entry["base"]
    assert home.user.text == directory_card_entry["bind_user"]
    contoso = choose_directory_settings(card, domain="contoso.local")
    assert (contoso.base, contoso.user.text) == (
        "DC=contoso,DC=local",
        domain_entry(card, "contoso.local")["bind_user"],
    )
    asked = choose_directory_settings(card, read_password=lambda: Secret("typed-on-stdin"))
    assert asked.password.reveal() == "typed-on-stdin"


def test_spkit_ad_server_wins_over_the_sandbox_only_where_the_card_is_implicit(
    card, directory_card_entry, monkeypatch
):
    monkeypatch.setenv("SPKIT_AD_SERVER", directory_card_entry["ldaps_url"])
    monkeypatch.setenv("SPKIT_AD_USER", "spadmin@fabrikam.local")
    monkeypatch.setenv("SPKIT_AD_PASSWORD", "env:SOME_PASSWORD")
    monkeypatch.setenv("SOME_PASSWORD", "from-the-environment")
    assert directory_card(card, environment_wins=True) is None
    assert directory_card(card) is card
    implicit = choose_directory_settings(card, environment_wins=True)
    assert (
        implicit.user.text == "spadmin@fabrikam.local"
        and implicit.password.reveal() == "from-the-environment"
    )
    named = choose_directory_settings(card)  # --sandbox CARD: the card's directory and account
    assert named.user.text == directory_card_entry["bind_user"]


# --- the wizard's Browse ------------------------------------------------------------------------------


def test_the_farm_s_administrators_and_every_domain_the_picker_offers(card, directory_card_entry):
    found = browse_administrators(card)
    assert [u.upn for u in found.users] == ["spfarm@fabrikam.local"]
    assert found.group is not None and found.group.name == "SharePoint Farm Admins"
    assert found.domain == "fabrikam.local" and found.truncated is False
    assert found.domains == [("fabrikam.local", True), ("contoso.local", True), ("northwind.local", False)]


def test_a_trusted_partner_of_another_forest_is_browsed_in_its_own_directory(card, directory_card_entry):
    found = browse_administrators(card, "Contoso.Local ")
    assert found.domain == "contoso.local" and [u.upn for u in found.users] == ["alexw@contoso.local"]
    assert found.domains[0] == ("fabrikam.local", True)  # the picker still lists the farm's domain first


def test_an_untrusted_domain_is_type_the_upn(card, directory_card_entry):
    with pytest.raises(DomainNotTrustedError) as refused:
        browse_administrators(card, "northwind.local")
    assert "northwind.local is not trusted by fabrikam.local" in refused.value.summary
    assert "type the UPN" in refused.value.fix


def test_the_group_from_the_environment_and_the_first_ones_only(card, directory_card_entry, monkeypatch):
    monkeypatch.setenv(ADMIN_GROUP_ENV, "SharePoint Administrators")
    every = browse_administrators(card)
    assert {u.upn for u in every.users} == {"spfarm@fabrikam.local", "spadmin@fabrikam.local"}
    assert every.group.name == "SharePoint Administrators" and not every.truncated
    first = browse_administrators(card, limit=1)
    assert len(first.users) == 1 and first.truncated


def test_without_a_card_or_a_server_browse_says_type_the_upn():
    with pytest.raises(InputError) as none:
        browse_administrators(None)
    assert none.value.code == "AD_NOT_CONFIGURED"
