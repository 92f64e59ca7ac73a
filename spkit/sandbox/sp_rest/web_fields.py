"""SP.Web and SP.Site as ``/_api/web`` and ``/_api/site`` write them, for SharePoint Online and SharePoint
Server alike: one table of the fields (their names, the order they come in, the values both products
give), each product supplying what is its own (templates, its build's extra fields, the URL it writes).

A product's own fields go in ``own``; a field the table does not list is an error, not silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..timestamps import edm_datetime, iso_z
from .dates import IndexedSite, change_token, last_modified

ZERO_GUID = "00000000-0000-0000-0000-000000000000"

# SP.Web's fields in the order SharePoint writes them (alphabetical but for ResourcePath); a product
# writes those it has a value for (ClassicWelcomePage: Online only).
WEB_FIELDS = (
    "AllowRssFeeds",
    "AlternateCssUrl",
    "AppInstanceId",
    "ClassicWelcomePage",
    "Configuration",
    "Created",
    "CurrentChangeToken",
    "CustomMasterUrl",
    "Description",
    "DesignPackageId",
    "DocumentLibraryCalloutOfficeWebAppPreviewersDisabled",
    "EnableMinimalDownload",
    "HorizontalQuickLaunch",
    "Id",
    "IsMultilingual",
    "Language",
    "LastItemModifiedDate",
    "LastItemUserModifiedDate",
    "MasterUrl",
    "NoCrawl",
    "OverwriteTranslationsOnChange",
    "ResourcePath",
    "QuickLaunchEnabled",
    "RecycleBinEnabled",
    "ServerRelativeUrl",
    "SiteLogoUrl",
    "SyndicationEnabled",
    "Title",
    "TreeViewEnabled",
    "UIVersion",
    "UIVersionConfigurationEnabled",
    "Url",
    "WebTemplate",
    "WelcomePage",
)

# SP.Site's fields in SharePoint Online's order (ResourcePath before PrimaryUri); the Allow*/upgrade fields
# are SharePoint Server's, DisableAppViews .. ShareByEmailEnabled Online's. SharePoint Server writes
# ResourcePath in its alphabetical place: ``SERVER_SITE_FIELDS``.
SITE_FIELDS = (
    "AllowCreateDeclarativeWorkflow",
    "AllowDesigner",
    "AllowMasterPageEditing",
    "AllowRevertFromTemplate",
    "AllowSaveDeclarativeWorkflowAsTemplate",
    "AllowSavePublishDeclarativeWorkflow",
    "AllowSelfServiceUpgrade",
    "AllowSelfServiceUpgradeEvaluation",
    "AuditLogTrimmingRetention",
    "CanUpgrade",
    "Classification",
    "CompatibilityLevel",
    "CurrentChangeToken",
    "DisableAppViews",
    "DisableCompanyWideSharingLinks",
    "DisableFlows",
    "ExternalSharingTipsEnabled",
    "GeoLocation",
    "GroupId",
    "HubSiteId",
    "Id",
    "IsHubSite",
    "LockIssue",
    "MaxItemsPerThrottledOperation",
    "NeedsB2BUpgrade",
    "ResourcePath",
    "PrimaryUri",
    "ReadOnly",
    "RequiredDesignerVersion",
    "SandboxedCodeActivationCapability",
    "ServerRelativeUrl",
    "ShareByEmailEnabled",
    "ShareByLinkEnabled",
    "ShowUrlStructure",
    "TrimAuditLog",
    "UIVersionConfigurationEnabled",
    "UpgradeReminderDate",
    "UpgradeScheduled",
    "UpgradeScheduledDate",
    "Upgrading",
    "Url",
    "WriteLocked",
)
_WITHOUT_RESOURCE_PATH = tuple(name for name in SITE_FIELDS if name != "ResourcePath")
_AFTER = _WITHOUT_RESOURCE_PATH.index("RequiredDesignerVersion") + 1
SERVER_SITE_FIELDS = (*_WITHOUT_RESOURCE_PATH[:_AFTER], "ResourcePath", *_WITHOUT_RESOURCE_PATH[_AFTER:])


class IndexedWeb(IndexedSite, Protocol):
    """A generated site collection and its root web (Online's ``Site``, the farm's ``FarmSite``)."""

    @property
    def path(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def site_id(self) -> str: ...

    @property
    def web_id(self) -> str: ...


def _in_order(values: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    unknown = set(values) - set(order)
    if unknown:
        raise ValueError(f"fields not in the table: {', '.join(sorted(unknown))}")
    return {name: values[name] for name in order if name in values}


def web_fields(
    site: IndexedWeb,
    url: str,
    *,
    web_template: str,
    configuration: int,
    minimal_download: bool,
    welcome_page: str,
    own: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """SP.Web of ``site``'s root web at ``url``, with the product's template, welcome page and own fields."""
    modified = last_modified(site)
    master = f"{site.path.rstrip('/')}/_catalogs/masterpage/seattle.master"
    values = {
        "AllowRssFeeds": True,
        "AlternateCssUrl": "",
        "AppInstanceId": ZERO_GUID,
        "Configuration": configuration,
        "Created": edm_datetime(site.created),
        "CurrentChangeToken": {"StringValue": change_token(2, site.web_id, modified)},
        "CustomMasterUrl": master,
        "Description": "",
        "DesignPackageId": ZERO_GUID,
        "DocumentLibraryCalloutOfficeWebAppPreviewersDisabled": False,
        "EnableMinimalDownload": minimal_download,
        "HorizontalQuickLaunch": False,
        "Id": site.web_id,
        "IsMultilingual": True,
        "Language": 1033,
        "LastItemModifiedDate": iso_z(modified),
        "LastItemUserModifiedDate": iso_z(modified),
        "MasterUrl": master,
        "NoCrawl": False,
        "OverwriteTranslationsOnChange": False,
        "ResourcePath": {"DecodedUrl": url},
        "QuickLaunchEnabled": True,
        "RecycleBinEnabled": True,
        "ServerRelativeUrl": site.path,
        "SiteLogoUrl": None,
        "SyndicationEnabled": True,
        "Title": site.title,
        "TreeViewEnabled": False,
        "UIVersion": 15,
        "UIVersionConfigurationEnabled": False,
        "Url": url,
        "WebTemplate": web_template,
        "WelcomePage": welcome_page,
        **(own or {}),
    }
    return _in_order(values, WEB_FIELDS)


def site_fields(
    site: IndexedWeb,
    url: str,
    *,
    sandboxed_code_activation: int,
    show_url_structure: bool,
    own: Mapping[str, Any] | None = None,
    order: Sequence[str] = SITE_FIELDS,
) -> dict[str, Any]:
    """SP.Site of ``site`` at ``url``, with the product's values and own fields, in the product's order."""
    values = {
        "AllowCreateDeclarativeWorkflow": True,
        "AllowDesigner": True,
        "Classification": "",
        "CompatibilityLevel": 15,
        "CurrentChangeToken": {"StringValue": change_token(1, site.site_id, last_modified(site))},
        "ExternalSharingTipsEnabled": False,
        "Id": site.site_id,
        "LockIssue": None,
        "MaxItemsPerThrottledOperation": 5000,
        "ResourcePath": {"DecodedUrl": url},
        "PrimaryUri": url,
        "ReadOnly": False,
        "RequiredDesignerVersion": "15.0.0.0",
        "SandboxedCodeActivationCapability": sandboxed_code_activation,
        "ServerRelativeUrl": site.path,
        "ShareByLinkEnabled": False,
        "ShowUrlStructure": show_url_structure,
        "TrimAuditLog": True,
        "UIVersionConfigurationEnabled": False,
        "UpgradeReminderDate": "1899-12-30T00:00:00",
        "UpgradeScheduled": False,
        "UpgradeScheduledDate": "1753-01-01T00:00:00",
        "Upgrading": False,
        "Url": url,
        "WriteLocked": False,
        **(own or {}),
    }
    return _in_order(values, order)
