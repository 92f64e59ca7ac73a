"""Which application permissions (token ``roles``) each Microsoft Graph call spkit makes accepts.

A 403 from Graph or SharePoint then names the permission that is missing for that call, from the
token's own ``roles`` claim, instead of a generic "access denied". Least privileged first.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SITES_READ = ("Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All")
SITE_SELECTED = "Sites.Selected"

# (method, path pattern under /v1.0) → the roles any one of which lets the call through.
GRAPH_CALLS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("GET", re.compile(r"^/sites/getAllSites$"), SITES_READ),
    ("GET", re.compile(r"^/sites(/|$)"), (SITE_SELECTED, *SITES_READ)),
    ("POST", re.compile(r"^/sites/[^/]+/permissions$"), (SITE_SELECTED, "Sites.FullControl.All")),
    ("GET", re.compile(r"^/users(/|$)"), ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All")),
    ("GET", re.compile(r"^/groups(/|$)"), ("Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All")),
    (
        "GET",
        re.compile(r"^/organization(/|$)"),
        ("Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All"),
    ),
)

# SharePoint REST (the SharePoint resource's own application permissions).
SHAREPOINT_SITE_ROLES = (SITE_SELECTED, *SITES_READ)


def graph_path(url: str) -> str:
    """``https://graph.microsoft.com/v1.0/sites/x?$select=y`` → ``/sites/x``."""
    path = urlsplit(url).path
    return re.sub(r"^/(v1\.0|beta)", "", path) or "/"


def roles_for_graph(method: str, url: str) -> tuple[str, ...]:
    """The roles Graph accepts for this call, or () when spkit does not know the call."""
    path = graph_path(url)
    for verb, pattern, roles in GRAPH_CALLS:
        if verb == method.upper() and pattern.search(path):
            return roles
    return ()


def only_site_selected(roles: list[str] | tuple[str, ...]) -> bool:
    """The token can open only the sites granted to the app: Sites.Selected and no tenant-wide site role."""
    return SITE_SELECTED in roles and not set(SITES_READ) & set(roles)
