"""SharePoint Server's rules, without HTTP: who may read which site collection, what search returns, and
what a web, a site, the current user and Central Administration look like.

Rights (per user, from the scenario): a farm administrator is *not* by that a reader of content (as in
SharePoint: Farm Administrators manage the farm; they open sites only through a policy or as site
collection administrators). A user reads a site collection when it is a site collection administrator of
it, holds a web application policy (Full Read or Full Control), has read on its group, or the site is the
portal root or the My Site host (readable by all authenticated users), or it is the user's own personal
site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..sp_rest.context_info import context_info as sp_context_info
from ..sp_rest.context_info import digest_date
from ..sp_rest.dates import change_token, last_modified, sp_date, utc
from ..sp_rest.errors import AccessDenied, FileNotFound, InvalidClientQuery
from ..state import ALL, Farm, FarmSite, FarmUser, stable_guid

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
EVERYONE_READS = frozenset({"portal", "mysite"})  # "NT AUTHORITY\authenticated users" has Read there
# The search service's maximum rows per page; a larger rowlimit is capped [unsure: capped, not refused].
MAX_ROW_LIMIT = 500
DEFAULT_ROW_LIMIT = 10
LOCAL_SHAREPOINT_RESULTS = "8413cd39-2156-4e00-b54d-11efd9abdb89"  # the default result source's id


# --- rights ------------------------------------------------------------------------------------------------


def _in(groups: frozenset[str], site: FarmSite) -> bool:
    return ALL in groups or site.group in groups


def is_site_admin(user: FarmUser, site: FarmSite) -> bool:
    return _in(user.admin_of, site)


def can_read(user: FarmUser, site: FarmSite) -> bool:
    if not user.enabled:
        return False
    return (
        user.web_application_policy in ("full_read", "full_control")
        or is_site_admin(user, site)
        or _in(user.reads, site)
        or site.group in EVERYONE_READS
        or (site.is_personal and site.owner == user.sam_account_name.lower())
    )


def authorize_read(user: FarmUser, site: FarmSite) -> None:
    if not can_read(user, site):
        raise AccessDenied()


def authorize_central_admin(user: FarmUser) -> None:
    """Central Administration answers members of the Farm Administrators group only."""
    if not user.farm_admin:
        raise AccessDenied()


def readable_sites(farm: Farm, user: FarmUser) -> Iterator[FarmSite]:
    return (site for site in farm.sites if can_read(user, site))


def claims_login(farm: Farm, user: FarmUser) -> str:
    """The login name of a Windows user in a claims web application (every web application since 2013)."""
    return f"i:0#.w|{farm.netbios_domain.lower()}\\{user.sam_account_name.lower()}"


def primary_owner(farm: Farm) -> FarmUser | None:
    return next((u for u in farm.users.values() if ALL in u.admin_of), next(iter(farm.users.values()), None))


# --- sites ---------------------------------------------------------------------------------------------


def find_site(farm: Farm, web_path: str) -> FarmSite:
    """The site collection whose root web is at ``web_path``; FileNotFound otherwise (no sub-webs)."""
    site = farm.sites.find("/" + web_path.strip("/"))
    if site is None:
        raise FileNotFound()
    return site


def central_admin_site(farm: Farm) -> FarmSite:
    return FarmSite(
        index=-1,
        path="/",
        title="Central Administration",
        group="centraladmin",
        site_id=stable_guid(farm.farm_id, "central-admin", "site"),
        web_id=stable_guid(farm.farm_id, "central-admin", "web"),
        created=datetime.fromisoformat("2019-02-20T09:00:00+00:00"),
        web_template="CENTRALADMIN",
        configuration=0,
    )


def _search_date(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def web_fields(farm: Farm, site: FarmSite, url: str) -> dict[str, Any]:
    """SP.Web as SharePoint Server's ``/_api/web`` returns it (alphabetical, a subset)."""
    modified = last_modified(site)
    master = f"{site.path.rstrip('/')}/_catalogs/masterpage/seattle.master"
    return {
        "AllowRssFeeds": True,
        "AlternateCssUrl": "",
        "AppInstanceId": ZERO_GUID,
        "Configuration": site.configuration,
        "Created": sp_date(site.created),
        "CurrentChangeToken": {"StringValue": change_token(2, site.web_id, modified)},
        "CustomMasterUrl": master,
        "Description": "",
        "DesignPackageId": ZERO_GUID,
        "DocumentLibraryCalloutOfficeWebAppPreviewersDisabled": False,
        "EnableMinimalDownload": site.web_template == "STS",
        "HorizontalQuickLaunch": False,
        "Id": site.web_id,
        "IsMultilingual": True,
        "Language": 1033,
        "LastItemModifiedDate": utc(modified),
        "LastItemUserModifiedDate": utc(modified),
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
        "WebTemplate": site.web_template,
        "WelcomePage": "default.aspx" if site.web_template == "CENTRALADMIN" else "SitePages/Home.aspx",
    }


def site_fields(farm: Farm, site: FarmSite, url: str) -> dict[str, Any]:
    """SP.Site as SharePoint Server's ``/_api/site`` returns it (a subset)."""
    return {
        "AllowCreateDeclarativeWorkflow": True,
        "AllowDesigner": True,
        "AllowMasterPageEditing": False,
        "AllowRevertFromTemplate": False,
        "AllowSaveDeclarativeWorkflowAsTemplate": True,
        "AllowSavePublishDeclarativeWorkflow": True,
        "AllowSelfServiceUpgrade": True,
        "AllowSelfServiceUpgradeEvaluation": True,
        "AuditLogTrimmingRetention": 0,
        "CanUpgrade": True,
        "Classification": "",
        "CompatibilityLevel": 15,
        "CurrentChangeToken": {"StringValue": change_token(1, site.site_id, last_modified(site))},
        "ExternalSharingTipsEnabled": False,
        "Id": site.site_id,
        "LockIssue": None,
        "MaxItemsPerThrottledOperation": 5000,
        "PrimaryUri": url,
        "ReadOnly": False,
        "RequiredDesignerVersion": "15.0.0.0",
        "ResourcePath": {"DecodedUrl": url},
        "SandboxedCodeActivationCapability": 1,
        "ServerRelativeUrl": site.path,
        "ShareByLinkEnabled": False,
        "ShowUrlStructure": True,
        "TrimAuditLog": True,
        "UIVersionConfigurationEnabled": False,
        "UpgradeReminderDate": "1899-12-30T00:00:00",
        "UpgradeScheduled": False,
        "UpgradeScheduledDate": "1753-01-01T00:00:00",
        "Upgrading": False,
        "Url": url,
        "WriteLocked": False,
    }


def user_id(user: FarmUser) -> int:
    """The user's id in a site's user information list (stable; 1073741823 is the System Account)."""
    return int(user.sid.rsplit("-", 1)[1]) - 1100


def current_user_fields(farm: Farm, user: FarmUser, site: FarmSite) -> dict[str, Any]:
    """SP.User of ``/_api/web/currentuser``; ``IsSiteAdmin`` says site collection administrator."""
    admin = is_site_admin(user, site) or (site.group == "centraladmin" and user.farm_admin)
    return {
        "Id": user_id(user),
        "IsHiddenInUI": False,
        "LoginName": claims_login(farm, user),
        "Title": user.display_name,
        "PrincipalType": 1,
        "Email": user.upn,
        "Expiration": "",
        "IsEmailAuthenticationGuestUser": False,
        "IsShareByEmailGuestUser": False,
        "IsSiteAdmin": admin,
        "UserId": {"NameId": user.sid.lower(), "NameIdIssuer": "urn:office:idp:activedirectory"},
        "UserPrincipalName": user.upn,
    }


def context_info(farm: Farm, url: str) -> dict[str, Any]:
    """SP.ContextWebInformation of ``POST /_api/contextinfo`` (the form digest and the library version)."""
    return sp_context_info(url, farm.build, digest_date(datetime.now().astimezone()))


# --- search --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    querytext: str
    select: tuple[str, ...]
    row_limit: int
    start_row: int


_STRING_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _string_arg(raw: str | None, name: str) -> str | None:
    if raw is None:
        return None
    match = _STRING_LITERAL.fullmatch(raw.strip())
    if match is None:
        # [unsure] the wording; SharePoint wants OData string literals (single quotes) in GET parameters.
        raise InvalidClientQuery(f'The expression "{name}={raw}" is not valid.')
    return match.group(1).replace("''", "'")


def _int_arg(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidClientQuery(f'The expression "{name}={raw}" is not valid.') from None
    if value < 0:
        raise InvalidClientQuery(
            f"Specified argument was out of the range of valid values.\r\nParameter name: {name}"
        )  # [unsure]
    return value


def parse_search(arg) -> SearchQuery:
    """``querytext='…'&selectproperties='A,B'&rowlimit=N&startrow=M&trimduplicates=false`` (names are
    case-insensitive in SharePoint; ``arg(name)`` is the request's first value of a parameter)."""
    querytext = _string_arg(arg("querytext"), "querytext")
    if querytext is None or not querytext.strip():
        # [unsure] SharePoint's answer to a query without text.
        raise InvalidClientQuery("The query text is empty.")
    select_raw = _string_arg(arg("selectproperties"), "selectproperties") or ""
    trim = arg("trimduplicates")
    if trim is not None and trim.lower() not in ("true", "false"):
        raise InvalidClientQuery(f'The expression "trimduplicates={trim}" is not valid.')
    return SearchQuery(
        querytext=querytext.strip(),
        select=tuple(p.strip() for p in select_raw.split(",") if p.strip()),
        row_limit=min(_int_arg(arg("rowlimit"), "rowlimit", DEFAULT_ROW_LIMIT), MAX_ROW_LIMIT),
        start_row=_int_arg(arg("startrow"), "startrow", 0),
    )


_TERM = re.compile(r'(-?)(?:([A-Za-z][A-Za-z0-9_]*)\s*[:=]\s*)?("([^"]*)"|\S+)')


def _terms(querytext: str) -> list[tuple[bool, str | None, str]]:
    """KQL, as far as site enumeration needs it: ``prop:value`` / ``prop="value"`` / free words, joined by
    AND (or juxtaposition); a leading ``-`` negates. OR and parentheses are not supported [sandbox]."""
    out = []
    for match in _TERM.finditer(querytext):
        negate, prop, raw, quoted = match.groups()
        value = quoted if quoted is not None else raw
        if prop is None and value.upper() == "AND":
            continue
        out.append((bool(negate), prop.lower() if prop else None, value))
    return out


def _matches(value: str, pattern: str) -> bool:
    value, pattern = value.lower(), pattern.lower()
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return value == pattern


@dataclass(frozen=True)
class SearchItem:
    site: FarmSite
    content_class: str  # STS_Site | STS_Web
    url: str


def _item_properties(farm: Farm, item: SearchItem) -> dict[str, tuple[str | None, str]]:
    """Managed property -> (value as SharePoint writes it, a string; ValueType)."""
    site = item.site
    modified = last_modified(site)
    doc_id = 17592186044416 + site.index * 2 + (item.content_class == "STS_Web")
    return {
        "Title": (site.title, "Edm.String"),
        "Path": (item.url, "Edm.String"),
        "OriginalPath": (item.url, "Edm.String"),
        "SPSiteURL": (farm.public_site_url(site), "Edm.String"),
        "SiteName": (farm.public_site_url(site), "Edm.String"),
        "SiteTitle": (site.title, "Edm.String"),
        "SiteId": (site.site_id, "Edm.String"),
        "WebId": (site.web_id, "Edm.String"),
        "WebTemplate": (site.web_template, "Edm.String"),
        "contentclass": (item.content_class, "Edm.String"),
        "Description": ("", "Edm.String"),
        "SiteDescription": ("", "Edm.String"),
        "Author": ("System Account", "Edm.String"),
        "Created": (_search_date(site.created), "Edm.DateTime"),
        "LastModifiedTime": (_search_date(modified), "Edm.DateTime"),
        "Write": (_search_date(modified), "Edm.DateTime"),
        "Size": ("0", "Edm.Int64"),
        "IsDocument": ("false", "Edm.Boolean"),
        "IsContainer": ("true", "Edm.Boolean"),
        "WorkId": (str(doc_id), "Edm.Int64"),
        "DocId": (str(doc_id), "Edm.Int64"),
        "PartitionId": (ZERO_GUID, "Edm.Guid"),
        "UrlZone": ("0", "Edm.Int32"),
        "Culture": ("en-US", "Edm.String"),
        "ResultTypeId": ("0", "Edm.Int32"),
        "RenderTemplateId": (
            "~sitecollection/_catalogs/masterpage/Display Templates/Search/Item_Site.js",
            "Edm.String",
        ),
    }


# The managed properties the sandbox's index knows (those of _item_properties), by lower-case name.
_PROPERTY_NAMES = {
    name.lower(): name
    for name in (
        "Title",
        "Path",
        "OriginalPath",
        "SPSiteURL",
        "SiteName",
        "SiteTitle",
        "SiteId",
        "WebId",
        "WebTemplate",
        "contentclass",
        "Description",
        "SiteDescription",
        "Author",
        "Created",
        "LastModifiedTime",
        "Write",
        "Size",
        "IsDocument",
        "IsContainer",
        "WorkId",
        "DocId",
        "PartitionId",
        "UrlZone",
        "Culture",
        "ResultTypeId",
        "RenderTemplateId",
    )
}


def _canonical(name: str) -> str:
    """A managed property's own spelling (names are case-insensitive); an unknown name as asked."""
    return _PROPERTY_NAMES.get(name.lower(), name)


DEFAULT_SELECT = (
    "WorkId",
    "Title",
    "Author",
    "Size",
    "Path",
    "Description",
    "Write",
    "contentclass",
    "SiteName",
    "SiteDescription",
    "WebTemplate",
    "IsDocument",
    "IsContainer",
)
TRAILING = ("OriginalPath", "PartitionId", "UrlZone", "Culture", "ResultTypeId", "RenderTemplateId")


def _item_matches(farm: Farm, item: SearchItem, terms: list[tuple[bool, str | None, str]]) -> bool:
    props = _item_properties(farm, item)
    lowered = {k.lower(): v[0] or "" for k, v in props.items()}
    for negate, prop, value in terms:
        if prop is None:
            hit = (
                value == "*" or value.lower().strip("*") in (lowered["title"] + " " + lowered["path"]).lower()
            )
        elif prop in lowered:
            hit = _matches(lowered[prop], value)
        else:
            hit = False  # a property the index does not know matches nothing
        if hit == negate:
            return False
    return True


@dataclass(frozen=True)
class SearchPage:
    rows: list[list[tuple[str, str | None, str]]]  # per row: (Key, Value, ValueType)
    total: int
    query: SearchQuery


def search(farm: Farm, user: FarmUser, query: SearchQuery) -> SearchPage:
    """Security-trimmed search over the farm's site collections (STS_Site) and their root webs (STS_Web):
    the index holds nothing else. Rows in index order (rank descending)."""
    terms = _terms(query.querytext)
    wanted = {v.lower() for neg, p, v in terms if p == "contentclass" and not neg}
    classes = [c for c in ("STS_Site", "STS_Web") if not wanted or c.lower() in wanted]
    matched: list[SearchItem] = []
    for site in readable_sites(farm, user) if farm.search_crawled else ():  # never crawled: an empty index
        for content_class in classes:
            item = SearchItem(site, content_class, farm.public_site_url(site))
            if _item_matches(farm, item, terms):
                matched.append(item)
    page = matched[query.start_row : query.start_row + query.row_limit]
    select = query.select or DEFAULT_SELECT
    rows = []
    for offset, item in enumerate(page):
        props = _item_properties(farm, item)
        rank = 16.0 - (query.start_row + offset) * 0.001
        cells: list[tuple[str, str | None, str]] = [
            ("Rank", f"{rank:.6f}", "Edm.Double"),
            ("DocId", *props["DocId"]),
        ]
        shown = {"rank", "docid"}
        for name in (*select, *TRAILING):
            key = _canonical(name)
            if key.lower() in shown:
                continue
            shown.add(key.lower())
            value, value_type = props.get(key, (None, "Null"))
            cells.append((key, value, value_type))
        rows.append(cells)
    return SearchPage(rows=rows, total=len(matched), query=query)
