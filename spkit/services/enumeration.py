"""Site collections through Graph ``getAllSites``, page after page, streamed (constant memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..http.session import SpkitSession, retries_of
from .graph_client import app_roles, graph_error
from .http_errors import call, json_body

SITE_FIELDS = "id,webUrl,displayName,name,createdDateTime,isPersonalSite,siteCollection"


@dataclass(frozen=True)
class SiteInfo:
    id: str
    url: str
    title: str
    is_personal: bool
    created: str | None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


@dataclass
class SiteCount:
    """What an enumeration found: totals, OneDrive apart, a small sample, and how hard it was."""

    total: int = 0
    personal: int = 0
    pages: int = 0
    retries: int = 0
    sample: list[SiteInfo] = field(default_factory=list)

    @property
    def regular(self) -> int:
        return self.total - self.personal


def _is_personal(item: dict, onedrive_host: str | None) -> bool:
    if isinstance(item.get("isPersonalSite"), bool):
        return item["isPersonalSite"]
    host = urlsplit(item.get("webUrl", "")).hostname or ""
    return bool(onedrive_host) and host == onedrive_host


def iter_sites(
    session: SpkitSession,
    graph_url: str,
    token: Callable[[], str],
    *,
    onedrive_host: str | None = None,
    page_size: int | None = None,
    stats: SiteCount | None = None,
) -> Iterator[SiteInfo]:
    """Every site collection ``getAllSites`` lists, one page in memory at a time."""
    url: str | None = f"{graph_url.rstrip('/')}/v1.0/sites/getAllSites?$select={SITE_FIELDS}"
    if page_size:
        url += f"&$top={page_size}"
    while url:
        bearer = token()
        response = call(
            session.get,
            url,
            "site enumeration",
            headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
        )
        if stats is not None:
            stats.retries += retries_of(response)
        if response.status_code != 200:
            raise graph_error(response, "site enumeration", roles=app_roles(bearer))
        payload = json_body(response, "site enumeration")
        if stats is not None:
            stats.pages += 1
        for item in payload.get("value", []):
            yield SiteInfo(
                id=item.get("id", ""),
                url=item.get("webUrl", ""),
                title=item.get("displayName") or item.get("name") or "",
                is_personal=_is_personal(item, onedrive_host),
                created=item.get("createdDateTime"),
            )
        url = payload.get("@odata.nextLink")
        del response, payload  # hold one page at a time, not the last one while fetching the next


def count_sites(
    session: SpkitSession,
    graph_url: str,
    token: Callable[[], str],
    *,
    onedrive_host: str | None = None,
    sample_size: int = 10,
    page_size: int | None = None,
) -> SiteCount:
    """Count all site collections (OneDrive apart) keeping only a small sample in memory."""
    stats = SiteCount()
    for site in iter_sites(
        session, graph_url, token, onedrive_host=onedrive_host, page_size=page_size, stats=stats
    ):
        stats.total += 1
        stats.personal += site.is_personal
        if len(stats.sample) < sample_size and not site.is_personal:
            stats.sample.append(site)
    return stats
