"""Application registration codes (spkit register, grant-site, unregister; automatic registration)."""

from __future__ import annotations

from ..entry import maker

E = maker("registration")

ENTRIES = (
    E(
        "CONSENT_NOT_EFFECTIVE",
        "Admin consent not yet in tokens (propagation)",
        rung="claims",
        ladder_="online",
        also=("registration",),
        meaning="Admin consent was granted (the app's service principal holds its app role assignments), but "
        "the tokens Entra issues do not carry the roles yet: Entra propagates consent with a delay (usually "
        "seconds, sometimes minutes). 'spkit register' reports it when its wait runs out; 'spkit diagnose "
        "--admin UPN' tells it from consent never granted by reading the assignments.",
        evidence="The token's roles (none, or those still missing) next to the app role assignments of the "
        "app's service principal (permission and when it was granted), read with the admin's sign-in.",
        fix=[
            "Wait a few minutes and run 'spkit verify PARAMS.yaml' (no need to register or consent again).",
            "Check the grants: Entra admin center > Identity > Applications > Enterprise applications > the "
            "app > Permissions lists what was consented.",
        ],
        tell="Nothing to change: the permissions were granted and Microsoft takes a few minutes to apply "
        "them; we will check again shortly.",
    ),
    E(
        "REGISTRATION_APP_GONE",
        "The connection's application no longer exists",
        meaning="The saved connection names an app spkit registered, but the tenant no longer has it "
        "(deleted).",
        evidence="The client ID recorded for the connection.",
        fix=[
            "Restore it (App registrations > Deleted applications), or register a fresh app: 'spkit register "
            "--connection NAME --admin UPN --new'.",
        ],
        tell="The application we registered in your tenant was deleted. Please restore it (Entra admin "
        "center > App registrations > Deleted applications), or let us register it again.",
    ),
    E(
        "REGISTRATION_DAYS",
        "Certificate validity out of range",
        meaning="--days must be between 1 and 3650.",
        evidence="The --days value.",
        fix=["Give --days between 1 and 730 (Entra's usual limit for rotation policies is 2 years)."],
        tell="Nothing to change on your side.",
    ),
    E(
        "REGISTRATION_EXISTS",
        "An spkit app exists without its certificate here",
        also=("wizard",),
        meaning="The tenant already has an spkit app of this name, but none of its certificates is in the "
        "local certificate store, so spkit cannot sign in as it.",
        evidence="The app's name and client ID.",
        fix=[
            "Reuse it with a new certificate: 'spkit register ... --rotate-certificate' (the wizard: Reuse it "
            "with a new certificate).",
            "Or create a second app: 'spkit register ... --new' (Create a second application).",
        ],
        tell="Nothing to change on your side: we will reuse our existing application with a new certificate.",
    ),
    E(
        "REGISTRATION_RESOURCE_MISSING",
        "Tenant lacks the resource's service principal",
        meaning="The tenant has no service principal for Microsoft Graph or SharePoint Online, so their "
        "permissions cannot be consented.",
        evidence="The resource's app ID (00000003-0000-0000-c000-000000000000 Graph, "
        "00000003-0000-0ff1-ce00-000000000000 SharePoint).",
        fix=["The tenant must have Microsoft Graph and SharePoint Online enabled (a SharePoint licence)."],
        tell="Your tenant does not have SharePoint Online enabled. Please check your Microsoft 365 "
        "subscription includes SharePoint.",
    ),
    E(
        "UNREGISTER_NOTHING",
        "No spkit app to unregister",
        also=("store", "wizard"),
        meaning="The connection has no app registration made by spkit (its app was registered by an "
        "administrator), so there is nothing spkit may delete.",
        evidence="The connection's registration record.",
        fix=[
            "Remove the connection without --unregister; an app an administrator registered is theirs to delete."
        ],
        tell="Nothing to change on your side.",
    ),
    E(
        "UNREGISTER_NOT_SPKIT",
        "Application was not created by spkit",
        meaning="The application to delete is not tagged as spkit's, so spkit refuses to delete it.",
        evidence="The app's client ID and display name.",
        fix=[
            "Delete it in the Entra admin center (App registrations > the app > Delete), or pass --force if sure."
        ],
        tell="Nothing to change on your side.",
    ),
    E(
        "PRESET_UNKNOWN",
        "Unknown permission preset",
        meaning="--preset names no preset (full, read, selected).",
        evidence="The preset given.",
        fix=["Use --preset full, read or selected."],
        tell="Nothing to change on your side.",
    ),
)
