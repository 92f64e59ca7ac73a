"""Input codes: parameters files and profiles, SharePoint and server addresses, accounts, clouds, secret
references, sandbox cards (exit 2, reported before any rung runs)."""

from __future__ import annotations

from ..entry import CatalogEntry, maker

E = maker("input")

NOTHING = "Nothing to change on your side: the mistake is in our configuration, and we are correcting it."
EDIT = "Fix the field in the parameters file, or 'spkit connections edit NAME --set FIELD=VALUE'."
SPO_URL = "https://<tenant>.sharepoint.com (or the tenant name, or <tenant>.onmicrosoft.com)"
ASK_URL = (
    "Please send us your SharePoint address exactly as your browser shows it when you open SharePoint "
    "(https://<name>.sharepoint.com)."
)
ASK_FARM_URL = (
    "Please send us the full URL of the SharePoint web application, e.g. https://sharepoint.fabrikam.com."
)
ASK_ACCOUNT = "Please send us the account as user@domain (its UPN) or DOMAIN\\user."


def _profile(
    code: str, title: str, meaning: str, fix: str, evidence: str = "The file, the field and the problem."
) -> CatalogEntry:
    """An input entry whose fix is one edit and whose customer needs to do nothing."""
    return E(
        code, title, meaning=meaning, evidence=evidence, fix=[fix, "Run the command again."], tell=NOTHING
    )


ENTRIES = (
    # --- SharePoint Online addresses ------------------------------------------------------------
    E(
        "ADDRESS_INVALID",
        "SharePoint address cannot be understood",
        also=("wizard",),
        meaning="What was typed as the SharePoint address is neither a tenant name, a domain nor a "
        "SharePoint URL (spaces, no text).",
        evidence="The address typed and what is wrong with it.",
        fix=[f"Type {SPO_URL}.", EDIT],
        tell=ASK_URL,
    ),
    E(
        "ADDRESS_EMPTY",
        "Address empty",
        also=("wizard",),
        meaning="The SharePoint (or SharePoint Server) address is empty.",
        evidence="The field.",
        fix=[f"Type {SPO_URL}, or the farm's https:// URL."],
        tell=ASK_URL,
    ),
    E(
        "ADDRESS_IP",
        "IP address instead of a name",
        also=("wizard",),
        meaning="SharePoint Online is reached by name; an IP address cannot carry the tenant.",
        evidence="The address typed.",
        fix=[f"Type {SPO_URL}."],
        tell=ASK_URL,
    ),
    E(
        "ADDRESS_NOT_HTTPS",
        "http:// for SharePoint Online",
        also=("wizard",),
        meaning="SharePoint Online is served only over https.",
        evidence="The address typed.",
        fix=["Write the address with https://."],
        tell=NOTHING,
    ),
    E(
        "ADDRESS_PORT",
        "Port in a SharePoint Online address",
        also=("wizard",),
        meaning="SharePoint Online addresses carry no port.",
        evidence="The address typed.",
        fix=["Remove the :port from the address."],
        tell=NOTHING,
    ),
    E(
        "ADDRESS_NOT_SHAREPOINT",
        "Not a SharePoint Online address",
        also=("wizard",),
        meaning="The host is not a SharePoint Online host of the chosen cloud (not <tenant>.sharepoint.com "
        "or one of its -admin / -my hosts).",
        evidence="The host and the cloud's SharePoint suffix.",
        fix=[f"Type {SPO_URL}; check the cloud."],
        tell=ASK_URL,
    ),
    E(
        "ADDRESS_NOT_INITIAL_DOMAIN",
        "Not an initial domain",
        also=("wizard",),
        meaning="A domain ending in onmicrosoft was typed, but it is not a tenant's initial domain "
        "(<name>.onmicrosoft.com).",
        evidence="The domain typed.",
        fix=["Type the tenant's initial domain (Microsoft 365 admin center > Settings > Domains)."],
        tell="Please send us your tenant's initial domain (<name>.onmicrosoft.com), shown in the Microsoft "
        "365 admin center > Settings > Domains.",
    ),
    E(
        "ADDRESS_TENANT_INVALID",
        "Not a tenant name",
        also=("wizard",),
        meaning="The tenant name (the first label of <tenant>.sharepoint.com) has characters a tenant name "
        "cannot have, or spkit cannot guess it from the domain.",
        evidence="The name and what is wrong with it (a hyphen, too long, other characters).",
        fix=[f"Type {SPO_URL} as the Microsoft 365 admin center shows it."],
        tell=ASK_URL,
    ),
    E(
        "ADDRESS_WRONG_CLOUD",
        "Address belongs to another cloud",
        also=("wizard",),
        meaning="The SharePoint host or initial domain belongs to another cloud than the profile's "
        "(sharepoint.us with cloud: global, a sandbox address outside the sandbox).",
        evidence="The host, the cloud it belongs to and the cloud chosen.",
        fix=["Set cloud: to the cloud the address belongs to, or correct the address."],
        tell="Please confirm which Microsoft 365 cloud your organisation uses (global, GCC High, DoD, China).",
    ),
    E(
        "ADDRESS_ADMIN_MISMATCH",
        "Admin center URL of another tenant",
        also=("wizard",),
        meaning="The Admin center URL typed is not the admin center of the SharePoint URL's tenant "
        "(https://<tenant>-admin.sharepoint.com).",
        evidence="Both URLs (the wizard's Admin center URL field).",
        fix=["Let the wizard fill the Admin center URL from the SharePoint URL, or type <tenant>-admin."],
        tell=NOTHING,
    ),
    # --- SharePoint Server addresses -------------------------------------------------------------
    E(
        "ADDRESS_SCHEME_MISSING",
        "Server address has no scheme",
        also=("wizard",),
        meaning="The SharePoint Server URL lacks https:// (or http://).",
        evidence="The address typed.",
        fix=["Write https://HOST (or http:// when the web application has no TLS)."],
        tell=ASK_FARM_URL,
    ),
    E(
        "ADDRESS_SCHEME_INVALID",
        "Server address scheme not http(s)",
        also=("wizard",),
        meaning="The URL's scheme is neither https nor http.",
        evidence="The scheme.",
        fix=["Use https://."],
        tell=ASK_FARM_URL,
    ),
    E(
        "ADDRESS_HOST_MISSING",
        "Server address names no host",
        also=("wizard",),
        meaning="The URL has no host.",
        evidence="The address typed.",
        fix=["Write it like https://sharepoint.fabrikam.com."],
        tell=ASK_FARM_URL,
    ),
    E(
        "ADDRESS_HOST_INVALID",
        "Server host name invalid",
        also=("wizard",),
        meaning="The host name has characters a DNS name cannot have.",
        evidence="The host.",
        fix=["Use letters, digits and hyphens between dots."],
        tell=ASK_FARM_URL,
    ),
    E(
        "ADDRESS_NOT_FQDN",
        "Single-label server name",
        also=("wizard",),
        meaning="The host is a single-label name (http://sharepoint), which breaks Kerberos, certificates "
        "and alternate access mappings.",
        evidence="The host.",
        fix=["Write the fully qualified name, e.g. https://sharepoint.fabrikam.com."],
        tell=ASK_FARM_URL,
    ),
    E(
        "ADDRESS_PORT_INVALID",
        "Port out of range",
        also=("wizard",),
        meaning="A port (of the URL or central_admin_port) is not a number from 1 to 65535.",
        evidence="The port given.",
        fix=["Use the port chosen at deployment (shown in Central Administration's URL)."],
        tell="Please send us Central Administration's URL, with its port.",
    ),
    E(
        "ADDRESS_CREDENTIALS",
        "Credentials in the address",
        also=("wizard",),
        meaning="The URL carries user:password@; credentials belong in admin_upn / admin_password.",
        evidence="That the URL has a user part (never its value).",
        fix=["Remove user:password@ from the URL; give admin_upn and admin_password (a reference)."],
        tell=NOTHING,
    ),
    E(
        "ADDRESS_PORT_MISSING",
        "Central Administration port missing",
        also=("wizard",),
        meaning="The wizard needs the port of the Central Administration web application.",
        evidence="The wizard's Central Administration port field.",
        fix=["Type the port (from Central Administration's URL on the server)."],
        tell="Please send us Central Administration's URL, with its port.",
    ),
    E(
        "ADDRESS_CENTRAL_ADMIN_MISMATCH",
        "Central Administration URL on another host",
        also=("wizard",),
        meaning="Central Administration must be the SharePoint server's own host on its port.",
        evidence="The two URLs.",
        fix=["Type the Central Administration URL on the server's host (or only the port)."],
        tell="Please send us Central Administration's URL as it opens on the SharePoint server.",
    ),
    # --- accounts --------------------------------------------------------------------------------
    E(
        "ACCOUNT_EMPTY",
        "Account empty",
        also=("wizard",),
        meaning="The account (admin_upn) is empty.",
        evidence="The field.",
        fix=["Type user@fabrikam.com or FABRIKAM\\user (or Browse in the wizard)."],
        tell=ASK_ACCOUNT,
    ),
    E(
        "ACCOUNT_FORM_INVALID",
        "Account is neither a UPN nor DOMAIN\\user",
        also=("wizard",),
        meaning="The account is not written as a UPN (user@dns.suffix) or a down-level logon "
        "(DOMAIN\\user), or its user part is not a valid Windows logon name.",
        evidence="The account and what is wrong.",
        fix=["Write it like spadmin@fabrikam.com or FABRIKAM\\spadmin."],
        tell=ASK_ACCOUNT,
    ),
    E(
        "ACCOUNT_DOMAIN_INVALID",
        "Account's domain invalid",
        also=("wizard",),
        meaning="The domain part is not a DNS suffix (after @) or a NetBIOS name (before \\).",
        evidence="The domain part.",
        fix=["Use the domain's DNS name after @, or its short (NetBIOS) name before \\."],
        tell=ASK_ACCOUNT,
    ),
    E(
        "ACCOUNT_TOO_LONG",
        "UPN too long",
        also=("wizard",),
        meaning="A UPN is at most 1024 characters.",
        evidence="The length.",
        fix=["Check the account."],
        tell=ASK_ACCOUNT,
    ),
    # --- clouds ----------------------------------------------------------------------------------
    E(
        "CLOUD_UNKNOWN",
        "Unknown cloud",
        meaning="cloud: names no cloud spkit knows.",
        evidence="The cloud given.",
        fix=["Use global, usgov-high, usgov-dod, china, germany (retired) or sandbox (with a card)."],
        tell="Please confirm which Microsoft 365 cloud your organisation uses.",
    ),
    E(
        "CLOUD_NEEDS_CARD",
        "Sandbox cloud without a card",
        also=("wizard",),
        meaning="cloud: sandbox is described by a sandbox card, and none was given.",
        evidence="The profile or the wizard's sandbox.",
        fix=[
            "Set sandbox: PATH/sandbox.json in the profile, or start the sandbox and open the wizard with its card."
        ],
        tell=NOTHING,
    ),
    E(
        "CLOUD_CARD_INVALID",
        "Sandbox card's cloud unusable",
        meaning="The sandbox card's cloud object is missing or its endpoints are not https origins.",
        evidence="The card and the key.",
        fix=["Restart the sandbox with this spkit ('spkit sandbox start') so it writes a current card."],
        tell=NOTHING,
    ),
    E(
        "CLOUD_NO_TENANT",
        "Authority without a tenant",
        meaning="An authority needs a tenant ID or domain, and none was given.",
        evidence="The empty tenant.",
        fix=["Give tenant_id (or --tenant)."],
        tell="Please send us your Directory (tenant) ID (Entra admin center > Overview).",
    ),
    E(
        "CLOUD_RETIRED",
        "Office 365 Germany was retired",
        also=("wizard", "address"),
        meaning="Microsoft Cloud Deutschland was retired on 2021-10-29; its tenants moved to the global "
        "cloud.",
        evidence="The cloud chosen.",
        fix=["Choose Office 365 global; a moved .de tenant uses manual registration."],
        tell="Office 365 Germany no longer exists; your tenant now lives in Microsoft's global cloud.",
    ),
    E(
        "GERMANY_MOVED_TENANT",
        "Tenant moved from Office 365 Germany",
        also=("wizard",),
        meaning="A tenant moved from Office 365 Germany keeps its .de credentials: automatic registration "
        "may not work there.",
        evidence="The address (a .de domain) with the global cloud.",
        fix=["Use manual registration: register the app in the Entra admin center, then give its details."],
        tell="Please register the application in your Entra admin center (App registrations > New "
        "registration) and send us its client ID and tenant ID; we will send you the certificate to upload.",
    ),
    # --- secret references -----------------------------------------------------------------------
    E(
        "SECRET_REF_INVALID",
        "Secret reference malformed",
        also=("wizard",),
        meaning="A secret field is not a well-formed reference (env:NAME, file:PATH, keyring:SERVICE/KEY, "
        "store:CONNECTION/KEY, sandbox:TENANT/NAME).",
        evidence="The field and the reference form expected (never the text, which may be a secret).",
        fix=["Write the reference in one of the forms, e.g. client_secret: env:SPKIT_CLIENT_SECRET."],
        tell=NOTHING,
    ),
    E(
        "SECRET_INLINE",
        "Inline secret in a profile",
        meaning="A secret field holds what looks like the secret itself; profiles hold references only.",
        evidence="The field (never its value).",
        fix=[
            "Move the secret out of the file: an environment variable (env:NAME), a 0600 file (file:PATH), "
            "the keyring, or 'spkit connections add PARAMS.yaml --client-secret-stdin'.",
            "Rotate the secret if the file was shared.",
        ],
        tell=NOTHING,
    ),
    E(
        "SECRET_UNRESOLVED",
        "Secret reference does not resolve",
        also=("token", "ntlm"),
        meaning="The reference is well formed, but what it points to is missing: an unset environment "
        "variable, a missing file, an unknown keyring entry or store key.",
        evidence="The reference (never the value).",
        fix=[
            "Set the variable, create the file (mode 0600), or store the secret where the reference points."
        ],
        tell=NOTHING,
    ),
    E(
        "SECRET_EMPTY",
        "Secret empty",
        also=("token", "wizard"),
        meaning="The secret the reference points to (or stdin, or the wizard's field) is empty.",
        evidence="The reference or field.",
        fix=["Put the secret's value where the reference points, or pipe it on stdin."],
        tell=NOTHING,
    ),
    E(
        "SECRET_VALUE_IS_REFERENCE",
        "Reference typed where the value belongs",
        also=("store", "wizard"),
        meaning="A secret's value was asked for (to store it encrypted), and a reference was given.",
        evidence="The field.",
        fix=["Paste the value itself; it is kept encrypted in the saved-connections store."],
        tell=NOTHING,
    ),
    # --- profiles --------------------------------------------------------------------------------
    _profile(
        "PROFILE_INVALID",
        "Profile invalid",
        "The profile (parameters file, wizard form or saved connection) cannot be used.",
        EDIT,
    ),
    _profile(
        "PROFILE_NOT_FOUND",
        "Parameters file not found",
        "The parameters file does not exist.",
        "Check the path of PARAMS.yaml.",
    ),
    _profile(
        "PROFILE_FILE_INVALID",
        "Parameters file unreadable",
        "The parameters file cannot be read or is not valid YAML (a directory, not UTF-8, a syntax error).",
        "Fix the file (the error names the line).",
    ),
    _profile(
        "PROFILE_EMPTY",
        "Profile empty",
        "The profile has no fields.",
        "Write name, kind, sharepoint_url and the credential.",
    ),
    _profile(
        "PROFILE_NOT_MAPPING",
        "Profile is not a mapping",
        "The file is YAML but not 'field: value' lines.",
        "Write one 'field: value' per line.",
    ),
    _profile(
        "PROFILE_DUPLICATE_KEY", "Key given twice", "A key appears twice in the file.", "Keep one of the two."
    ),
    _profile(
        "PROFILE_UNKNOWN_KEY",
        "Unknown key",
        "A key is not a field of the profile (the message suggests the closest one).",
        "Rename or remove the key.",
    ),
    _profile(
        "PROFILE_MISSING",
        "Required field missing",
        "A required field is missing or empty "
        "(sharepoint_url, client_id, admin_password, sandbox with cloud: sandbox...).",
        "Add the field.",
    ),
    _profile(
        "PROFILE_WRONG_TYPE",
        "Field of the wrong type",
        "A field has the wrong type (a list where text belongs, certificate: not a mapping).",
        EDIT,
    ),
    _profile(
        "PROFILE_KIND_INVALID",
        "Unknown kind",
        "kind: must be online or onprem.",
        "Use kind: online (SharePoint Online) or kind: onprem (SharePoint Server).",
    ),
    _profile(
        "PROFILE_NAME_INVALID",
        "Profile name invalid",
        "The profile's name has characters it may not have (it names files and saved connections).",
        "Rename it to letters, digits, '-', '_' and '.'.",
    ),
    _profile(
        "PROFILE_GUID_INVALID",
        "Not a GUID",
        "client_id (or another ID) is not a GUID, or is a "
        "well-known Microsoft app ID instead of the app's own.",
        "Copy the Application (client) ID from the app registration's Overview page.",
    ),
    _profile(
        "PROFILE_TENANT_INVALID",
        "tenant_id invalid",
        "tenant_id is neither a GUID nor a domain.",
        "Copy the Directory (tenant) ID, or write a domain like contoso.onmicrosoft.com.",
    ),
    _profile(
        "PROFILE_ACCOUNT_INVALID",
        "Account field invalid",
        "application_account (or admin) is not an e-mail-like UPN.",
        "Write it like admin@contoso.onmicrosoft.com.",
    ),
    _profile(
        "PROFILE_AUTH_INVALID",
        "auth invalid",
        "auth: must be ntlm or negotiate.",
        "Use auth: ntlm (default) or auth: negotiate.",
    ),
    _profile(
        "PROFILE_CREDENTIAL_BOTH",
        "Two credentials",
        "The profile gives both client_secret and certificate (or a thumbprint with a path).",
        "Keep exactly one credential.",
    ),
    _profile(
        "PROFILE_CREDENTIAL_MISSING",
        "No credential",
        "The profile gives neither client_secret nor certificate.",
        "Add certificate: {thumbprint: HEX} (needed for SharePoint REST) or client_secret: env:NAME.",
    ),
    _profile(
        "PROFILE_CERT_EXTENSION",
        "Certificate file extension unknown",
        "certificate.path has an extension spkit cannot load.",
        "Use .pem, .pfx/.p12, or .cer/.crt with key_path.",
    ),
    _profile(
        "PROFILE_FILE_MISSING",
        "File named in the profile missing",
        "A file the profile names "
        "(certificate, key, CA bundle) does not exist; relative paths start at the file's folder.",
        "Check the path.",
    ),
    _profile(
        "PROFILE_SANDBOX_UNEXPECTED",
        "sandbox: without cloud: sandbox",
        "sandbox: is only used with cloud: sandbox.",
        "Set cloud: sandbox, or remove sandbox:.",
    ),
    _profile(
        "INPUT_INVALID",
        "Bad input",
        "spkit was given something it cannot use.",
        "Read the message and fix the argument or file it names.",
    ),
    # --- sandbox cards ---------------------------------------------------------------------------
    _profile(
        "CARD_NOT_FOUND",
        "Sandbox card not found",
        "The sandbox card (sandbox.json) does not exist at the path given.",
        "Check the path: a sandbox writes sandbox.json in its state directory ('spkit sandbox status').",
    ),
    _profile(
        "CARD_INVALID",
        "Sandbox card invalid",
        "The sandbox card cannot be read or is not a card (not JSON, keys missing).",
        "Restart the sandbox ('spkit sandbox start') so it writes a card.",
    ),
    _profile(
        "CARD_VERSION",
        "Sandbox card of another version",
        "The card was written by another spkit version.",
        "Restart the sandbox with this spkit.",
    ),
    _profile(
        "CARD_TENANT_UNKNOWN",
        "Sandbox has no such tenant",
        "The reference names a tenant the sandbox does not serve.",
        "Use one of the card's tenants, or start a scenario that has it.",
    ),
    _profile(
        "CARD_APP_UNKNOWN",
        "Sandbox tenant has no such app",
        "A sandbox: reference names an app the tenant does not have.",
        "Use one of the tenant's app names (the card lists them).",
    ),
    _profile(
        "CARD_USER_UNKNOWN",
        "Sandbox tenant has no such user",
        "A sandbox: reference names a user the tenant does not have.",
        "Use one of the tenant's user principal names.",
    ),
)
