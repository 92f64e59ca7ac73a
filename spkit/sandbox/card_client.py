"""A request to a running sandbox the way its card says to reach it: the card's connect-to map (the
virtual host's ``host:port`` to the loopback listener) and its CA bundle.

The sandbox's own helper, on the standard library (``http.client``, ``ssl``): ``status`` checks that a
sandbox answers without borrowing the client's HTTP session, the code the sandbox is there to judge.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


class _MappedConnection(http.client.HTTPSConnection):
    """HTTPS to ``host`` (its name for SNI, the certificate check and ``Host``) over a TCP connection to
    ``address``, where the card maps the host."""

    def __init__(
        self, host: str, port: int, address: tuple[str, int], context: ssl.SSLContext, timeout: float
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection(self._address, self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def mapped_address(card: Mapping[str, Any], host: str, port: int) -> tuple[str, int]:
    """Where the card maps ``host:port`` (the host itself when it maps it nowhere)."""
    target = (card.get("connect_to") or {}).get(f"{host.lower()}:{port}")
    if not target:
        return host, port
    address, _, mapped_port = str(target).rpartition(":")
    return address.strip("[]"), int(mapped_port)


def get(card: Mapping[str, Any], url: str, *, timeout: float = 5.0) -> tuple[int, bytes]:
    """``GET url`` (https) through the card's map, trusting only the card's CA: (status, body)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"not an https URL: {url}")
    port = parts.port or 443
    context = ssl.create_default_context(cafile=str(card["ca_bundle"]))
    connection = _MappedConnection(
        parts.hostname, port, mapped_address(card, parts.hostname, port), context, timeout
    )
    try:
        target = parts.path or "/"
        connection.request("GET", f"{target}?{parts.query}" if parts.query else target)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
