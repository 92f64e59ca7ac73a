"""Site collections without PowerShell: the search REST API (``contentclass:STS_Site``), all pages,
streamed. Results are security-trimmed: the account sees what it may read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ...errors import ServiceError
from ...http.session import SpkitSession
from .rest import get_json

ROW_LIMIT = 500  # SharePoint's maximum rows per page
SELECT = "Title,Path,SiteId,WebTemplate"


@dataclass(frozen=True)
class FarmSite:
    title: str
    url: str
    site_id: str | None

    @property
    def id(self) -> str:
        return self.site_id or ""

    @property
    def created(self) -> str | None:
        return None  # search does not return it; the listing leaves the column empty

    @property
    def is_personal(self) -> bool:
        return "/personal/" in self.url.lower()


def _rows(payload: dict[str, Any]) -> tuple[list[dict], int]:
    """Rows and TotalRows from nometadata or verbose JSON."""
    query = payload.get("d", {}).get("query", payload)
    table = query.get("PrimaryQueryResult", {}).get("RelevantResults", {})
    rows = table.get("Table", {}).get("Rows", [])
    if isinstance(rows, dict):  # verbose wraps collections in "results"
        rows = rows.get("results", [])
    out = []
    for row in rows:
        cells = row.get("Cells", [])
        if isinstance(cells, dict):
            cells = cells.get("results", [])
        out.append({c.get("Key"): c.get("Value") for c in cells})
    return out, int(table.get("TotalRows") or 0)


def no_site_collections(web_url: str, account: str) -> ServiceError:
    """Search answered, with no site collection at all: the crawl has not run (or found nothing), or the
    account may read no site. The diagnosis of an empty search, for a rung to report (as a warning)."""
    return ServiceError(
        f"search on {web_url} returned no site collection for {account}",
        code="ONPREM_SEARCH_EMPTY",
        evidence=f"GET {web_url}/_api/search/query?querytext='contentclass:STS_Site': TotalRows 0",
        fix="check that the Search Service Application crawls the web application (Central Administration > "
        "Manage service applications > Search Service Application > Content Sources: a completed full crawl), "
        "and that the account may read at least one site collection",
    )


def iter_site_collections(
    session: SpkitSession, web_url: str, account: str, *, row_limit: int = ROW_LIMIT
) -> Iterator[FarmSite]:
    """Every site collection search returns for the account, page by page (startrow)."""
    start = 0
    while True:
        url = (
            f"{web_url.rstrip('/')}/_api/search/query?querytext='{quote('contentclass:STS_Site')}'"
            f"&selectproperties='{SELECT}'&rowlimit={row_limit}&startrow={start}&trimduplicates=false"
        )
        payload, _ = get_json(session, url, "site collection search", account)
        rows, total = _rows(payload)
        for row in rows:
            yield FarmSite(title=row.get("Title") or "", url=row.get("Path") or "", site_id=row.get("SiteId"))
        start += len(rows)
        if not rows or start >= total:
            return
        if start > 1_000_000:
            raise ServiceError(
                "site collection search does not end",
                code="ONPREM_SEARCH_RUNAWAY",
                fix="report the farm's search behaviour",
            )
