"""The sandbox's shared world: tenants, their users, apps and site collections.

No HTTP here. Every emulated service reads and changes this one model, so a change made through one
service (an app registered through Graph) is seen by the others (the identity platform issuing tokens).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

from cryptography import x509

SANDBOX_NAMESPACE = uuid.UUID("5b1f0a4e-6f55-4c39-9a3c-7d0c2b7e5e11")

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"


def stable_guid(*parts: object) -> str:
    """A GUID that is the same for the same names in every run, so parameters files can hold it."""
    return str(uuid.uuid5(SANDBOX_NAMESPACE, "/".join(str(p) for p in parts)))


@dataclass
class User:
    upn: str
    password: str
    display_name: str
    object_id: str
    roles: list[str] = field(default_factory=list)
    mfa: bool = False
    app_password: str | None = None
    enabled: bool = True
    # A Conditional Access policy blocks this user's sign-ins (AADSTS53003).
    blocked_by_conditional_access: bool = False

    @property
    def sam_account_name(self) -> str:
        return self.upn.split("@", 1)[0][:20]


@dataclass
class ClientSecret:
    key_id: str
    value: str
    display_name: str
    start: datetime
    end: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.end

    @property
    def hint(self) -> str:
        """The first three characters, as the Entra admin center shows a secret after creation."""
        return self.value[:3]


@dataclass
class KeyCredential:
    """A certificate registered on an app (public part only, as Entra keeps it)."""

    key_id: str
    certificate: x509.Certificate
    display_name: str
    # As registered through Graph (keyCredential startDateTime/endDateTime/customKeyIdentifier); None = the
    # certificate's own validity and thumbprint.
    start: datetime | None = None
    end: datetime | None = None
    custom_key_identifier: str | None = None

    @cached_property
    def sha1(self) -> bytes:
        from cryptography.hazmat.primitives import hashes

        return self.certificate.fingerprint(hashes.SHA1())  # noqa: S303 - Entra's thumbprint is SHA-1

    @cached_property
    def sha256(self) -> bytes:
        from cryptography.hazmat.primitives import hashes

        return self.certificate.fingerprint(hashes.SHA256())

    @property
    def thumbprint(self) -> str:
        return self.sha1.hex().upper()


@dataclass
class App:
    """An application registration together with its service principal in its home tenant."""

    name: str
    client_id: str
    object_id: str
    # None until a service principal is created for the app in the tenant (POST /servicePrincipals).
    service_principal_id: str | None
    secrets: list[ClientSecret] = field(default_factory=list)
    key_credentials: list[KeyCredential] = field(default_factory=list)
    # Consented application permissions, as "Graph/Sites.Read.All" or "SharePoint/Sites.FullControl.All".
    granted: list[str] = field(default_factory=list)
    # When a consent takes effect in issued tokens (Entra propagates consent with a delay); absent = at once.
    granted_at: dict[str, datetime] = field(default_factory=dict)
    # When each consent was given (the assignment's createdDateTime); absent = when the app was created.
    consented_at: dict[str, datetime] = field(default_factory=dict)
    # The appRoleAssignment ids, by the permission they grant (for DELETE of an assignment).
    assignment_ids: dict[str, str] = field(default_factory=dict)
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    sign_in_audience: str = "AzureADMyOrg"
    # requiredResourceAccess as Graph stores it: [{"resourceAppId": ..., "resourceAccess": [{"id", "type"}]}]
    required_resource_access: list[dict] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Object ids of the app's owners: the user (delegated) or service principal (app-only) that created it.
    owner_ids: list[str] = field(default_factory=list)
    # A Conditional Access policy for workload identities blocks this app's tokens (AADSTS53003).
    blocked_by_conditional_access: bool = False
    # The service principal's accountEnabled ("Enabled for users to sign-in: No"): Entra issues no token
    # for the app in this tenant (AADSTS7000112).
    sign_in_enabled: bool = True

    def roles_for(self, resource: str, now: datetime | None = None) -> list[str]:
        """Role names consented for one resource ("Graph" or "SharePoint") that are in effect at ``now``."""
        now = now or datetime.now(UTC)
        prefix = resource + "/"
        return [
            g[len(prefix) :]
            for g in self.granted
            if g.startswith(prefix) and self.granted_at.get(g, now) <= now
        ]


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


_SITE_WORDS = (
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
_BASE_DATE = datetime(2019, 3, 1, 8, 0, tzinfo=UTC)
# Sites are created 7 h apart from the tenant's creation, wrapping round before this date so that any
# number of sites keeps realistic dates (and Graph/SharePoint's "last modified", up to ~31 days later,
# stays before 2026).
_LAST_CREATED = datetime(2025, 11, 30, tzinfo=UTC)
_CREATED_SPAN_MIN = int((_LAST_CREATED - _BASE_DATE).total_seconds() // 60)
_CREATED_STEP_MIN = 7 * 60


def site_created(index: int) -> datetime:
    """The creation date of the site with this index: deterministic, in [2019-03-01, 2025-11-30)."""
    return _BASE_DATE + timedelta(minutes=(_CREATED_STEP_MIN * index) % _CREATED_SPAN_MIN)


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
            word = _SITE_WORDS[index % len(_SITE_WORDS)]
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
                    if 0 < index < self.regular_count and _SITE_WORDS[index % len(_SITE_WORDS)] == word:
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


@dataclass
class SiteGrant:
    """One Sites.Selected permission of an app on one site collection."""

    permission_id: str
    client_id: str
    display_name: str
    roles: list[str]  # "read", "write", "manage", "fullcontrol", "owner"


@dataclass
class OAuth2Grant:
    """A delegated permission grant: a client service principal may call a resource with these scopes."""

    grant_id: str
    client_id: str  # the client's service principal id
    consent_type: str  # "AllPrincipals" | "Principal"
    principal_id: str | None  # the user, for consent_type "Principal"
    resource_id: str  # the resource's service principal id
    scope: str  # space-separated scope values


@dataclass
class Tenant:
    name: str
    tenant_id: str
    domains: list[str]
    display_name: str
    users: dict[str, User]  # by lower-case UPN
    apps: dict[str, App]  # by client_id
    sites: SiteCatalog
    created: datetime = field(default_factory=lambda: _BASE_DATE)
    # Sites.Selected grants made through Graph POST /sites/{id}/permissions: site collection id -> client id.
    site_grants: dict[str, dict[str, SiteGrant]] = field(default_factory=dict)
    # Delegated permission grants (POST /oauth2PermissionGrants), by grant id.
    oauth2_grants: dict[str, OAuth2Grant] = field(default_factory=dict)
    # The national cloud the tenant lives in (a key of CLOUDS); the sandbox's login host is the global one.
    cloud: str = "global"

    @property
    def initial_domain(self) -> str:
        return next((d for d in self.domains if d.endswith(".onmicrosoft.com")), self.domains[0])

    def user(self, upn: str) -> User | None:
        return self.users.get(upn.strip().lower())

    def app(self, client_id: str) -> App | None:
        return self.apps.get(client_id.strip().lower())

    def app_by_object_id(self, object_id: str) -> App | None:
        return next((a for a in self.apps.values() if a.object_id == object_id), None)


@dataclass(frozen=True)
class NationalCloud:
    """What Entra's discovery says of a tenant of a national cloud asked through the global endpoint
    (``cloud_instance_name`` and the region fields), and where that cloud's Graph is."""

    name: str  # the scenario's word
    instance_name: str  # cloud_instance_name: microsoftonline.us
    region_scope: str  # tenant_region_scope
    region_sub_scope: str | None  # tenant_region_sub_scope
    graph_host: str  # msgraph_host
    login_host: str  # the cloud's authority host (the card says it; the sandbox does not serve it)


# [unsure] the region fields: GCC High tenants are reported with tenant_region_scope "USGov" and sub-scope
# "DODCON", DoD ones "USGov" / "DOD", 21Vianet's "AS" / none; the instance names and Graph hosts are the
# clouds' documented ones.
CLOUDS = {
    "usgov": NationalCloud(
        "usgov", "microsoftonline.us", "USGov", "DODCON", "graph.microsoft.us", "login.microsoftonline.us"
    ),
    "usgovdod": NationalCloud(
        "usgovdod", "microsoftonline.us", "USGov", "DOD", "dod-graph.microsoft.us", "login.microsoftonline.us"
    ),
    "china": NationalCloud(
        "china",
        "partner.microsoftonline.cn",
        "AS",
        None,
        "microsoftgraph.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    ),
}


@dataclass
class ThrottleRule:
    """Answer ``count`` consecutive requests to ``host`` whose path full-matches ``path`` as throttled
    (every one when ``count`` is None), each with ``Retry-After: retry_after_s``; then serve again."""

    host: str
    path: str = ".*"
    count: int | None = None
    retry_after_s: int = 1
    answered: int = 0

    def __post_init__(self) -> None:
        import re

        self.pattern = re.compile(self.path, re.I)

    def matches(self, host: str, path: str) -> bool:
        return host == self.host and self.pattern.fullmatch(path) is not None


class ScenarioServerError(Exception):
    """What a ``server_errors`` fault hands a service's ``internal_error`` (its name is the answer's
    ``x-sandbox-error`` header, the sandbox's own, so a reader tells a fault from a sandbox bug)."""


@dataclass
class ServerErrorRule:
    """Answer ``count`` consecutive requests to ``host`` whose path full-matches ``path`` with an unexpected
    server error (``status`` 500 or 502, in the service's own error shape; every one when ``count`` is
    None), as a service having a bad moment does; then serve again."""

    host: str
    path: str = ".*"
    status: int = 500
    count: int | None = None
    answered: int = 0

    def __post_init__(self) -> None:
        import re

        self.pattern = re.compile(self.path, re.I)

    def matches(self, host: str, path: str) -> bool:
        return host == self.host and self.pattern.fullmatch(path) is not None


@dataclass
class Faults:
    """Knobs that make the sandbox misbehave on purpose, for tests and benchmarks."""

    throttle_rate: float = 0.0  # fraction of Graph/SharePoint (and farm) requests answered 429 / 503
    latency_ms: int = 0  # added to every request
    retry_after_s: int = 1
    # The Microsoft cloud's clock minus the real one: tokens, assertion checks and the Date header of
    # login/Graph/SharePoint Online follow it (a client whose own clock is off sees exactly this).
    clock_skew_s: float = 0.0
    throttle_rules: list[ThrottleRule] = field(default_factory=list)
    server_error_rules: list[ServerErrorRule] = field(default_factory=list)
    _credit: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def throttle(self, host: str, path: str, *, by_rate: bool) -> int | None:
        """The Retry-After (seconds) if this request is to be answered as throttled, else None.

        A matching rule decides first (its count runs down); then, when ``by_rate``, exactly
        ``throttle_rate`` of requests, spread evenly (deterministic, unlike a coin toss)."""
        with self._lock:
            for rule in self.throttle_rules:
                if rule.matches(host, path) and (rule.count is None or rule.answered < rule.count):
                    rule.answered += 1
                    return rule.retry_after_s
            if by_rate and self.throttle_rate > 0:
                self._credit += self.throttle_rate
                if self._credit >= 1.0:
                    self._credit -= 1.0
                    return self.retry_after_s
        return None

    def server_error(self, host: str, path: str) -> int | None:
        """The status (500 or 502) if this request is to be answered with a server error, else None."""
        with self._lock:
            for rule in self.server_error_rules:
                if rule.matches(host, path) and (rule.count is None or rule.answered < rule.count):
                    rule.answered += 1
                    return rule.status
        return None


class SandboxState:
    """Everything the sandbox knows. Thread-safe for the few writes it allows (``lock``)."""

    def __init__(self, *, suffix: str = "localhost", faults: Faults | None = None) -> None:
        self.suffix = suffix
        self.sharepoint_suffix = f"sharepoint.{suffix}"
        self.login_host = f"login.{suffix}"
        self.graph_host = f"graph.{suffix}"
        self.tenants: dict[str, Tenant] = {}
        self.faults = faults or Faults()
        self.lock = threading.RLock()
        # Seconds before an application consent shows in issued tokens, as Entra's propagation delay.
        self.consent_delay_s: float = 3.0
        # The device code flow's polling interval and code lifetime, as Entra's (5 s, 15 min). Tests of an
        # in-process sandbox may shorten them; they apply to codes issued after the change.
        self.device_code_interval_s: int = 5
        self.device_code_lifetime_s: int = 900
        # On-premises SharePoint Server farms, by name, and the NTLM credential file their listeners read
        # (pyspnego's NTLM_USER_FILE format; written by the scenario builder into the state directory).
        self.farms: dict[str, Farm] = {}
        self.ntlm_user_file: Path | None = None

    def now(self) -> float:
        """The Microsoft cloud's clock (epoch seconds): the real one plus the scenario's skew."""
        return time.time() + self.faults.clock_skew_s

    @property
    def authority_host(self) -> str:
        return f"https://{self.login_host}"

    @property
    def graph_url(self) -> str:
        return f"https://{self.graph_host}"

    def add_tenant(self, tenant: Tenant) -> None:
        self.tenants[tenant.name] = tenant

    def tenant_by_ref(self, ref: str) -> Tenant | None:
        """A tenant by its GUID or any of its domains (case-insensitive), as Entra resolves them."""
        ref = ref.strip().lower()
        for t in self.tenants.values():
            if ref == t.tenant_id or ref in (d.lower() for d in t.domains):
                return t
        return None

    def tenant_by_id(self, tenant_id: str) -> Tenant | None:
        return next((t for t in self.tenants.values() if t.tenant_id == tenant_id.lower()), None)

    def tenant_by_sharepoint_host(self, host: str) -> tuple[Tenant, str] | None:
        """(tenant, kind) for ``<t>.``, ``<t>-admin.`` or ``<t>-my.`` + the SharePoint suffix."""
        host = host.lower()
        tail = "." + self.sharepoint_suffix
        if not host.endswith(tail):
            return None
        label = host[: -len(tail)]
        for kind, ending in (("admin", "-admin"), ("my", "-my")):
            if label.endswith(ending) and label[: -len(ending)] in self.tenants:
                return self.tenants[label[: -len(ending)]], kind
        if label in self.tenants:
            return self.tenants[label], "root"
        return None

    def add_farm(self, farm: Farm) -> None:
        self.farms[farm.name] = farm

    def farm_by_host(self, host: str) -> Farm | None:
        host = host.lower()
        return next((f for f in self.farms.values() if f.host == host), None)

    def farm_hostnames(self) -> list[str]:
        """The farms' host names (for the server certificate; the card maps them per port, see card.py)."""
        return [f.host for f in self.farms.values()]

    def find_app(self, client_id: str) -> tuple[Tenant, App] | None:
        for t in self.tenants.values():
            app = t.app(client_id)
            if app:
                return t, app
        return None

    def hostnames(self) -> list[str]:
        """Every virtual host the sandbox answers for (for the certificate and the card)."""
        names = [self.login_host, self.graph_host]
        for t in self.tenants.values():
            names += [
                f"{t.name}.{self.sharepoint_suffix}",
                f"{t.name}-admin.{self.sharepoint_suffix}",
                f"{t.name}-my.{self.sharepoint_suffix}",
            ]
        return names


# --- on-premises SharePoint Server farms --------------------------------------------------------------

# SharePoint Server versions by the names admins use, and the RTM build each reports. The
# MicrosoftSharePointTeamServices header carries "16.0.0.<third part>" (2016, 2019 and SE are all 16.0).
FARM_BUILDS = {"2016": "16.0.4351.1000", "2019": "16.0.10337.12109", "SE": "16.0.14326.20450"}

# Site collection groups a farm user's rights name (besides the departments below): the web application's
# root site ("portal"), the My Site host ("mysite") and the personal sites ("personal").
FARM_DEPARTMENTS = ("finance", "hr", "it", "legal", "marketing", "projects", "sales", "operations")
FARM_SPECIAL_GROUPS = ("portal", "mysite", "personal")
ALL = "*"  # in FarmUser.admin_of / reads: every site collection


@dataclass(frozen=True)
class FarmUser:
    """An Active Directory account of the farm's domain, with what the farm grants it."""

    sam_account_name: str
    upn: str
    display_name: str
    password: str
    sid: str
    enabled: bool = True
    farm_admin: bool = False
    # Site collection groups (FARM_DEPARTMENTS / FARM_SPECIAL_GROUPS) the user administers / may read; ALL for every one.
    admin_of: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()
    web_application_policy: str = "none"  # none | full_read | full_control


@dataclass(frozen=True)
class FarmSite:
    """One site collection of a farm's web application. Generated on demand from its index, never stored."""

    index: int
    path: str  # server-relative, "/" for the root site collection
    title: str
    group: str  # a department, or "portal" / "mysite" / "personal"
    site_id: str
    web_id: str
    created: datetime
    web_template: str
    configuration: int
    owner: str | None = None  # sAMAccountName of a personal site's owner

    @property
    def is_personal(self) -> bool:
        return self.group == "personal"


class FarmSiteCatalog:
    """The site collections of a farm's web application, computed from an index.

    ``0`` is the root site collection ("/", group portal); ``1`` the My Site host ("/my") when the farm has
    more than one site collection; then the department site collections (``/sites/<dept>-NNN``, every fourth
    under ``/teams/``); the last ``personal_count`` are personal sites (``/personal/userNNN``).
    """

    def __init__(self, farm_name: str, farm_id: str, total: int, personal: int, version: str) -> None:
        if total < 1:
            raise ValueError("a web application has at least its root site collection")
        self.farm_name = farm_name
        self.total = total
        self.personal_count = min(personal, max(total - 2, 0))
        self.regular_count = total - self.personal_count
        self.version = version
        self._site_ids = IndexedGuids(farm_id, "farm-site")
        self._web_ids = IndexedGuids(farm_id, "farm-web")

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return (self.get(i) for i in range(self.total))

    def get(self, index: int) -> FarmSite:
        if not 0 <= index < self.total:
            raise IndexError(index)
        owner = None
        if index == 0:
            path, title, group, template, config = (
                "/",
                f"{self.farm_name.capitalize()} Portal",
                "portal",
                "STS",
                0,
            )
        elif index == 1 and self.regular_count > 1:
            path, title, group, template, config = "/my", "My Site Host", "mysite", "SPSMSITEHOST", 0
        elif index < self.regular_count:
            group = FARM_DEPARTMENTS[(index - 2) % len(FARM_DEPARTMENTS)]
            managed = "teams" if index % 4 == 3 else "sites"
            path, title = (
                f"/{managed}/{group}-{index:03d}",
                f"{group.upper() if len(group) <= 2 else group.capitalize()} {index}",
            )
            if group == "projects":
                template, config = "PROJECTSITE", 0
            elif managed == "sites" and index % 3 == 0:
                # Communication sites exist from SharePoint Server 2019 on; 2016 farms have publishing portals.
                template, config = (
                    ("BLANKINTERNET", 0) if self.version == "2016" else ("SITEPAGEPUBLISHING", 0)
                )
            else:
                template, config = "STS", 0
        else:
            n = index - self.regular_count + 1
            owner = f"user{n:03d}"
            path, title, group, template, config = (
                f"/personal/{owner}",
                f"User {n:03d}",
                "personal",
                "SPSPERS",
                2,
            )
        return FarmSite(
            index=index,
            path=path,
            title=title,
            group=group,
            site_id=self._site_ids.guid(index),
            web_id=self._web_ids.guid(index),
            created=site_created(index),
            web_template=template,
            configuration=config,
            owner=owner,
        )

    def find(self, path: str) -> FarmSite | None:
        """The site collection whose root web is exactly at ``path`` (case-insensitive), or None."""
        parts = [p for p in path.lower().split("/") if p]
        if not parts:
            return self.get(0)
        if parts == ["my"]:
            return self.get(1) if self.regular_count > 1 else None
        if len(parts) != 2:
            return None
        if parts[0] == "personal" and parts[1].startswith("user") and parts[1][4:].isdigit():
            n = int(parts[1][4:])
            if 1 <= n <= self.personal_count and parts[1] == f"user{n:03d}":
                return self.get(self.regular_count + n - 1)
            return None
        _, _, number = parts[1].rpartition("-")
        if parts[0] in ("sites", "teams") and number.isdigit():
            index = int(number)
            if 2 <= index < self.regular_count:
                site = self.get(index)
                return site if site.path.lower() == "/" + "/".join(parts) else None
        return None

    def by_site_id(self, site_id: str) -> FarmSite | None:
        index = self._site_ids.index(site_id)
        return self.get(index) if index is not None and 0 <= index < self.total else None


@dataclass
class Farm:
    """An on-premises SharePoint Server farm: one web application, Central Administration, an AD domain."""

    name: str
    farm_id: str
    host: str
    scheme: str  # https | http
    netbios_domain: str  # FABRIKAM
    dns_domain: str  # fabrikam.local
    version: str  # 2016 | 2019 | SE | the build as given
    build: str  # 16.0.10337.12109
    central_admin_port: int
    central_admin: str  # open | closed
    extended_protection: str  # off | required
    users: dict[str, FarmUser]  # by lower-case sAMAccountName
    sites: FarmSiteCatalog
    server_name: str = "SP01"
    # IIS Windows authentication: "ntlm" (Negotiate and NTLM, the default), "kerberos" (Negotiate only,
    # NTLM refused), "basic" (Basic only) or "forms" (the web application's zone signs in with forms only,
    # no WWW-Authenticate: farm/forms.py; Central Administration keeps Windows authentication).
    authentication: str = "ntlm"
    # The default zone's public URL when the alternate access mappings do not list the URL clients use: the
    # farm then renders its URLs (web Url, search Path, ...) with this origin. None: the requested URL.
    alternate_access_mapping: str | None = None
    # Other ports of the host: (port, "not_sharepoint" (IIS's welcome site) | "closed").
    other_ports: list[tuple[int, str]] = field(default_factory=list)
    # A load balancer terminates TLS in front of the web application (not Central Administration): clients
    # get its certificate, the farm checks Extended Protection's channel binding against its own.
    tls_offload: bool = False
    # Whether the Search Service Application has crawled the web application; not: search finds nothing.
    search_crawled: bool = True

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def public_url(self) -> str:
        """The origin the farm writes into its answers (the alternate access mapping's, if it is wrong)."""
        return (self.alternate_access_mapping or self.url).rstrip("/")

    def public_site_url(self, site: FarmSite) -> str:
        return self.public_url + ("" if site.path == "/" else site.path)

    @property
    def authentication_schemes(self) -> list[str]:
        """What IIS offers in ``WWW-Authenticate``, in its order."""
        return {"basic": ["Basic"], "kerberos": ["Negotiate"]}.get(self.authentication, ["Negotiate", "NTLM"])

    @property
    def default_port(self) -> int:
        return 443 if self.scheme == "https" else 80

    @property
    def central_admin_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.central_admin_port}"

    @property
    def team_services_version(self) -> str:
        """The ``MicrosoftSharePointTeamServices`` header value, e.g. ``16.0.0.10337``."""
        parts = self.build.split(".")
        return f"16.0.0.{parts[2] if len(parts) > 2 else '0'}"

    def site_url(self, site: FarmSite) -> str:
        return self.url + ("" if site.path == "/" else site.path)

    def user_by_sam(self, sam: str) -> FarmUser | None:
        return self.users.get(sam.strip().lower())

    def user_by_upn(self, upn: str) -> FarmUser | None:
        upn = upn.strip().lower()
        return next((u for u in self.users.values() if u.upn == upn), None)

    def user_for_principal(self, principal: str) -> FarmUser | None:
        """The account behind an NTLM principal: ``DOMAIN\\user`` (NetBIOS or DNS domain) or ``user@upn``."""
        domain, sep, user = principal.rpartition("\\")
        if sep:
            if domain.lower() in (self.netbios_domain.lower(), self.dns_domain.lower()):
                return self.user_by_sam(user)
            return None
        return self.user_by_upn(principal) if "@" in principal else None

    def logon_name(self, user: FarmUser) -> str:
        return f"{self.netbios_domain}\\{user.sam_account_name}"
