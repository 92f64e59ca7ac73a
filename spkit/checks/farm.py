"""The on-premises farm's rungs: the address, SharePoint answering (``http``), the Windows sign-in
(``ntlm``), the web at the URL and its alternate access mapping (``web``), the site collections through
search (``search``), Central Administration, and the vendor's admin requirements."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..errors import AuthenticationError, AuthorizationError, NetworkError, ServiceError, SpkitError
from ..services.http_errors import call
from ..services.onprem.auth_evidence import offered_schemes
from ..services.onprem.binding_probe import explain_refused
from ..services.onprem.ntlm_session import session_for_onprem
from ..services.onprem.rest import (
    VERSION_HEADER,
    alternate_access_mapping_error,
    farm_version,
    get_json,
    not_central_admin_error,
)
from ..services.onprem.search import iter_site_collections, no_site_collections
from .context import CheckContext
from .rung import Warn, rung

# The vendor's requirements for the admin account (docs/protocols.md#farm-admin-requirements), and whether a
# client can see them.
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
INVISIBLE = ("web_app_policy", "local_admin", "remote_management", "shell_access")


def _met(context: CheckContext) -> dict[str, bool | None]:
    return context.state.setdefault("met", {"domain_user": None})


def _account(context: CheckContext) -> str:
    return context.profile.account.text


@rung("address", "SharePoint Server address")
def address(context: CheckContext):
    """The server URL (and Central Administration's), with the profile's warnings (http://)."""
    profile = context.profile
    detail = f"{profile.server.url}" + (
        f"; Central Administration {profile.central_admin_url}" if profile.central_admin_url else ""
    )
    if profile.warnings:
        raise Warn(detail + "; " + "; ".join(profile.warnings), {"url": profile.server.url})
    return detail, {"url": profile.server.url}, None


def _probe(context: CheckContext, origin: str) -> tuple[dict[str, Any], str]:
    """An anonymous GET of ``origin``'s web (no password sent): what answers, as facts and evidence."""
    url = f"{origin}/_api/web"
    response = call(
        context.session.get,
        url,
        "asking the server",
        headers={"Accept": "application/json"},
        allow_redirects=False,
    )
    offered = offered_schemes(response.headers.get("WWW-Authenticate"))  # repeated headers arrive joined
    facts: dict[str, Any] = {
        "status": response.status_code,
        "version": response.headers.get(VERSION_HEADER),
        "offered": offered,
        "server": response.headers.get("Server", ""),
        "location": response.headers.get("Location"),
    }
    evidence = (
        f"GET {url}: HTTP {response.status_code}; {VERSION_HEADER}: {facts['version'] or '(absent)'}; "
        f"WWW-Authenticate: {', '.join(offered) or '(none)'}; Server: {facts['server'] or '(none)'}"
    )
    if facts["location"]:
        evidence += f"; Location: {facts['location']}"
    return facts, evidence


@rung("http", "SharePoint answers (HTTP)", needs=("tls:farm",))
def http(context: CheckContext):
    """An anonymous request to the web: SharePoint names itself (``MicrosoftSharePointTeamServices``)
    and says which Windows authentication it offers, before any password is sent."""
    facts, evidence = _probe(context, context.profile.server.url)
    version, offered = facts["version"], facts["offered"]
    context.state["offered"] = offered
    if not version:
        raise ServiceError(
            f"{context.profile.server.url} answered, but not as SharePoint (no {VERSION_HEADER} header)",
            code="ONPREM_NOT_SHAREPOINT",
            evidence=evidence,
            fix="check the address and the port (is this the SharePoint web application's URL? a load balancer "
            "or another IIS site may answer there)",
        )
    elsewhere = (urlsplit(facts["location"] or "").hostname or "").lower()
    if elsewhere and elsewhere != urlsplit(context.profile.server.url).hostname:  # a load balancer, an AAM
        raise Warn(f"SharePoint {version} redirects to {facts['location']}", facts, evidence=evidence)
    return f"SharePoint {version} answers; it offers {', '.join(offered) or 'no authentication'}", facts, None


@rung("ntlm", "Sign in to the farm (NTLM)", needs=("http",))
def ntlm(context: CheckContext):
    """The Windows sign-in (NTLMv2 on one keep-alive connection, channel binding over HTTPS)."""
    profile, account = context.profile, _account(context)
    session = context.state["farm_session"] = session_for_onprem(profile)
    try:
        web, response = get_json(session, f"{profile.server.url}/_api/web", "signing in to the farm", account)
    except AuthorizationError as error:  # signed in, refused the web: that is the web rung's to say
        context.state["web_refused"] = error
        _met(context)["domain_user"] = True
        return f"{account} signed in ({profile.auth.upper()}); the web refused access", {}, None
    except AuthenticationError as error:  # a wrong password, or a channel binding TLS offload broke
        explained = explain_refused(profile, f"{profile.server.url}/_api/web", error)
        if explained is error:
            raise
        raise explained from error
    except ServiceError as error:
        if error.code != "ONPREM_NOT_FOUND":
            raise
        # The farm answered 404 only after the handshake: the sign-in worked, the site is not there.
        context.state["web_refused"] = error
        _met(context)["domain_user"] = True
        return f"{account} signed in ({profile.auth.upper()}); no web at {profile.server.url}", {}, None
    version = farm_version(response)
    _met(context)["domain_user"] = True
    context.state["web"], context.state["web_response"] = web, response
    context.result.facts.update({"version": version, "web_title": web.get("Title")})
    return (
        f"{account} signed in ({profile.auth.upper()}); SharePoint {version}",
        {"version": version, "title": web.get("Title")},
        web,
    )


@rung("web", "Connect to the web", needs=("ntlm",))
def web(context: CheckContext):
    """The web at the URL: the URL the farm reports for it must be the one asked (the alternate access
    mapping), and its site collection opens (and whether the account administers it)."""
    refused: SpkitError | None = context.state.get("web_refused")
    if refused is not None:
        raise refused
    profile, account = context.profile, _account(context)
    found = context.state["web"]
    asked, reported = profile.server.url, found.get("Url") or ""
    facts: dict[str, Any] = {"asked": asked, "reported": reported, "title": found.get("Title")}
    mismatch = alternate_access_mapping_error(asked, found, context.state["web_response"])
    if mismatch is not None:  # the farm answers from another zone's public URL
        raise mismatch
    session = context.state["farm_session"]
    get_json(session, f"{asked}/_api/site", f"opening {asked}", account)
    admin = None
    try:
        user, _ = get_json(session, f"{asked}/_api/web/currentuser", "reading the current user", account)
        admin = bool(user.get("IsSiteAdmin"))
    except (ServiceError, AuthorizationError):
        pass
    facts["site_admin"] = admin
    role = {True: "site collection administrator", False: "not its site collection administrator", None: "?"}
    return f"'{found.get('Title')}' at {reported or asked}; {account} is {role[admin]}", facts, found


def _open_sample(context: CheckContext, sample: list) -> dict[str, list[str]]:
    """Open each sampled site collection; note which the account administers."""
    session, account = context.state["farm_session"], _account(context)
    reachable, admin_of, denied = [], [], []
    for site in sample:
        try:
            get_json(session, f"{site.url}/_api/site", f"opening {site.url}", account)
            reachable.append(site.url)
        except AuthorizationError:
            denied.append(site.url)
            continue
        try:
            user, _ = get_json(
                session, f"{site.url}/_api/web/currentuser", "reading the current user", account
            )
            if user.get("IsSiteAdmin"):
                admin_of.append(site.url)
        except (ServiceError, AuthorizationError):
            pass
    return {"reachable": reachable, "denied": denied, "site_admin_of": admin_of}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)


@rung("search", "Site collections (search)", needs=("ntlm",))
def search(context: CheckContext):
    """Every site collection search returns for the account (all pages), and a sample of them opened."""
    total = personal = 0
    sample, elsewhere = [], []
    size = context.options.get("sample_size", 5)
    own = _origin(context.profile.server.url)
    on_sites = context.options.get("on_sites")  # a face's counter: sites listed so far
    for site in iter_site_collections(
        context.state["farm_session"], context.profile.server.url, _account(context)
    ):
        total += 1
        if on_sites is not None and total % 100 == 0:
            on_sites(total)
        personal += site.is_personal
        if site.is_personal or len(sample) >= size:
            continue
        # The Windows sign-in goes only to the host the profile names: a site that search reports on
        # another host (another zone's alternate access mapping) is listed, never opened.
        (sample if _origin(site.url) == own else elsewhere).append(site)
    if on_sites is not None:
        on_sites(total)
    context.result.facts.update({"site_collections": total - personal, "onedrive_sites": personal})
    opened = _open_sample(context, sample)
    facts = {
        "site_collections": total - personal,
        "personal_sites": personal,
        "sample": [{"title": s.title, "url": s.url} for s in sample],
        "not_opened_other_host": [s.url for s in elsewhere[:size]],
        **opened,
    }
    if total == 0:
        empty = no_site_collections(context.profile.server.url, _account(context))
        raise Warn(
            "search returned no site collection (is the search service crawling, and may the account "
            "read any site?)",
            facts,
            evidence=empty.evidence,
            diagnosis=empty.diagnosis,
        )
    reachable, denied, admin_of = opened["reachable"], opened["denied"], opened["site_admin_of"]
    if reachable:
        _met(context)["site_collection_admin"] = len(admin_of) == len(reachable)
    counted = f"{total - personal} site collections and {personal} My Sites (search, security-trimmed)"
    tried = f"opened {len(reachable)} of {len(reachable) + len(denied)} sampled"
    if elsewhere and not sample:
        raise Warn(
            f"{counted}; search reports them on another host ({elsewhere[0].url}): not opened, the sign-in "
            f"goes only to {context.profile.server.url} (check the alternate access mappings)",
            facts,
        )
    if sample and not reachable:
        raise SpkitError(
            f"{counted}; {tried}: the account cannot open any of them",
            code="ONPREM_NO_SITE_ACCESS",
            evidence=", ".join(denied[:3]),
            fix="make the account a site collection administrator, or grant it Full Control "
            "by web application policy",
        )
    if denied:
        raise Warn(f"{counted}; {tried}; denied: {', '.join(denied[:3])}", facts)
    return f"{counted}; {tried}, site collection administrator of {len(admin_of)}", facts, None


@rung("central_admin", "Central Administration", needs=("ntlm", "tls:central_admin"))
def central_admin(context: CheckContext):
    """Central Administration answers, as SharePoint, to a farm administrator."""
    met, profile, account = _met(context), context.profile, _account(context)
    if not profile.central_admin_url:
        met["farm_admin"] = None
        raise Warn("no central_admin_port in the profile: Central Administration was not checked", {})
    url = profile.central_admin_url
    try:
        probed, evidence = _probe(context, url)
        if not probed["version"]:  # another IIS site (the default one) on that port
            met["farm_admin"] = None
            raise ServiceError(
                f"{url} answers, but not as SharePoint: it is not Central Administration",
                code="ONPREM_NOT_SHAREPOINT",
                evidence=evidence,
                fix="set central_admin_port to Central Administration's port (shown in its URL on the server: "
                "Start > SharePoint Central Administration, or Get-SPWebApplication -IncludeCentralAdministration)",
            )
        found, response = get_json(
            context.state["farm_session"], f"{url}/_api/web", "Central Administration", account
        )
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
    wrong = not_central_admin_error(url, found, response)
    if wrong is not None:  # SharePoint answers on that port, with an ordinary site
        met["farm_admin"] = None
        raise wrong
    met["farm_admin"] = True
    return (
        f"{url}: '{found.get('Title')}'; {account} is a farm administrator",
        {"version": farm_version(response)},
        found,
    )


@rung("requirements", "Admin account requirements", needs=("ntlm",))
def requirements(context: CheckContext):
    """Which of the vendor's admin requirements are met, not met, or invisible from outside the server."""
    met = _met(context)
    rows = []
    for key, title in REQUIREMENTS:
        status = {True: "met", False: "not met", None: "not checked"}[met.get(key)]
        if key in INVISIBLE:
            status = NOT_VISIBLE
        rows.append({"requirement": title, "status": status})
    missing = [r["requirement"] for r in rows if r["status"] == "not met"]
    facts = {"requirements": rows}
    summary = "; ".join(f"{r['requirement']}: {r['status']}" for r in rows)
    if missing:
        raise Warn(f"not met: {', '.join(missing)}. {summary}", facts)
    return summary, facts, None
