"""``curl --connect-to`` for requests: reach ``host:port`` at another address, keeping the host name.

SNI, certificate verification and the ``Host`` header still use the original name, so a client talks
to the sandbox exactly as it would talk to Microsoft, only the socket goes to loopback.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection


class ConnectToMap(dict):
    """A parsed connect-to map, ``{(host, port): (address, port)}``, read-only, that also answers by host
    name alone (``targets``: the addresses a resolver would give) without a scan of every entry."""

    def __init__(self, entries=()) -> None:
        super().__init__(entries)
        by_host: dict[str, set[str]] = {}
        for (host, _), (address, _) in self.items():
            by_host.setdefault(host, set()).add(address)
        self._by_host = {host: tuple(sorted(addresses)) for host, addresses in by_host.items()}

    def targets(self, host: str) -> tuple[str, ...]:
        """The mapped addresses of ``host`` (on any port), sorted; empty when the map does not name it."""
        return self._by_host.get(host, ())

    def _read_only(self, *args, **kwargs):
        raise TypeError("a parsed connect-to map is shared: copy it (dict(...)) to change it")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _read_only  # type: ignore[assignment]

    def __reduce__(self):
        return (ConnectToMap, (dict(self),))


# The last map parsed, by the identity of its source: a sandbox card (read once, see models.card) has one
# map of four hosts per tenant, which every connection of a fleet would otherwise parse again.
_last: tuple[Mapping[str, str], int, ConnectToMap] | None = None


def parse_connect_to(mapping: Mapping[str, str]) -> ConnectToMap:
    """``{"host:443": "127.0.0.1:8443"}`` → ``{("host", 443): ("127.0.0.1", 8443)}`` (read-only);
    ValueError if malformed."""
    global _last
    last = _last
    if last is not None and last[0] is mapping and last[1] == len(mapping):
        return last[2]
    parsed: dict[tuple[str, int], tuple[str, int]] = {}
    for source, target in mapping.items():
        s_host, _, s_port = source.rpartition(":")
        t_host, _, t_port = target.rpartition(":")
        if not (s_host and s_port.isdigit() and t_host and t_port.isdigit()):
            raise ValueError(f"connect-to entry {source!r}: {target!r} is not 'host:port': 'address:port'")
        parsed[(s_host.lower(), int(s_port))] = (t_host.strip("[]"), int(t_port))
    result = ConnectToMap(parsed)
    _last = (mapping, len(mapping), result)
    return result


def _mapped_new_conn(self) -> socket.socket:
    target = self._spkit_connect_to.get((self.host.lower(), self.port))
    if target is None:
        return self._spkit_original_new_conn()
    try:
        return urllib3_connection.create_connection(
            target, self.timeout, source_address=self.source_address, socket_options=self.socket_options
        )
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            self, f"Connection to {self.host} (mapped to {target[0]}:{target[1]}) timed out."
        ) from exc
    except OSError as exc:
        raise NewConnectionError(
            self,
            f"Failed to establish a new connection to {self.host} (mapped to {target[0]}:{target[1]}): {exc}",
        ) from exc


def _connection_class(base: type, mapping: dict) -> type:
    return type(
        f"ConnectTo{base.__name__}",
        (base,),
        {
            "_spkit_connect_to": mapping,
            "_new_conn": _mapped_new_conn,
            "_spkit_original_new_conn": base._new_conn,
        },
    )


class ConnectToAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections honour a connect-to map (and otherwise behave as usual)."""

    def __init__(self, connect_to: Mapping[str, str] | None = None, **kwargs) -> None:
        self.connect_to = parse_connect_to(connect_to or {})
        super().__init__(**kwargs)

    def maps(self, host: str, port: int) -> bool:
        return (host.lower(), port) in self.connect_to

    def browser_url(self, url: str) -> str:
        """The address a browser on this machine opens for ``url``.

        A browser knows no connect-to map, but it resolves ``*.localhost`` to loopback by itself; so a
        mapped host keeps its name (for the certificate and the Host header) and takes the port it is
        mapped to. Unmapped URLs are returned as they are."""
        parts = urlsplit(url)
        if not parts.hostname:
            return url
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = self.connect_to.get((parts.hostname.lower(), port))
        if target is None:
            return url
        netloc = f"{parts.hostname}:{target[1]}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs) -> None:
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        if not self.connect_to:
            return
        https_conn = _connection_class(HTTPSConnection, self.connect_to)
        http_conn = _connection_class(HTTPConnection, self.connect_to)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("ConnectToHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("ConnectToHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }

    def __getstate__(self):  # requests pickles adapters; keep the map
        state = super().__getstate__()
        state["connect_to"] = self.connect_to
        return state
