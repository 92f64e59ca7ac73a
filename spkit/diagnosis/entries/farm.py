"""SharePoint Server (on-premises) codes: SharePoint answering, the Windows sign-in, the web and its
alternate access mapping, search, Central Administration."""

from __future__ import annotations

from ..entry import maker

E = maker("farm", ladder="onprem")

CA = "Central Administration"
WEB_APPS = f"{CA} > Application Management > Manage web applications > the web application"
AUTH_PROVIDERS = f"{WEB_APPS} > Authentication Providers > Default > Integrated Windows authentication"
IIS_WINDOWS_AUTH = "IIS Manager > Sites > the SharePoint site > Authentication > Windows Authentication"

ENTRIES = (
    E(
        "ONPREM_NOT_SHAREPOINT",
        "The address answers, but not as SharePoint",
        rung="http",
        also=("ntlm", "web", "central_admin"),
        meaning="The URL answers HTTP, but without the MicrosoftSharePointTeamServices header every "
        "SharePoint response carries: another IIS site, a load balancer's page, or the wrong port.",
        evidence="The status, the Server header, and the missing MicrosoftSharePointTeamServices header.",
        fix=[
            "Check the URL and port: the web application's public URL (Central Administration > System "
            "Settings > Configure alternate access mappings lists them).",
            "Check that the load balancer forwards to the SharePoint servers.",
        ],
        tell="The address we were given does not answer as SharePoint. Please send us the SharePoint web "
        "application's URL as listed in Central Administration > Configure alternate access mappings.",
    ),
    E(
        "ONPREM_AUTH_UNSUPPORTED",
        "Farm offers no Windows authentication",
        rung="ntlm",
        also=("http",),
        meaning="The farm offers neither NTLM nor Negotiate: its 401 names other schemes (a Bearer scheme), "
        "or its zone signs in with forms (claims) only and answers 403 naming its login page.",
        evidence="HTTP 401 and the schemes of its WWW-Authenticate header; for a forms sign-in, HTTP 403 "
        "without WWW-Authenticate and the login page in X-Forms_Based_Auth_Required.",
        fix=[f"Ask for Windows authentication on the web application: {AUTH_PROVIDERS} (NTLM)."],
        tell="Your web application does not offer Windows (NTLM) authentication, which we need. Please "
        "enable Integrated Windows authentication for its zone in Central Administration.",
    ),
    E(
        "ONPREM_BASIC_ONLY",
        "Farm offers only Basic authentication",
        rung="ntlm",
        also=("http",),
        meaning="The farm's only scheme is Basic (WWW-Authenticate: Basic realm=...): NTLM is not enabled, "
        "and spkit does not send passwords with Basic.",
        evidence="HTTP 401, WWW-Authenticate: Basic (no NTLM, no Negotiate).",
        fix=[
            f"Ask for NTLM on the web application: {AUTH_PROVIDERS}: NTLM; or {IIS_WINDOWS_AUTH}: Enabled, "
            "Providers: NTLM.",
        ],
        tell="Your web application accepts only Basic authentication. Please enable Integrated Windows "
        "authentication (NTLM) for its zone (Central Administration > Manage web applications > "
        "Authentication Providers).",
    ),
    E(
        "ONPREM_KERBEROS_ONLY",
        "Farm takes Kerberos only (Negotiate without NTLM)",
        rung="ntlm",
        also=("http",),
        meaning="The farm offers only Negotiate and answers an NTLM token inside it with no challenge: its "
        "Windows authentication is Kerberos-only, so an NTLM sign-in cannot work.",
        evidence="The WWW-Authenticate schemes (Negotiate only) and the answer to the NTLM negotiate "
        "message (401 without a challenge).",
        fix=[
            f"Ask for NTLM on the web application: {AUTH_PROVIDERS}: Negotiate (Kerberos) with NTLM "
            f"fallback, or {IIS_WINDOWS_AUTH} > Providers: add NTLM.",
            "Or use Kerberos: 'auth: negotiate' in the profile, on a machine with a ticket for the realm "
            "(kinit) and the HTTP/<host> SPN registered.",
        ],
        tell="Your web application accepts Kerberos only. Please allow NTLM as well for its zone (Central "
        "Administration > Manage web applications > Authentication Providers), or tell us how to obtain a "
        "Kerberos ticket for your domain.",
    ),
    E(
        "ONPREM_NTLM_REFUSED",
        "Farm refuses the NTLM handshake",
        rung="ntlm",
        meaning="The farm offers NTLM (or Negotiate), but answers the NTLM negotiate message without a "
        "challenge: NTLM is blocked on the server (a policy restricting NTLM) or a proxy strips it.",
        evidence="The WWW-Authenticate schemes and the answer to the negotiate message.",
        fix=[
            "Ask whether a policy restricts NTLM on the server (Network security: Restrict NTLM: Incoming "
            "NTLM traffic).",
            "Check that no reverse proxy between strips the Authorization header.",
        ],
        tell="Your server refuses NTLM sign-ins. Please check the 'Restrict NTLM' security policy on the "
        "SharePoint servers and any reverse proxy in front of them.",
    ),
    E(
        "ONPREM_AUTH_FAILED",
        "Farm refused the account's credentials",
        rung="ntlm",
        also=("web", "search", "central_admin"),
        meaning="The NTLM handshake completed (the farm sent a challenge and received the authenticate "
        "message), and the farm answered 401 again: the password is wrong, the account is disabled, locked "
        "or expired, or the server requires what the client did not send.",
        evidence="HTTP 401 after the NTLM authenticate message, whether it carried a channel binding, and "
        "the schemes offered.",
        fix=[
            "Check the password the reference points to (admin_password), and the account in Active "
            "Directory (enabled, not locked out, password not expired).",
            "Try the account in a browser on the farm's URL.",
            "Over http://, Extended Protection cannot be satisfied: use https://.",
        ],
        tell="Your server refuses the account we were given. Please check that its password is right and "
        "that the account is enabled and not locked out in Active Directory.",
    ),
    E(
        "ONPREM_EPA_REQUIRED",
        "Extended Protection requires a channel binding",
        rung="ntlm",
        meaning="Over https, the NTLM handshake completed but the authenticate message carried no channel "
        "binding token, and the farm refused it: IIS Extended Protection is Required (a client that cannot "
        "bind the TLS channel, or a TLS-inspecting proxy in between, always gets 401).",
        evidence="HTTP 401 after the NTLM authenticate message over https, and that the message carried no "
        "MsvAvChannelBindings value.",
        fix=[
            "Check for a TLS-inspecting proxy between this machine and the farm (the tls rung's certificate "
            "issuer); exempt the farm from inspection.",
            f"Or ask for Extended Protection 'Accept' instead of 'Required': {IIS_WINDOWS_AUTH} > Advanced "
            "Settings > Extended Protection.",
            "Also check the password (a wrong one gives the same 401).",
        ],
        tell="Your SharePoint site requires Extended Protection, and our connection cannot provide the "
        "channel binding through the network path. Please exempt the server from TLS inspection, or set "
        "Extended Protection to 'Accept' in IIS (Authentication > Windows Authentication > Advanced "
        "Settings).",
    ),
    E(
        "ONPREM_EPA_CHANNEL_MISMATCH",
        "Extended Protection refuses the channel binding (TLS offload or inspection)",
        rung="ntlm",
        meaning="Over https, the NTLM authenticate message carried a channel binding, made from the "
        "certificate this machine was served, and the web application refused it, while the same account "
        "signs in where nothing stands between (Central Administration, reached directly) or without a "
        "channel binding: the password is right. IIS Extended Protection compares the binding with the "
        "certificate of its own TLS binding; a load balancer that terminates TLS (offload, re-encryption) "
        "or a TLS-inspecting proxy serves another certificate, so every Windows sign-in through it fails.",
        evidence="HTTP 401 to the authenticate message with a channel binding (the tls-server-end-point hash "
        "of the certificate served here), and the same account's answer elsewhere: HTTP 200 or 403 at "
        "Central Administration, or without a channel binding.",
        fix=[
            "Compare the certificate the tls rung shows for the farm with the one bound on the SharePoint "
            "servers' IIS site (IIS Manager > the site > Bindings > https > View): they differ when a load "
            "balancer or proxy terminates TLS.",
            "Have the load balancer pass TLS through to the farm (layer 4, no SSL offload or bridging for the "
            "SharePoint address), or exempt the address from TLS inspection.",
            "Or bind the balancer's certificate on the farm's IIS sites too (the same certificate and key on "
            "both), so the binding matches.",
            f"Otherwise set Extended Protection to Off: {IIS_WINDOWS_AUTH} > Advanced Settings > Extended "
            "Protection (on every server of the farm), and rely on the balancer's TLS.",
        ],
        tell="Your SharePoint site requires Extended Protection, and the load balancer or proxy in front of "
        "it replaces the site's TLS certificate, so every Windows sign-in through it is refused. Please let "
        "the load balancer pass TLS through to the SharePoint servers (or use the same certificate on both), "
        "or set Extended Protection to Off in IIS (Authentication > Windows Authentication > Advanced "
        "Settings).",
    ),
    E(
        "ONPREM_KERBEROS_UNAVAILABLE",
        "Kerberos support not installed",
        rung="ntlm",
        also=("input",),
        meaning="The profile asks for auth: negotiate (Kerberos), and the Kerberos extra is not installed.",
        evidence="The profile's auth setting.",
        fix=["pip install 'spkit[kerberos]' and get a ticket with kinit, or use auth: ntlm."],
        tell="Nothing to change on your side: we are installing what our side needs.",
    ),
    E(
        "ONPREM_ACCESS_DENIED",
        "Account has no access (403)",
        rung="web",
        also=("search", "ntlm"),
        meaning="The account signed in, but the farm answered 403 (System.UnauthorizedAccessException): it "
        "has no permission on this site.",
        evidence="HTTP 403 and SharePoint's error (code and message).",
        fix=[
            "Make the account a site collection administrator (Site settings > Site collection "
            "administrators), or give it Full Control by web application policy "
            f"({WEB_APPS} > User Policy > Add Users).",
        ],
        tell="The account can sign in but has no access to the site. Please grant it Full Control by web "
        "application policy (Central Administration > Manage web applications > User Policy), or make it a "
        "site collection administrator.",
    ),
    E(
        "ONPREM_NOT_FOUND",
        "Nothing at this address (404)",
        rung="web",
        also=("search",),
        meaning="The farm answered 404: no site at this path.",
        evidence="HTTP 404 and SharePoint's error text.",
        fix=["Check the URL (the web application's root, or a site collection's URL)."],
        tell="The address we were given has no SharePoint site. Please confirm the URL.",
    ),
    E(
        "ONPREM_AAM_MISMATCH",
        "URL answered from another alternate access mapping",
        rung="web",
        also=("http",),
        meaning="The farm serves the URL asked, but reports the web under another address (its Url is the "
        "public URL of another zone, or it redirects there): the URL is not a public URL of the web "
        "application's alternate access mappings, so links and search results point elsewhere.",
        evidence="The URL asked, the web's Url as SharePoint reports it, and any redirect's Location.",
        fix=[
            "Use the reported URL as sharepoint_url ('spkit connections edit NAME --set sharepoint_url=URL').",
            "Or ask for the URL to be added: Central Administration > System Settings > Configure alternate "
            "access mappings > Edit Public URLs (a zone of the web application).",
        ],
        tell="Your SharePoint answers our address under another URL. Please add the address we use as a "
        "public URL in Central Administration > Configure alternate access mappings, or tell us which URL "
        "to use.",
    ),
    E(
        "ONPREM_SEARCH_EMPTY",
        "Search returns no site collection",
        rung="search",
        meaning="Search answered with no site collection at all for the account: the search service has "
        "not crawled the web application (or found nothing), or the account may read no site (results are "
        "security-trimmed).",
        evidence="The search query (contentclass:STS_Site) and TotalRows 0.",
        fix=[
            f"Check the crawl: {CA} > Application Management > Manage service applications > Search Service "
            "Application > Content Sources (a completed full crawl of the web application) and the Crawl Log.",
            "Check that the account may read at least one site collection (web application policy Full "
            "Read is enough).",
        ],
        tell="SharePoint search returns no sites for our account. Please check that the search service "
        "has crawled the web application (Search Service Application > Content Sources), and that the "
        "account can read the sites.",
    ),
    E(
        "ONPREM_NO_SITE_ACCESS",
        "Account cannot open any site collection",
        rung="search",
        meaning="Search lists site collections, but the account is refused on every one it tried.",
        evidence="The site collections sampled and refused (403).",
        fix=[
            f"Give the account Full Control by web application policy ({WEB_APPS} > User Policy), or make it "
            "site collection administrator of the sites it must reach.",
        ],
        tell="The account cannot open the site collections. Please grant it Full Control by web "
        "application policy (Central Administration > Manage web applications > User Policy).",
    ),
    E(
        "ONPREM_SEARCH_RUNAWAY",
        "Search does not end",
        rung="search",
        meaning="Search kept returning pages beyond a million rows: its paging misbehaves.",
        evidence="The number of rows read.",
        fix=["Report the farm's search behaviour; check its search topology and crawl health."],
        tell="Your SharePoint search returns results that never end; please check the search service's "
        "health.",
    ),
    E(
        "ONPREM_THROTTLED",
        "Farm kept throttling",
        rung="search",
        also=("web", "ntlm", "central_admin"),
        meaning="The farm kept answering 429 or 503 after every retry spkit allows (HTTP request "
        "throttling, or an overloaded or stopped application pool).",
        evidence="The status, the number of retries and the last Retry-After.",
        fix=["Run again later; ask whether HTTP request throttling is on for the web application."],
        tell="Your SharePoint farm is throttling or overloaded right now. Please check the servers' load "
        "(and HTTP request throttling in Central Administration > Manage web applications > General "
        "Settings > Resource Throttling).",
    ),
    E(
        "ONPREM_ERROR",
        "Farm answered an error",
        rung="web",
        also=("ntlm", "search", "central_admin"),
        meaning="The farm answered an HTTP error spkit has no specific diagnosis for.",
        evidence="The status, SharePoint's error text and the SPRequestGuid (the correlation ID of the farm's "
        "ULS logs).",
        fix=["Read the evidence; check the server's ULS logs for the correlation ID."],
        tell="SharePoint returned an error; please look up the correlation ID in the farm's ULS logs.",
    ),
    E(
        "ONPREM_CA_UNREACHABLE",
        "Central Administration port closed or unreachable",
        rung="central_admin",
        also=("tcp", "tls"),
        meaning="Nothing answers on the Central Administration port (a wrong port, or a firewall).",
        evidence="The Central Administration URL and the network error.",
        fix=[
            "Check central_admin_port: Central Administration's URL on the server (Start > SharePoint "
            "Central Administration, or Get-SPWebApplication -IncludeCentralAdministration).",
            "Ask for the firewall rule to that port.",
        ],
        tell="We cannot reach Central Administration. Please confirm its port (its URL on the SharePoint "
        "server) and open it in the firewall for our address.",
    ),
    E(
        "ONPREM_NOT_CENTRAL_ADMIN",
        "The port answers as SharePoint, but is not Central Administration",
        rung="central_admin",
        meaning="The central_admin_port answers as SharePoint, but its site is an ordinary site (its web "
        "template is not CENTRALADMIN): another web application listens on that port.",
        evidence="The web's WebTemplate and Title at the Central Administration URL.",
        fix=[
            "Set central_admin_port to Central Administration's own port (its URL on the server, or "
            "Get-SPWebApplication -IncludeCentralAdministration).",
        ],
        tell="The port we were given for Central Administration serves another SharePoint site. Please "
        "send us Central Administration's URL (with its port).",
    ),
    E(
        "ONPREM_NOT_FARM_ADMIN",
        "Account is not a farm administrator",
        rung="central_admin",
        meaning="Central Administration answered, but refused the account: it is not in the Farm "
        "Administrators group.",
        evidence="HTTP 403 from Central Administration.",
        fix=[
            f"Add the account: {CA} > Security > Manage the farm administrators group > New.",
        ],
        tell="The account is not a farm administrator. Please add it in Central Administration > Security "
        "> Manage the farm administrators group.",
    ),
)
