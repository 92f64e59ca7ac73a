"""The lazy site catalog of an Online tenant: site collections computed from their index (URL, title,
GUIDs, creation date), never stored, so a tenant of 100,000 sites costs what one of 250 costs. The farm's
catalog (``farm/state.py``) uses the same GUID scheme and creation dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .guids import stable_guid


@dataclass(frozen=True)
class Site:
    """One site collection. Generated on demand from its index, never stored."""

    index: int
    host: str
    path: str  # server-relative, "/" for the root site
    title: str
    site_id: str
    web_id: str
    created: datetime
    is_personal: bool
    owner_upn: str | None = None

    @property
    def url(self) -> str:
        return f"https://{self.host}{'' if self.path == '/' else self.path}"

    @property
    def graph_id(self) -> str:
        return f"{self.host},{self.site_id},{self.web_id}"

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1] if self.path != "/" else ""


SITE_WORDS = (
    "marketing",
    "finance",
    "sales",
    "legal",
    "hr",
    "engineering",
    "support",
    "operations",
    "research",
    "projects",
    "board",
    "procurement",
    "it",
    "facilities",
    "quality",
    "training",
)
BASE_DATE = datetime(2019, 3, 1, 8, 0, tzinfo=UTC)
# Sites are created 7 h apart from the tenant's creation, wrapping round before this date so that any
# number of sites keeps realistic dates (and Graph/SharePoint's "last modified", up to ~31 days later,
# stays before 2026).
_LAST_CREATED = datetime(2025, 11, 30, tzinfo=UTC)
_CREATED_SPAN_MIN = int((_LAST_CREATED - BASE_DATE).total_seconds() // 60)
_CREATED_STEP_MIN = 7 * 60


def site_created(index: int) -> datetime:
    """The creation date of the site with this index: deterministic, in [2019-03-01, 2025-11-30)."""
    return BASE_DATE + timedelta(minutes=(_CREATED_STEP_MIN * index) % _CREATED_SPAN_MIN)


class IndexedGuids:
    """GUIDs that encode an index, so a lookup by GUID is O(1) for any number of sites.

    The first 20 hex digits are those of ``stable_guid(tenant_id, kind)`` (so they keep its version and
    variant); the last 12 hold the index through a bijection of 48-bit numbers (times an odd constant,
    XOR the seed's own last 12), so neighbouring sites do not get neighbouring GUIDs and index 0 is the
    seed itself. A GUID with another prefix (another tenant, another kind) is foreign.
    """

    _TAIL = 12
    _MOD = 1 << 48
    _MIX = 0x9E3779B97F4B  # odd, so invertible modulo 2**48
    _UNMIX = pow(_MIX, -1, _MOD)

    def __init__(self, tenant_id: str, kind: str) -> None:
        seed = stable_guid(tenant_id, kind)
        self.prefix = seed[: -self._TAIL]  # "xxxxxxxx-xxxx-5xxx-yxxx-"
        self.mask = int(seed[-self._TAIL :], 16)

    def guid(self, index: int) -> str:
        if not 0 <= index < self._MOD:
            raise IndexError(index)
        return f"{self.prefix}{(index * self._MIX) % self._MOD ^ self.mask:012x}"

    def index(self, guid: str) -> int | None:
        """The index a GUID of this kind encodes, or None for any other string."""
        guid = guid.strip().lower()
        tail = guid[-self._TAIL :]
        if len(guid) != 36 or not guid.startswith(self.prefix) or tail.strip("0123456789abcdef"):
            return None
        return ((int(tail, 16) ^ self.mask) * self._UNMIX) % self._MOD


class SiteCatalog:
    """The site collections of a tenant, computed from an index so 100,000 cost what 250 cost.

    Indexes ``0 .. regular_count-1`` are regular sites on the tenant host (0 is the root site);
    ``regular_count .. total-1`` are OneDrive personal sites on the ``-my`` host.
    """

    def __init__(self, tenant_name: str, tenant_id: str, suffix: str, total: int, personal: int) -> None:
        if total < 1:
            raise ValueError("a tenant has at least its root site")
        self.tenant_name = tenant_name
        self.tenant_id = tenant_id
        self.host = f"{tenant_name}.{suffix}"
        self.my_host = f"{tenant_name}-my.{suffix}"
        self.total = total
        self.personal_count = min(personal, total - 1)
        self.regular_count = total - self.personal_count
        self._domain = f"{tenant_name}_onmicrosoft_com"
        self._site_ids = IndexedGuids(tenant_id, "site")
        self._web_ids = IndexedGuids(tenant_id, "web")

    def __len__(self) -> int:
        return self.total

    def get(self, index: int) -> Site:
        if not 0 <= index < self.total:
            raise IndexError(index)
        created = site_created(index)
        if index == 0:
            path, title, personal, host, owner = "/", "Communication site", False, self.host, None
        elif index < self.regular_count:
            word = SITE_WORDS[index % len(SITE_WORDS)]
            path, title = f"/sites/{word}-{index:05d}", f"{word.capitalize()} {index}"
            personal, host, owner = False, self.host, None
        else:
            n = index - self.regular_count + 1
            owner = f"user{n:05d}@{self.tenant_name}.onmicrosoft.com"
            path = f"/personal/user{n:05d}_{self._domain}"
            title, personal, host = f"User {n:05d}", True, self.my_host
        return Site(
            index=index,
            host=host,
            path=path,
            title=title,
            site_id=self._site_ids.guid(index),
            web_id=self._web_ids.guid(index),
            created=created,
            is_personal=personal,
            owner_upn=owner,
        )

    def __iter__(self):
        return (self.get(i) for i in range(self.total))

    def find(self, host: str, path: str) -> Site | None:
        """The site collection whose URL is host + path (path may go deeper, e.g. /sites/x/sub)."""
        host = host.lower()
        parts = [p for p in path.lower().split("/") if p]
        if host == self.host:
            if len(parts) >= 2 and parts[0] in ("sites", "teams"):
                word, _, number = parts[1].rpartition("-")
                if number.isdigit() and len(number) >= 5 and number == f"{int(number):05d}":
                    index = int(number)
                    if 0 < index < self.regular_count and SITE_WORDS[index % len(SITE_WORDS)] == word:
                        return self.get(index)
                return None
            return self.get(0)
        if host == self.my_host and len(parts) >= 2 and parts[0] == "personal":
            head, _, rest = parts[1].partition("_")
            if head.startswith("user") and head[4:].isdigit() and rest == self._domain:
                n = int(head[4:])
                if 1 <= n <= self.personal_count:
                    return self.get(self.regular_count + n - 1)
        return None

    def by_site_id(self, site_id: str) -> Site | None:
        """The site whose collection GUID this is (O(1): the GUID encodes the index); None if foreign."""
        index = self._site_ids.index(site_id)
        return self.get(index) if index is not None and 0 <= index < self.total else None

    def by_web_id(self, web_id: str) -> Site | None:
        """The site whose root web GUID this is (O(1)); None if foreign."""
        index = self._web_ids.index(web_id)
        return self.get(index) if index is not None and 0 <= index < self.total else None
