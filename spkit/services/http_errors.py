"""Turn what requests raises into spkit's typed errors, each with a diagnosis a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from ..errors import NetworkError, ServiceError, TlsError


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def network_error(exc: requests.RequestException, url: str, what: str) -> NetworkError:
    """The rung of the ladder that broke (name, TCP, TLS, time), from the exception requests raised."""
    host = _host(url)
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return TlsError(
            f"{what}: the TLS certificate of {host} is not trusted",
            code="TLS_UNTRUSTED",
            evidence=text[:300],
            fix="set 'ca_bundle' in the profile to the CA that issued the server's certificate "
            "(for the sandbox: the card's ca_bundle), or fix the server's certificate chain",
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return NetworkError(
            f"{what}: the proxy refused or failed the connection to {host}",
            code="NETWORK_PROXY",
            evidence=text[:300],
            fix="check HTTPS_PROXY / NO_PROXY in the environment",
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NetworkError(
            f"{what}: connecting to {host} timed out",
            code="NETWORK_TIMEOUT",
            evidence=text[:300],
            fix="check the firewall and proxy between this machine and the host",
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return NetworkError(
            f"{what}: {host} did not answer in time",
            code="NETWORK_TIMEOUT",
            evidence=text[:300],
            fix="retry later; if it persists the service is overloaded or a proxy stalls",
        )
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return NetworkError(
            f"{what}: the name {urlsplit(url).hostname} does not resolve",
            code="NETWORK_DNS",
            evidence=text[:300],
            fix="check the address for typos and this machine's DNS",
        )
    if "Connection refused" in text:
        return NetworkError(
            f"{what}: {host} refused the connection",
            code="NETWORK_REFUSED",
            evidence=text[:300],
            fix="check the port and that the service is running (for the sandbox: 'spkit sandbox status')",
        )
    return NetworkError(
        f"{what}: cannot reach {host}",
        code="NETWORK_UNREACHABLE",
        evidence=text[:300],
        fix="check the address, the network and the proxy settings",
    )


def call(send: Callable[..., requests.Response], url: str, what: str, **kwargs: Any) -> requests.Response:
    """Send a request; a failure to reach the server becomes a NetworkError/TlsError."""
    try:
        return send(url, **kwargs)
    except requests.RequestException as exc:
        raise network_error(exc, url, what) from exc


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
