"""``tenant_target``: the tenant a sign-in or registration works on before a profile exists, built from
command-line options with a profile's checks, or from a profile; its session reaches the sandbox."""

from __future__ import annotations

import pytest

from spkit.errors import InputError
from spkit.services.online.tenant_target import target_from_options, target_from_profile


def test_the_sandbox_target_from_options_discovers_the_tenant(card, card_path, tenant):
    target = target_from_options(cloud="sandbox", sharepoint_url="contoso", sandbox=card_path)
    assert target.cloud.name == "sandbox" and target.card == card and target.card_path == card_path
    assert target.address.sharepoint_url == tenant["sharepoint_url"]
    assert target.tenant_ref == "contoso.onmicrosoft.com"  # the initial domain when no tenant is given
    with target.session() as session:
        assert target.discover(session).tenant_id == tenant["tenant_id"]


def test_a_tenant_given_wins_over_the_initial_domain(card_path, tenant):
    target = target_from_options(
        cloud="sandbox",
        sharepoint_url=tenant["sharepoint_url"],
        tenant=tenant["tenant_id"],
        sandbox=card_path,
    )
    assert target.tenant_ref == tenant["tenant_id"]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"cloud": "sandbox", "sharepoint_url": None}, "--sharepoint-url is required"),
        ({"cloud": "sandbox", "sharepoint_url": "contoso"}, "--cloud sandbox needs --sandbox CARD"),
    ],
)
def test_missing_options_are_usage_errors(options, words):
    with pytest.raises(InputError) as raised:
        target_from_options(**options)
    assert raised.value.code == "USAGE" and words in raised.value.summary


def test_a_profiles_target_is_its_cloud_address_and_tenant(online_profile, card_path):
    profile = online_profile("spkit-certificate")
    target = target_from_profile(profile)
    assert (target.cloud, target.address, target.tenant_ref) == (
        profile.cloud_obj,
        profile.address,
        profile.tenant_id,
    )
    assert target.card == profile.card and target.card_path == card_path
    without_tenant = target_from_profile(
        online_profile("spkit-certificate", name="no-tenant", tenant_id=None)
    )
    assert without_tenant.tenant_ref == "contoso.onmicrosoft.com"
