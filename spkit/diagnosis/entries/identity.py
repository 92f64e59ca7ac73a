"""Identity platform codes (Online): tenant discovery, the app-only token, its claims."""

from __future__ import annotations

from ..entry import maker

E = maker("identity", ladder="online")

APP_PAGE = "Entra admin center > Identity > Applications > App registrations > the app"
SECRETS_PAGE = f"{APP_PAGE} > Certificates & secrets"
PERMISSIONS_PAGE = f"{APP_PAGE} > API permissions"
ENTERPRISE_PAGE = "Entra admin center > Identity > Applications > Enterprise applications"
SIGN_IN_LOGS = (
    "Entra admin center > Identity > Monitoring & health > Sign-in logs > Service principal sign-ins "
    "(filter on the app's client ID) shows the same error with its details"
)

ENTRIES = (
    E(
        "TENANT_NOT_FOUND",
        "Tenant not found in this cloud",
        rung="discovery",
        also=("token",),
        meaning="The identity platform of the profile's cloud knows no tenant with this ID or domain "
        "(AADSTS90002): a wrong tenant_id, a domain that is not verified in any tenant, or a tenant in "
        "another cloud (GCC High, DoD and China tenants do not exist in the global cloud).",
        evidence="The tenant asked for, the discovery URL, and Entra's AADSTS90002 message.",
        fix=[
            "Copy the Directory (tenant) ID from Entra admin center > Identity > Overview (or from the app "
            "registration's Overview page) into tenant_id.",
            "Or give the tenant's initial domain (contoso.onmicrosoft.com) as tenant_id.",
            "If the customer is on GCC High, DoD or 21Vianet, set cloud: usgov-high, usgov-dod or china.",
        ],
        tell="We could not find your Microsoft 365 tenant with the ID we were given. Please send the "
        "Directory (tenant) ID shown in the Entra admin center > Overview, and tell us whether your tenant "
        "is in a government or China cloud.",
    ),
    E(
        "TENANT_INVALID",
        "Tenant identifier is not a GUID or a domain",
        rung="discovery",
        also=("token",),
        meaning="What was given as the tenant is neither a GUID nor a DNS domain name (AADSTS900023).",
        evidence="The tenant value and Entra's AADSTS900023 message.",
        fix=[
            "Set tenant_id to the Directory (tenant) ID GUID (Entra admin center > Identity > Overview) or a "
            "verified domain such as contoso.onmicrosoft.com.",
        ],
        tell="Please send us your tenant's Directory (tenant) ID as shown in the Entra admin center > "
        "Overview (a GUID like 00000000-0000-0000-0000-000000000000).",
    ),
    E(
        "TENANT_WRONG_CLOUD",
        "Tenant lives in another cloud",
        rung="discovery",
        also=("token",),
        meaning="The tenant exists, but in another national cloud than the profile's: its discovery "
        "document names another cloud instance (cloud_instance_name microsoftonline.us), region scope "
        "(tenant_region_scope USGov, sub-scope DODCON or DOD) or token endpoint host, or Entra refused a "
        "confidential client across clouds (AADSTS900382).",
        evidence="cloud_instance_name, tenant_region_scope, tenant_region_sub_scope and the token endpoint "
        "from the discovery document, against the profile's cloud and its authority.",
        fix=[
            "Set cloud: to the tenant's cloud (usgov-high for GCC High, usgov-dod for DoD, china for "
            "21Vianet; GCC moderate is global).",
            "The SharePoint address changes with it (sharepoint.us, sharepoint-mil.us, sharepoint.cn).",
            "Run 'spkit verify' again: the discovery rung shows the document's cloud fields.",
        ],
        tell="Your tenant is in a different Microsoft cloud than the one we configured (for example GCC "
        "High). Please confirm which Microsoft 365 cloud your organisation uses.",
    ),
    E(
        "TENANT_METADATA_INVALID",
        "Discovery document unusable",
        rung="discovery",
        meaning="The sign-in host answered, but its OpenID metadata has no usable token_endpoint: it is not "
        "a Microsoft identity platform (a proxy page, a wrong authority).",
        evidence="The token_endpoint value the document carried.",
        fix=[
            "Check the cloud in the profile (and the sandbox card's authority_host for the sandbox).",
            "Check that no proxy answers for login.microsoftonline.com with its own page.",
        ],
        tell="Microsoft's sign-in service answers strangely from our side, which usually means a proxy in "
        "between; we are checking our network path.",
    ),
    E(
        "TENANT_MISMATCH",
        "SharePoint address belongs to another tenant",
        rung="discovery",
        meaning="tenant_id names one tenant, but the SharePoint address's tenant (its initial domain) is "
        "another: the two values were copied from different tenants.",
        evidence="Both discoveries: <tenant>.onmicrosoft.com → its GUID, and tenant_id → another GUID.",
        fix=[
            "Take tenant_id and client_id from the app registration's Overview page in the tenant that owns "
            "the SharePoint address.",
            "Or correct sharepoint_url to the tenant the app belongs to.",
        ],
        tell="The SharePoint address and the tenant ID we were given belong to two different tenants. "
        "Please confirm the SharePoint address and the Directory (tenant) ID of the same tenant.",
    ),
    E(
        "ADDRESS_TENANT_UNKNOWN",
        "SharePoint address names no tenant",
        rung="discovery",
        meaning="The tenant name in the SharePoint address (https://<tenant>.sharepoint.com) is not a tenant "
        "of this cloud, while tenant_id is.",
        evidence="The tenant name from the address and the discovery error for <tenant>.onmicrosoft.com.",
        fix=[
            "Copy the SharePoint address from the SharePoint admin center (Sites > Active sites) or the "
            "Microsoft 365 admin center.",
            "A custom domain (contoso.com) is not the SharePoint name: use the tenant's own "
            "https://<name>.sharepoint.com address.",
        ],
        tell="Please send us your SharePoint address exactly as it appears in the browser when you open "
        "SharePoint (https://<name>.sharepoint.com).",
    ),
    E(
        "AUTH_INVALID_SECRET",
        "Client secret is wrong",
        rung="token",
        meaning="Entra refused the client secret (AADSTS7000215): it is not a current secret of this app (a "
        "typo, another app's secret, or a secret that was deleted).",
        evidence="Entra's AADSTS7000215 message (never the secret itself).",
        fix=[
            f"Create a new client secret ({SECRETS_PAGE} > Client secrets > New client secret) and copy its "
            "Value right away (it is shown once).",
            "Put it where the profile's client_secret reference points (env:, file:, keyring:), or "
            "'spkit connections edit NAME --client-secret-stdin'.",
            "Better: use a certificate (SharePoint REST refuses secret-based tokens).",
        ],
        tell="The client secret we were given is not accepted by Microsoft Entra. Please create a new "
        "client secret for the app (App registrations > the app > Certificates & secrets) and send us its "
        "Value.",
    ),
    E(
        "AUTH_SECRET_ID_PASTED",
        "Secret ID pasted instead of the secret's Value",
        rung="token",
        meaning="Entra refused the client secret (AADSTS7000215) and the secret sent has the shape of a "
        "GUID: it is the Secret ID column of Certificates & secrets, not the secret's Value.",
        evidence="AADSTS7000215, and that the secret sent has a GUID's shape (8-4-4-4-12 hex digits); the "
        "value itself is never shown.",
        fix=[
            f"Open {SECRETS_PAGE} > Client secrets: the Value column shows the secret only right after it is "
            "created; the Secret ID column is not the secret.",
            "If the Value was not copied, create a new client secret and copy its Value.",
            "Update the reference (or 'spkit connections edit NAME --client-secret-stdin').",
        ],
        tell="The value we were given is the secret's ID, not the secret itself. Please create a new client "
        "secret (App registrations > the app > Certificates & secrets) and send us the Value column, which "
        "is shown only once.",
    ),
    E(
        "AUTH_SECRET_EXPIRED",
        "Client secret expired",
        rung="token",
        meaning="The secret is right, but every matching secret of the app has expired (AADSTS7000222).",
        evidence="Entra's AADSTS7000222 message.",
        fix=[
            f"Create a new client secret ({SECRETS_PAGE}) and update the reference.",
            "Better: register a certificate instead ('spkit certs new', 'spkit certs export').",
        ],
        tell="The app's client secret has expired. Please create a new one (App registrations > the app > "
        "Certificates & secrets), or better, let us register a certificate.",
    ),
    E(
        "AUTH_NO_CREDENTIAL",
        "Request carried no credential",
        rung="token",
        meaning="The token request carried neither a client secret nor a certificate assertion "
        "(AADSTS7000218).",
        evidence="Entra's AADSTS7000218 message.",
        fix=["Give the profile exactly one of client_secret or certificate."],
        tell="Nothing to change on your side: we are fixing our configuration.",
    ),
    E(
        "AUTH_APP_NOT_FOUND",
        "Application not found in the tenant",
        rung="token",
        meaning="No application with this client ID exists in the tenant (AADSTS700016): the client ID is "
        "from another tenant, mistyped, or the app was deleted.",
        evidence="Entra's AADSTS700016 message with the client ID and the tenant.",
        fix=[
            f"Copy client_id (Application (client) ID) and tenant_id from the same {APP_PAGE} > Overview.",
            "If the app was deleted: restore it (App registrations > Deleted applications) or register again "
            "('spkit register').",
        ],
        tell="The application ID we were given does not exist in your tenant. Please send the Application "
        "(client) ID and the Directory (tenant) ID from the app's Overview page in the Entra admin center.",
    ),
    E(
        "AUTH_SP_MISSING",
        "Application has no service principal in the tenant",
        rung="token",
        meaning="The app registration exists, but its service principal (the enterprise application, which "
        "holds its consent and roles in the tenant) is missing or was deleted (AADSTS7000229).",
        evidence="Entra's AADSTS7000229 message naming the app and the tenant.",
        fix=[
            f"Restore it within 30 days: {ENTERPRISE_PAGE} > Deleted applications > the app > Restore.",
            f"Or create it again by granting admin consent: {PERMISSIONS_PAGE} > Grant admin consent for "
            "<tenant> (or 'az ad sp create --id CLIENT_ID', then grant consent).",
            "Run 'spkit verify' again: the claims rung must then show the roles.",
        ],
        tell="Your tenant no longer has the enterprise application for our app (it was deleted). Please "
        "restore it (Entra admin center > Enterprise applications > Deleted applications), or grant admin "
        "consent to the app again, which recreates it.",
    ),
    E(
        "AUTH_APP_DISABLED",
        "Application disabled in the tenant",
        rung="token",
        meaning="The app's enterprise application is disabled for sign-in in the tenant (AADSTS7000112).",
        evidence="Entra's AADSTS7000112 message.",
        fix=[f"{ENTERPRISE_PAGE} > the app > Properties > Enabled for users to sign-in?: Yes > Save."],
        tell="The application is disabled in your tenant. Please enable it: Entra admin center > Enterprise "
        "applications > the app > Properties > 'Enabled for users to sign-in?' = Yes.",
    ),
    E(
        "AUTH_CERT_NOT_REGISTERED",
        "Certificate not registered on the application",
        rung="token",
        meaning="The certificate that signed the client assertion is not one of the app's registered "
        "certificates (AADSTS700027, 'The key was not found').",
        evidence="Entra's AADSTS700027 message with the thumbprint it received, the thumbprint spkit sent "
        "(SHA-1), and, with an admin sign-in ('spkit diagnose PARAMS.yaml --admin UPN' reads the app's "
        "keyCredentials), the thumbprints registered on it with their end dates.",
        fix=[
            "Export the certificate's public part: 'spkit certs export THUMBPRINT --out app.cer'.",
            f"Upload it: {SECRETS_PAGE} > Certificates > Upload certificate.",
            "Or change the profile to the certificate whose thumbprint the app lists there.",
        ],
        tell="The certificate we use is not registered on the application. Please upload the .cer file we "
        "send you to App registrations > the app > Certificates & secrets > Certificates.",
    ),
    E(
        "AUTH_CERT_KEY_EXPIRED",
        "Certificate registered on the application has expired",
        rung="token",
        meaning="The app knows the certificate, but its registered key's end date (keyCredential "
        "endDateTime) has passed (AADSTS700027 with the found key's End in the past).",
        evidence="The thumbprint sent and the registered key's validity (Entra's 'Found key Start=..., "
        "End=...', or the keyCredential's endDateTime read with an admin sign-in).",
        fix=[
            "Create a new certificate: 'spkit certs new --subject spkit-<customer>' and export it "
            "('spkit certs export THUMBPRINT --out app.cer').",
            f"Upload it ({SECRETS_PAGE} > Certificates) and point the profile at the new thumbprint.",
            "For an app spkit registered: 'spkit register PARAMS.yaml --admin UPN --rotate-certificate'.",
        ],
        tell="The certificate registered on our application has expired. Please upload the new certificate "
        "we send you (App registrations > the app > Certificates & secrets > Certificates) and remove the "
        "expired one.",
    ),
    E(
        "AUTH_ASSERTION_SIGNATURE_INVALID",
        "Assertion signature does not verify",
        rung="token",
        meaning="The certificate is registered on the app, but the signature of the client assertion does "
        "not verify with it (AADSTS700027 with a found key): the private key used is not the certificate's.",
        evidence="Entra's AADSTS700027 message (registered key found, signature failed) and the thumbprint "
        "sent.",
        fix=[
            "Use the .pfx or .pem that holds both the certificate and its own private key.",
            "Re-import it into the store ('spkit certs import FILE') and check 'spkit certs list'.",
        ],
        tell="Nothing to change on your side: the key on our side does not match the certificate; we are "
        "fixing it.",
    ),
    E(
        "AUTH_ASSERTION_TIME",
        "Client assertion outside its valid time range (clock skew)",
        rung="token",
        meaning="Entra refused the certificate assertion because its times (iat/exp) are not valid now "
        "(AADSTS700024): almost always this machine's clock is wrong.",
        evidence="Entra's AADSTS700024 message (its current time and the assertion's), this machine's clock "
        "and the Date header of Entra's answer, with the difference in seconds.",
        fix=[
            "Compare the two clocks in the evidence; if this machine is off by more than a couple of minutes, "
            "set it right (Linux: timedatectl set-ntp true; Windows: w32tm /resync).",
            "In a VM or container, fix the host's clock.",
            "Run 'spkit verify' again.",
        ],
        tell="Nothing to change on your side: our machine's clock was wrong; we are correcting it.",
    ),
    E(
        "AUTH_INVALID_SCOPE",
        "Requested scope invalid",
        rung="token",
        meaning="The scope asked for is invalid for client credentials (AADSTS70011 / AADSTS1002012): "
        "client credentials need exactly one '<resource>/.default' scope.",
        evidence="Entra's message with the scope.",
        fix=["Check the cloud and the SharePoint address in the profile (they build the scope)."],
        tell="Nothing to change on your side: we are fixing our request.",
    ),
    E(
        "AUTH_RESOURCE_NOT_FOUND",
        "Resource unknown in the tenant",
        rung="token",
        also=("sharepoint", "admin_center"),
        meaning="The resource of the token (Graph, or this SharePoint host) is unknown in the tenant "
        "(AADSTS500011): the SharePoint address is not this tenant's, or the cloud is wrong.",
        evidence="Entra's AADSTS500011 message naming the resource.",
        fix=[
            "Check that sharepoint_url belongs to the tenant in tenant_id.",
            "Check the cloud (sharepoint.com is global; sharepoint.us is GCC High).",
        ],
        tell="Please confirm the SharePoint address of your tenant (https://<name>.sharepoint.com).",
    ),
    E(
        "AUTH_CONFIG",
        "MSAL refused the configuration",
        rung="token",
        meaning="MSAL could not even build the client: an authority or credential it cannot use.",
        evidence="MSAL's message (ValueError).",
        fix=["Check tenant_id, the cloud and the credential in the profile ('spkit connections show NAME')."],
        tell="Nothing to change on your side: we are fixing our configuration.",
    ),
    E(
        "AUTH_FAILED",
        "Identity platform refused the request",
        rung="token",
        also=("signin",),
        meaning="Entra refused the request with an AADSTS code spkit has no specific diagnosis for.",
        evidence="Entra's error and its first message line (AADSTS code, Trace ID, Correlation ID).",
        fix=[
            "Look the AADSTS code up in Entra's error reference (https://login.microsoftonline.com/error?code=N).",
            SIGN_IN_LOGS + ".",
        ],
        tell="Microsoft Entra refuses our sign-in with the error code shown. Please look it up in the "
        "sign-in logs (Entra admin center > Monitoring & health > Sign-in logs) for the app.",
    ),
    E(
        "CLOUD_NO_GRAPH",
        "Cloud has no Microsoft Graph",
        rung="token",
        also=("input", "wizard"),
        meaning="The profile's cloud has no Microsoft Graph endpoint: Microsoft Cloud Deutschland, retired "
        "on 2021-10-29.",
        evidence="The profile's cloud.",
        fix=[
            "Use cloud: global; a tenant moved from Germany (.de domains) connects through the global cloud "
            "with manual application registration.",
        ],
        tell="Your tenant was moved out of Microsoft Cloud Deutschland, which no longer exists; we connect "
        "through Microsoft's global cloud instead.",
    ),
    E(
        "TOKEN_NO_ROLES",
        "Token carries no application roles (no admin consent)",
        rung="claims",
        meaning="Entra issued an app-only token, but with no 'roles' claim: nobody granted admin consent for "
        "the app's application permissions (or consent was just granted and has not reached tokens yet).",
        evidence="The token's claims: aud, tid, appid, credential type (appidacr), roles (empty); with an "
        "admin sign-in (--admin), the service principal's app role assignments (none).",
        fix=[
            f"{PERMISSIONS_PAGE}: add the Microsoft Graph application permissions (Sites.Read.All or "
            "Sites.FullControl.All) and SharePoint's, then 'Grant admin consent for <tenant>' (a Global "
            "Administrator or Privileged Role Administrator).",
            "If consent was granted minutes ago, wait and run 'spkit verify' again (propagation); 'spkit "
            "diagnose PARAMS.yaml --admin UPN' tells the two apart by reading the app's role assignments.",
            "For an app spkit registers: 'spkit register' grants consent and waits for it.",
        ],
        tell="Our application has not received admin consent in your tenant yet. Please open Entra admin "
        "center > App registrations > the app > API permissions and click 'Grant admin consent for <your "
        "organisation>'.",
    ),
)
