"""SharePoint Online REST codes (the sharepoint and admin_center rungs)."""

from __future__ import annotations

from ..entry import maker

E = maker("sharepoint", ladder="online")

APP_PAGE = "Entra admin center > Identity > Applications > App registrations > the app"

ENTRIES = (
    E(
        "SPO_SECRET_TOKEN_REFUSED",
        "SharePoint refuses a token obtained with a client secret",
        rung="sharepoint",
        also=("admin_center",),
        meaning="SharePoint Online REST and CSOM accept app-only tokens only when the app signed in with a "
        "certificate; a token from a client secret is refused with 401 'Unsupported app only token.' (Graph "
        "accepts it).",
        evidence="HTTP 401 and the token's own claims: appidacr 1 (client secret), app-only (roles, no scp).",
        fix=[
            "Create a certificate: 'spkit certs new --subject spkit-<customer>'.",
            "Export its public part ('spkit certs export THUMBPRINT --out app.cer') and upload it: "
            f"{APP_PAGE} > Certificates & secrets > Certificates > Upload certificate.",
            "Replace client_secret: with certificate: {thumbprint: THUMBPRINT} in the profile.",
        ],
        tell="SharePoint accepts our application only with a certificate, not a client secret. Please "
        "upload the certificate file we send you to App registrations > the app > Certificates & secrets > "
        "Certificates.",
    ),
    E(
        "SPO_TOKEN_REJECTED",
        "SharePoint rejected the token (401)",
        rung="sharepoint",
        also=("admin_center",),
        meaning="SharePoint answered 401 to a certificate-based token: its audience is not this SharePoint "
        "host, or it comes from another tenant or cloud.",
        evidence="HTTP 401, SharePoint's error text and the token's claims (credential type, roles).",
        fix=[
            "Check that sharepoint_url is the tenant's SharePoint host (https://<tenant>.sharepoint.com).",
            "Check the cloud and tenant_id.",
        ],
        tell="SharePoint refuses our token; please confirm your SharePoint address "
        "(https://<name>.sharepoint.com).",
    ),
    E(
        "SPO_ACCESS_DENIED",
        "SharePoint denied access (403)",
        rung="sharepoint",
        also=("admin_center",),
        meaning="SharePoint answered 403: the token is accepted, but the app's SharePoint application "
        "permissions do not open this site (or the admin center, which needs Sites.FullControl.All).",
        evidence="HTTP 403, SharePoint's error (System.UnauthorizedAccessException, Access denied) and the "
        "token's roles.",
        fix=[
            f"{APP_PAGE} > API permissions > Add a permission > SharePoint > Application permissions > "
            "Sites.FullControl.All (or Sites.Read.All), then Grant admin consent.",
            "Run 'spkit verify' again.",
        ],
        tell="Our application is missing a SharePoint permission. Please add SharePoint > Application "
        "permissions > Sites.FullControl.All (or Sites.Read.All) under App registrations > the app > API "
        "permissions and grant admin consent.",
    ),
    E(
        "SPO_SITE_NOT_GRANTED",
        "Sites.Selected app without a grant for this site (SharePoint)",
        rung="sharepoint",
        meaning="The app's SharePoint token carries only Sites.Selected, and this site is not granted to "
        "the app, so SharePoint answers 403.",
        evidence="HTTP 403 for the site, and the token's roles: Sites.Selected and no Sites.*.All.",
        fix=[
            "Grant the site: 'spkit grant-site PARAMS.yaml --site URL --role read --admin UPN' (a SharePoint "
            "or Global Administrator signs in).",
            "Or point sharepoint_url at a site that is already granted.",
        ],
        tell="Our application may open only the sites you grant it, and this site is not granted yet. "
        "Please grant it (we can do it with your SharePoint administrator's sign-in).",
    ),
    E(
        "SPO_SITE_NOT_FOUND",
        "No site at this address (404)",
        rung="sharepoint",
        also=("admin_center",),
        meaning="SharePoint answered 404 for the site: the site URL is wrong, or the site was deleted.",
        evidence="HTTP 404 and SharePoint's error text.",
        fix=[
            "Check the site address (SharePoint admin center > Sites > Active sites lists every site's URL).",
        ],
        tell="The SharePoint site we were given does not exist. Please send us its address as shown in "
        "the SharePoint admin center > Sites > Active sites.",
    ),
    E(
        "SPO_THROTTLED",
        "SharePoint throttled beyond the retry budget",
        rung="sharepoint",
        also=("admin_center",),
        meaning="SharePoint kept answering 429 (or 503) after every retry spkit allows, each after its "
        "Retry-After.",
        evidence="The status, how many retries were made and the last Retry-After.",
        fix=["Run again later or outside business hours; pause other tools that use the same app."],
        tell="SharePoint is throttling requests for your tenant right now. Nothing to change; we will run "
        "the check again later.",
    ),
    E(
        "SPO_ERROR",
        "SharePoint answered an error",
        rung="sharepoint",
        also=("admin_center",),
        meaning="SharePoint answered an HTTP error spkit has no specific diagnosis for.",
        evidence="The HTTP status, SharePoint's error code and message, and the SPRequestGuid Microsoft support "
        "asks for.",
        fix=["Read the evidence; retry if it is transient (5xx)."],
        tell="SharePoint returned an error; we are retrying and will come back to you if it persists.",
    ),
)
