"""On-premises addresses (wizard step 2): a scheme and a fully qualified name, and the Central
Administration URL derived from the host plus the port chosen when the farm was deployed."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import AddressError

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class ServerAddress:
    url: str  # normalised: scheme://host[:port][/path], no trailing slash
    scheme: str
    host: str
    port: int | None
    path: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}" + (f":{self.port}" if self.port else "")

    def central_admin_url(self, port: int) -> str:
        """Central Administration: the same host on its own port (same scheme, as the wizard derives it)."""
        check_port(port)
        return f"{self.scheme}://{self.host}:{port}"


def check_port(port: object) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise AddressError(
            f"the Central Administration port must be a number from 1 to 65535, not {port!r}",
            code="ADDRESS_PORT_INVALID",
            fix="use the port chosen when the farm was deployed (shown in Central Administration's URL)",
        )
    return port


def parse_server_address(text: str) -> ServerAddress:
    """``https://sharepoint.fabrikam.com`` and the like; scheme and FQDN required."""
    raw = (text or "").strip()
    if not raw:
        raise AddressError(
            "the SharePoint Server address is empty",
            code="ADDRESS_EMPTY",
            fix="type the URL, e.g. https://sharepoint.fabrikam.com",
        )
    if "://" not in raw:
        raise AddressError(
            f"'{raw}' has no scheme",
            code="ADDRESS_SCHEME_MISSING",
            fix=f"write https://{raw} (or http:// if the web application has no TLS)",
        )
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressError(
            f"'{parts.scheme}' is not http or https",
            code="ADDRESS_SCHEME_INVALID",
            fix="use https:// (or http://)",
        )
    try:
        port = parts.port
    except ValueError:
        raise AddressError(
            f"'{raw}' has an invalid port",
            code="ADDRESS_PORT_INVALID",
            fix="a port is a number from 1 to 65535",
        ) from None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise AddressError(
            f"'{raw}' names no host",
            code="ADDRESS_HOST_MISSING",
            fix="write it like https://sharepoint.fabrikam.com",
        )
    if parts.username or parts.password:
        raise AddressError(
            "the address must not contain a user name or password",
            code="ADDRESS_CREDENTIALS",
            fix="remove user:password@ from the URL; credentials go in admin_upn/admin_password",
        )
    warnings = []
    if scheme == "http":
        warnings.append("http:// sends the NTLM exchange and every answer in the clear; prefer https://")
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        is_ip = False
    if is_ip:
        warnings.append(
            f"{host} is an IP address: Kerberos needs the host name, the TLS certificate is issued to the name, "
            "and SharePoint's alternate access mappings answer for the name; use the FQDN"
        )
    else:
        labels = host.split(".")
        if len(labels) < 2:
            raise AddressError(
                f"'{host}' is a single-label name, not a fully qualified domain name",
                code="ADDRESS_NOT_FQDN",
                fix=f"write the full name, e.g. https://{host}.fabrikam.com (single-label names break Kerberos, "
                "certificates and alternate access mappings)",
            )
        if not all(_LABEL.fullmatch(label) for label in labels):
            raise AddressError(
                f"'{host}' is not a valid host name",
                code="ADDRESS_HOST_INVALID",
                fix="use letters, digits and hyphens between dots",
            )
    default = 443 if scheme == "https" else 80
    port = None if port in (None, default) else port
    path = parts.path.rstrip("/")
    url = f"{scheme}://{host}" + (f":{port}" if port else "") + path
    return ServerAddress(url, scheme, host, port, path, tuple(warnings))
