"""Connection pools shared by the sessions of many connections verified at once (a fleet).

Each connection keeps its own ``SpkitSession`` (its hooks, cookies and evidence stay its own); only the
transport is shared: one adapter, hence one urllib3 pool per host, per set of transport settings (CA
bundle, connect-to map, retries). TLS handshakes and CA-bundle loads then happen once per pooled
connection instead of once per connection verified. urllib3's pools are thread-safe, and a pool is only
shared by sessions that would have built an identical one.

Only bearer-token traffic shares: a Windows (NTLM) sign-in authenticates the TCP connection itself, so
farm sessions never take a shared adapter.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from .connect_to import ConnectToAdapter

_active: ContextVar[SharedPools | None] = ContextVar("spkit_shared_pools", default=None)


class SharedAdapter(ConnectToAdapter):
    """An adapter many sessions mount: closing one session leaves the pools to the other sessions."""

    def close(self) -> None:  # requests.Session.close() closes its adapters
        pass

    def close_pools(self) -> None:
        super().close()


class SharedPools:
    """The adapters of one fleet, one per distinct transport settings; thread-safe."""

    def __init__(self, pool_maxsize: int = 10) -> None:
        self.pool_maxsize = max(pool_maxsize, 1)
        self._adapters: dict[tuple, SharedAdapter] = {}
        # by id: a card's map (hundreds of hosts), sorted once rather than for every session
        self._map_keys: dict[int, tuple[Mapping[str, str], int, tuple]] = {}
        self._lock = threading.Lock()

    def _map_key(self, connect_to: Mapping[str, str] | None) -> tuple:
        if not connect_to:
            return ()
        known = self._map_keys.get(id(connect_to))
        if known is not None and known[0] is connect_to and known[1] == len(connect_to):
            return known[2]
        key = tuple(sorted(connect_to.items()))
        self._map_keys[id(connect_to)] = (connect_to, len(connect_to), key)
        return key

    def adapter(
        self,
        *,
        ca_bundle: str | os.PathLike | None,
        connect_to: Mapping[str, str] | None,
        max_retries,
        retries_key: int,
    ) -> SharedAdapter:
        with self._lock:
            key = (str(ca_bundle) if ca_bundle else None, self._map_key(connect_to), retries_key)
            adapter = self._adapters.get(key)
            if adapter is None:
                adapter = SharedAdapter(
                    connect_to,
                    max_retries=max_retries,
                    pool_connections=max(10, self.pool_maxsize),
                    pool_maxsize=self.pool_maxsize,
                )
                self._adapters[key] = adapter
            return adapter

    def __len__(self) -> int:
        return len(self._adapters)

    def close(self) -> None:
        with self._lock:
            adapters, self._adapters = list(self._adapters.values()), {}
        for adapter in adapters:
            adapter.close_pools()


def active_pools() -> SharedPools | None:
    """The pools of the fleet this code runs in (None outside a fleet: every session has its own)."""
    return _active.get()


@contextmanager
def sharing_pools(pool_maxsize: int = 10) -> Iterator[SharedPools]:
    """Within this context (and in contexts copied from it), Online sessions share pools."""
    pools = SharedPools(pool_maxsize)
    token = _active.set(pools)
    try:
        yield pools
    finally:
        _active.reset(token)
        pools.close()
