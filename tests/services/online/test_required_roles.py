"""``required_roles``: which application permissions each Graph call spkit makes accepts, least
privileged first, so a 403 can name the one that is missing."""

from __future__ import annotations

from spkit.services.online.required_roles import graph_path, only_site_selected, roles_for_graph


def test_graph_paths_lose_the_version_and_the_query():
    assert graph_path("https://graph.microsoft.com/v1.0/sites/x?$select=y") == "/sites/x"
    assert graph_path("https://graph.microsoft.com/beta/users") == "/users"
    assert graph_path("https://graph.microsoft.com/") == "/"


def test_each_call_names_the_roles_that_let_it_through_least_privileged_first():
    assert roles_for_graph("GET", "https://graph.microsoft.com/v1.0/sites/getAllSites")[0] == "Sites.Read.All"
    assert "Sites.Selected" not in roles_for_graph(
        "GET", "https://graph.microsoft.com/v1.0/sites/getAllSites"
    )
    assert roles_for_graph("get", "https://graph.microsoft.com/v1.0/sites/root")[0] == "Sites.Selected"
    assert roles_for_graph("GET", "https://graph.microsoft.com/v1.0/users/x")[0] == "User.Read.All"
    assert roles_for_graph("POST", "https://graph.microsoft.com/v1.0/sites/abc/permissions") == (
        "Sites.Selected",
        "Sites.FullControl.All",
    )
    assert roles_for_graph("DELETE", "https://graph.microsoft.com/v1.0/applications/x") == ()


def test_only_site_selected_means_no_tenant_wide_site_role():
    assert only_site_selected(["Sites.Selected"]) and only_site_selected(("Sites.Selected", "User.Read.All"))
    assert not only_site_selected(["Sites.Selected", "Sites.Read.All"])
    assert not only_site_selected([])
