"""Site collections through Graph ``getAllSites``, page after page, streamed (constant memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import AuthorizationError, ServiceError, ThrottledError
from ..http.session import SpkitSession, retries_of
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


def graph_error(response, what: str) -> Exception:
    """Graph's error body (``{"error": {"code", "message"}}``) as a diagnosis."""
    try:
        err = response.json().get("error", {})
    except ValueError:
        err = {}
    code, message = err.get("code", ""), err.get("message", response.text[:200])
    evidence = f"HTTP {response.status_code} {code}: {message}".strip()
    if response.status_code == 401:
        return AuthorizationError(
            f"{what}: Graph rejected the token",
            code="GRAPH_TOKEN_REJECTED",
            evidence=evidence,
            fix="check the cloud and the tenant; get a fresh token",
        )
    if response.status_code == 403:
        return AuthorizationError(
            f"{what}: Graph denied access (the app lacks an application permission for sites)",
            code="GRAPH_ACCESS_DENIED",
            evidence=evidence,
            fix="add the Microsoft Graph application permission Sites.Read.All (or Sites.FullControl.All) "
            "to the app and grant admin consent",
        )
    if response.status_code in (429, 503):
        return ThrottledError(
            f"{what}: Graph kept throttling after the retries spkit allows",
            code="GRAPH_THROTTLED",
            evidence=evidence,
            fix="run again later or outside business hours; spkit honours Retry-After",
        )
    return ServiceError(
        f"{what}: Graph answered HTTP {response.status_code}",
        code="GRAPH_ERROR",
        evidence=evidence,
        fix="see the evidence; retry if the error is transient",
    )


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
        response = call(
            session.get,
            url,
            "site enumeration",
            headers={"Authorization": f"Bearer {token()}", "Accept": "application/json"},
        )
        if stats is not None:
            stats.retries += retries_of(response)
        if response.status_code != 200:
            raise graph_error(response, "site enumeration")
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
