"""SharePoint Server's rules, without HTTP: who may read which site collection, and what a web, a site,
the current user and Central Administration look like (search is ``search.py``).

Rights (per user, from the scenario): a farm administrator is *not* by that a reader of content (as in
SharePoint: Farm Administrators manage the farm; they open sites only through a policy or as site
collection administrators). A user reads a site collection when it is a site collection administrator of
it, holds a web application policy (Full Read or Full Control), has read on its group, or the site is the
portal root or the My Site host (readable by all authenticated users), or it is the user's own personal
site.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..guids import stable_guid
from ..sp_rest.context_info import context_info as sp_context_info
from ..sp_rest.context_info import digest_date
from ..sp_rest.web_fields import SERVER_SITE_FIELDS
from ..sp_rest.web_fields import site_fields as sp_site_fields
from ..sp_rest.web_fields import web_fields as sp_web_fields
from .exceptions import AccessDenied, FileNotFound
from .state import ALL, Farm, FarmSite, FarmUser

EVERYONE_READS = frozenset({"portal", "mysite"})  # "NT AUTHORITY\authenticated users" has Read there


# --- rights ------------------------------------------------------------------------------------------------


def _in(groups: frozenset[str], site: FarmSite) -> bool:
    return ALL in groups or site.group in groups


def is_site_admin(user: FarmUser, site: FarmSite) -> bool:
    return _in(user.admin_of, site)


def can_read(user: FarmUser, site: FarmSite) -> bool:
    if not user.enabled:
        return False
    return (
        user.web_application_policy in ("full_read", "full_control")
        or is_site_admin(user, site)
        or _in(user.reads, site)
        or site.group in EVERYONE_READS
        or (site.is_personal and site.owner == user.sam_account_name.lower())
    )


def authorize_read(user: FarmUser, site: FarmSite) -> None:
    if not can_read(user, site):
        raise AccessDenied()


def authorize_central_admin(user: FarmUser) -> None:
    """Central Administration answers members of the Farm Administrators group only."""
    if not user.farm_admin:
        raise AccessDenied()


def readable_sites(farm: Farm, user: FarmUser) -> Iterator[FarmSite]:
    return (site for site in farm.sites if can_read(user, site))


def claims_login(farm: Farm, user: FarmUser) -> str:
    """The login name of a Windows user in a claims web application (every web application since 2013)."""
    return f"i:0#.w|{farm.netbios_domain.lower()}\\{user.sam_account_name.lower()}"


def primary_owner(farm: Farm) -> FarmUser | None:
    return next((u for u in farm.users.values() if ALL in u.admin_of), next(iter(farm.users.values()), None))


# --- sites ---------------------------------------------------------------------------------------------


def find_site(farm: Farm, web_path: str) -> FarmSite:
    """The site collection whose root web is at ``web_path``; FileNotFound otherwise (no sub-webs)."""
    site = farm.sites.find("/" + web_path.strip("/"))
    if site is None:
        raise FileNotFound()
    return site


def central_admin_site(farm: Farm) -> FarmSite:
    return FarmSite(
        index=-1,
        path="/",
        title="Central Administration",
        group="centraladmin",
        site_id=stable_guid(farm.farm_id, "central-admin", "site"),
        web_id=stable_guid(farm.farm_id, "central-admin", "web"),
        created=datetime.fromisoformat("2019-02-20T09:00:00+00:00"),
        web_template="CENTRALADMIN",
        configuration=0,
    )


def web_fields(farm: Farm, site: FarmSite, url: str) -> dict[str, Any]:
    """SP.Web as SharePoint Server's ``/_api/web`` returns it: the shared table with the farm's templates."""
    return sp_web_fields(
        site,
        url,
        web_template=site.web_template,
        configuration=site.configuration,
        minimal_download=site.web_template == "STS",
        welcome_page="default.aspx" if site.web_template == "CENTRALADMIN" else "SitePages/Home.aspx",
    )


def site_fields(farm: Farm, site: FarmSite, url: str) -> dict[str, Any]:
    """SP.Site as SharePoint Server's ``/_api/site`` returns it: the shared table with the farm's own fields."""
    return sp_site_fields(
        site,
        url,
        sandboxed_code_activation=1,
        show_url_structure=True,
        own={
            "AllowMasterPageEditing": False,
            "AllowRevertFromTemplate": False,
            "AllowSaveDeclarativeWorkflowAsTemplate": True,
            "AllowSavePublishDeclarativeWorkflow": True,
            "AllowSelfServiceUpgrade": True,
            "AllowSelfServiceUpgradeEvaluation": True,
            "AuditLogTrimmingRetention": 0,
            "CanUpgrade": True,
        },
        order=SERVER_SITE_FIELDS,
    )


def user_id(user: FarmUser) -> int:
    """The user's id in a site's user information list (stable; 1073741823 is the System Account)."""
    return int(user.sid.rsplit("-", 1)[1]) - 1100


def current_user_fields(farm: Farm, user: FarmUser, site: FarmSite) -> dict[str, Any]:
    """SP.User of ``/_api/web/currentuser``; ``IsSiteAdmin`` says site collection administrator."""
    admin = is_site_admin(user, site) or (site.group == "centraladmin" and user.farm_admin)
    return {
        "Id": user_id(user),
        "IsHiddenInUI": False,
        "LoginName": claims_login(farm, user),
        "Title": user.display_name,
        "PrincipalType": 1,
        "Email": user.upn,
        "Expiration": "",
        "IsEmailAuthenticationGuestUser": False,
        "IsShareByEmailGuestUser": False,
        "IsSiteAdmin": admin,
        "UserId": {"NameId": user.sid.lower(), "NameIdIssuer": "urn:office:idp:activedirectory"},
        "UserPrincipalName": user.upn,
    }


def context_info(farm: Farm, url: str) -> dict[str, Any]:
    """SP.ContextWebInformation of ``POST /_api/contextinfo`` (the form digest and the library version)."""
    return sp_context_info(url, farm.build, digest_date(datetime.now().astimezone()))
