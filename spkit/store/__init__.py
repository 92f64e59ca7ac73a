"""Saved connections ("defined connections"): profiles with references, their app registration, and
their secrets encrypted at rest; plus MSAL's token cache kept between runs.

``resolve_store_secret`` is what ``SecretRef.resolve(store=...)`` takes to decrypt a
``store:CONNECTION/KEY`` reference, so ``spkit.models`` never needs to know how the store works.
"""

from __future__ import annotations

from .connections import SECRET_FIELDS, ConnectionStore, SavedConnection, store_ref
from .errors import (
    ConnectionExistsError,
    ConnectionNameError,
    ConnectionNotFoundError,
    ConnectionSecretError,
    StoreCorruptError,
    StoreError,
    StoreKeyError,
    StoreLockedError,
)
from .paths import cache_dir, config_dir, store_path, token_cache_path
from .token_cache import PersistedTokenCache, TokenCacheWarning, open_token_cache, save_token_cache


def resolve_store_secret(name: str, key: str) -> str:
    """``store:NAME/KEY`` → the value, from the default store (``SPKIT_CONFIG_DIR`` applies)."""
    return ConnectionStore().secret(name, key)


__all__ = [
    "SECRET_FIELDS",
    "ConnectionExistsError",
    "ConnectionNameError",
    "ConnectionNotFoundError",
    "ConnectionSecretError",
    "ConnectionStore",
    "PersistedTokenCache",
    "SavedConnection",
    "StoreCorruptError",
    "StoreError",
    "StoreKeyError",
    "StoreLockedError",
    "TokenCacheWarning",
    "cache_dir",
    "config_dir",
    "open_token_cache",
    "resolve_store_secret",
    "save_token_cache",
    "store_path",
    "store_ref",
    "token_cache_path",
]
