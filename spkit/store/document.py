"""The store file: a versioned JSON document, read whole, checked, and written whole and atomically.

A file that is not a version-1 document is never emptied or overwritten: it is copied aside to
``connections.json.corrupt-<UTC timestamp>`` and every operation refuses (``STORE_CORRUPT``) until the
user moves it, because the copy may be the only place their connections still exist.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..fileio import atomic_write
from .errors import StoreCorruptError
from .names import is_valid_name

VERSION = 1
ENTRY_KEYS = ("profile", "registration", "saved_at", "secrets")

Document = dict[str, Any]


class _Bad(Exception):
    """Why a document is not a version-1 store (internal: turned into ``StoreCorruptError``)."""


def empty_document() -> Document:
    return {"version": VERSION, "connections": {}}


def read_document(path: Path) -> Document:
    """The checked document at ``path`` (an empty one when the file does not exist)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return empty_document()
    try:
        return check_document(_parse(raw))
    except _Bad as bad:
        raise _corrupt(path, raw, str(bad)) from None


def write_document(path: Path, document: Document) -> None:
    """Replace the file atomically (the caller holds the lock); clear temp files of killed writers."""
    check_document(document)
    _remove_stale_temps(path)
    atomic_write(path, (json.dumps(document, indent=2, sort_keys=False) + "\n").encode("utf-8"), 0o600)


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        raise _Bad("the file is empty")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Bad("it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Bad(f"it is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def check_document(data: Any) -> Document:
    """``data`` itself when it has the version-1 shape; raises ``_Bad`` saying what is wrong."""
    if not isinstance(data, dict):
        raise _Bad(f"the top level is a {type(data).__name__}, not an object")
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise _Bad(f"version is {version!r}; this spkit reads version {VERSION}")
    connections = data.get("connections")
    if not isinstance(connections, dict):
        raise _Bad("'connections' is missing or not an object")
    for name, entry in connections.items():
        _check_entry(name, entry)
    return data


def _check_entry(name: str, entry: Any) -> None:
    where = f"connection {name!r}"
    if not is_valid_name(name):
        raise _Bad(f"{where} has an invalid name")
    if not isinstance(entry, dict):
        raise _Bad(f"{where} is not an object")
    missing = [key for key in ENTRY_KEYS if key not in entry]
    if missing:
        raise _Bad(f"{where} lacks {', '.join(missing)}")
    profile = entry["profile"]
    if not isinstance(profile, dict) or profile.get("name") != name:
        raise _Bad(f"{where}: 'profile' is not an object named {name!r}")
    if entry["registration"] is not None and not isinstance(entry["registration"], dict):
        raise _Bad(f"{where}: 'registration' is neither null nor an object")
    if not isinstance(entry["saved_at"], str):
        raise _Bad(f"{where}: 'saved_at' is not text")
    secrets = entry["secrets"]
    if not isinstance(secrets, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()
    ):
        raise _Bad(f"{where}: 'secrets' is not an object of encrypted texts")


def _corrupt(path: Path, raw: bytes, problem: str) -> StoreCorruptError:
    copy = _copy_aside(path, raw)
    kept = f"; a copy is in {copy}" if copy else "; copying it aside failed, so copy it yourself first"
    return StoreCorruptError(
        f"the connection store {path} is damaged: {problem}{kept}. spkit will not read or overwrite it",
        path=str(path),
        copy=str(copy) if copy else None,
        fix=f"repair the file by hand, or move it away to start an empty store: mv '{path}' '{path}.bad'",
    )


def _copy_aside(path: Path, raw: bytes) -> Path | None:
    """Save the damaged bytes next to the store (once per distinct content); None when that fails."""
    try:
        for existing in sorted(path.parent.glob(f"{path.name}.corrupt-*")):
            with contextlib.suppress(OSError):
                if existing.read_bytes() == raw:
                    return existing
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        copy = path.with_name(f"{path.name}.corrupt-{stamp}")
        counter = 1
        while copy.exists():
            counter += 1
            copy = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        return atomic_write(copy, raw, 0o600)
    except OSError:
        return None


def _remove_stale_temps(path: Path) -> None:
    """Temp files of ``atomic_write`` left by a writer that was killed; only the lock holder may call."""
    for temp in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            temp.unlink()
