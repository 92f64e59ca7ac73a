"""``GraphClient`` over the sandbox's Graph: JSON in and out, collections followed through
``@odata.nextLink``, and Graph's refusals as diagnoses that name what the token lacks."""

from __future__ import annotations

import pytest

from spkit.errors import AuthorizationError, ServiceError
from spkit.services.online.graph_client import GraphClient, app_roles, odata_quote, path_segment

from .conftest import ADMIN, granted


@pytest.fixture
def app_graph(session, cloud, app_auth):
    authenticator = app_auth("spkit-certificate")
    return GraphClient(session, cloud.graph_url, lambda: authenticator.acquire(cloud.graph_url).token)


def test_values_follows_next_link_through_every_page(session, tenant, app_graph):
    pages: list[str] = []
    session.hooks["response"].append(lambda response, *a, **k: pages.append(response.url))
    sites = list(
        app_graph.values("/sites/getAllSites", "listing sites", params={"$select": "id", "$top": "100"})
    )
    assert len(sites) == tenant["site_count"] and len({s["id"] for s in sites}) == len(sites)
    graph_pages = [url for url in pages if "/sites/getAllSites" in url]
    assert len(graph_pages) == 3 and "$skiptoken=" in graph_pages[-1]


def test_a_delegated_admin_reads_the_directory(admin_graph, tenant):
    organization = admin_graph.get("/organization", "reading the organization")["value"]
    assert [o["id"] for o in organization] == [tenant["tenant_id"]]
    me = admin_graph.get("/me", "reading the signed-in user")
    assert me["userPrincipalName"] == ADMIN


def test_the_app_token_roles_are_read_and_a_delegated_token_has_none(card, cloud, app_auth, admin_signin):
    token = app_auth("spkit-certificate").acquire(cloud.graph_url).token
    assert sorted(app_roles(token)) == sorted(granted(card, "spkit-certificate", "Graph"))
    assert app_roles(admin_signin.token()) is None  # delegated: scp, not roles


def test_an_app_reading_what_it_may_not_is_refused_as_a_diagnosis(app_graph):
    with pytest.raises(AuthorizationError) as raised:
        app_graph.get("/applications", "listing applications")
    assert raised.value.code == "GRAPH_INSUFFICIENT_PRIVILEGES"
    assert raised.value.summary.startswith("listing applications: ")


def test_an_object_that_is_not_there_is_graph_not_found(admin_graph):
    with pytest.raises(ServiceError) as raised:
        admin_graph.get(
            f"/applications/{path_segment('5d1c1a7e-0000-4000-8000-000000000000')}", "reading the app"
        )
    assert raised.value.code == "GRAPH_NOT_FOUND"


def test_filter_literals_and_path_segments_are_quoted():
    assert odata_quote("O'Brien's app") == "'O''Brien''s app'"
    assert path_segment("a/b c?") == "a%2Fb%20c%3F"
