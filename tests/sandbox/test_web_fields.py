"""The one SP.Web / SP.Site field table, called directly: SharePoint Online and the farm write the same
fields with the same values where the products agree, and differ exactly where they do."""

from __future__ import annotations

import pytest

from spkit.sandbox.farm import models as farm_models
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.sharepoint import models as online_models
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.sp_rest import web_fields
from spkit.sandbox.timestamps import edm_datetime
from tests.sandbox.test_farm_models import make_farm

ONLINE_ONLY_SITE = {
    "DisableAppViews",
    "DisableCompanyWideSharingLinks",
    "DisableFlows",
    "GeoLocation",
    "GroupId",
    "HubSiteId",
    "IsHubSite",
    "NeedsB2BUpgrade",
    "ShareByEmailEnabled",
}
SERVER_ONLY_SITE = {
    "AllowMasterPageEditing",
    "AllowRevertFromTemplate",
    "AllowSaveDeclarativeWorkflowAsTemplate",
    "AllowSavePublishDeclarativeWorkflow",
    "AllowSelfServiceUpgrade",
    "AllowSelfServiceUpgradeEvaluation",
    "AuditLogTrimmingRetention",
    "CanUpgrade",
}


@pytest.fixture(scope="module")
def pair():
    """Site 3 of a tenant and of a farm, both at the same URL (so only the products' differences differ)."""
    online = SiteCatalog("contoso", stable_guid("tenant", "contoso"), "sharepoint.localhost", 10, 2).get(3)
    farm = make_farm({}, sites=10, personal=2)
    return online, farm, farm.sites.get(3)


def test_both_products_write_the_web_table_in_its_order_online_with_its_classic_welcome_page(pair):
    online, farm, server = pair
    online_web = online_models.web_fields(online)
    server_web = farm_models.web_fields(farm, server, online.url)
    assert list(online_web) == list(web_fields.WEB_FIELDS)
    assert list(server_web) == [name for name in web_fields.WEB_FIELDS if name != "ClassicWelcomePage"]
    assert online_web["ClassicWelcomePage"] is None
    differ = {k for k in server_web if server_web[k] != online_web[k]}
    # Another site collection (GUIDs, path, title), the products' templates and minimal download.
    assert differ == {
        "Id",
        "CurrentChangeToken",
        "ServerRelativeUrl",
        "CustomMasterUrl",
        "MasterUrl",
        "Title",
        "WebTemplate",
        "EnableMinimalDownload",
    }
    assert (online_web["WebTemplate"], online_web["EnableMinimalDownload"]) == ("SITEPAGEPUBLISHING", False)
    assert (server_web["WebTemplate"], server_web["EnableMinimalDownload"]) == ("STS", True)  # a team site
    assert online_web["Url"] == server_web["Url"] == online_web["ResourcePath"]["DecodedUrl"] == online.url
    assert online_web["Created"] == server_web["Created"] == edm_datetime(online.created)
    assert online_web["LastItemModifiedDate"].endswith("Z")


def test_the_site_tables_differ_by_each_products_own_fields_and_resource_paths_place(pair):
    online, farm, server = pair
    online_site = online_models.site_fields(online)
    server_site = farm_models.site_fields(farm, server, online.url)
    assert set(online_site) - set(server_site) == ONLINE_ONLY_SITE
    assert set(server_site) - set(online_site) == SERVER_ONLY_SITE
    online_order, server_order = list(online_site), list(server_site)
    assert online_order.index("ResourcePath") + 1 == online_order.index("PrimaryUri")
    assert server_order.index("RequiredDesignerVersion") + 1 == server_order.index("ResourcePath")
    common = set(online_site) & set(server_site) - {"Id", "CurrentChangeToken", "ServerRelativeUrl"}
    differ = {k for k in common if online_site[k] != server_site[k]}
    assert differ == {"SandboxedCodeActivationCapability", "ShowUrlStructure"}
    assert (online_site["SandboxedCodeActivationCapability"], server_site["ShowUrlStructure"]) == (2, True)


def test_central_administration_welcomes_on_default_aspx(pair):
    _, farm, _ = pair
    central = farm_models.central_admin_site(farm)
    fields = farm_models.web_fields(farm, central, farm.central_admin_url)
    assert (fields["WebTemplate"], fields["WelcomePage"]) == ("CENTRALADMIN", "default.aspx")


def test_a_field_the_table_does_not_list_is_refused_not_dropped(pair):
    online, _, _ = pair
    with pytest.raises(ValueError, match="NotAField"):
        web_fields.web_fields(
            online,
            online.url,
            web_template="STS",
            configuration=0,
            minimal_download=False,
            welcome_page="x",
            own={"NotAField": 1},
        )
