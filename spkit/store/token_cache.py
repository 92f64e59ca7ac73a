"""MSAL's token cache kept between runs: encrypted with the store key, saved atomically under a lock.

It is a cache: a file that cannot be decrypted or parsed is discarded with a warning (the next sign-in
fills it again), never an error. It holds access tokens, so it is encrypted and mode 0600 all the same.
Concurrent savers: the last complete save wins (a lost entry costs one token request).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import msal
from cryptography.fernet import InvalidToken

from ..fileio import atomic_write
from .keys import load_key
from .locking import locked
from .paths import STORE_FILE, config_dir, private_dir, token_cache_path


class TokenCacheWarning(UserWarning):
    """The persisted token cache could not be used and was discarded."""


class PersistedTokenCache(msal.SerializableTokenCache):
    """A ``SerializableTokenCache`` that remembers the file it was loaded from."""

    def __init__(self, path: Path, key_dir: Path) -> None:
        super().__init__()
        self.path = path
        self.key_dir = key_dir


def open_token_cache(
    path: str | Path | None = None, *, key_dir: str | Path | None = None
) -> PersistedTokenCache:
    """The cache saved by earlier runs (empty when there is none, or when it is unusable)."""
    file = Path(path).expanduser().absolute() if path is not None else token_cache_path()
    keys = Path(key_dir).expanduser().absolute() if key_dir is not None else config_dir()
    cache = PersistedTokenCache(file, keys)
    try:
        blob = file.read_bytes()
    except FileNotFoundError:
        return cache
    except OSError as exc:
        return _discard(cache, f"cannot be read ({exc.strerror})")
    key = load_key(keys, create=False)
    if key is None:
        return _discard(cache, "was encrypted with a store key that no longer exists")
    try:
        text = key.fernet().decrypt(blob).decode("utf-8")
        if not isinstance(json.loads(text), dict):
            raise ValueError("not a JSON object")
        cache.deserialize(text)
    except (InvalidToken, UnicodeError, ValueError):
        return _discard(cache, "cannot be decrypted or is not a token cache")
    cache.has_state_changed = False
    return cache


def save_token_cache(cache: msal.SerializableTokenCache, path: str | Path | None = None) -> bool:
    """Persist ``cache`` if MSAL changed it; True when a file was written."""
    if not cache.has_state_changed:
        return False
    default = cache.path if isinstance(cache, PersistedTokenCache) else token_cache_path()
    file = Path(path).expanduser().absolute() if path is not None else default
    key_dir = cache.key_dir if isinstance(cache, PersistedTokenCache) else config_dir()
    key = load_key(key_dir, create=True, store=key_dir / STORE_FILE)  # never a second key beside secrets
    assert key is not None
    private_dir(file.parent)
    with locked(file):
        atomic_write(file, key.fernet().encrypt(cache.serialize().encode("utf-8")), 0o600)
    cache.has_state_changed = False
    return True


def _discard(cache: PersistedTokenCache, problem: str) -> PersistedTokenCache:
    warnings.warn(
        f"the token cache {cache.path} {problem}; starting with an empty cache",
        TokenCacheWarning,
        stacklevel=3,
    )
    return cache
