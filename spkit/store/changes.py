"""Edits to a profile's plain data: ``key=value`` with dotted keys for nested fields.

One function serves ``ConnectionStore.edit`` and ``spkit connections edit --set``, so the API and the CLI
change profiles the same way; the result is validated again by ``profile_from_dict`` by the caller.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import InputError

_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def parse_assignments(items: Iterable[str]) -> dict[str, str | None]:
    """``["certificate.path=app.pem", "ca_bundle="]`` → changes; an empty value removes the key."""
    changes: dict[str, str | None] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not _KEY_RE.fullmatch(key):
            shown = key if _KEY_RE.fullmatch(key) else "the argument"  # never echo what may be a secret
            raise InputError(
                f"--set {shown}: expected KEY=VALUE with a field name such as certificate.path",
                code="USAGE",
                fix="write --set key=value (dotted keys for nested fields; an empty value removes the key)",
            )
        changes[key] = value.strip() or None
    return changes


def apply_changes(data: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with ``changes`` applied; None removes a key (and a mapping left empty)."""
    result = copy.deepcopy(dict(data))
    for dotted, value in changes.items():
        if not isinstance(dotted, str) or not _KEY_RE.fullmatch(dotted):
            raise InputError(
                f"cannot change {dotted!r}: not a field name",
                code="PROFILE_UNKNOWN_KEY",
                fix="use field names such as tenant_id or certificate.path",
            )
        parts = dotted.split(".")
        if value is None:
            _remove(result, parts)
        else:
            _set(result, parts, copy.deepcopy(value), dotted)
    return result


def _set(data: dict[str, Any], parts: list[str], value: Any, dotted: str) -> None:
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            where = ".".join(parts[: depth + 1])
            raise InputError(
                f"cannot set {dotted}: {where} is not a mapping",
                code="PROFILE_WRONG_TYPE",
                fix=f"remove {where} first (--set {where}=), then set {dotted}",
            )
        node = child
    node[parts[-1]] = value


def _remove(data: dict[str, Any], parts: list[str]) -> None:
    trail = [data]
    for part in parts[:-1]:
        child = trail[-1].get(part)
        if not isinstance(child, dict):
            return
        trail.append(child)
    trail[-1].pop(parts[-1], None)
    for depth in range(len(trail) - 1, 0, -1):  # drop mappings the removal left empty
        if not trail[depth]:
            trail[depth - 1].pop(parts[depth - 1], None)
