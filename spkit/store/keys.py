"""The one Fernet key that encrypts stored secrets and the token cache, and where it is kept.

The OS keyring (service ``spkit``, name ``connections-key``) when a real backend exists; otherwise
``<config dir>/store.key`` (mode 0600), created on first use. A key file that already exists wins, so a
store keeps the key it was written with even after a keyring appears. Creation is serialised by a lock
and published with ``link`` (which never replaces), so two first saves cannot end with two keys.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from .errors import StoreKeyError, StoreKeyLostError
from .locking import locked
from .paths import KEY_FILE, private_dir

KEYRING_SERVICE = "spkit"
KEYRING_NAME = "connections-key"
_OFF = {"0", "off", "no", "false", "file"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreKey:
    """A Fernet key and where it came from (``keyring`` or the key file's path); repr hides the key."""

    key: bytes = field(repr=False)
    source: str

    def fernet(self) -> Fernet:
        return Fernet(self.key)


def keyring_backend() -> Any | None:
    """The keyring backend when it can really keep a secret, else None (never raises).

    The ``fail`` and ``null`` backends (a headless Linux has only those) and an empty chainer do not
    count. ``SPKIT_KEYRING=off`` forces the key file (CI, containers, tests).
    """
    if os.environ.get("SPKIT_KEYRING", "").strip().lower() in _OFF:
        return None
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
    except Exception:  # no package, or a broken keyring configuration: fall back to the file
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def key_file(directory: Path) -> Path:
    return directory / KEY_FILE


def load_key(directory: Path, *, create: bool = True, store: Path | None = None) -> StoreKey | None:
    """The store's key; created (keyring first, else file) when ``create`` and none exists yet.

    ``store`` is the connection store the key serves: when it holds encrypted secrets, the key they need
    is lost, not absent, and a new one is refused (``STORE_KEY_LOST``) rather than made."""
    found = _existing_key(directory)
    if found is not None or not create:
        return found
    private_dir(directory)
    with locked(key_file(directory)):
        found = _existing_key(directory)  # another process may have created it while we waited
        if found is not None:
            return found
        holders = encrypted_holders(store) if store is not None else []
        if holders:
            raise key_lost(directory, store, holders)
        new = Fernet.generate_key()
        if _keyring_put(new):
            return StoreKey(new, "keyring")
        return _create_key_file(key_file(directory), new)


def encrypted_holders(store: Path) -> list[str]:
    """The saved connections in ``store`` that hold encrypted secrets (none when there is no store)."""
    from .document import read_document  # the document module does not need the key

    if not store.exists():
        return []
    return sorted(name for name, entry in read_document(store)["connections"].items() if entry["secrets"])


def key_lost(directory: Path, store: Path, holders: list[str]) -> StoreKeyLostError:
    names = ", ".join(holders)
    first = holders[0]
    return StoreKeyLostError(
        f"the store key is lost: there is no {key_file(directory)} and no keyring entry "
        f"{KEYRING_SERVICE}/{KEYRING_NAME}, yet {store} holds secrets encrypted with it (connections: "
        f"{names}); spkit will not encrypt new secrets with a second key",
        fix=f"restore the key (store.key from a backup into {directory}, or the keyring entry); if it is "
        f"gone for good, re-enter each secret: spkit connections edit '{first}' --client-secret-stdin "
        f"< secret.txt (for each of: {names}). The first re-entry starts a new key and drops the secrets "
        "the lost key encrypted; a copy of the store is kept",
    )


def _existing_key(directory: Path) -> StoreKey | None:
    path = key_file(directory)
    try:
        data = path.read_bytes().strip()
    except FileNotFoundError:
        return _keyring_get()
    except OSError as exc:
        raise StoreKeyError(
            f"the store key {path} cannot be read ({exc.strerror})",
            fix=f"give the account that runs spkit read access to {path} (chmod 600)",
        ) from None
    return StoreKey(_checked(data, str(path)), str(path))


def _checked(data: bytes, where: str) -> bytes:
    try:
        Fernet(data)
    except (ValueError, TypeError):
        raise StoreKeyError(
            f"the store key in {where} is not a valid key",
            fix="restore the original key; without it the saved secrets cannot be decrypted",
        ) from None
    return data


def _keyring_get() -> StoreKey | None:
    backend = keyring_backend()
    if backend is None:
        return None
    try:
        value = backend.get_password(KEYRING_SERVICE, KEYRING_NAME)
    except Exception as exc:  # a locked or broken keyring: say so, do not guess a new key
        raise StoreKeyError(
            f"the keyring ({type(backend).__name__}) could not be read ({exc.__class__.__name__})",
            fix="unlock the keyring, or run with SPKIT_KEYRING=off to use the key file",
        ) from None
    if not value:
        return None
    return StoreKey(_checked(value.encode("ascii", "replace"), "the keyring"), "keyring")


def _keyring_put(key: bytes) -> bool:
    """Store a new key in the keyring and read it back; False (use the file) when that fails."""
    backend = keyring_backend()
    if backend is None:
        return False
    try:
        backend.set_password(KEYRING_SERVICE, KEYRING_NAME, key.decode("ascii"))
        return backend.get_password(KEYRING_SERVICE, KEYRING_NAME) == key.decode("ascii")
    except Exception as exc:
        log.warning("keyring %s refused the store key (%s); using a key file", type(backend).__name__, exc)
        return False


def _create_key_file(path: Path, key: bytes) -> StoreKey:
    """Publish ``key`` at ``path`` complete or not at all, and never over an existing key."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:  # a key appeared after all: use it, not ours
            existing = _existing_key(path.parent)
            assert existing is not None
            return existing
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    log.info("created the store key %s", path)
    return StoreKey(key, str(path))
