"""SharePoint Online's rules, without HTTP: who may read which site, and what a site looks like.

The ``SiteCatalog`` computes sites from their index, so nothing here keeps per-site state; the few
sites outside the catalog (the admin center, the OneDrive host's root) are synthesised the same way.
"""

from __future__ import annotations

from typing import Any

from ..access_tokens import TokenRejected, TokenService
from ..callers import Caller
from ..guids import stable_guid
from ..site_catalog import Site
from ..sp_rest.web_fields import ZERO_GUID
from ..sp_rest.web_fields import site_fields as sp_site_fields
from ..sp_rest.web_fields import web_fields as sp_web_fields
from ..state import SHAREPOINT_APP_ID, SandboxState, Tenant
from .exceptions import AccessDenied, FileNotFound, TokenRefused, diagnostics

# Application roles of the SharePoint resource that read every site (Sites.Selected reads none by itself).
READ_ALL_ROLES = frozenset(
    {"Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"}
)
# Delegated SharePoint scopes that let a user read the sites the user can open.
READ_ALL_SCOPES = frozenset({"AllSites.Read", "AllSites.Write", "AllSites.Manage", "AllSites.FullControl"})
ADMIN_ROLE = "Sites.FullControl.All"
ADMIN_SCOPE = "AllSites.FullControl"
ADMIN_DIRECTORY_ROLES = frozenset(
    {"global administrator", "sharepoint administrator", "company administrator"}
)

# [unsure] Entra issues SharePoint tokens whose ``aud`` is the URL asked for (``https://<host>``). Reports
# (OneDrive/samples#90; AzureAD/azure-activedirectory-library-for-js#589: "SharePoint only supports
# Url-based Resource requests and only validates when the Tenant Url is the Audience") say SharePoint
# refuses the resource GUID as audience, so the sandbox does too. Flip this to accept it.
ACCEPT_RESOURCE_GUID_AUDIENCE = False

BUILD = "16.0.0.26012"  # what MicrosoftSharePointTeamServices reports; SharePoint Online is always 16.0.0.x
# contextinfo's LibraryVersion: the full build of the same release. [unsure] the last two parts.
LIBRARY_VERSION = "16.0.26012.12010"

# Token refusals (TokenRejected.reason -> the error_description SharePoint sends). Verified: "Invalid
# issuer or signature." (SharePoint/sp-dev-docs#5889) and the audience exception (pnp/cli-microsoft365#113).
_TOKEN_MESSAGES = {
    "missing": "Invalid JWT token. The token is empty.",  # [unsure]
    "malformed": "Invalid JWT token. The token is not in a valid format.",  # [unsure]
    "signature": "Invalid issuer or signature.",
    "issuer": "Invalid issuer or signature.",
    "tenant": "Invalid issuer or signature.",
    "expired": "Invalid JWT token. The token is expired.",  # [unsure] as commonly reported
    "not_yet_valid": "Invalid JWT token. The token is not yet valid.",  # [unsure] shaped like the expired one
    "audience": (
        "Exception of type 'Microsoft.IdentityModel.Tokens.AudienceUriValidationFailedException' was thrown."
    ),
}


def audiences(host: str) -> set[str]:
    """Audiences a SharePoint host accepts: its own URL (with or without the trailing slash) only.

    A token for ``<t>.sharepoint`` is refused on ``<t>-admin.`` and ``<t>-my.`` (pnp/cli-microsoft365#113:
    a token for the admin site used on a regular site gives AudienceUriValidationFailedException).
    """
    accepted = {f"https://{host}", f"https://{host}/"}
    if ACCEPT_RESOURCE_GUID_AUDIENCE:
        accepted.add(SHAREPOINT_APP_ID)
    return accepted


def authenticate(tokens: TokenService, token: str | None, host: str, tenant: Tenant) -> Caller:
    """The caller behind a bearer token, or ``TokenRefused`` exactly as SharePoint's auth module words it."""
    try:
        claims = tokens.validate(token, audiences=audiences(host))
    except TokenRejected as exc:
        reason = _TOKEN_MESSAGES.get(exc.reason, "Invalid issuer or signature.")
        detail = f"Invalid audience Uri '{_audience_of(token)}'." if exc.reason == "audience" else reason
        raise TokenRefused(reason, diagnostics(3000003, detail)) from exc
    if claims.get("tid") != tenant.tenant_id:
        raise TokenRefused(_TOKEN_MESSAGES["tenant"], diagnostics(3000003, _TOKEN_MESSAGES["tenant"]))
    scopes = frozenset(str(claims.get("scp") or "").split())
    if not scopes and str(claims.get("appidacr")) == "1":
        # sp-dev-docs security-apponly-azuread FAQ: app-only access to SharePoint needs a certificate.
        raise TokenRefused(
            "Unsupported app only token.",
            diagnostics(3001000, "There has been an error authenticating the request."),
        )
    return Caller.from_claims(tenant, claims)


def _audience_of(token: str | None) -> str:
    import jwt

    try:
        return str(jwt.decode(token or "", options={"verify_signature": False}).get("aud", ""))
    except jwt.PyJWTError:
        return ""


# Sites.Selected roles, weakest first ("owner" is Graph's older name for full control).
_SELECTED_STRENGTH = {"read": 1, "write": 2, "manage": 3, "fullcontrol": 4, "owner": 4}


def selected_site_access(tenant: Tenant, client_id: str, site: Site) -> str | None:
    """The strongest role ("read", "write", "manage", "fullcontrol", "owner") a Sites.Selected app was
    granted on one site collection, or None.

    Grants are made through Graph ``POST /sites/{id}/permissions`` and stored on the tenant by site
    collection id; without one a Sites.Selected app opens no site, as Microsoft answers before any grant.
    """
    grant = tenant.site_grants.get(site.site_id, {}).get(client_id.strip().lower())
    if grant is None or not grant.roles:
        return None
    return max(grant.roles, key=lambda role: _SELECTED_STRENGTH.get(role, 0))


def authorize_read(caller: Caller, site: Site) -> None:
    """May the caller read this site? Raises ``AccessDenied`` as SharePoint answers otherwise."""
    if caller.delegated:
        if caller.scopes & READ_ALL_SCOPES:
            return
        if "Sites.Selected" in caller.scopes and selected_site_access(caller.tenant, caller.client_id, site):
            return
        raise AccessDenied()
    if caller.roles & READ_ALL_ROLES:
        return
    if "Sites.Selected" in caller.roles and selected_site_access(caller.tenant, caller.client_id, site):
        return
    if not caller.roles:
        # [unsure] an app-only token with no SharePoint role at all is answered 401, not 403 (reports of
        # "401 Unauthorized" with the UnauthorizedAccessException body until admin consent is granted).
        raise AccessDenied(status=401)
    raise AccessDenied()


def authorize_admin(caller: Caller) -> None:
    """The admin center answers apps with SharePoint Sites.FullControl.All, and SharePoint admins."""
    if caller.delegated:
        user = caller.tenant.user(caller.upn or "")
        roles = {r.lower() for r in (user.roles if user else [])}
        if ADMIN_SCOPE in caller.scopes and roles & ADMIN_DIRECTORY_ROLES:
            return
        raise AccessDenied()
    if ADMIN_ROLE in caller.roles:
        return
    raise AccessDenied(status=401 if not caller.roles else None)


# --- sites -----------------------------------------------------------------------------------------------


def host_root_site(tenant: Tenant, kind: str, host: str) -> Site:
    """The site at the root of the admin (``-admin``) or OneDrive (``-my``) host, which the catalog omits."""
    title = "SharePoint admin center" if kind == "admin" else ""  # [unsure] titles of these hosts' root webs
    return Site(
        index=-1,
        host=host,
        path="/",
        title=title,
        site_id=stable_guid(tenant.tenant_id, kind, "site"),
        web_id=stable_guid(tenant.tenant_id, kind, "web"),
        created=tenant.created,
        is_personal=False,
    )


def find_site(state: SandboxState, tenant: Tenant, kind: str, host: str, web_path: str) -> Site:
    """The site collection whose root web is at ``web_path``; FileNotFound for any other path.

    Sub-webs do not exist in the sandbox, so a path deeper than a site collection's root is not found.
    """
    web_path = "/" + web_path.strip("/")
    if kind in ("admin", "my") and web_path == "/":
        return host_root_site(tenant, kind, host)
    site = tenant.sites.find(host, web_path) if kind != "admin" else None
    if site is None or site.path.lower() != web_path.lower():
        raise FileNotFound()
    return site


def web_template(site: Site, kind: str = "root") -> tuple[str, int]:
    """(WebTemplate, Configuration): communication, team, personal and the special hosts' templates."""
    if kind == "admin":
        return "TENANTADMIN", 0
    if site.is_personal:
        return "SPSPERS", 10
    if site.index == -1:
        return "SPSMSITEHOST", 0
    if site.index == 0 or site.index % 3 == 0:
        return "SITEPAGEPUBLISHING", 0
    return "STS", 3


def web_fields(site: Site, kind: str = "root") -> dict[str, Any]:
    """SP.Web as SharePoint Online's ``/_api/web`` returns it: the shared table with Online's templates."""
    template, configuration = web_template(site, kind)
    return sp_web_fields(
        site,
        site.url,
        web_template=template,
        configuration=configuration,
        minimal_download=False,
        welcome_page="SitePages/Home.aspx",
        own={"ClassicWelcomePage": None},
    )


def site_fields(site: Site) -> dict[str, Any]:
    """SP.Site as SharePoint Online's ``/_api/site`` returns it: the shared table with Online's own fields."""
    return sp_site_fields(
        site,
        site.url,
        sandboxed_code_activation=2,
        show_url_structure=False,
        own={
            "DisableAppViews": False,
            "DisableCompanyWideSharingLinks": False,
            "DisableFlows": False,
            "GeoLocation": "NAM",
            "GroupId": ZERO_GUID,
            "HubSiteId": ZERO_GUID,
            "IsHubSite": False,
            "NeedsB2BUpgrade": False,
            "ShareByEmailEnabled": False,
        },
    )
