"""The store's exclusive lock: every read-modify-write holds it, so two writers never lose an update.

``filelock`` uses ``flock`` on POSIX: the kernel releases the lock when its holder dies, so a writer
killed mid-save never leaves the store locked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import StoreLockedError

LOCK_TIMEOUT_S = 30.0


def lock_path(path: Path) -> Path:
    """The lock file that guards ``path``."""
    return path.with_name(path.name + ".lock")


@contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` for the duration of the block."""
    lock = FileLock(str(lock_path(path)), timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise StoreLockedError(
            f"{path} is locked by another spkit process (waited {timeout:.0f}s for {lock_path(path)})",
            fix="wait for the other spkit command to finish, then try again",
        ) from None
    try:
        yield
    finally:
        lock.release()
