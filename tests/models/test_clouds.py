import datetime

import pytest

from spkit.errors import CloudError
from spkit.models.clouds import (
    CLOUDS,
    Cloud,
    cloud_for_sharepoint_host,
    cloud_names,
    get_cloud,
    sandbox_cloud,
)


@pytest.mark.parametrize(
    ("name", "login", "graph", "suffix"),
    [
        ("global", "https://login.microsoftonline.com", "https://graph.microsoft.com", "sharepoint.com"),
        ("usgov-high", "https://login.microsoftonline.us", "https://graph.microsoft.us", "sharepoint.us"),
        (
            "usgov-dod",
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
            "sharepoint-mil.us",
        ),
        (
            "china",
            "https://login.partner.microsoftonline.cn",
            "https://microsoftgraph.chinacloudapi.cn",
            "sharepoint.cn",
        ),
        ("germany", "https://login.microsoftonline.de", None, "sharepoint.de"),
    ],
)
def test_endpoints_follow_the_national_clouds_table(name, login, graph, suffix):
    cloud = get_cloud(name)
    assert (cloud.authority_host, cloud.graph_url, cloud.sharepoint_suffix) == (login, graph, suffix)
    assert cloud.instance_discovery is True
    assert cloud.is_sandbox is False


def test_global_cloud_derives_hosts_scope_and_authority():
    cloud = get_cloud("global")
    assert cloud.graph_scope == "https://graph.microsoft.com/.default"
    assert cloud.sharepoint_host("contoso") == "contoso.sharepoint.com"
    assert cloud.admin_host("contoso") == "contoso-admin.sharepoint.com"
    assert cloud.onedrive_host("contoso") == "contoso-my.sharepoint.com"
    assert (
        cloud.authority("contoso.onmicrosoft.com")
        == "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    )
    assert cloud.initial_domain("contoso") == "contoso.onmicrosoft.com"
    assert cloud.warning is None


def test_dod_admin_host_uses_the_mil_suffix():
    assert get_cloud("dod").admin_host("army") == "army-admin.sharepoint-mil.us"
    assert get_cloud("china").onedrive_host("contoso") == "contoso-my.sharepoint.cn"


def test_authority_strips_slashes_and_refuses_an_empty_tenant():
    cloud = get_cloud("global")
    assert cloud.authority(" /abc/ ") == "https://login.microsoftonline.com/abc"
    with pytest.raises(CloudError):
        cloud.authority("  ")


def test_germany_is_retired_and_warns_with_date_and_advice():
    germany = get_cloud("germany")
    assert germany.retired_on == datetime.date(2021, 10, 29)
    assert "2021-10-29" in germany.warning
    assert "global cloud" in germany.warning
    assert "manual" in germany.warning


def test_germany_has_no_graph_scope():
    with pytest.raises(CloudError) as info:
        _ = get_cloud("germany").graph_scope
    assert "Graph" in info.value.summary
    assert "global" in info.value.fix


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("public", "global"),
        ("GLOBAL", "global"),
        (" Global ", "global"),
        ("gcchigh", "usgov-high"),
        ("GCC_High", "usgov-high"),
        ("gcc high", "usgov-high"),
        ("dod", "usgov-dod"),
        ("21Vianet", "china"),
        ("Deutschland", "germany"),
    ],
)
def test_aliases_are_accepted_case_insensitively(alias, expected):
    assert get_cloud(alias).name == expected


def test_unknown_cloud_names_the_valid_choices():
    with pytest.raises(CloudError) as info:
        get_cloud("mars")
    assert "mars" in str(info.value)
    for name in cloud_names():
        assert name in info.value.fix


def test_get_cloud_sandbox_points_at_the_card():
    with pytest.raises(CloudError) as info:
        get_cloud("sandbox")
    assert info.value.code == "CLOUD_NEEDS_CARD"


def test_sandbox_cloud_from_card(card):
    cloud = sandbox_cloud(card)
    assert cloud.name == "sandbox"
    assert cloud.is_sandbox and not cloud.instance_discovery
    assert cloud.authority("contoso.onmicrosoft.com") == "https://login.localhost/contoso.onmicrosoft.com"
    assert cloud.graph_scope == "https://graph.localhost/.default"
    assert cloud.admin_host("contoso") == "contoso-admin.sharepoint.localhost"
    assert Cloud.from_card(card, "x.json") == cloud


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("authority_host", "http://login.localhost"),
        ("authority_host", "https://login.localhost/common"),
        ("graph_url", None),
        ("sharepoint_suffix", "https://sharepoint.localhost"),
        ("sharepoint_suffix", ""),
    ],
)
def test_sandbox_cloud_rejects_a_bad_card(card, key, value):
    card["cloud"][key] = value
    with pytest.raises(CloudError) as info:
        Cloud.from_card(card, "/tmp/sandbox.json")
    assert "/tmp/sandbox.json" in str(info.value)
    assert key in str(info.value)


def test_sandbox_cloud_requires_a_cloud_object():
    with pytest.raises(CloudError):
        sandbox_cloud({"version": 1})


def test_cloud_for_sharepoint_host_tells_dod_from_gcc_high():
    assert cloud_for_sharepoint_host("contoso.sharepoint-mil.us").name == "usgov-dod"
    assert cloud_for_sharepoint_host("contoso.sharepoint.us").name == "usgov-high"
    assert cloud_for_sharepoint_host("example.org") is None


def test_clouds_are_immutable():
    with pytest.raises(AttributeError):
        CLOUDS["global"].graph_url = "https://evil.example"
