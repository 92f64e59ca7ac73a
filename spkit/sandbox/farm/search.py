"""SharePoint Server's search, without HTTP: the ``/_api/search/query`` parameters, the KQL that site
enumeration needs, and the security-trimmed rows of the farm's site collections and their root webs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..sp_rest.dates import last_modified
from ..sp_rest.web_fields import ZERO_GUID
from ..timestamps import iso_ticks_whole
from .exceptions import InvalidClientQuery
from .models import readable_sites
from .state import Farm, FarmSite, FarmUser

# The search service's maximum rows per page; a larger rowlimit is capped [unsure: capped, not refused].
MAX_ROW_LIMIT = 500
DEFAULT_ROW_LIMIT = 10
LOCAL_SHAREPOINT_RESULTS = "8413cd39-2156-4e00-b54d-11efd9abdb89"  # the default result source's id


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
        "Created": (iso_ticks_whole(site.created), "Edm.DateTime"),
        "LastModifiedTime": (iso_ticks_whole(modified), "Edm.DateTime"),
        "Write": (iso_ticks_whole(modified), "Edm.DateTime"),
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
