"""Network codes: the name, the TCP connection, the proxy, the TLS handshake (both ladders, and the
Active Directory browse)."""

from __future__ import annotations

from ..entry import maker

E = maker("network", ladder="both")

SANDBOX_HINT = "For the sandbox: 'spkit sandbox status' shows whether it runs and on which port."

ENTRIES = (
    E(
        "NETWORK_DNS",
        "Host name does not resolve",
        rung="dns",
        also=("ad",),
        meaning="This machine's resolver has no address for a host the connection needs (sign-in, Graph, "
        "SharePoint, the farm or a domain controller): a typo, a name that only resolves inside another "
        "network (VPN, split DNS), or DNS that does not answer.",
        evidence="The host name and the resolver's error (getaddrinfo: Name or service not known / "
        "Temporary failure in name resolution).",
        fix=[
            "Check the address in the profile for typos (sharepoint_url, the farm's URL, --server).",
            "Resolve the name on this machine: 'nslookup HOST' (or 'getent hosts HOST').",
            "An internal name (the farm, a domain controller) needs this machine on the customer's network "
            "or VPN, or the customer's DNS server.",
            "Run 'spkit diagnose PARAMS.yaml' again: the dns rung lists every host with its answer.",
        ],
        tell="The server name we were given does not resolve from our side. Please confirm the exact host "
        "name, and whether it is reachable only from inside your network (VPN or internal DNS).",
    ),
    E(
        "NETWORK_REFUSED",
        "Connection refused",
        rung="tcp",
        also=("ad",),
        meaning="The host answered, but nothing accepts connections on that port (the service is stopped, "
        "the port is wrong, or a firewall rejects the connection).",
        evidence="The host, the port, the address it was mapped to (sandbox) and the socket error "
        "(Errno 111, Connection refused).",
        fix=[
            "Check the port: SharePoint is 443 (https) or 80 (http); Central Administration is the port "
            "chosen at deployment; LDAPS 636, LDAP 389, global catalog 3269/3268.",
            "Check on the server that the site or service runs (IIS Manager > Sites, or the DC's services).",
            "Ask for the firewall rule from this machine to the host and port.",
            SANDBOX_HINT,
        ],
        tell="Our connection to your server is refused on that port. Please check that the site (or "
        "service) is running, that the port is right, and that your firewall allows connections from our "
        "address to it.",
    ),
    E(
        "NETWORK_TIMEOUT",
        "Connection or answer timed out",
        rung="tcp",
        also=("ad", "discovery", "token", "graph", "sharepoint", "ntlm", "web", "search"),
        meaning="The host did not accept the connection, or did not answer, in time: a firewall that drops "
        "packets, a proxy that stalls, or an overloaded service.",
        evidence="The host and what timed out (connect or read), with the time waited.",
        fix=[
            "Check the route: 'curl -v https://HOST/' from this machine.",
            "Set HTTPS_PROXY (and NO_PROXY) if outbound traffic must go through a proxy.",
            "Ask for the firewall rule from this machine to the host and port.",
            "If it happens only now and then, run again later: the service may be overloaded.",
        ],
        tell="Our requests to your server get no answer in time. Please check that your firewall or proxy "
        "lets our connection through to that host and port.",
    ),
    E(
        "NETWORK_UNREACHABLE",
        "Host unreachable",
        rung="tcp",
        also=("ad",),
        meaning="The connection could not be made for another network reason (no route, network down, "
        "host unreachable).",
        evidence="The host and the socket error (Errno 101/113, Network is unreachable / No route to host).",
        fix=[
            "Check this machine's network connection and routes (VPN connected?).",
            "Try 'curl -v https://HOST/' from this machine.",
            "Ask for the network path from this machine to the host to be opened.",
        ],
        tell="Our machine has no network route to your server. Please confirm the server's address and "
        "whether we need a VPN or a firewall rule to reach it.",
    ),
    E(
        "REQUEST_TOO_LARGE",
        "The request was refused for its size",
        also=("token", "graph", "sharepoint"),
        meaning="The server answered 413 (Payload Too Large), or closed the connection while a request of "
        "a megabyte or more was being sent: a value spkit sends (a client secret, a certificate) is far "
        "larger than it can be. The network, TLS and the credential's validity are not in question.",
        evidence="The host, HTTP 413 or the connection error, and the size of the request body.",
        fix=[
            "Check what the profile's secret reference names: a client secret is about 40 characters "
            "(file:PATH must hold the secret alone, env:NAME the secret's value, not a file's content).",
            "Check the certificate file: a PEM or PFX of a few kB, not an archive or a whole chain store.",
        ],
        tell="No action is needed on your side: the credential we configured is malformed and we are "
        "correcting it.",
    ),
    E(
        "NETWORK_RESET",
        "Connection closed by the server",
        rung="tcp",
        also=("tls", "ad"),
        meaning="The server (or something in between) closed the connection: often a port that expects TLS "
        "spoken to in plain text (or the reverse), or a proxy that cuts connections it does not allow.",
        evidence="The host and the socket error (Connection reset by peer / Broken pipe).",
        fix=[
            "Check the scheme against the port: https:// on 443, ldaps:// on 636/3269 (or ldap:// with "
            "--starttls on 389/3268).",
            "Check whether a proxy or firewall between inspects or blocks the connection.",
        ],
        tell="Your server closes our connection right away. Please check which protocol the port expects "
        "(https or http) and whether a firewall or proxy blocks us.",
    ),
    E(
        "NETWORK_PROXY",
        "Proxy refused or failed the connection",
        rung="tcp",
        also=("discovery", "token", "graph", "sharepoint"),
        meaning="Requests go through a proxy (HTTPS_PROXY), and the proxy could not be reached or refused "
        "to open the tunnel to the host.",
        evidence="The proxy (host and port, never its credentials), the host asked for, and the proxy's "
        "answer or the connection error.",
        fix=[
            "Check HTTPS_PROXY / HTTP_PROXY / NO_PROXY in the environment spkit runs in.",
            "Check that the proxy lets this machine reach the host (login.microsoftonline.com, "
            "graph.microsoft.com, *.sharepoint.com, or the farm).",
            "Add internal hosts (the farm, domain controllers) to NO_PROXY.",
        ],
        tell="Our connection goes through a proxy, which refuses the connection to your server. Please "
        "allow these hosts on the proxy, or tell us which proxy to use.",
    ),
    E(
        "NETWORK_PROXY_AUTH",
        "Proxy asks for credentials (407)",
        rung="tcp",
        also=("discovery", "token", "graph", "sharepoint"),
        meaning="The proxy answered 407 Proxy Authentication Required to the tunnel request: it wants "
        "credentials spkit did not send.",
        evidence="The proxy (host and port), the host asked for, and the proxy's status line "
        "(Tunnel connection failed: 407 Proxy Authentication Required).",
        fix=[
            "Give the proxy's credentials in HTTPS_PROXY (http://user:password@proxy:port), kept in the "
            "environment, never in a profile.",
            "Or ask for this machine (or these hosts) to be allowed through the proxy without authentication.",
        ],
        tell="Your proxy asks for a user name and password before it lets our connection through. Please "
        "give us proxy credentials, or allow our machine or these hosts without authentication.",
    ),
    E(
        "TLS_UNTRUSTED",
        "Server certificate not trusted (unknown CA)",
        rung="tls",
        also=("discovery", "token", "graph", "sharepoint", "ntlm", "ad"),
        meaning="The server's certificate chain does not end in a CA this machine trusts: the server uses an "
        "internal (enterprise) CA, or a corporate proxy inspects TLS and re-signs every certificate with its "
        "own root CA.",
        evidence="The host, OpenSSL's verify_code and reason (20 unable to get local issuer certificate, 19 "
        "self-signed certificate in chain, 21 unable to verify the first certificate), the certificate's "
        "subject and issuer when the tls rung read them, and the CA bundle used (the profile's ca_bundle, "
        "the card's, $REQUESTS_CA_BUNDLE or certifi's).",
        fix=[
            "Look at the issuer in the evidence. If it is the company's proxy (TLS inspection: Zscaler, "
            "Netskope, Blue Coat, Palo Alto...), get the proxy's root CA as PEM, or ask for these hosts to be "
            "exempted from inspection.",
            "If it is an internal CA (AD CS for the farm or a domain controller), get that root CA as PEM.",
            "Set 'ca_bundle: PATH.pem' in the profile (spkit connections edit NAME --set ca_bundle=PATH.pem); "
            "for 'spkit ad', pass --ca-bundle.",
            "Run 'spkit diagnose PARAMS.yaml': the tls rung shows the certificate's subject and issuer.",
        ],
        tell="Your server's certificate is issued by a certificate authority we do not trust yet (your "
        "internal CA, or the proxy that inspects TLS traffic). Please send us that root CA certificate "
        "(.cer/.pem), or exempt these hosts from TLS inspection.",
    ),
    E(
        "TLS_NAME_MISMATCH",
        "Server certificate is for another name",
        rung="tls",
        also=("discovery", "token", "graph", "sharepoint", "ntlm", "ad"),
        meaning="The certificate the server presents does not name the host that was asked for (its subject "
        "alternative names list other names): the wrong address, a certificate bound to the wrong site, or "
        "a load balancer presenting its own certificate.",
        evidence="The host asked for, OpenSSL's verify_code 62 (hostname mismatch) and the names the "
        "certificate carries.",
        fix=[
            "Use the address the certificate names (often the full DNS name, not a short name or an IP).",
            "Otherwise the server's administrator binds a certificate whose subject alternative names "
            "include this host (IIS Manager > the site > Bindings > https > SSL certificate).",
        ],
        tell="The certificate on your server does not carry the name we connect to. Please bind a "
        "certificate that includes this host name, or tell us the name the certificate is issued for.",
    ),
    E(
        "TLS_CERT_EXPIRED",
        "Server certificate expired",
        rung="tls",
        also=("discovery", "token", "graph", "sharepoint", "ntlm", "ad"),
        meaning="The server presents a certificate whose validity (notAfter) has passed.",
        evidence="The host, OpenSSL's verify_code 10 (certificate has expired) and the certificate's "
        "notAfter date when the tls rung read it.",
        fix=[
            "Check this machine's clock ('date -u'): a clock far in the future makes valid certificates look "
            "expired.",
            "Otherwise the server's administrator renews the certificate and binds the new one (IIS Manager > "
            "the site > Bindings; for a DC, AD CS re-enrols its certificate).",
        ],
        tell="The TLS certificate of your server has expired. Please renew it and bind the new certificate "
        "to the site.",
    ),
    E(
        "TLS_CERT_NOT_YET_VALID",
        "Server certificate not yet valid",
        rung="tls",
        also=("discovery", "token", "graph", "sharepoint", "ntlm", "ad"),
        meaning="The server's certificate starts in the future (notBefore): this machine's clock is behind, "
        "or the certificate was issued with a future start date.",
        evidence="The host, OpenSSL's verify_code 9 (certificate is not yet valid) and the certificate's "
        "notBefore date when the tls rung read it.",
        fix=[
            "Check this machine's clock and time zone ('date -u'; Linux: timedatectl set-ntp true; Windows: "
            "w32tm /resync).",
            "If the clock is right, the server's administrator binds a certificate valid today.",
        ],
        tell="The TLS certificate of your server is not valid yet (its start date is in the future). "
        "Please check the certificate's dates.",
    ),
    E(
        "TLS_HANDSHAKE_FAILED",
        "TLS handshake failed",
        rung="tls",
        also=("ad",),
        meaning="The TLS handshake itself failed for a reason other than the certificate: the port does not "
        "speak TLS (an http:// site), no common protocol version or cipher, or something in between cuts it.",
        evidence="The host and OpenSSL's error (WRONG_VERSION_NUMBER, HANDSHAKE_FAILURE, UNSUPPORTED_PROTOCOL).",
        fix=[
            "Check the scheme and port: https:// only on a port with a TLS binding (ldaps:// on 636/3269).",
            "Check that the server allows TLS 1.2 or newer.",
            "Check whether a proxy or firewall interferes with TLS.",
        ],
        tell="We cannot complete a secure (TLS) connection with your server. Please check that the port "
        "serves HTTPS and allows TLS 1.2 or newer.",
    ),
)
