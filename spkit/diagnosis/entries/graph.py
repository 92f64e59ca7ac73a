"""Microsoft Graph codes (Online: the graph, tenant_name, account and sites rungs; registration)."""

from __future__ import annotations

from ..entry import maker

E = maker("graph", ladder="online")

PERMISSIONS_PAGE = (
    "Entra admin center > Identity > Applications > App registrations > the app > API permissions"
)
GRAPH_RUNGS = ("tenant_name", "account", "sites")

ENTRIES = (
    E(
        "GRAPH_TOKEN_REJECTED",
        "Graph rejected the token (401)",
        rung="graph",
        also=GRAPH_RUNGS,
        meaning="Microsoft Graph answered 401 to the token: issued for another cloud or tenant, expired, or "
        "not a Graph token.",
        evidence="HTTP 401 and Graph's error code and message (InvalidAuthenticationToken).",
        fix=[
            "Check the profile's cloud (graph.microsoft.com is global; graph.microsoft.us GCC High).",
            "Run 'spkit verify' again (a fresh token); for an admin sign-in, 'spkit signin' again.",
        ],
        tell="Nothing to change on your side yet: Graph refused our token and we are checking our cloud "
        "settings.",
    ),
    E(
        "GRAPH_ACCESS_DENIED",
        "Graph denied access (403)",
        rung="graph",
        also=GRAPH_RUNGS,
        meaning="Graph answered 403: the app's token lacks an application permission this call needs, and "
        "spkit could not tell which from the token's roles.",
        evidence="HTTP 403, Graph's error code (accessDenied) and message, and the token's roles when known.",
        fix=[
            f"{PERMISSIONS_PAGE}: add Microsoft Graph > Application permissions > Sites.Read.All (or "
            "Sites.FullControl.All), then Grant admin consent.",
            "Run 'spkit verify' again; the claims rung lists the roles the token carries.",
        ],
        tell="Our application is missing a Microsoft Graph permission. Please add the application "
        "permission Sites.Read.All (API permissions > Add a permission > Microsoft Graph > Application "
        "permissions) and grant admin consent.",
    ),
    E(
        "GRAPH_ROLE_MISSING",
        "Token's roles do not include the permission this call needs",
        rung="graph",
        also=GRAPH_RUNGS,
        meaning="Graph answered 403, and the token's roles explain it: it carries roles, but none of those "
        "this call accepts (for example User.Read.All only, while listing sites needs Sites.Read.All).",
        evidence="HTTP 403, the call (GET /sites/getAllSites), the roles it accepts and the roles the token "
        "carries.",
        fix=[
            f"{PERMISSIONS_PAGE} > Add a permission > Microsoft Graph > Application permissions: add the "
            "least permission the evidence names, then Grant admin consent for <tenant>.",
            "Wait a minute (consent propagation) and run 'spkit verify' again.",
        ],
        tell="Our application needs one more Microsoft Graph permission for this step (named in the "
        "report). Please add it under App registrations > the app > API permissions > Microsoft Graph > "
        "Application permissions and grant admin consent.",
    ),
    E(
        "GRAPH_SITE_NOT_GRANTED",
        "Sites.Selected app without a grant for this site (Graph)",
        rung="graph",
        also=GRAPH_RUNGS,
        meaning="The app has only Sites.Selected, which opens just the sites granted to it, and this site "
        "has no grant for the app.",
        evidence="HTTP 403, the site call, and the token's roles (Sites.Selected and no Sites.*.All).",
        fix=[
            "Grant the app the site: 'spkit grant-site PARAMS.yaml --site URL --role read --admin UPN' (Graph "
            "POST /sites/{site-id}/permissions, by a SharePoint or Global Administrator).",
            "Or name an already granted site in sharepoint_url.",
        ],
        tell="Our application is limited to selected sites, and this site is not granted to it yet. Please "
        "grant it access to the site (we can do it with your SharePoint administrator's sign-in).",
    ),
    E(
        "GRAPH_INSUFFICIENT_PRIVILEGES",
        "Signed-in account lacks directory privileges",
        rung="graph",
        also=("registration", "signin"),
        meaning="Graph refused a directory operation (creating an app, granting consent, reading "
        "registrations) with Authorization_RequestDenied: the signed-in admin's role is not enough.",
        evidence="HTTP 403 Authorization_RequestDenied 'Insufficient privileges to complete the operation.'",
        fix=[
            "Sign in as a Global Administrator ('spkit signin TARGET --admin UPN').",
            "Or register the app manually and use manual registration.",
        ],
        tell="The administrator account we used cannot create applications or grant consent. Please sign "
        "in with a Global Administrator, or register the application yourselves and send us its details.",
    ),
    E(
        "GRAPH_NOT_FOUND",
        "Not found in the directory (404)",
        rung="graph",
        also=(*GRAPH_RUNGS, "registration"),
        meaning="Graph answered 404: the user, site, application or service principal asked for does not "
        "exist (deleted, or the ID is from another tenant).",
        evidence="HTTP 404 and Graph's error code and message.",
        fix=["Check the IDs in the profile; the object may have been deleted."],
        tell="An object we expected (user, site or application) does not exist in your tenant. Please "
        "confirm the names we were given.",
    ),
    E(
        "GRAPH_THROTTLED",
        "Graph throttled beyond the retry budget",
        rung="sites",
        also=("graph", "tenant_name", "account", "registration"),
        meaning="Graph kept answering 429 (or 503) after every retry spkit allows, each after the "
        "Retry-After it asked for.",
        evidence="The status, how many retries urllib3 made, the last Retry-After, and Graph's code "
        "(activityLimitReached / TooManyRequests).",
        fix=[
            "Run again later or outside business hours (throttling is per app and per tenant).",
            "Other tools using the same app share its budget: pause them.",
        ],
        tell="Microsoft Graph is throttling requests for your tenant right now. Nothing to change; we will "
        "run the check again later.",
    ),
    E(
        "GRAPH_ERROR",
        "Graph answered an error",
        rung="graph",
        also=(*GRAPH_RUNGS, "registration"),
        meaning="Graph answered an HTTP error spkit has no specific diagnosis for (often a transient 5xx).",
        evidence="The HTTP status, Graph's error code and message, and the request-id Microsoft support asks "
        "for.",
        fix=["Read the evidence; retry if the error is transient (500, 502, 504)."],
        tell="Microsoft Graph returned an error; we are retrying and will come back to you if it persists.",
    ),
    E(
        "APPLICATION_ACCOUNT_UNKNOWN",
        "Application account does not exist in the tenant",
        rung="account",
        meaning="The profile's application_account (the dedicated account the service acts as) is not a "
        "user of the tenant.",
        evidence="HTTP 404 from Graph GET /users/{upn}.",
        fix=[
            "Set application_account to the UPN (sign-in e-mail address) of an existing user "
            "(Microsoft 365 admin center > Users > Active users).",
        ],
        tell="The dedicated application account we were given does not exist in your tenant. Please "
        "create it (Microsoft 365 admin center > Users > Active users > Add a user) or send us the right "
        "sign-in address.",
    ),
)
