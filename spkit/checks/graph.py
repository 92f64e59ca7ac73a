"""Microsoft Graph's rungs (Online): Graph accepts the token, the tenant's SharePoint name, the
application account, and every site collection (``sites``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import AuthorizationError, ServiceError, SpkitError
from ..models.address import parse_sharepoint_address
from ..services.online.graph_client import GraphClient, path_segment
from ..services.online.graph_sites import count_sites, reusing_token
from .context import CheckContext
from .rung import Warn, rung

ROOT_SELECT = {"$select": "webUrl,siteCollection"}


def _fresh_token(context: CheckContext):
    """MSAL's cache answers until the token nears expiry, then renews it."""
    cloud = context.profile.cloud_obj
    return lambda: context.state["auth"].acquire(cloud.graph_url, "Graph token").token


def _client(context: CheckContext) -> GraphClient:
    return GraphClient(context.session, context.profile.cloud_obj.graph_url, _fresh_token(context))


@rung("graph", "Microsoft Graph accepts the token", needs=("claims", "tls:graph"))
def graph(context: CheckContext):
    """One Graph call with the token (the tenant's root site): a 401 is a token Graph refuses, a 403 a
    token it accepts without the roles for sites."""
    try:
        root = _client(context).get("/sites/root", "reading the tenant's root site", params=ROOT_SELECT)
    except AuthorizationError as error:
        if error.code == "GRAPH_TOKEN_REJECTED":
            raise
        context.state["root_refused"] = error
        raise Warn(
            f"Graph accepts the token, but its roles do not read the root site: {error.summary}",
            {"evidence": error.evidence},
            evidence=error.evidence,
        ) from error
    context.state["root_site"] = root
    return (
        f"Graph answered: the tenant's root site is {root.get('webUrl')}",
        {"root_site": root.get("webUrl")},
        root,
    )


@rung("tenant_name", "SharePoint name confirmed", needs=("graph",))
def tenant_name(context: CheckContext):
    """The tenant's root site confirms the SharePoint name guessed from what was typed, or corrects it."""
    address, cloud = context.profile.address, context.profile.cloud_obj
    refused: SpkitError | None = context.state.get("root_refused")
    if refused is not None:
        raise Warn(
            f"cannot confirm the SharePoint name '{address.tenant}': {refused.summary}",
            {"evidence": refused.evidence},
        )
    root = context.state["root_site"]
    host = (
        (root.get("siteCollection") or {}).get("hostname") or urlsplit(root.get("webUrl", "")).hostname or ""
    )
    real = parse_sharepoint_address(f"https://{host}", cloud)
    facts = {"root_site": root.get("webUrl"), "tenant_name": real.tenant}
    if real.tenant != address.tenant:
        context.state["address"] = real
        context.result.facts.update({"sharepoint_url": real.sharepoint_url, "admin_url": real.admin_url})
        raise Warn(
            f"the tenant's SharePoint name is '{real.tenant}', not '{address.tenant}' (guessed from what was "
            f"typed); continuing with {real.sharepoint_url} — correct sharepoint_url in the profile",
            facts,
        )
    return f"'{real.tenant}' confirmed by the tenant's root site {root.get('webUrl')}", facts, real


@rung("account", "Application account", needs=("graph",))
def account(context: CheckContext):
    """The profile's application account is a user of the tenant."""
    upn = context.profile.application_account
    try:
        user = _client(context).get(
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


@rung("sites", "Site collections (Graph)", needs=("graph",))
def sites(context: CheckContext):
    """Every site collection through Graph ``getAllSites``, paged, OneDrive counted apart."""
    address = context.state.get("address", context.profile.address)
    cloud = context.profile.cloud_obj
    if context.state.get("selected_only"):
        raise Warn(
            "the app has Sites.Selected: it cannot list the tenant's sites, only open the sites granted to it "
            "(grant one with 'spkit grant-site')",
            {"site_collections": None},
        )
    counted = count_sites(
        context.session,
        cloud.graph_url,
        reusing_token(lambda: context.state["auth"].acquire(cloud.graph_url, "Graph token")),
        onedrive_host=cloud.onedrive_host(address.tenant),
        sample_size=context.options.get("sample_size", 10),
        page_size=context.options.get("page_size"),
        on_progress=context.options.get("on_sites"),  # a face's counter: sites listed so far
    )
    context.state["sites"] = counted
    facts = {
        "site_collections": counted.regular,
        "onedrive_sites": counted.personal,
        "total": counted.total,
        "pages": counted.pages,
        "retries": counted.retries,
        "sample": [{"title": s.title, "url": s.url} for s in counted.sample],
    }
    context.result.facts.update({"site_collections": counted.regular, "onedrive_sites": counted.personal})
    if counted.total == 0:
        raise Warn("Graph listed no sites at all (is this the right tenant?)", facts)
    detail = (
        f"{counted.regular} site collections and {counted.personal} OneDrive sites ({counted.pages} pages)"
    )
    return detail, facts, counted
