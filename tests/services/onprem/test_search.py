"""``iter_site_collections`` against the sandbox's farm search: every site collection
(``contentclass:STS_Site``), page by page through ``startrow``, security-trimmed to the account."""

from __future__ import annotations

import math

from spkit.services.onprem.ntlm_session import session_for_onprem
from spkit.services.onprem.search import FarmSite, iter_site_collections

from .conftest import farm_user


def search_pages(session) -> list[str]:
    pages: list[str] = []
    session.hooks["response"].append(
        lambda response, *a, **k: (
            pages.append(response.url)
            if "/_api/search/query" in response.url and response.status_code == 200
            else None
        )
    )
    return pages


def test_every_site_collection_page_by_page(farm_profile, farm):
    profile = farm_profile("spfarm")
    with session_for_onprem(profile) as session:
        pages = search_pages(session)
        sites = list(iter_site_collections(session, farm["url"], profile.account.text, row_limit=7))
    expected = farm_user(farm, "spfarm")["readable_site_urls"]
    assert sorted(s.url for s in sites) == sorted(expected) and len(sites) == farm["site_count"]
    assert len(pages) == math.ceil(len(sites) / 7)
    assert [p.split("startrow=")[1].split("&")[0] for p in pages] == [str(7 * n) for n in range(len(pages))]
    assert all(isinstance(s, FarmSite) and s.title and s.id for s in sites)
    assert sum(s.is_personal for s in sites) == farm["personal_site_count"]
    assert all(s.created is None for s in sites)  # search does not say


def test_results_are_trimmed_to_what_the_account_may_read(farm_profile, farm):
    profile = farm_profile("reader")
    with session_for_onprem(profile) as session:
        sites = list(iter_site_collections(session, farm["url"], profile.account.text))
    assert sorted(s.url for s in sites) == sorted(farm_user(farm, "reader")["readable_site_urls"])
