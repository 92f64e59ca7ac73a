"""Atomic, private file writes: readers see the old file or the new one, never half of one.

Everything spkit saves (keys, certificates, the sandbox card, later the connection store) goes
through here, so crash-safety and file modes are decided in one place.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: str | os.PathLike, data: bytes, mode: int = 0o600, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` via a temp file in the same directory, fsync and rename. ``durable=False``
    skips the fsyncs (never half a file, but maybe the old one after a crash): for files made again
    when lost, by the hundred."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if not durable:
        return target
    with contextlib.suppress(OSError):  # make the rename itself durable where the platform allows it
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def atomic_write_json(path: str | os.PathLike, payload: Any, mode: int = 0o600) -> Path:
    return atomic_write(path, (json.dumps(payload, indent=2) + "\n").encode("utf-8"), mode)


def private_folder(root: str | os.PathLike, *parts: str) -> Path:
    """``root/parts...`` made (or kept) 0700 at every level below ``root``: folders that hold 0600 files
    are no more readable than the files."""
    folder = Path(root)
    for part in parts:
        folder = folder / part
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    return folder
