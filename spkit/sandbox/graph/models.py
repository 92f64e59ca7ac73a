"""Microsoft Graph's rules, without HTTP: who may call what, paging, ``$select`` and resource shapes.

Sites come from the tenant's lazy ``SiteCatalog``: a page is built from ``get(i)`` for its indexes only,
so listing 100,000 sites costs what listing 250 costs, page by page.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from jwt.utils import base64url_decode, base64url_encode

from ..access_tokens import TokenRejected, TokenService
from ..callers import Caller
from ..sharepoint.models import host_root_site, selected_site_access
from ..site_catalog import Site
from ..state import GRAPH_APP_ID, SandboxState, Tenant
from ..timestamps import iso_z
from .exceptions import (
    AccessDenied,
    AuthorizationRequestDenied,
    BadRequest,
    InvalidAuthenticationToken,
    InvalidRequest,
    ItemNotFound,
)
from .odata import top_value

SITES_READ_ROLES = frozenset(
    {"Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"}
)
ORGANIZATION_ROLES = frozenset(
    {"Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
)
ORGANIZATION_SCOPES = frozenset(
    {
        "User.Read",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Organization.Read.All",
        "Organization.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)

DEFAULT_PAGE_SIZE = 200  # [unsure] getAllSites' page size when $top is absent
MAX_PAGE_SIZE = 999

# [unsure] for "signature", "issuer" and "tenant": Graph does not expose its validator's reason there.
_TOKEN_MESSAGES = {
    "missing": "Access token is empty.",
    "malformed": "CompactToken parsing failed with error code: 80049217",
    "signature": "Access token validation failure.",
    "expired": "Lifetime validation failed, the token is expired.",
    "not_yet_valid": "Lifetime validation failed, the token is not yet valid.",  # [unsure]
    "audience": "Access token validation failure. Invalid audience.",
    "issuer": "Access token validation failure. Invalid issuer.",
    "tenant": "Access token validation failure. Invalid issuer.",
}

# Properties of microsoft.graph.site a $select may name (case-insensitive, like Graph). Only some are
# rendered; the others are valid but empty in the sandbox.
SITE_PROPERTIES = (
    "id",
    "createdDateTime",
    "description",
    "displayName",
    "eTag",
    "lastModifiedDateTime",
    "name",
    "webUrl",
    "root",
    "siteCollection",
    "sharepointIds",
    "isPersonalSite",
    "createdBy",
    "lastModifiedBy",
    "parentReference",
    "error",
    "deleted",
    "analytics",
    "columns",
    "contentTypes",
    "drive",
    "drives",
    "externalColumns",
    "items",
    "lists",
    "onenote",
    "operations",
    "pages",
    "permissions",
    "sites",
    "termStore",
    "termStores",
)
_SITE_PROPERTY_BY_LOWER = {p.lower(): p for p in SITE_PROPERTIES}


def audiences(state: SandboxState) -> set[str]:
    return {state.graph_url, f"{state.graph_url}/", GRAPH_APP_ID}


def authenticate(state: SandboxState, tokens: TokenService, token: str | None) -> Caller:
    """Validate a bearer token as Graph does; 401 ``InvalidAuthenticationToken`` otherwise."""
    try:
        claims = tokens.validate(token, audiences=audiences(state))
    except TokenRejected as exc:
        message = _TOKEN_MESSAGES.get(exc.reason, _TOKEN_MESSAGES["signature"])
        raise InvalidAuthenticationToken(message) from exc
    tenant = state.tenant_by_id(str(claims.get("tid", "")))
    if tenant is None:
        raise InvalidAuthenticationToken(_TOKEN_MESSAGES["tenant"])
    return Caller.from_claims(tenant, claims)


def require_permissions(caller: Caller) -> None:
    """A token with neither ``roles`` nor ``scp`` is refused before any resource rule runs."""
    if not caller.roles and not caller.scopes:
        raise AccessDenied("Either scp or roles claim need to be present in the token.", code="AccessDenied")


def authorize_all_sites(caller: Caller) -> None:
    """getAllSites is application-only: Sites.Read.All or higher; Sites.Selected and delegated are refused."""
    require_permissions(caller)
    if caller.delegated or not caller.roles & SITES_READ_ROLES:
        raise AccessDenied("Access denied")  # [unsure] wording for the delegated case


def authorize_site(caller: Caller, site: Site) -> None:
    """Reading one site: a Sites.*.All role/scope, or a Sites.Selected grant on that site."""
    require_permissions(caller)
    granted = caller.scopes if caller.delegated else caller.roles
    if granted & SITES_READ_ROLES:
        return
    if "Sites.Selected" in granted and selected_site_access(caller.tenant, caller.client_id, site):
        return
    raise AccessDenied("Access denied")


def authorize_organization(caller: Caller) -> None:
    require_permissions(caller)
    allowed = ORGANIZATION_SCOPES if caller.delegated else ORGANIZATION_ROLES
    if not (caller.scopes if caller.delegated else caller.roles) & allowed:
        raise AuthorizationRequestDenied("Insufficient privileges to complete the operation.")


# --- paging -------------------------------------------------------------------------------------------


class SkipTokens:
    """Opaque, tamper-evident ``$skiptoken`` values: the next index, MAC-ed with the tenant id.

    A client must hand back the token Graph gave it; one it built or altered is a 400, as with Graph.
    The key lives as long as the service, like a real skip token's limited lifetime.
    """

    _PREFIX = b"SPGeo"

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _mac(self, tenant_id: str, payload: bytes) -> bytes:
        return hmac.new(self._key, tenant_id.encode() + b"|" + payload, hashlib.sha256).digest()[:16]

    def issue(self, tenant_id: str, index: int) -> str:
        payload = self._PREFIX + index.to_bytes(8, "big")
        return base64url_encode(payload + self._mac(tenant_id, payload)).decode("ascii")

    def read(self, tenant_id: str, token: str) -> int:
        try:
            raw = base64url_decode(token.encode("ascii"))
        except (binascii.Error, ValueError) as exc:
            raise InvalidRequest("Invalid skip token.") from exc  # [unsure] wording
        payload, mac = raw[:-16], raw[-16:]
        if (
            len(raw) != len(self._PREFIX) + 8 + 16
            or not payload.startswith(self._PREFIX)
            or not hmac.compare_digest(mac, self._mac(tenant_id, payload))
        ):
            raise InvalidRequest("Invalid skip token.")
        return int.from_bytes(payload[len(self._PREFIX) :], "big")


def page_size(raw: str | None) -> int:
    """``$top``: 1..999, default ``DEFAULT_PAGE_SIZE``."""
    if raw is None:
        return DEFAULT_PAGE_SIZE
    size = top_value(raw)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"Invalid page size specified: '{size}'. Must be between 1 and {MAX_PAGE_SIZE} inclusive."
        )  # [unsure] wording
    return size


def page_of_sites(tenant: Tenant, start: int, size: int) -> tuple[list[Site], int | None]:
    """One page of the catalog (index order) and the index the next page starts at, if any."""
    total = len(tenant.sites)
    if not 0 <= start <= total:
        raise InvalidRequest("Invalid skip token.")
    stop = min(start + size, total)
    return [tenant.sites.get(i) for i in range(start, stop)], (stop if stop < total else None)


# --- $select and shapes -------------------------------------------------------------------------------


def parse_select(raw: str | None) -> tuple[str, ...] | None:
    """Canonical property names from ``$select``; unknown names are Graph's OData parse error."""
    if raw is None or not raw.strip():
        return None
    names = []
    for wanted in (w.strip() for w in raw.split(",") if w.strip()):
        name = _SITE_PROPERTY_BY_LOWER.get(wanted.lower())
        if name is None:
            raise BadRequest(
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{wanted}' on type 'microsoft.graph.site'."
            )
        names.append(name)
    return tuple(dict.fromkeys(names))


def site_resource(site: Site, tenant: Tenant, select: Iterable[str] | None = None) -> dict[str, Any]:
    """A microsoft.graph.site as Graph renders one.

    Every site collection Graph lists is the root web of its collection, hence ``root: {}`` on each;
    ``siteCollection.root`` marks the tenant's root site collection only (getAllSites doc example).
    """
    collection: dict[str, Any] = {"hostname": site.host}
    if site.index == 0:
        collection["root"] = {}
    full: dict[str, Any] = {
        "createdDateTime": iso_z(site.created),
        "description": "",
        "id": site.graph_id,
        "lastModifiedDateTime": iso_z(site.created + timedelta(days=1 + site.index % 30)),
        "name": site.name,
        "webUrl": site.url,
        "displayName": site.title,
        "isPersonalSite": site.is_personal,  # [unsure] present by default in v1.0 answers
        "root": {},
        "siteCollection": collection,
    }
    if select is None:
        return full
    extra = {
        "sharepointIds": {
            "siteId": site.site_id,
            "siteUrl": site.url,
            "tenantId": tenant.tenant_id,
            "webId": site.web_id,
        }
    }
    return {name: (full | extra)[name] for name in select if name in full or name in extra}


def resolve_site(state: SandboxState, tenant: Tenant, reference: str) -> Site:
    """A site by any id form Graph takes: ``host,siteGuid,webGuid``, ``host,siteGuid``, ``host`` or
    ``host:/server/relative/path[:]``. Sub-resources after the site are rejected by the caller."""
    reference = unquote(reference)
    if ":" in reference:
        host, _, path = reference.partition(":")
        return _site_by_path(state, tenant, host, path.rstrip(":") or "/")
    parts = reference.split(",")
    host = parts[0]
    if len(parts) == 1:
        return _site_by_path(state, tenant, host, "/")
    if len(parts) > 3:
        raise ItemNotFound("Requested site could not be found")
    site = _site_by_id(state, tenant, host, parts[1].lower())
    if site is None or (len(parts) == 3 and parts[2].lower() != site.web_id):
        raise ItemNotFound("Requested site could not be found")
    return site


def _host_kind(state: SandboxState, tenant: Tenant, host: str) -> str:
    found = state.tenant_by_sharepoint_host(host)
    if found is None or found[0] is not tenant or found[1] == "admin":
        raise InvalidRequest("Invalid hostname for this tenancy")  # [unsure] status 400
    return found[1]


def _site_by_path(state: SandboxState, tenant: Tenant, host: str, path: str) -> Site:
    kind = _host_kind(state, tenant, host)
    path = "/" + path.strip("/")
    if kind == "my" and path == "/":
        return host_root_site(tenant, "my", host.lower())
    site = tenant.sites.find(host, path)
    if site is None or site.path.lower() != path.lower():
        raise ItemNotFound("Requested site could not be found")
    return site


def _site_by_id(state: SandboxState, tenant: Tenant, host: str, site_id: str) -> Site | None:
    kind = _host_kind(state, tenant, host)
    if kind == "my":
        my_root = host_root_site(tenant, "my", host.lower())
        if my_root.site_id == site_id:
            return my_root
    site = tenant.sites.by_site_id(site_id)
    return site if site is not None and site.host == host.lower() else None


def organization_resource(tenant: Tenant) -> dict[str, Any]:
    """The tenant as ``GET /organization`` lists it."""
    default = tenant.domains[0] if tenant.domains else tenant.initial_domain
    return {
        "id": tenant.tenant_id,
        "deletedDateTime": None,
        "businessPhones": [],
        "city": None,
        "country": None,
        "countryLetterCode": "US",
        "createdDateTime": iso_z(tenant.created),
        "defaultUsageLocation": None,
        "displayName": tenant.display_name,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": None,
        "onPremisesSyncEnabled": None,
        "postalCode": None,
        "preferredLanguage": "en",
        "state": None,
        "street": None,
        "technicalNotificationMails": [],
        "tenantType": "AAD",
        "assignedPlans": [],
        "provisionedPlans": [],
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": domain == default,
                "isInitial": domain == tenant.initial_domain,
                "name": domain,
                "type": "Managed",
            }
            for domain in tenant.domains
        ],
    }
