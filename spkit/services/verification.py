"""Verify an Online connection, step by step: each step times itself, records evidence and, when it
fails, the diagnosis; a step whose prerequisite failed is skipped with the reason."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..errors import AuthorizationError, CloudError, ServiceError, SpkitError
from ..models.address import parse_sharepoint_address
from ..models.profile import OnlineProfile, Profile
from ..models.results import VerificationResult
from .auth import AccessToken, AppAuthenticator
from .connection import app_credential, session_for_profile
from .discovery import discover_tenant
from .enumeration import count_sites
from .graph_client import GraphClient, path_segment
from .sharepoint_rest import get_web
from .steps import Progress, StepRunner, Warn
from .tokens import summarise_claims

SITE_READ_ROLES = {"Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"}


def verify_online(
    profile: OnlineProfile,
    *,
    progress: Progress | None = None,
    sample_size: int = 10,
    page_size: int | None = None,
) -> VerificationResult:
    """Verify an Online profile for real: address, discovery, token, claims, sites, SharePoint REST."""
    result = VerificationResult(profile_name=profile.name, kind=profile.kind)
    cloud = profile.cloud_obj
    address = profile.address
    result.facts.update(
        {
            "cloud": cloud.name,
            "sharepoint_url": address.sharepoint_url,
            "admin_url": address.admin_url,
            "client_id": profile.client_id,
        }
    )
    runner = StepRunner(result, progress)
    session = session_for_profile(profile)
    state: dict[str, Any] = {}

    def current_address():
        return state.get("address", address)

    def check_address():
        facts = {
            "sharepoint_url": address.sharepoint_url,
            "admin_url": address.admin_url,
            "onedrive_url": address.onedrive_url,
            "tenant_name": address.tenant,
        }
        notes = [w for w in (cloud.warning,) if w]
        if address.needs_confirmation:
            notes.append(f"'{address.tenant}' was guessed from a custom domain; it is confirmed by discovery")
        detail = f"{address.sharepoint_url} (admin center {address.admin_url})"
        if notes:
            raise Warn(detail + "; " + "; ".join(notes), facts)
        return detail, facts, None

    def check_discovery():
        tenant_ref = profile.tenant_id or cloud.initial_domain(address.tenant)
        found = discover_tenant(session, cloud, tenant_ref)
        state["tenant_id"] = found.tenant_id
        result.facts["tenant_id"] = found.tenant_id
        facts = found.facts()
        initial = cloud.initial_domain(address.tenant)
        if tenant_ref.lower() != initial:
            try:
                owner = discover_tenant(session, cloud, initial)
            except SpkitError as error:
                if address.needs_confirmation:
                    raise Warn(
                        f"tenant {found.tenant_id}; the guessed name '{address.tenant}' is not a tenant "
                        f"({error.code}); confirm the SharePoint name after sign-in",
                        facts,
                    ) from error
                raise SpkitError(
                    f"the SharePoint address names tenant '{address.tenant}', which does not exist in "
                    f"{cloud.display_name}",
                    code="ADDRESS_TENANT_UNKNOWN",
                    evidence=error.summary,
                    fix="check the SharePoint address (https://<tenant>.sharepoint...)",
                ) from error
            if owner.tenant_id != found.tenant_id:
                raise SpkitError(
                    f"the SharePoint address belongs to tenant {owner.tenant_id}, but tenant_id names "
                    f"{found.tenant_id}",
                    code="TENANT_MISMATCH",
                    evidence=f"{initial} → {owner.tenant_id}; {tenant_ref} → {found.tenant_id}",
                    fix="use the tenant ID of the tenant that owns the SharePoint address",
                )
        return f"tenant {found.tenant_id} ({tenant_ref})", facts, found

    def check_token():
        if not cloud.graph_url:
            raise CloudError(
                f"{cloud.display_name} has no Microsoft Graph endpoint",
                code="CLOUD_NO_GRAPH",
                fix=cloud.advice,
            )
        credential = app_credential(profile)
        result.facts["credential"] = credential.description
        authenticator = AppAuthenticator(
            cloud=cloud,
            tenant_id=state["tenant_id"],
            client_id=profile.client_id,
            credential=credential,
            session=session,
        )
        state["auth"] = authenticator
        token = authenticator.acquire(cloud.graph_url, "Graph token")
        state["graph_token"] = token
        detail = f"Graph token for {profile.client_id} with a {credential.kind}"
        if credential.warnings:
            raise Warn(detail + "; " + "; ".join(credential.warnings), {"credential": credential.description})
        return detail, {"credential": credential.description}, token

    def check_claims():
        token: AccessToken = state["graph_token"]
        summary = summarise_claims(token.claims)
        result.facts["graph_roles"] = summary["roles"]
        if not summary["roles"]:
            raise SpkitError(
                "the Graph token carries no application roles: nobody granted admin consent",
                code="TOKEN_NO_ROLES",
                evidence=f"claims: {summary}",
                fix="grant admin consent for the app's Microsoft Graph application permissions "
                "(e.g. Sites.Read.All)",
            )
        if not SITE_READ_ROLES & set(summary["roles"]):
            state["selected_only"] = "Sites.Selected" in summary["roles"]
            raise Warn(f"roles {', '.join(summary['roles'])}: none lets the app list all sites", summary)
        return f"roles: {', '.join(summary['roles'])}; credential: {summary['credential']}", summary, None

    def fresh_graph_token() -> str:  # MSAL's cache answers until the token nears expiry, then renews it
        return state["auth"].acquire(cloud.graph_url, "Graph token").token

    def check_tenant_name():
        graph = GraphClient(session, cloud.graph_url, fresh_graph_token)
        try:
            root = graph.get(
                "/sites/root", "reading the tenant's root site", params={"$select": "webUrl,siteCollection"}
            )
        except AuthorizationError as error:
            raise Warn(
                f"cannot confirm the SharePoint name '{address.tenant}': {error.summary}",
                {"evidence": error.evidence},
            ) from error
        host = (
            (root.get("siteCollection") or {}).get("hostname")
            or urlsplit(root.get("webUrl", "")).hostname
            or ""
        )
        real = parse_sharepoint_address(f"https://{host}", cloud)
        facts = {"root_site": root.get("webUrl"), "tenant_name": real.tenant}
        if real.tenant != address.tenant:
            state["address"] = real
            result.facts.update({"sharepoint_url": real.sharepoint_url, "admin_url": real.admin_url})
            raise Warn(
                f"the tenant's SharePoint name is '{real.tenant}', not '{address.tenant}' (guessed from what was "
                f"typed); continuing with {real.sharepoint_url} — correct sharepoint_url in the profile",
                facts,
            )
        return f"'{real.tenant}' confirmed by the tenant's root site {root.get('webUrl')}", facts, real

    def check_account():
        upn = profile.application_account
        graph = GraphClient(session, cloud.graph_url, fresh_graph_token)
        try:
            user = graph.get(
                f"/users/{path_segment(upn)}",
                "looking up the application account",
                params={"$select": "userPrincipalName,displayName,accountEnabled"},
            )
        except AuthorizationError as error:
            raise Warn(
                f"cannot check that {upn} exists: the app may not read users (User.Read.All)",
                {"evidence": error.evidence},
            ) from error
        except ServiceError as error:
            if error.code != "GRAPH_NOT_FOUND":
                raise
            raise SpkitError(
                f"the application account {upn} does not exist in the tenant",
                code="APPLICATION_ACCOUNT_UNKNOWN",
                evidence=error.evidence,
                fix="give the e-mail address (UPN) of any user of this tenant as application_account",
            ) from error
        return f"{user.get('userPrincipalName')} ({user.get('displayName')}) exists in the tenant", {}, user

    def check_sites():
        address = current_address()
        if state.get("selected_only"):
            raise Warn(
                "the app has Sites.Selected: it cannot list the tenant's sites, only open the sites granted to it "
                "(grant one with 'spkit grant-site')",
                {"site_collections": None},
            )
        counted = count_sites(
            session,
            cloud.graph_url,
            fresh_graph_token,
            onedrive_host=cloud.onedrive_host(address.tenant),
            sample_size=sample_size,
            page_size=page_size,
        )
        state["sites"] = counted
        facts = {
            "site_collections": counted.regular,
            "onedrive_sites": counted.personal,
            "total": counted.total,
            "pages": counted.pages,
            "retries": counted.retries,
            "sample": [{"title": s.title, "url": s.url} for s in counted.sample],
        }
        result.facts.update({"site_collections": counted.regular, "onedrive_sites": counted.personal})
        if counted.total == 0:
            raise Warn("Graph listed no sites at all (is this the right tenant?)", facts)
        return (
            (
                f"{counted.regular} site collections and {counted.personal} OneDrive sites "
                f"({counted.pages} pages)"
            ),
            facts,
            counted,
        )

    def check_sharepoint():
        address = current_address()
        counted = state.get("sites")
        site_url = address.site_url or (counted.sample[0].url if counted and counted.sample else None)
        site_url = site_url or address.sharepoint_url
        token = state["auth"].acquire(address.sharepoint_url, "SharePoint token")
        try:
            web = get_web(session, site_url, token.token)
        except AuthorizationError as error:
            if state.get("selected_only") and error.code == "SPO_ACCESS_DENIED":
                error.fix = (
                    f"the app has Sites.Selected: grant it this site with 'spkit grant-site --site {site_url}', "
                    "or name a granted site in sharepoint_url"
                )
            raise
        facts = {
            "site": site_url,
            "title": web.get("Title"),
            "web_id": web.get("Id"),
            "token": summarise_claims(token.claims),
        }
        return f"{site_url}: '{web.get('Title')}'", facts, web

    def check_admin_center():
        address = current_address()
        token = state["auth"].acquire(address.admin_url, "SharePoint admin center token")
        try:
            web = get_web(session, address.admin_url, token.token, what="SharePoint admin center")
        except AuthorizationError as error:
            if error.code != "SPO_ACCESS_DENIED":
                raise
            raise Warn(
                f"{address.admin_url} answered, but these permissions do not open the admin center "
                "(it needs SharePoint Sites.FullControl.All)",
                {"admin_url": address.admin_url, "evidence": error.evidence},
            ) from error
        return f"{address.admin_url}: '{web.get('Title')}'", {"admin_url": address.admin_url}, web

    with session:
        runner.run("address", "SharePoint address", check_address)
        runner.run("discovery", "Tenant discovery", check_discovery)
        runner.run("token", "App-only token (Graph)", check_token, needs=("discovery",))
        runner.run("claims", "Token claims and roles", check_claims, needs=("token",))
        runner.run("tenant_name", "SharePoint name confirmed", check_tenant_name, needs=("claims",))
        runner.run("account", "Application account", check_account, needs=("claims",))
        runner.run("sites", "Site collections (Graph)", check_sites, needs=("claims",))
        runner.run("sharepoint", "Connect to a site (SharePoint REST)", check_sharepoint, needs=("token",))
        runner.run("admin_center", "SharePoint admin center", check_admin_center, needs=("sharepoint",))
    return result


def verify_profile(
    profile: Profile, *, progress: Progress | None = None, **options: Any
) -> VerificationResult:
    """Verify any profile: Online or on-premises, by its kind."""
    if profile.kind == "onprem":
        from .onprem.verification import verify_onprem

        return verify_onprem(profile, progress=progress)  # type: ignore[arg-type]
    return verify_online(profile, progress=progress, **options)  # type: ignore[arg-type]
