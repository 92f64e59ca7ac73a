"""What a batch verifies: the connections named by the user's PATHs (parameters files, folders of them,
``connection:NAME``) or all saved connections, each loaded once so its name is known.

A profile that does not load is still a target (with ``error`` set): the batch reports it as a failed
row and goes on. Only what cannot be a target at all (a path that does not exist, an unknown saved
connection, nothing to verify) is bad input for the whole batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ...errors import InputError, SpkitError

CONNECTION_PREFIX = "connection:"
PROFILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class BatchTarget:
    """One connection to verify. ``name`` is unique within a batch and safe as a file name."""

    name: str
    source: str  # what the user passed: a file path, or "connection:NAME"
    profile_path: Path | None = None  # a parameters file (absolute), or None for a saved connection
    connection: str | None = None  # a saved connection's name
    error: str | None = None  # why the profile did not load (one line, no secret)
    kind: str | None = None  # online | onprem, when the profile loaded

    def parameters(self) -> dict[str, str]:
        """The verification notebook's papermill parameters for this target."""
        if self.connection is not None:
            return {"connection": self.connection, "profile_path": ""}
        return {"profile_path": str(self.profile_path), "connection": ""}


def safe_name(text: str) -> str:
    """A file-name-safe form of a connection's name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "connection"


def one_line(error: BaseException) -> str:
    """An error as one line for a batch row: its code and summary, or its type and text."""
    if isinstance(error, SpkitError):
        text = f"[{error.code}] {error.summary}"
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())


def _profile_target(path: Path, source: str) -> BatchTarget:
    from ...models.profile import load_profile

    try:
        profile = load_profile(path)
    except Exception as error:  # a bad profile is a row of the batch, not the end of it
        return BatchTarget(path.stem, source, profile_path=path.resolve(), error=one_line(error))
    return BatchTarget(profile.name, source, profile_path=path.resolve(), kind=profile.kind)


def _connection_target(name: str, store) -> BatchTarget:
    from ...store.errors import StoreError

    source = f"{CONNECTION_PREFIX}{name}"
    try:
        profile = store.get(name).profile
    except StoreError:  # unknown name, damaged or locked store: nothing to verify, bad input
        raise
    except Exception as error:  # a saved profile that no longer validates is a failed row
        return BatchTarget(name, source, connection=name, error=one_line(error))
    return BatchTarget(profile.name or name, source, connection=name, kind=profile.kind)


def _folder_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PROFILE_SUFFIXES)
    if not files:
        raise InputError(
            f"no parameters files (*.yaml, *.yml) in {folder}",
            code="BATCH_EMPTY_FOLDER",
            fix="name a folder of connection profiles, profile files, or connection:NAME",
        )
    return files


def collect_targets(
    paths: Iterable[str | Path], *, connections: bool = False, store=None
) -> list[BatchTarget]:
    """The targets named by ``paths`` (in order, folders sorted), plus every saved connection when
    ``connections``. Raises ``InputError`` for a path that does not exist or an unknown connection."""
    found: list[BatchTarget] = []
    if store is None and (connections or any(str(p).startswith(CONNECTION_PREFIX) for p in paths)):
        from ...store import ConnectionStore

        store = ConnectionStore()
    for item in paths:
        text = str(item)
        if text.startswith(CONNECTION_PREFIX):
            name = text[len(CONNECTION_PREFIX) :]
            found.append(_connection_target(name, store))
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            found.extend(_profile_target(file, str(file)) for file in _folder_files(path))
        elif path.is_file():
            found.append(_profile_target(path, text))
        else:
            raise InputError(
                f"{text}: no such file or folder",
                code="BATCH_PATH_NOT_FOUND",
                fix="name parameters files, folders of them, or connection:NAME (see 'spkit connections list')",
            )
    if connections:
        found.extend(_connection_target(name, store) for name in store.names())
    return unique_names(found)


def unique_names(targets: list[BatchTarget]) -> list[BatchTarget]:
    """Drop a target named twice by the same source; give other clashes a numbered, file-safe name."""
    seen_sources: set[tuple[str | None, str | None]] = set()
    taken: set[str] = set()
    result = []
    for target in targets:
        key = (str(target.profile_path) if target.profile_path else None, target.connection)
        if key in seen_sources:
            continue
        seen_sources.add(key)
        base = safe_name(target.name)
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name.lower())
        result.append(target if name == target.name else _renamed(target, name))
    return result


def _renamed(target: BatchTarget, name: str) -> BatchTarget:
    return replace(target, name=name)


def previous_failures(previous_dir: str | Path) -> list[dict[str, str]]:
    """The connections that did not pass in an earlier batch (its ``summary.json``): their name, source
    and status."""
    import json

    path = Path(previous_dir).expanduser() / "summary.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        rows = document["connections"] if isinstance(document, dict) else document
        failed = [
            {
                "connection": str(r["connection"]),
                "source": str(r.get("source") or ""),
                "status": str(r["status"]),
            }
            for r in rows
            if r.get("status") != "passed"
        ]
    except FileNotFoundError:
        raise InputError(
            f"--only-failed {previous_dir}: no summary.json there",
            code="BATCH_NO_PREVIOUS",
            fix="name the --out folder of an earlier 'spkit batch'",
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(
            f"--only-failed {previous_dir}: summary.json is not a batch summary ({type(error).__name__})",
            code="BATCH_NO_PREVIOUS",
            fix="name the --out folder of an earlier 'spkit batch'",
        ) from None
    return failed


def select_targets(
    paths: Sequence[str | Path], *, connections: bool = False, only_failed: str | Path | None = None
) -> list[BatchTarget]:
    """What ``spkit batch`` verifies: the PATHs (and saved connections), or with ``only_failed`` those of
    them that did not pass in that earlier batch (without PATHs: the earlier batch's own sources)."""
    if only_failed is None:
        if not paths and not connections:
            raise InputError(
                "spkit batch: name what to verify",
                code="USAGE",
                fix="spkit batch PATH... --out DIR (see --help)",
            )
        return collect_targets(paths, connections=connections)
    failed = previous_failures(only_failed)
    if not paths and not connections:
        return collect_targets([row["source"] for row in failed if row["source"]])
    names = {row["connection"] for row in failed}
    sources = {row["source"] for row in failed}
    return [
        target
        for target in collect_targets(paths, connections=connections)
        if target.name in names or target.source in sources
    ]
