"""The network under HTTP, one layer at a time, as spkit's session would meet it: the name, the TCP
connection, the TLS handshake. Each probe returns what it saw or raises a diagnosis for its layer.

The session's own rules are followed so that the evidence predicts the HTTP calls: a host in the
sandbox's connect-to map resolves to the map's address (the map stands in for a resolver) and never
goes through a proxy; any other host goes through the environment's proxy when one applies (then the
proxy resolves it, and TLS runs inside a CONNECT tunnel); the CA bundle is the profile's, else the
card's, else ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, else certifi's, as requests picks it.
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import requests

from ..errors import NetworkError, TlsError
from ..http.connect_to import ConnectToMap
from .context import Endpoint

CONNECT_TIMEOUT_S = 10.0  # the session's connect timeout
VIA_MAP = "the sandbox's connect-to map, which answers here as a resolver would"


@dataclass
class Route:
    """How the session reaches an endpoint: straight to ``addresses`` or through ``proxy``."""

    addresses: list[str]
    via: str  # "DNS", VIA_MAP, or "proxy http://proxy:3128"
    port: int
    proxy: str | None = None


@dataclass
class TlsFacts:
    version: str
    cipher: str
    subject: str
    issuer: str
    not_before: str
    not_after: str
    names: list[str] = field(default_factory=list)
    days_left: int | None = None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def proxy_for(endpoint: Endpoint, mapped: bool) -> str | None:
    """The environment's proxy for this URL (NO_PROXY honoured), never for a mapped host."""
    if mapped:
        return None
    proxies = requests.utils.get_environ_proxies(endpoint.url)
    return requests.utils.select_proxy(endpoint.url, proxies)


def proxy_address(proxy: str) -> tuple[str, int]:
    """The host and port of a proxy URL (``http://user:pw@proxy:3128`` → ``("proxy", 3128)``)."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return parts.hostname or "", parts.port or 8080


def mapped_addresses(connect_to: ConnectToMap, host: str) -> list[str]:
    """The addresses the connect-to map gives ``host`` (on any port), sorted; [] when it does not name it."""
    return list(connect_to.targets(host))


def resolve(host: str, port: int, connect_to: ConnectToMap) -> tuple[list[str], str]:
    """The addresses of ``host`` and who answered: the connect-to map for its hosts, else DNS."""
    mapped = mapped_addresses(connect_to, host)
    if mapped:
        return mapped, VIA_MAP
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise NetworkError(
            f"the name {host} does not resolve",
            code="NETWORK_DNS",
            evidence=f"getaddrinfo({host}): {error.strerror or error}",
            fix="check the address for typos and this machine's DNS (a VPN or split DNS may be needed "
            "for an internal name)",
        ) from None
    seen: list[str] = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(sockaddr[0])
    return seen, "DNS"


def route(endpoint: Endpoint, connect_to: ConnectToMap, addresses: list[str]) -> Route:
    """Where the session's socket goes for ``endpoint``: the mapped target, the proxy, or the host."""
    target = connect_to.get((endpoint.host, endpoint.port))
    if target is not None:
        return Route([target[0]], VIA_MAP, target[1])
    mapped = bool(mapped_addresses(connect_to, endpoint.host))
    proxy = proxy_for(endpoint, mapped)
    if proxy:  # ``addresses`` are the proxy's: the dns rung resolved the proxy for this host
        name, port = proxy_address(proxy)
        return Route(addresses, f"proxy {name}:{port}", port, proxy)
    return Route(addresses, VIA_MAP if mapped else "DNS", endpoint.port)


def connect(endpoint: Endpoint, way: Route, timeout: float = CONNECT_TIMEOUT_S) -> tuple[socket.socket, str]:
    """A TCP connection along ``way``; the address that answered. Refused, timed out and unreachable
    are told apart (a closed port answers at once, a firewall that drops packets makes us wait)."""
    last: OSError | None = None
    for address in way.addresses:
        try:
            sock = socket.create_connection((address, way.port), timeout=timeout)
            return sock, f"{address}:{way.port}"
        except OSError as error:
            last = error
    where = ", ".join(f"{a}:{way.port}" for a in way.addresses) or "no address"
    how = {VIA_MAP: " (the sandbox's connect-to map)", "DNS": ""}.get(way.via, f" ({way.via})")
    if way.via == VIA_MAP:
        target = f"{endpoint.address} (mapped to {where} by the sandbox's connect-to map)"
    elif way.proxy:
        target = f"{endpoint.address} (through the {way.via} at {where})"
    else:
        target = f"{endpoint.address} ({where})"
    if isinstance(last, ConnectionRefusedError):
        raise NetworkError(
            f"{target} refused the connection: nothing listens on that port",
            code="NETWORK_REFUSED",
            evidence=f"connect {where}{how}: {last.strerror or last}",
            fix="check the port and that the service runs there; a firewall that rejects also looks like "
            "this (for the sandbox: 'spkit sandbox status')",
        )
    if isinstance(last, TimeoutError):
        raise NetworkError(
            f"connecting to {target} timed out after {timeout:.0f} s",
            code="NETWORK_TIMEOUT",
            evidence=f"connect {where}{how}: no answer in {timeout:.0f} s",
            fix="a firewall or a proxy between this machine and the host drops the packets: open the port "
            "outbound, or set HTTPS_PROXY to the proxy that reaches it",
        )
    raise NetworkError(
        f"cannot reach {target}",
        code="NETWORK_UNREACHABLE",
        evidence=f"connect {where}{how}: {getattr(last, 'strerror', None) or last}",
        fix="check this machine's network route to the host (VPN, routing, firewall)",
    )


def tunnel(sock: socket.socket, endpoint: Endpoint, proxy: str) -> None:
    """Ask an HTTP proxy for a CONNECT tunnel to ``endpoint``, as requests does for https://."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    lines = [f"CONNECT {endpoint.address} HTTP/1.1", f"Host: {endpoint.address}"]
    if parts.username:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        lines.append(f"Proxy-Authorization: Basic {base64.b64encode(pair).decode()}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer and len(answer) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    status = answer.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    if " 200" not in status:
        raise NetworkError(
            f"the proxy {parts.hostname}:{parts.port or 8080} refused the tunnel to {endpoint.address}",
            code="NETWORK_PROXY",
            evidence=f"CONNECT {endpoint.address}: {status or 'no answer'}",
            fix="check HTTPS_PROXY / NO_PROXY, and the proxy's credentials and allow-list for this host",
        )


def ca_bundle_for(profile_bundle: object, card: dict | None) -> tuple[str, str]:
    """The CA bundle the session verifies with, and where that choice came from."""
    if profile_bundle:
        return str(profile_bundle), "the profile's ca_bundle"
    if card and card.get("ca_bundle"):
        return str(card["ca_bundle"]), "the sandbox card's ca_bundle"
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(name):
            return os.environ[name], f"${name}"
    return requests.utils.DEFAULT_CA_BUNDLE_PATH, "certifi (no ca_bundle set)"


def _name(parts) -> str:
    flat = dict(pair for rdn in parts for pair in rdn)
    return flat.get("commonName") or ", ".join(f"{k}={v}" for k, v in flat.items()) or "?"


def _x509_facts(der: bytes) -> dict[str, object]:
    """Subject, issuer and validity of a certificate the handshake refused (read without trusting it)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)

    def cn(name) -> str:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else name.rfc4514_string()

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    return {
        "subject": cn(cert.subject),
        "issuer": cn(cert.issuer),
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "names": list(names),
    }


def _peek(endpoint: Endpoint, way: Route) -> dict[str, object]:
    """The server's certificate without verifying it: the evidence of why verification failed."""
    try:
        sock, _ = connect(endpoint, way, timeout=5.0)
        with sock:
            if way.proxy:
                tunnel(sock, endpoint, way.proxy)
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with context.wrap_socket(sock, server_hostname=endpoint.host) as tls:
                der = tls.getpeercert(binary_form=True)
        return _x509_facts(der) if der else {}
    except (OSError, ValueError, NetworkError):
        return {}


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else str(value or "?")


def _refused(endpoint: Endpoint, error: ssl.SSLError, seen: dict, bundle: str, source: str) -> TlsError:
    """The verification failure with the diagnosis the HTTP layer gives it (expired, not yet valid,
    another name, an unknown issuer: one code each), and the certificate itself as evidence."""
    from ..services.http_errors import tls_error

    diagnosed = tls_error(error, endpoint.address, "TLS handshake", ca_bundle=bundle)
    if not seen:
        return TlsError(
            diagnosed.summary.removeprefix("TLS handshake: "),
            code=diagnosed.code,
            evidence=diagnosed.evidence,
            fix=diagnosed.fix,
        )
    subject, issuer = seen.get("subject", "?"), seen.get("issuer", "?")
    cert = (
        f"certificate CN={subject} issued by CN={issuer}, valid {_when(seen.get('not_before'))} to "
        f"{_when(seen.get('not_after'))}, names: {', '.join(seen.get('names') or []) or 'none'}"
    )
    reason = getattr(error, "verify_message", None) or getattr(error, "reason", None) or error
    return TlsError(
        f"{diagnosed.summary.removeprefix('TLS handshake: ')}: {cert}",
        code=diagnosed.code,
        evidence=f"{endpoint.address}: {reason}; {cert}; CA bundle {bundle} ({source})",
        fix=diagnosed.fix,
    )


_contexts: dict[tuple[str, int, int], ssl.SSLContext] = {}


def _verifying_context(bundle: str) -> ssl.SSLContext:
    """The client TLS context for ``bundle`` (TLS 1.2 at least, names checked), made once per version of
    the file: loading a CA bundle costs about a millisecond, and a fleet probes thousands of hosts.
    FileNotFoundError when the bundle does not exist."""
    info = os.stat(bundle)
    key = (bundle, info.st_mtime_ns, info.st_size)
    context = _contexts.get(key)
    if context is None:
        context = ssl.create_default_context(cafile=bundle)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if len(_contexts) > 32:
            _contexts.clear()
        _contexts[key] = context
    return context


def handshake(
    endpoint: Endpoint, way: Route, bundle: str, source: str, timeout: float = CONNECT_TIMEOUT_S
) -> TlsFacts:
    """A verified TLS handshake with ``endpoint`` (SNI and name check on its host), as the session does."""
    sock, _ = connect(endpoint, way, timeout)
    try:
        if way.proxy:
            tunnel(sock, endpoint, way.proxy)
        context = _verifying_context(bundle)
        with context.wrap_socket(sock, server_hostname=endpoint.host) as tls:
            cert = tls.getpeercert() or {}
            version, cipher = tls.version() or "?", (tls.cipher() or ("?",))[0]
    except ssl.SSLCertVerificationError as error:
        raise _refused(endpoint, error, _peek(endpoint, way), bundle, source) from None
    except ssl.SSLError as error:
        raise _refused(endpoint, error, {}, bundle, source) from None
    except (ConnectionResetError, TimeoutError) as error:
        raise TlsError(
            f"the TLS handshake with {endpoint.address} failed",
            code="TLS_HANDSHAKE_FAILED",
            evidence=f"{endpoint.address}: {type(error).__name__}: {error}"[:300],
            fix="check that the address's port speaks TLS (https://), and that no proxy or firewall cuts TLS",
        ) from None
    except FileNotFoundError:
        raise TlsError(
            f"the CA bundle {bundle} does not exist",
            code="TLS_UNTRUSTED",
            evidence=f"{source}: {bundle}",
            fix="point 'ca_bundle' at an existing PEM file",
        ) from None
    finally:
        sock.close()
    not_after = cert.get("notAfter")
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC) if not_after else None
    not_before = cert.get("notBefore")
    return TlsFacts(
        version=version,
        cipher=cipher,
        subject=_name(cert.get("subject", ())),
        issuer=_name(cert.get("issuer", ())),
        not_before=_when(datetime.fromtimestamp(ssl.cert_time_to_seconds(not_before), UTC))
        if not_before
        else "?",
        not_after=_when(expires),
        names=[value for kind, value in cert.get("subjectAltName", ()) if kind == "DNS"],
        days_left=(expires - datetime.now(UTC)).days if expires else None,
    )


def timed(work, *args):
    """``work(*args)``'s value and how long it took."""
    started = time.perf_counter()
    value = work(*args)
    return value, time.perf_counter() - started
