"""Where the store and the token cache live: XDG directories, overridable for tests and services.

``SPKIT_CONFIG_DIR`` and ``SPKIT_CACHE_DIR`` win over ``XDG_CONFIG_HOME``/``XDG_CACHE_HOME`` so a test, a
service account or a CI job can point spkit at its own store without touching the user's.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_DIR = "spkit"
STORE_FILE = "connections.json"
KEY_FILE = "store.key"
TOKEN_CACHE_FILE = "msal_cache.bin"


def _xdg(variable: str, default: str) -> Path:
    """``$variable/spkit``; the XDG spec says a relative (or empty) value is ignored."""
    base = Path(os.environ.get(variable, "").strip()).expanduser()
    if not base.is_absolute():
        base = Path.home() / default
    return base / APP_DIR


def config_dir() -> Path:
    """The directory of the store, its key file and its lock."""
    override = os.environ.get("SPKIT_CONFIG_DIR", "").strip()
    return Path(override).expanduser().absolute() if override else _xdg("XDG_CONFIG_HOME", ".config")


def cache_dir() -> Path:
    """The directory of the MSAL token cache (a cache: losing it costs one sign-in)."""
    override = os.environ.get("SPKIT_CACHE_DIR", "").strip()
    return Path(override).expanduser().absolute() if override else _xdg("XDG_CACHE_HOME", ".cache")


def store_path() -> Path:
    return config_dir() / STORE_FILE


def token_cache_path() -> Path:
    return cache_dir() / TOKEN_CACHE_FILE


def private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if needed and tighten it when we own it: it holds secrets."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        info = path.stat()
        if os.name == "posix" and info.st_uid == os.getuid() and info.st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError:  # not ours to change; the files inside are 0600 anyway
        pass
    return path
