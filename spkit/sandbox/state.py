"""The sandbox's shared world: tenants, their users and apps, and the state every service shares.

No HTTP here. Every emulated service reads and changes this one model, so a change made through one
service (an app registered through Graph) is seen by the others (the identity platform issuing tokens).
A tenant's sites come from its lazy catalog (``site_catalog.py``); the farms' state is in
``farm/state.py``, the deliberate misbehaviour in ``faults.py``, the national clouds in ``clouds.py``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from .faults import Faults
from .site_catalog import BASE_DATE, SiteCatalog

if TYPE_CHECKING:
    from .farm.state import Farm

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"


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
    created: datetime = field(default_factory=lambda: BASE_DATE)
    # Sites.Selected grants made through Graph POST /sites/{id}/permissions: site collection id -> client id.
    site_grants: dict[str, dict[str, SiteGrant]] = field(default_factory=dict)
    # Delegated permission grants (POST /oauth2PermissionGrants), by grant id.
    oauth2_grants: dict[str, OAuth2Grant] = field(default_factory=dict)
    # The national cloud the tenant lives in (a key of clouds.CLOUDS); the sandbox's login host is the global one.
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
