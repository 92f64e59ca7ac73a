"""The state of on-premises SharePoint Server farms: the farm itself (one web application, Central
Administration, an AD domain), its accounts and their rights, and its lazy site collection catalog. No
HTTP here; the farm's rules over these types are in ``models.py`` and ``search.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..site_catalog import IndexedGuids, site_created

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
