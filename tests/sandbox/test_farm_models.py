"""The farm's rights and site rules, called directly (the HTTP tests in tests/sandbox/test_farm.py see
them only through NTLM): who reads which site collection, who administers it, what Central
Administration and the current user look like."""

from __future__ import annotations

import pytest

from spkit.sandbox.farm import models
from spkit.sandbox.farm.exceptions import AccessDenied, FileNotFound
from spkit.sandbox.farm.state import ALL, Farm, FarmSiteCatalog, FarmUser
from spkit.sandbox.guids import stable_guid

FARM_ID = stable_guid("farm", "fabrikam")


def user(sam: str, **rights) -> FarmUser:
    rid = 1100 + len(sam)
    return FarmUser(sam, f"{sam}@fabrikam.local", sam.title(), "pw", f"S-1-5-21-1-2-3-{rid}", **rights)


USERS = {
    "spfarm": user(
        "spfarm", farm_admin=True, admin_of=frozenset({ALL}), web_application_policy="full_control"
    ),
    "farmonly": user("farmonly", farm_admin=True),
    "spadmin": user("spadmin", admin_of=frozenset({"it", "projects"})),
    "reader": user("reader", reads=frozenset({"marketing", "sales"})),
    "auditor": user("auditor", web_application_policy="full_read"),
    "olduser": user("olduser", enabled=False, reads=frozenset({ALL})),
    "user001": user("user001"),
}


def make_farm(users: dict[str, FarmUser], sites: int = 30, personal: int = 3) -> Farm:
    """A 2019 farm of ``sites`` site collections, as a scenario's ``farms:`` entry builds one."""
    return Farm(
        name="fabrikam",
        farm_id=FARM_ID,
        host="sharepoint.fabrikam.localhost",
        scheme="https",
        netbios_domain="FABRIKAM",
        dns_domain="fabrikam.local",
        version="2019",
        build="16.0.10337.12109",
        central_admin_port=2016,
        central_admin="open",
        extended_protection="off",
        users=dict(users),
        sites=FarmSiteCatalog("fabrikam", FARM_ID, sites, personal, "2019"),
    )


@pytest.fixture(scope="module")
def farm() -> Farm:
    return make_farm(USERS)


def readable(farm: Farm, sam: str) -> set[str]:
    return {site.path for site in models.readable_sites(farm, USERS[sam])}


def test_everyone_reads_the_portal_and_the_my_site_host_and_their_own_personal_site(farm):
    assert readable(farm, "user001") == {"/", "/my", "/personal/user001"}


def test_a_farm_administrator_is_not_by_that_a_reader_of_content(farm):
    assert readable(farm, "farmonly") == {"/", "/my"}
    assert readable(farm, "spfarm") == {site.path for site in farm.sites}
    models.authorize_central_admin(USERS["farmonly"])
    with pytest.raises(AccessDenied) as refused:
        models.authorize_central_admin(USERS["spadmin"])
    assert refused.value.status == 403


def test_site_collection_admins_and_readers_get_their_groups_only(farm):
    it_site = next(site for site in farm.sites if site.group == "it")
    sales_site = next(site for site in farm.sites if site.group == "sales")
    admin, reader = USERS["spadmin"], USERS["reader"]
    assert models.is_site_admin(admin, it_site) and models.can_read(admin, it_site)
    assert not models.is_site_admin(admin, sales_site) and not models.can_read(admin, sales_site)
    assert models.can_read(reader, sales_site) and not models.is_site_admin(reader, sales_site)
    assert not models.can_read(reader, it_site)
    with pytest.raises(AccessDenied):
        models.authorize_read(reader, it_site)
    assert {farm.sites.get(i).group for i in range(2, farm.sites.regular_count)} >= {"it", "sales"}


def test_a_full_read_policy_reads_everything_and_administers_nothing(farm):
    auditor = USERS["auditor"]
    assert readable(farm, "auditor") == {site.path for site in farm.sites}
    assert not any(models.is_site_admin(auditor, site) for site in farm.sites)


def test_a_disabled_account_reads_nothing_whatever_it_was_granted(farm):
    assert readable(farm, "olduser") == set()


def test_the_current_user_is_site_admin_where_it_administers_and_in_central_admin_as_farm_admin(farm):
    it_site = next(site for site in farm.sites if site.group == "it")
    fields = models.current_user_fields(farm, USERS["spadmin"], it_site)
    assert fields["LoginName"] == "i:0#.w|fabrikam\\spadmin"
    assert (fields["IsSiteAdmin"], fields["Id"], fields["Email"]) == (True, 7, "spadmin@fabrikam.local")
    central = models.central_admin_site(farm)
    assert (central.web_template, central.path) == ("CENTRALADMIN", "/")
    assert models.current_user_fields(farm, USERS["farmonly"], central)["IsSiteAdmin"] is True
    assert models.current_user_fields(farm, USERS["spadmin"], central)["IsSiteAdmin"] is False


def test_only_a_site_collections_root_web_is_found(farm):
    site = farm.sites.get(5)
    assert models.find_site(farm, site.path.lstrip("/") + "/") == site
    for path in (site.path + "/subweb", "/sites/nowhere-005", "/personal/user004"):
        with pytest.raises(FileNotFound):
            models.find_site(farm, path)
    assert models.primary_owner(farm) == USERS["spfarm"]
