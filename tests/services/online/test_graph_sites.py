"""``graph_sites``: every site collection through Graph ``getAllSites``, page after page, streamed (one
page fetched at a time), OneDrive flagged, counted with a small sample; a token kept until it nears
expiry; an app without site permissions refused with the diagnosis."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pytest

from spkit.errors import AuthorizationError
from spkit.services.online.graph_sites import SiteCount, count_sites, iter_sites, reusing_token


@pytest.fixture
def graph_token(cloud, app_auth):
    authenticator = app_auth("spkit-certificate")
    return reusing_token(lambda: authenticator.acquire(cloud.graph_url))


def site_pages(session) -> list[str]:
    """The getAllSites pages the session fetches from now on."""
    fetched: list[str] = []
    session.hooks["response"].append(
        lambda response, *a, **k: (
            fetched.append(response.url) if "/sites/getAllSites" in response.url else None
        )
    )
    return fetched


def test_every_site_collection_page_by_page_with_onedrive_flagged(session, cloud, tenant, graph_token):
    stats, progress = SiteCount(), []
    onedrive = cloud.onedrive_host("contoso")
    sites = list(
        iter_sites(
            session,
            cloud.graph_url,
            graph_token,
            onedrive_host=onedrive,
            page_size=60,
            stats=stats,
            on_progress=progress.append,
        )
    )
    total, personal = tenant["site_count"], tenant["personal_site_count"]
    assert len(sites) == total and len({s.id for s in sites}) == total
    assert sum(s.is_personal for s in sites) == personal
    assert all(s.host == onedrive for s in sites if s.is_personal)
    assert all(
        s.host == tenant["sharepoint_url"].removeprefix("https://") for s in sites if not s.is_personal
    )
    assert stats.pages == math.ceil(total / 60) and stats.retries == 0
    assert progress == [min(n * 60, total) for n in range(1, stats.pages + 1)]
    assert all(s.title and s.created for s in sites)


def test_pages_are_fetched_only_as_the_sites_are_taken(session, cloud, graph_token):
    fetched = site_pages(session)
    sites = iter_sites(session, cloud.graph_url, graph_token, page_size=50)
    assert fetched == []  # nothing asked before the first site is wanted
    for _ in range(50):
        next(sites)
    assert len(fetched) == 1
    next(sites)
    assert len(fetched) == 2 and "$skiptoken=" in fetched[1]  # the second page: Graph's nextLink


def test_count_sites_keeps_only_a_small_sample_of_regular_sites(session, cloud, tenant, graph_token):
    counted = count_sites(
        session, cloud.graph_url, graph_token, onedrive_host=cloud.onedrive_host("contoso"), sample_size=4
    )
    assert (counted.total, counted.personal) == (tenant["site_count"], tenant["personal_site_count"])
    assert counted.regular == tenant["site_count"] - tenant["personal_site_count"]
    assert len(counted.sample) == 4 and not any(s.is_personal for s in counted.sample)


def test_an_app_without_site_permissions_is_refused_with_graph_access_denied(session, cloud, app_auth):
    token = app_auth("spkit-unconsented").acquire(cloud.graph_url).token
    with pytest.raises(AuthorizationError) as raised:
        next(iter_sites(session, cloud.graph_url, lambda: token))
    assert raised.value.code == "GRAPH_ACCESS_DENIED"
    assert "the token carries no application roles" in raised.value.evidence


@dataclass
class Held:
    token: str
    expires_on: float


def test_a_reused_token_is_renewed_only_when_it_nears_expiry():
    issued: list[Held] = []

    def acquire(lifetime: float) -> Held:
        issued.append(Held(f"t{len(issued)}", time.time() + lifetime))
        return issued[-1]

    lasting = reusing_token(lambda: acquire(3600))  # taken at once: a refusal fails before any page
    assert len(issued) == 1
    assert [lasting(), lasting(), lasting()] == ["t0", "t0", "t0"] and len(issued) == 1
    expiring = reusing_token(lambda: acquire(60), margin_s=300)  # within the margin from the start
    assert [expiring(), expiring()] == ["t2", "t3"] and len(issued) == 4
