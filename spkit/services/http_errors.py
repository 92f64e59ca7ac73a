"""Turn what requests raises into spkit's typed errors, each with a diagnosis a person can act on.

The rung that broke is read from the exceptions themselves (``socket.gaierror`` for a name,
``ConnectionRefusedError`` for a closed port, ``ssl.SSLCertVerificationError.verify_code`` for a
certificate), walking the chain requests and urllib3 wrap them in, never from the message text.
"""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from ..errors import NetworkError, ServiceError, TlsError
from ..http.session import retries_of

# OpenSSL's X509_V_ERR_* values, as ssl.SSLCertVerificationError.verify_code carries them.
X509_UNABLE_TO_GET_ISSUER_CERT = 2
X509_CERT_NOT_YET_VALID = 9
X509_CERT_HAS_EXPIRED = 10
X509_DEPTH_ZERO_SELF_SIGNED_CERT = 18
X509_SELF_SIGNED_CERT_IN_CHAIN = 19
X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
X509_HOSTNAME_MISMATCH = 62

UNTRUSTED_CODES = frozenset(
    {
        X509_UNABLE_TO_GET_ISSUER_CERT,
        X509_DEPTH_ZERO_SELF_SIGNED_CERT,
        X509_SELF_SIGNED_CERT_IN_CHAIN,
        X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        X509_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
    }
)


# No request of spkit's is this large (a token request is a few kB): a server that cuts such a request
# short, or answers 413, refused its size — a diagnosis of its own, not a TLS or network fault.
LARGE_BODY = 1024 * 1024


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def body_size(request: Any) -> int:
    """The size of a prepared request's body (0 when none, or streamed)."""
    body = getattr(request, "body", None)
    if isinstance(body, str):
        return len(body.encode("utf-8", "replace"))
    return len(body) if isinstance(body, bytes | bytearray) else 0


def request_too_large(host: str, what: str, size: int, answer: str) -> ServiceError:
    """The request was refused for its size: a value in it (a secret, a certificate) is far too big."""
    sent = f"{size / 1_000_000:.1f} MB sent" if size else "the size of the request"
    return ServiceError(
        f"{what}: {host} refused the request as too large ({sent})",
        code="REQUEST_TOO_LARGE",
        evidence=f"{host}: {answer}; request body {size:,} bytes"[:300],
        fix="a value the profile points at is far larger than it can be (a client secret is about 40 "
        "characters, a certificate a few kB): check the file or variable its reference names",
    )


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps: ``args``, urllib3's ``reason``, causes and contexts."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend(getattr(item, "args", ()))
        todo.extend([getattr(item, "reason", None), item.__cause__, item.__context__])


def _first(exc: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]):
    return next((item for item in exception_chain(exc) if isinstance(item, kind)), None)


def trust_store(ca_bundle: str | None) -> str:
    """Which CA certificates the session trusts, as evidence (a path, never a certificate's content)."""
    if ca_bundle:
        return f"ca_bundle {ca_bundle}"
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(name):
            return f"${name} ({os.environ[name]})"
    return f"certifi's bundle ({requests.utils.DEFAULT_CA_BUNDLE_PATH}); no ca_bundle set"


def proxy_for(url: str) -> str | None:
    """The environment's proxy for ``url`` (NO_PROXY honoured), without any user name or password."""
    proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    if not proxy:
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def tls_error(error: ssl.SSLError | None, host: str, what: str, *, ca_bundle: str | None = None) -> TlsError:
    """One diagnosis per reason OpenSSL gives (``verify_code``): expired, not yet valid, another name,
    an issuer outside the trusted CAs; any other TLS failure is a failed handshake."""
    store = trust_store(ca_bundle)
    if isinstance(error, ssl.SSLCertVerificationError):
        code_number = error.verify_code
        evidence = f"{host}: verify_code {code_number} ({error.verify_message}); trusted CAs: {store}"
        if code_number == X509_CERT_HAS_EXPIRED:
            return TlsError(
                f"{what}: the TLS certificate of {host} has expired",
                code="TLS_CERT_EXPIRED",
                evidence=evidence,
                fix="the server's administrator must renew the certificate and bind the new one; if it looks "
                "valid in a browser, check this machine's clock",
            )
        if code_number == X509_CERT_NOT_YET_VALID:
            return TlsError(
                f"{what}: the TLS certificate of {host} is not valid yet",
                code="TLS_CERT_NOT_YET_VALID",
                evidence=evidence,
                fix="check this machine's clock and time zone; if they are right, the certificate was issued "
                "with a start date in the future",
            )
        if code_number == X509_HOSTNAME_MISMATCH:
            return TlsError(
                f"{what}: the TLS certificate of {host} does not name that host",
                code="TLS_NAME_MISMATCH",
                evidence=evidence,
                fix="use the address the certificate names, or have the server's administrator bind a "
                f"certificate whose subject alternative names include {urlsplit('//' + host).hostname}",
            )
        reason = "its issuer is not among the trusted CAs" if code_number in UNTRUSTED_CODES else "it fails"
        return TlsError(
            f"{what}: the TLS certificate of {host} is not trusted ({reason})",
            code="TLS_UNTRUSTED",
            evidence=evidence,
            fix="set 'ca_bundle' in the profile to a PEM file with the CA that issued the server's certificate "
            "(for the sandbox: the card's ca_bundle); behind a corporate proxy that inspects TLS, that is the "
            "proxy's root CA (or ask for these hosts to be exempted from inspection)",
        )
    detail = f"{type(error).__name__}: {error}" if error is not None else "no TLS error in the chain"
    return TlsError(
        f"{what}: the TLS handshake with {host} failed",
        code="TLS_HANDSHAKE_FAILED",
        evidence=f"{host}: {detail}"[:300],
        fix="check that the address's port speaks TLS (https://), and that no proxy or firewall cuts TLS",
    )


def network_error(
    exc: requests.RequestException, url: str, what: str, *, ca_bundle: str | None = None
) -> NetworkError:
    """The rung of the ladder that broke (name, TCP, TLS, proxy, time), from the exceptions requests raised."""
    host = _host(url)
    text = str(exc)[:300]
    size = body_size(getattr(exc, "request", None))
    if size >= LARGE_BODY and _cut_short(exc):
        inner = _first(exc, (ssl.SSLError, ConnectionError)) or exc
        closed = f"the connection was closed while sending ({type(inner).__name__}: {inner})"
        return request_too_large(host, what, size, closed)
    if isinstance(exc, requests.exceptions.SSLError):
        return tls_error(_first(exc, ssl.SSLError), host, what, ca_bundle=ca_bundle)
    if isinstance(exc, requests.exceptions.ProxyError):
        proxy = proxy_for(url) or "the configured proxy"
        tunnel = _first(exc, OSError)
        if (
            tunnel is not None and not tunnel.errno and " 407 " in f" {tunnel} "
        ):  # http.client's "Tunnel connection failed: 407 ..."
            return NetworkError(
                f"{what}: the proxy {proxy} asks for credentials to reach {host} (407)",
                code="NETWORK_PROXY_AUTH",
                evidence=f"CONNECT {host} through {proxy}: {tunnel}"[:300],
                fix="give the proxy's credentials in HTTPS_PROXY (http://user:password@proxy:port), or ask for "
                "this machine or these hosts to be allowed without authentication",
            )
        return NetworkError(
            f"{what}: the proxy {proxy} refused or failed the connection to {host}",
            code="NETWORK_PROXY",
            evidence=f"through {proxy}: {text}",
            fix="check HTTPS_PROXY / NO_PROXY in the environment, and that the proxy allows this host",
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NetworkError(
            f"{what}: connecting to {host} timed out",
            code="NETWORK_TIMEOUT",
            evidence=text,
            fix="check the firewall and proxy between this machine and the host",
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return NetworkError(
            f"{what}: {host} did not answer in time",
            code="NETWORK_TIMEOUT",
            evidence=text,
            fix="retry later; if it persists the service is overloaded or a proxy stalls",
        )
    if _first(exc, socket.gaierror) is not None:
        return NetworkError(
            f"{what}: the name {urlsplit(url).hostname} does not resolve",
            code="NETWORK_DNS",
            evidence=text,
            fix="check the address for typos and this machine's DNS",
        )
    if _first(exc, ConnectionRefusedError) is not None:
        return NetworkError(
            f"{what}: {host} refused the connection",
            code="NETWORK_REFUSED",
            evidence=text,
            fix="check the port and that the service is running (for the sandbox: 'spkit sandbox status')",
        )
    if _first(exc, (ConnectionResetError, BrokenPipeError)) is not None:
        return NetworkError(
            f"{what}: {host} closed the connection",
            code="NETWORK_RESET",
            evidence=text,
            fix="the port may not serve this protocol (https:// on an http:// port?), or a proxy or firewall "
            "cuts the connection",
        )
    return NetworkError(
        f"{what}: cannot reach {host}",
        code="NETWORK_UNREACHABLE",
        evidence=text,
        fix="check the address, the network and the proxy settings",
    )


def _cut_short(exc: requests.RequestException) -> bool:
    """The server closed the connection on a request it had accepted (not: no name, no listener, a
    certificate refused, a timeout, a proxy)."""
    if isinstance(exc, requests.exceptions.Timeout | requests.exceptions.ProxyError):
        return False
    if not isinstance(exc, requests.exceptions.ConnectionError):  # SSLError is one too
        return False
    refused = (socket.gaierror, ConnectionRefusedError, ssl.SSLCertVerificationError)
    return _first(exc, refused) is None


def call(send: Callable[..., requests.Response], url: str, what: str, **kwargs: Any) -> requests.Response:
    """Send a request; a failure to reach the server becomes a NetworkError/TlsError, an answer 413
    (the request is too large) a ``REQUEST_TOO_LARGE``."""
    try:
        response = send(url, **kwargs)
    except requests.RequestException as exc:
        ca_bundle = getattr(getattr(send, "__self__", None), "ca_bundle", None)
        raise network_error(exc, url, what, ca_bundle=ca_bundle) from exc
    if response.status_code == 413:
        answer = f"HTTP 413 {response.reason or ''}".strip()
        raise request_too_large(_host(url), what, body_size(response.request), answer)
    return response


def throttle_evidence(response: requests.Response, text: str) -> str:
    """What a throttled answer showed: status, how often spkit retried, the last Retry-After."""
    retry_after = response.headers.get("Retry-After")
    waited = f", last Retry-After: {retry_after} s" if retry_after else ", no Retry-After"
    return f"HTTP {response.status_code} after {retries_of(response)} retries{waited}; {text}".strip("; ")


def json_body(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ServiceError(
            f"{what}: {_host(response.url)} answered {response.status_code} with a body that is not JSON",
            code="SERVICE_NOT_JSON",
            evidence=response.text[:200],
            fix="the address may point at something that is not the expected service (a proxy or login page)",
        ) from exc


def odata_error_text(response: requests.Response) -> str:
    """The code and message of SharePoint's error body (nometadata or verbose), else the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    err = body.get("odata.error") or body.get("error") or {}
    message = err.get("message")
    if isinstance(message, dict):
        message = message.get("value")
    return " ".join(str(x) for x in (err.get("code", ""), message or body.get("error_description", "")) if x)
