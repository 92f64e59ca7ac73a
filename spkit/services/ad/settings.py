"""What it takes to reach a directory: the server URL, TLS, the bind account, the base DN.

Everything here is checked before any packet is sent, so a typo is bad input (exit 2), not a failed
check. The password is a ``Secret`` resolved from a reference (``env:``, ``file:``, ``keyring:``) or
read from stdin by the face; it never appears in a message or a ``repr``.

Without ``--server`` the settings come from the environment: ``SPKIT_AD_SERVER``, ``SPKIT_AD_BASE``,
``SPKIT_AD_USER``, ``SPKIT_AD_PASSWORD`` (a *reference*, like ``env:AD_PW``) and ``SPKIT_AD_CA_BUNDLE``.
"""

from __future__ import annotations

import os
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ldap3.core.exceptions import LDAPInvalidDnError
from ldap3.utils.dn import parse_dn

from ...errors import InputError
from ...models.accounts import parse_account
from ...models.secrets import Secret, parse_secret_ref
from ..secret_values import secret

# Ports: domain controller LDAP / LDAPS, and the global catalog (the forest's partial replica).
LDAP_PORT, LDAPS_PORT = 389, 636
GC_PORT, GC_SSL_PORT = 3268, 3269
DEFAULT_PAGE_SIZE = 500  # AD's MaxPageSize is 1000 by default; stay well under it
DEFAULT_TIMEOUT = 10.0

ENV_SERVER, ENV_BASE, ENV_USER = "SPKIT_AD_SERVER", "SPKIT_AD_BASE", "SPKIT_AD_USER"
ENV_PASSWORD, ENV_CA_BUNDLE = "SPKIT_AD_PASSWORD", "SPKIT_AD_CA_BUNDLE"

_HOST = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_DNS_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{1,63}")

NOT_CONFIGURED_FIX = (
    f"or give the domain controller: --server ldaps://dc.example.com --base DC=example,DC=com "
    f"(or set {ENV_SERVER})"
)


def usage(summary: str, fix: str, code: str = "AD_USAGE") -> InputError:
    return InputError(summary, code=code, fix=fix)


@dataclass(frozen=True)
class ServerAddress:
    """``ldaps://host[:port]`` or ``ldap://host[:port]``; ``port`` is None when the URL gave none."""

    scheme: str
    host: str
    port: int | None = None

    @property
    def use_ssl(self) -> bool:
        return self.scheme == "ldaps"

    def effective_port(self, global_catalog: bool = False) -> int:
        if self.port is not None:
            return self.port
        if global_catalog:
            return GC_SSL_PORT if self.use_ssl else GC_PORT
        return LDAPS_PORT if self.use_ssl else LDAP_PORT

    def url(self, global_catalog: bool = False) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.effective_port(global_catalog)}"


def parse_server_url(text: str) -> ServerAddress:
    """Parse ``--server``; a bare host name is refused so that plain LDAP is never chosen silently."""
    value = (text or "").strip()
    example = "ldaps://dc01.fabrikam.local (or ldap://dc01.fabrikam.local with --starttls)"
    if "://" not in value:
        raise usage(
            f"--server '{value}' has no scheme",
            f"write {example}",
            code="AD_SERVER_INVALID",
        )
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in ("ldap", "ldaps"):
        raise usage(
            f"--server '{value}': the scheme must be ldaps:// or ldap://, not {parts.scheme}://",
            f"write {example}",
            code="AD_SERVER_INVALID",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise usage(
            f"--server '{value}' carries more than a host and a port",
            "give the base DN with --base, e.g. --base DC=fabrikam,DC=local",
            code="AD_SERVER_INVALID",
        )
    if parts.username or parts.password:
        raise usage(
            "--server must not carry an account (and never a password)",
            "give the account with --user and the password by reference (--password env:NAME)",
            code="AD_SERVER_INVALID",
        )
    try:
        port = parts.port
    except ValueError:
        raise usage(
            f"--server '{value}': the port is not a number from 1 to 65535",
            f"write {example}",
            code="AD_SERVER_INVALID",
        ) from None
    host = parts.hostname or ""
    if not host or not (_HOST.fullmatch(host) or ":" in host):
        raise usage(
            f"--server '{value}' has no valid host name", f"write {example}", code="AD_SERVER_INVALID"
        )
    if port == 0:
        raise usage(f"--server '{value}': port 0 is not a port", f"write {example}", code="AD_SERVER_INVALID")
    return ServerAddress(scheme, host.lower(), port)


@dataclass(frozen=True)
class BindName:
    """The account as typed: a UPN, DOMAIN\\user (AD accepts both in a simple bind) or a DN."""

    text: str
    kind: str  # "upn" | "down-level" | "dn"


def parse_bind_name(text: str) -> BindName:
    """A UPN or DOMAIN\\user (the same rules as every account spkit takes), or an LDAP DN."""
    value = (text or "").strip()
    fix = "use the account's UPN (spadmin@fabrikam.local), FABRIKAM\\spadmin, or its DN"
    if not value:
        raise usage("--user is empty", fix, code="AD_USER_INVALID")
    if "=" in value:
        try:
            parse_dn(value, escape=False, strip=True)
        except LDAPInvalidDnError:
            raise usage(f"--user '{value}' is not a valid DN", fix, code="AD_USER_INVALID") from None
        return BindName(value, "dn")
    try:
        account = parse_account(value)
    except InputError as error:
        raise usage(f"--user '{value}': {error.summary}", fix, code="AD_USER_INVALID") from None
    return BindName(value, account.kind)


def parse_base_dn(text: str, *, option: str = "--base") -> str:
    """A DN, or a DNS domain name turned into one (``fabrikam.local`` → ``DC=fabrikam,DC=local``)."""
    value = (text or "").strip()
    if value == "":
        return ""
    if "=" not in value and _DNS_DOMAIN.fullmatch(value):
        return domain_to_dn(value)
    try:
        parse_dn(value, escape=False, strip=True)
    except LDAPInvalidDnError:
        raise usage(
            f"{option} '{value}' is not a valid DN",
            "write it like DC=fabrikam,DC=local (or the domain's DNS name, fabrikam.local)",
            code="AD_BASE_INVALID",
        ) from None
    return value


def domain_to_dn(domain: str) -> str:
    return ",".join(f"DC={label}" for label in domain.strip(".").split("."))


def dn_to_domain(dn: str) -> str:
    """The DNS name of a domain naming context (``DC=fabrikam,DC=local`` → ``fabrikam.local``)."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except LDAPInvalidDnError:
        return ""
    labels = [value for attr, value, _sep in parts if attr.lower() == "dc"]
    return ".".join(labels).lower()


@dataclass(frozen=True)
class DirectorySettings:
    """How to reach and bind to one directory. ``base`` None means: ask the server's root DSE."""

    server: ServerAddress
    user: BindName
    password: Secret = field(repr=False)
    base: str | None = None
    ca_bundle: Path | None = None
    starttls: bool = False
    global_catalog: bool = False
    timeout: float = DEFAULT_TIMEOUT
    page_size: int = DEFAULT_PAGE_SIZE
    time_limit: int = 0

    @property
    def url(self) -> str:
        return self.server.url(self.global_catalog)

    @property
    def port(self) -> int:
        return self.server.effective_port(self.global_catalog)

    @property
    def encrypted(self) -> bool:
        return self.server.use_ssl or self.starttls

    def warnings(self) -> list[str]:
        """What to tell the user before connecting (nothing here stops the connection)."""
        notes = []
        if not self.encrypted:
            notes.append(
                f"{self.url} is plain LDAP: the bind password crosses the network in the clear; "
                "use ldaps:// or --starttls"
            )
        if self.global_catalog and self.server.port in (LDAP_PORT, LDAPS_PORT):
            notes.append(
                f"--global-catalog with port {self.server.port}: that is the domain's LDAP port, not the "
                f"global catalog ({GC_PORT}/{GC_SSL_PORT}); leave the port out of --server"
            )
        return notes


def configured_server(server: str | None) -> str:
    """``--server``, else ``SPKIT_AD_SERVER``; neither is the 'type the UPN' case of the wizard."""
    value = (server or os.environ.get(ENV_SERVER) or "").strip()
    if not value:
        raise InputError(
            "no directory configured: type the UPN (user@domain)",
            code="AD_NOT_CONFIGURED",
            fix=NOT_CONFIGURED_FIX,
        )
    return value


def load_ca_bundle(path: str | Path) -> Path:
    """A PEM file of CA certificates that the TLS layer can load (checked now, not at the handshake)."""
    ca = Path(path).expanduser()
    if not ca.is_file():
        raise usage(
            f"--ca-bundle {ca} does not exist",
            "name the PEM file of the CA that issued the domain controller's certificate",
            code="AD_CA_BUNDLE_INVALID",
        )
    try:
        ssl.create_default_context(cafile=str(ca))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise usage(
            f"--ca-bundle {ca} is not a PEM file of certificates ({exc.__class__.__name__})",
            "export the CA certificate as Base-64 (PEM), e.g. certutil -ca.cert ca.cer then "
            "openssl x509 -inform der -in ca.cer -out ca.pem",
            code="AD_CA_BUNDLE_INVALID",
        ) from None
    return ca.absolute()


def build_settings(
    *,
    server: str | None,
    user: str | None,
    password: Secret | None = None,
    password_ref: str | None = None,
    base: str | None = None,
    ca_bundle: str | Path | None = None,
    starttls: bool = False,
    global_catalog: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    page_size: int = DEFAULT_PAGE_SIZE,
    time_limit: int = 0,
) -> DirectorySettings:
    """Validate what a face collected, filling gaps from the ``SPKIT_AD_*`` environment."""
    address = parse_server_url(configured_server(server))
    if starttls and address.use_ssl:
        raise usage(
            "--starttls is for ldap://; ldaps:// is TLS from the first byte",
            "drop --starttls, or use ldap://HOST with --starttls",
        )
    user_text = user or os.environ.get(ENV_USER)
    if not user_text:
        raise usage(
            "no account to bind with",
            f"give --user spadmin@fabrikam.local (or FABRIKAM\\spadmin, or a DN), or set {ENV_USER}",
        )
    bind_name = parse_bind_name(user_text)
    secret = _password(password, password_ref)
    base_text = base if base is not None else (os.environ.get(ENV_BASE) or None)  # empty env = unset
    base_dn = parse_base_dn(base_text) if base_text is not None else None
    ca_text = ca_bundle or os.environ.get(ENV_CA_BUNDLE)
    if ca_text and not (address.use_ssl or starttls):
        raise usage(
            "--ca-bundle is given but the connection is not encrypted",
            "use ldaps://HOST, or add --starttls",
        )
    ca = load_ca_bundle(ca_text) if ca_text else None
    if page_size < 0:
        raise usage("--page-size must be 0 (no paging) or more", "use --page-size 500")
    if timeout <= 0:
        raise usage("--timeout must be more than 0 seconds", "use --timeout 10")
    if time_limit < 0:
        raise usage("--time-limit must be 0 (the server's limit) or more", "use --time-limit 60")
    return DirectorySettings(
        server=address,
        user=bind_name,
        password=secret,
        base=base_dn,
        ca_bundle=ca,
        starttls=starttls,
        global_catalog=global_catalog,
        timeout=timeout,
        page_size=page_size,
        time_limit=time_limit,
    )


def _password(password: Secret | None, reference: str | None) -> Secret:
    if password is not None and reference:
        raise usage("give the password once: --password REF or --password-stdin", "drop one of them")
    if password is None:
        ref_text = reference or os.environ.get(ENV_PASSWORD)
        if not ref_text:
            raise usage(
                "no password for the bind account",
                f"give --password env:NAME (or file:PATH, keyring:SERVICE/KEY), pipe it with "
                f"--password-stdin, or set {ENV_PASSWORD} to such a reference",
            )
        field_name = "--password" if reference else ENV_PASSWORD
        password = secret(parse_secret_ref(ref_text, field=field_name))
    if not password:
        # An empty password makes a simple bind *unauthenticated* (RFC 4513 5.1.2): AD answers
        # "success" and the search then fails or returns nothing. Refuse it here.
        raise usage(
            "the password is empty",
            "an empty password is an anonymous bind in LDAP; give the account's password",
            code="AD_PASSWORD_EMPTY",
        )
    return password
