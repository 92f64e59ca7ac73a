"""The lazy site catalog, called directly: which site an index is (URL, title, owner), which URL finds
which site, and GUIDs that encode the index yet stay the same from run to run."""

from __future__ import annotations

import pytest

from spkit.sandbox.farm.state import FarmSiteCatalog
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.site_catalog import BASE_DATE, SITE_WORDS, IndexedGuids, SiteCatalog, site_created

TENANT_ID = stable_guid("tenant", "contoso")


def contoso(total: int = 100, personal: int = 10) -> SiteCatalog:
    return SiteCatalog("contoso", TENANT_ID, "sharepoint.localhost", total, personal)


def test_an_index_is_the_root_a_regular_or_a_personal_site():
    sites = contoso()
    assert (len(sites), sites.regular_count, sites.personal_count) == (100, 90, 10)
    root, regular, personal = sites.get(0), sites.get(7), sites.get(90)
    assert (root.url, root.name, root.title, root.is_personal) == (
        "https://contoso.sharepoint.localhost",
        "",
        "Communication site",
        False,
    )
    word = SITE_WORDS[7 % len(SITE_WORDS)]
    assert regular.url == f"https://contoso.sharepoint.localhost/sites/{word}-00007"
    assert (regular.name, regular.title) == (f"{word}-00007", f"{word.capitalize()} 7")
    assert (
        personal.url == "https://contoso-my.sharepoint.localhost/personal/user00001_contoso_onmicrosoft_com"
    )
    assert (personal.is_personal, personal.owner_upn) == (True, "user00001@contoso.onmicrosoft.com")
    assert regular.graph_id == f"contoso.sharepoint.localhost,{regular.site_id},{regular.web_id}"
    with pytest.raises(IndexError):
        sites.get(100)


def test_a_tenant_keeps_its_root_site_whatever_the_personal_count():
    assert contoso(total=1, personal=5).personal_count == 0
    with pytest.raises(ValueError, match="root site"):
        contoso(total=0)


def test_a_url_finds_its_site_and_only_the_canonical_spelling_does():
    sites = contoso()
    for site in sites:
        assert sites.find(site.host.upper(), site.path.upper()) == site
    seven = sites.get(7)
    assert sites.find(seven.host, seven.path + "/subweb/page.aspx") == seven  # deeper paths: its site
    assert sites.find(seven.host, "/") == sites.get(0)
    assert sites.find(seven.host, "/_layouts/15/viewlsts.aspx") == sites.get(0)
    other_word = SITE_WORDS[8 % len(SITE_WORDS)]
    for path in ("/sites/" + other_word + "-00007", "/sites/x-7", "/sites/x-000007", "/sites/hr-00090"):
        assert sites.find(seven.host, path) is None, path
    assert (
        sites.find("contoso-my.sharepoint.localhost", "/personal/user00011_contoso_onmicrosoft_com") is None
    )
    assert (
        sites.find("contoso-my.sharepoint.localhost", "/personal/user00001_fabrikam_onmicrosoft_com") is None
    )
    assert sites.find("fabrikam.sharepoint.localhost", "/") is None


def test_indexed_guids_start_at_the_stable_guid_and_round_trip():
    guids = IndexedGuids(TENANT_ID, "site")
    assert guids.guid(0) == stable_guid(TENANT_ID, "site")  # index 0 is the seed itself
    for index in (0, 1, 2, 99, 2**47, 2**48 - 1):
        assert guids.index(guids.guid(index)) == index
        assert guids.index(guids.guid(index).upper()) == index
    assert guids.guid(1)[-12:] != guids.guid(2)[-12:]
    assert IndexedGuids(TENANT_ID, "web").index(guids.guid(5)) is None  # another kind is foreign
    assert guids.index("not a guid") is None
    with pytest.raises(IndexError):
        guids.guid(2**48)


def test_a_catalog_computes_what_it_is_asked_and_stores_nothing():
    huge = contoso(total=10_000_000, personal=1_000_000)
    far = huge.get(9_999_999)
    assert far == contoso(total=10_000_000, personal=1_000_000).get(9_999_999)  # same in every run
    assert huge.by_site_id(far.site_id) == far and huge.by_web_id(far.web_id) == far
    assert not any(isinstance(v, list | dict) for v in vars(huge).values())  # no per-site storage


def test_online_and_farm_sites_share_the_creation_dates():
    farm = FarmSiteCatalog("fabrikam", stable_guid("farm", "fabrikam"), 40, 5, "2019")
    online = contoso(total=40)
    assert site_created(0) == BASE_DATE
    for index in range(40):
        assert farm.get(index).created == online.get(index).created == site_created(index)
