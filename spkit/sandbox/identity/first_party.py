"""Microsoft's own (first-party) public clients, present in every sandbox tenant as in every Entra tenant,
and the Microsoft Graph delegated permissions the sandbox knows.

A first-party public client is not an app registration of the tenant (it is not in ``Tenant.apps``, so it is
not on the card's app list): it has no credential, it signs users in with the device code flow or ROPC, and
it is pre-consented for the Graph delegated permissions below, the way "Microsoft Graph Command Line Tools"
(the app behind ``Connect-MgGraph``) is once an administrator has used it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Microsoft Graph delegated permissions (scope names) the sandbox accepts, in Graph's own spelling. Scope
# names are case-insensitive on the wire; tokens carry this spelling.
GRAPH_DELEGATED_PERMISSIONS: tuple[str, ...] = (
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Application.Read.All",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Group.Read.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
    "Sites.Manage.All",
    "Sites.FullControl.All",
    "Organization.Read.All",
    "RoleManagement.Read.Directory",
)
_BY_LOWER = {name.lower(): name for name in GRAPH_DELEGATED_PERMISSIONS}

# OpenID Connect scopes every delegated request may carry (MSAL adds the first three to every request).
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})


def graph_permission(name: str) -> str | None:
    """The canonical spelling of a Graph delegated permission, or None if Graph has no such scope here."""
    return _BY_LOWER.get(name.strip().lower())


@dataclass(frozen=True)
class PublicClient:
    """A first-party public client application: a name, a client ID and its pre-consented Graph scopes."""

    name: str
    client_id: str
    consented: frozenset[str]

    def card_entry(self) -> dict[str, str]:
        return {"name": self.name, "client_id": self.client_id}


# [unsure] The client ID is the one Microsoft Graph PowerShell / Graph CLI use and countless scripts quote
# (14d82eec-204b-4c2f-b7e8-296a70dab67e); the sandbox takes it as the well-known ID of the app.
GRAPH_COMMAND_LINE_TOOLS = PublicClient(
    name="Microsoft Graph Command Line Tools",
    client_id="14d82eec-204b-4c2f-b7e8-296a70dab67e",
    consented=frozenset(GRAPH_DELEGATED_PERMISSIONS),
)

PUBLIC_CLIENTS: dict[str, PublicClient] = {c.client_id: c for c in (GRAPH_COMMAND_LINE_TOOLS,)}


def public_client(client_id: str) -> PublicClient | None:
    return PUBLIC_CLIENTS.get(client_id.strip().lower())


def card_entries() -> list[dict[str, str]]:
    """The card's ``public_clients`` list."""
    return [c.card_entry() for c in PUBLIC_CLIENTS.values()]
