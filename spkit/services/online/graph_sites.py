"""Site collections through Graph ``getAllSites``, page after page, streamed (constant memory)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit

from ...http.session import SpkitSession, retries_of
from ..http_errors import call, json_body
from .graph_client import app_roles, graph_error

SITE_FIELDS = "id,webUrl,displayName,name,createdDateTime,isPersonalSite,siteCollection"
TOKEN_MARGIN_S = 300.0  # renew a token this long before it expires (MSAL's own margin is 5 minutes)

Progress = Callable[[int], None]  # called after each page with the number of sites listed so far


class SiteInfo(NamedTuple):
    """One site collection. A NamedTuple, not a frozen dataclass: an enumeration builds one per site,
    100,000 on a large tenant, and a frozen dataclass costs about three times as much to build."""

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


class _Token(Protocol):
    token: str
    expires_on: float


def reusing_token(acquire: Callable[[], _Token], margin_s: float = TOKEN_MARGIN_S) -> Callable[[], str]:
    """A token source for a paged listing: the token in hand until it nears expiry, then a new one.

    Asking MSAL for every page would also answer from its cache, but the cache lookup and decoding the
    token's claims cost about as much as parsing a page of 200 sites."""
    held = acquire()

    def token() -> str:
        nonlocal held
        if held.expires_on - time.time() < margin_s:
            held = acquire()
        return held.token

    return token


def _on_host(url: str, onedrive_host: str | None) -> bool:
    host = urlsplit(url).hostname or ""
    return bool(onedrive_host) and host == onedrive_host


def iter_sites(
    session: SpkitSession,
    graph_url: str,
    token: Callable[[], str],
    *,
    onedrive_host: str | None = None,
    page_size: int | None = None,
    stats: SiteCount | None = None,
    on_progress: Progress | None = None,
) -> Iterator[SiteInfo]:
    """Every site collection ``getAllSites`` lists, one page in memory at a time.

    A site is personal (OneDrive) when Graph says so (``isPersonalSite``), else when it lives on the
    tenant's OneDrive host. ``on_progress(listed)`` is called once each page has been handed out."""
    url: str | None = f"{graph_url.rstrip('/')}/v1.0/sites/getAllSites?$select={SITE_FIELDS}"
    if page_size:
        url += f"&$top={page_size}"
    listed = 0
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
        del response  # hold one page at a time, not the last one while fetching the next
        if stats is not None:
            stats.pages += 1
        items = payload.get("value", [])
        for item in items:
            flag = item.get("isPersonalSite")
            web_url = item.get("webUrl", "")
            yield SiteInfo(
                item.get("id", ""),
                web_url,
                item.get("displayName") or item.get("name") or "",
                flag if flag is True or flag is False else _on_host(web_url, onedrive_host),
                item.get("createdDateTime"),
            )
        listed += len(items)
        if on_progress is not None:
            on_progress(listed)
        url = payload.get("@odata.nextLink")
        del payload, items


def count_sites(
    session: SpkitSession,
    graph_url: str,
    token: Callable[[], str],
    *,
    onedrive_host: str | None = None,
    sample_size: int = 10,
    page_size: int | None = None,
    on_progress: Progress | None = None,
) -> SiteCount:
    """Count all site collections (OneDrive apart) keeping only a small sample in memory."""
    stats = SiteCount()
    for site in iter_sites(
        session,
        graph_url,
        token,
        onedrive_host=onedrive_host,
        page_size=page_size,
        stats=stats,
        on_progress=on_progress,
    ):
        stats.total += 1
        stats.personal += site.is_personal
        if len(stats.sample) < sample_size and not site.is_personal:
            stats.sample.append(site)
    return stats
