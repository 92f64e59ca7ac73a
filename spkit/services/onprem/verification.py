"""Verify an on-premises connection: authenticate, web, site collections through search (all pages),
a sample of them, Central Administration, and which of the vendor's admin requirements are met."""

from __future__ import annotations

from typing import Any

from ...errors import AuthorizationError, NetworkError, ServiceError, SpkitError
from ...models.onprem_profile import OnpremProfile
from ...models.results import VerificationResult
from ..steps import Progress, StepRunner, Warn
from .rest import farm_version, get_json
from .search import iter_site_collections
from .session import session_for_onprem

# The vendor's requirements for the admin account (PROTOCOLS.md), and whether a client can see them.
REQUIREMENTS = (
    ("domain_user", "Domain user account"),
    ("farm_admin", "Member of Farm Administrators"),
    ("site_collection_admin", "Site collection administrator"),
    ("web_app_policy", "Full Control by web application policy"),
    ("local_admin", "Local Administrators on the SharePoint server"),
    ("remote_management", "Remote Management Users"),
    ("shell_access", "SharePoint_Shell_Access (configuration database)"),
)
NOT_VISIBLE = "cannot be checked from outside the server"


def verify_onprem(
    profile: OnpremProfile, *, progress: Progress | None = None, sample_size: int = 5
) -> VerificationResult:
    result = VerificationResult(profile_name=profile.name, kind=profile.kind)
    result.facts.update(
        {
            "sharepoint_url": profile.server.url,
            "account": profile.account.text,
            "central_admin_url": profile.central_admin_url,
        }
    )
    runner = StepRunner(result, progress)
    account = profile.account.text
    state: dict[str, Any] = {"met": {"domain_user": None}}
    met: dict[str, bool | None] = state["met"]

    def check_address():
        detail = f"{profile.server.url}" + (
            f"; Central Administration {profile.central_admin_url}" if profile.central_admin_url else ""
        )
        if profile.warnings:
            raise Warn(detail + "; " + "; ".join(profile.warnings), {"url": profile.server.url})
        return detail, {"url": profile.server.url}, None

    def check_authenticate():
        session = state["session"] = session_for_onprem(profile)
        web, response = get_json(session, f"{profile.server.url}/_api/web", "signing in to the farm", account)
        version = farm_version(response)
        met["domain_user"] = True
        result.facts.update({"version": version, "web_title": web.get("Title")})
        return (
            f"{account} signed in (NTLM); '{web.get('Title')}', SharePoint {version}",
            {"version": version, "title": web.get("Title")},
            web,
        )

    def check_sites():
        total = personal = 0
        sample = []
        for site in iter_site_collections(state["session"], profile.server.url, account):
            total += 1
            personal += site.is_personal
            if len(sample) < sample_size and not site.is_personal:
                sample.append(site)
        state["sample"] = sample
        result.facts.update({"site_collections": total - personal, "onedrive_sites": personal})
        facts = {
            "site_collections": total - personal,
            "personal_sites": personal,
            "sample": [{"title": s.title, "url": s.url} for s in sample],
        }
        if total == 0:
            raise Warn(
                "search returned no site collection (is the search service crawling, and may the account "
                "read any site?)",
                facts,
            )
        return (
            f"{total - personal} site collections and {personal} My Sites (search, security-trimmed)",
            facts,
            None,
        )

    def check_connect():
        reachable, admin_of, denied = [], [], []
        for site in state.get("sample", []):
            try:
                get_json(state["session"], f"{site.url}/_api/site", f"opening {site.url}", account)
                reachable.append(site.url)
            except AuthorizationError:
                denied.append(site.url)
                continue
            try:
                user, _ = get_json(
                    state["session"], f"{site.url}/_api/web/currentuser", "reading the current user", account
                )
                if user.get("IsSiteAdmin"):
                    admin_of.append(site.url)
            except (ServiceError, AuthorizationError):
                pass
        if reachable:
            met["site_collection_admin"] = len(admin_of) == len(reachable) if reachable else None
        facts = {"reachable": reachable, "denied": denied, "site_admin_of": admin_of}
        detail = f"opened {len(reachable)} of {len(reachable) + len(denied)} sampled site collections"
        if not reachable:
            raise SpkitError(
                f"{detail}: the account cannot open any of them",
                code="ONPREM_NO_SITE_ACCESS",
                evidence=", ".join(denied[:3]),
                fix="make the account a site collection administrator, or grant it Full Control "
                "by web application policy",
            )
        if denied:
            raise Warn(f"{detail}; denied: {', '.join(denied[:3])}", facts)
        return detail + f"; site collection administrator of {len(admin_of)}", facts, None

    def check_central_admin():
        if not profile.central_admin_url:
            met["farm_admin"] = None
            raise Warn("no central_admin_port in the profile: Central Administration was not checked", {})
        url = profile.central_admin_url
        try:
            web, response = get_json(state["session"], f"{url}/_api/web", "Central Administration", account)
        except AuthorizationError as error:
            met["farm_admin"] = False
            raise SpkitError(
                f"Central Administration answered, but {account} is not a farm administrator",
                code="ONPREM_NOT_FARM_ADMIN",
                evidence=error.evidence,
                fix="add the account to the Farm Administrators group (Central Administration > Security > "
                "Manage the farm administrators group)",
            ) from error
        except NetworkError as error:
            raise SpkitError(
                f"Central Administration is not reachable at {url}",
                code="ONPREM_CA_UNREACHABLE",
                evidence=error.evidence,
                fix="check the Central Administration port (chosen at deployment; see its URL on the server) "
                "and the firewall",
            ) from error
        met["farm_admin"] = True
        return (
            f"{url}: '{web.get('Title')}'; {account} is a farm administrator",
            {"version": farm_version(response)},
            web,
        )

    def check_requirements():
        rows = []
        for key, title in REQUIREMENTS:
            value = met.get(key)
            status = {True: "met", False: "not met", None: "not checked"}[value]
            if key in ("web_app_policy", "local_admin", "remote_management", "shell_access"):
                status = NOT_VISIBLE
            rows.append({"requirement": title, "status": status})
        missing = [r["requirement"] for r in rows if r["status"] == "not met"]
        facts = {"requirements": rows}
        summary = "; ".join(f"{r['requirement']}: {r['status']}" for r in rows)
        if missing:
            raise Warn(f"not met: {', '.join(missing)}. {summary}", facts)
        return summary, facts, None

    try:
        runner.run("address", "SharePoint Server address", check_address)
        runner.run("authenticate", "Sign in to the farm (NTLM)", check_authenticate)
        runner.run("sites", "Site collections (search)", check_sites, needs=("authenticate",))
        runner.run("connect", "Connect to site collections", check_connect, needs=("sites",))
        runner.run("central_admin", "Central Administration", check_central_admin, needs=("authenticate",))
        runner.run("requirements", "Admin account requirements", check_requirements, needs=("authenticate",))
    finally:
        if "session" in state:
            state["session"].close()
    return result
