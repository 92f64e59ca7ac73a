"""One bound LDAP connection to a directory, climbing the ladder: name, TCP, TLS, bind, root DSE.

Each rung that breaks raises its own typed error (see ``errors.py``). Searches are paged with the
simple paged results control (RFC 2696, ``1.2.840.113556.1.4.319``) one page at a time, so memory
stays constant whatever the directory's size. Referrals are never chased (AD returns continuation
references to DomainDnsZones, ForestDnsZones and Configuration on every search of a domain root;
chasing them re-sends the credentials to other hosts); they are counted and reported instead.
"""

from __future__ import annotations

import contextlib
import math
import socket
import ssl
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ldap3 import BASE, NONE, SIMPLE, SUBTREE, SYNC, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException

from ...errors import InputError
from .errors import DirectoryError, bind_error, connect_error, dns_error, search_error
from .settings import DirectorySettings, dn_to_domain

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
# supportedCapabilities values that identify Active Directory (DS) and AD LDS (ADAM); both evaluate
# LDAP_MATCHING_RULE_IN_CHAIN. OpenLDAP and others publish neither.
AD_CAPABILITIES = {"1.2.840.113556.1.4.800": "Active Directory", "1.2.840.113556.1.4.1851": "AD LDS"}
ROOT_DSE_ATTRIBUTES = [
    "defaultNamingContext",
    "rootDomainNamingContext",
    "namingContexts",
    "supportedCapabilities",
    "supportedControl",
    "dnsHostName",
    "isGlobalCatalogReady",
]

Warn = Callable[[str], None]


class DirectoryWarning(UserWarning):
    """Something the user should know that does not stop the directory from answering."""


def _warn(text: str) -> None:
    warnings.warn(text, DirectoryWarning, stacklevel=3)


@dataclass(frozen=True)
class RootDse:
    """What the server says about itself before and after the bind."""

    attributes: dict[str, list[str]] = field(default_factory=dict)

    def values(self, name: str) -> list[str]:
        for key, value in self.attributes.items():
            if key.lower() == name.lower():
                return value
        return []

    def first(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None

    @property
    def product(self) -> str | None:
        """``Active Directory`` or ``AD LDS`` when the server says so, else None."""
        for oid, name in AD_CAPABILITIES.items():
            if oid in self.values("supportedCapabilities"):
                return name
        return None

    @property
    def is_active_directory(self) -> bool:
        return self.product is not None

    @property
    def default_naming_context(self) -> str | None:
        """AD's ``defaultNamingContext``; else the only naming context a server publishes."""
        dnc = self.first("defaultNamingContext")
        if dnc:
            return dnc
        contexts = self.values("namingContexts")
        return contexts[0] if len(contexts) == 1 else None


@dataclass
class SearchStats:
    """What one paged search cost and skipped."""

    pages: int = 0
    entries: int = 0
    referrals: list[str] = field(default_factory=list)


class Directory:
    """A bound connection. Use ``open_directory`` (a context manager) rather than this directly."""

    def __init__(self, settings: DirectorySettings, warn: Warn | None = None) -> None:
        self.settings = settings
        self.warn = warn or _warn
        self.url = settings.url
        self.root_dse = RootDse()
        self.connection: Connection | None = None

    # --- the ladder ------------------------------------------------------------------------------

    def open(self) -> Directory:
        s = self.settings
        for note in s.warnings():
            self.warn(note)
        self._resolve()
        tls = None
        if s.encrypted:
            tls = Tls(
                validate=ssl.CERT_REQUIRED,
                ca_certs_file=str(s.ca_bundle) if s.ca_bundle else None,
                version=None,  # the ssl module's default context: TLS 1.2+, system trust unless a bundle
            )
        server = Server(
            s.server.host,
            port=s.port,
            use_ssl=s.server.use_ssl,
            tls=tls,
            get_info=NONE,  # the root DSE is read below, with only the attributes we need
            connect_timeout=s.timeout,
        )
        conn = Connection(
            server,
            user=s.user.text,
            password=s.password.reveal(),
            authentication=SIMPLE,
            client_strategy=SYNC,
            auto_bind=False,
            raise_exceptions=False,
            auto_referrals=False,
            read_only=True,
            receive_timeout=max(1, math.ceil(s.timeout)),  # ldap3 packs it as a C long on POSIX
            return_empty_attributes=False,
        )
        self.connection = conn
        try:
            conn.open()
        except (LDAPException, OSError) as exc:
            raise connect_error(exc, self.url) from None
        if s.starttls:
            self._start_tls(conn)
        try:
            bound = conn.bind()
        except (LDAPException, OSError) as exc:
            raise connect_error(exc, self.url, starttls=s.starttls) from None
        if not bound:
            raise bind_error(conn.result or {}, self.url, s.user.text, s.user.kind)
        self.root_dse = self._read_root_dse()
        return self

    def _resolve(self) -> None:
        host = self.settings.server.host
        try:
            socket.getaddrinfo(host, self.settings.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise dns_error(host, exc) from None
        except UnicodeError as exc:
            raise InputError(
                f"--server host {host!r} is not a valid name ({exc})",
                code="AD_SERVER_INVALID",
                fix="check the domain controller's name",
            ) from None

    def _start_tls(self, conn: Connection) -> None:
        try:
            started = conn.start_tls()
        except (LDAPException, OSError) as exc:
            raise connect_error(exc, self.url, starttls=True) from None
        if not started:
            result = conn.result or {}
            answer = f"{result.get('description') or 'no answer'} {result.get('result', '')}".strip()
            raise DirectoryError(
                f"{self.url} refused StartTLS ({answer})",
                code="AD_STARTTLS_REFUSED",
                evidence=str(result.get("message") or ""),
                fix="the domain controller has no certificate for LDAP: install one (AD CS autoenrolls "
                "'Domain Controller' certificates), or use ldaps:// if it listens there",
            )

    def _read_root_dse(self) -> RootDse:
        conn = self._conn
        try:
            ok = conn.search("", "(objectClass=*)", BASE, attributes=ROOT_DSE_ATTRIBUTES)
        except (LDAPException, OSError):
            return RootDse()  # the root DSE is informative only; a server may hide it
        if not ok or not conn.response:
            return RootDse()
        raw = conn.response[0].get("raw_attributes", {})
        conn.response = None
        return RootDse({name: [_text(v) for v in values] for name, values in raw.items()})

    @property
    def _conn(self) -> Connection:
        if self.connection is None:
            raise RuntimeError("the directory is not open")
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(LDAPException, OSError):
                self.connection.unbind()
            self.connection = None

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- facts -----------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        """Where searches start: ``--base``; else "" on the global catalog; else the default NC."""
        s = self.settings
        if s.base is not None:
            return s.base
        if s.global_catalog:
            return ""
        dnc = self.root_dse.default_naming_context
        if dnc is None:
            raise InputError(
                f"{self.url} does not say which naming context to search",
                code="AD_BASE_REQUIRED",
                fix="give --base DC=fabrikam,DC=local (or the domain's DNS name)",
            )
        return dnc

    @property
    def domain(self) -> str:
        """The DNS name of the domain this directory serves (from the base or the root DSE)."""
        for candidate in (self.settings.base, self.root_dse.default_naming_context):
            if candidate:
                name = dn_to_domain(candidate)
                if name:
                    return name
        return self.settings.server.host

    # --- searching -------------------------------------------------------------------------------

    def search(
        self,
        base: str,
        search_filter: str,
        attributes: list[str],
        *,
        scope: Any = SUBTREE,
        stats: SearchStats | None = None,
        what: str = "searching",
        page_size: int | None = None,
    ) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
        """Yield ``(dn, raw attributes)`` page by page; continuation references go into ``stats``."""
        conn = self._conn
        stats = stats if stats is not None else SearchStats()
        size = self.settings.page_size if page_size is None else page_size
        cookie: bytes | None = None
        while True:
            kwargs: dict[str, Any] = {"paged_size": size, "paged_cookie": cookie} if size else {}
            try:
                conn.search(
                    base,
                    search_filter,
                    scope,
                    attributes=attributes,
                    time_limit=self.settings.time_limit,
                    **kwargs,
                )
            except (LDAPException, OSError) as exc:
                raise connect_error(exc, self.url) from None
            result = conn.result or {}
            response = conn.response or []
            conn.response = None  # one page in memory at a time
            stats.pages += 1
            for item in response:
                if item.get("type") == "searchResEntry":
                    stats.entries += 1
                    yield item["dn"], item.get("raw_attributes", {})
                elif item.get("type") == "searchResRef":
                    stats.referrals.extend(item.get("uri") or [])
            if result.get("result") != 0:
                raise search_error(result, self.url, base, what)
            if not size:
                return
            try:
                cookie = result["controls"][PAGED_RESULTS_OID]["value"]["cookie"]
            except (KeyError, TypeError):
                cookie = None
            if not cookie:
                return

    def read_entry(self, dn: str, attributes: list[str]) -> dict[str, list[bytes]] | None:
        """One entry by DN, or None when it does not exist."""
        conn = self._conn
        try:
            conn.search(dn, "(objectClass=*)", BASE, attributes=attributes)
        except (LDAPException, OSError) as exc:
            raise connect_error(exc, self.url) from None
        result = conn.result or {}
        response = conn.response or []
        conn.response = None
        if result.get("result") == 32:
            return None
        if result.get("result") != 0:
            raise search_error(result, self.url, dn, f"reading {dn}")
        for item in response:
            if item.get("type") == "searchResEntry":
                return item.get("raw_attributes", {})
        return None


def open_directory(settings: DirectorySettings, warn: Warn | None = None) -> Directory:
    """Connect, secure, bind and read the root DSE; use as ``with open_directory(s) as d: ...``."""
    directory = Directory(settings, warn)
    try:
        return directory.open()
    except BaseException:
        directory.close()
        raise


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def first_text(attrs: dict[str, list[bytes]], name: str) -> str | None:
    """The first value of an attribute (names compare case-insensitively, as LDAP does)."""
    for key, values in attrs.items():
        if key.lower() == name.lower() and values:
            return _text(values[0])
    return None


def all_text(attrs: dict[str, list[bytes]], name: str) -> list[str]:
    for key, values in attrs.items():
        if key.lower() == name.lower():
            return [_text(v) for v in values]
    return []
