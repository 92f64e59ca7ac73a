"""A profile's secret references turned into values, with the saved-connections store wired in.

The models know only the form of ``store:CONNECTION/KEY``; this is the one place the services hand
``SecretRef.resolve`` the store's reader (the default store, or the one a caller names for a block).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ..models.secrets import Secret, SecretRef, StoreResolver

if TYPE_CHECKING:
    from ..store import ConnectionStore


def _default_store(name: str, key: str) -> str:
    """The default store's secret; the store (Fernet, file locks, MSAL's cache) is imported only when a
    ``store:`` reference is resolved, not by every import of the services that resolve secrets."""
    from ..store import resolve_store_secret

    return resolve_store_secret(name, key)


_store: ContextVar[StoreResolver] = ContextVar("spkit_store_secrets", default=_default_store)


def secret_value(ref: SecretRef, card: dict[str, Any] | None = None) -> str:
    """The value ``ref`` names; ``card`` is the sandbox card (for ``sandbox:`` references)."""
    return ref.resolve(card, store=_store.get())


def secret(ref: SecretRef, card: dict[str, Any] | None = None) -> Secret:
    """Like ``secret_value`` but wrapped, so the value prints as ``***``."""
    return ref.resolve_secret(card, store=_store.get())


@contextmanager
def secrets_from(store: ConnectionStore) -> Iterator[None]:
    """Read ``store:`` references from ``store`` instead of the default one inside the block (a record
    of a connection kept in another store verifies with that store's secrets)."""
    token = _store.set(store.secret)
    try:
        yield
    finally:
        _store.reset(token)
