"""The OData query options the directory workloads honour: ``$filter`` (the few forms Entra indexes),
``$select`` and ``$top``.

Entra answers a filter on a property it does not index with ``Request_UnsupportedQuery`` ("Unsupported or
invalid query filter clause specified for property 'x' of resource 'Y'."), a property the type does not
have with the OData parser's "Could not find a property named ...", and an expression it cannot parse
with a syntax error. String comparisons on directory objects are case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .exceptions import BadRequest, GraphError

_STRING = r"'(?P<value>(?:[^']|'')*)'"
_EQ = re.compile(r"(?P<prop>[A-Za-z][\w/]*)\s+eq\s+(?:" + _STRING + r"|(?P<bare>true|false|null))", re.I)
_STARTSWITH = re.compile(r"startswith\(\s*(?P<prop>[A-Za-z]\w*)\s*,\s*" + _STRING + r"\s*\)", re.I)
_ANY = re.compile(
    r"(?P<prop>[A-Za-z]\w*)/any\(\s*(?P<var>[A-Za-z]\w*)\s*:\s*(?P=var)\s+eq\s+" + _STRING + r"\s*\)", re.I
)


@dataclass(frozen=True)
class EntityType:
    """What ``$filter`` and ``$select`` may name on one resource type."""

    name: str  # "application" (microsoft.graph.<name>)
    resource: str  # "Application" (as Entra names it in Request_UnsupportedQuery)
    properties: tuple[str, ...]
    eq: frozenset[str] = frozenset()
    startswith: frozenset[str] = frozenset()
    any: frozenset[str] = frozenset()

    def canonical(self, name: str) -> str | None:
        lowered = name.lower()
        return next((p for p in self.properties if p.lower() == lowered), None)


@dataclass(frozen=True)
class Clause:
    kind: str  # "eq" | "startswith" | "any"
    prop: str
    value: Any  # str, bool or None

    def matches(self, value_of: Callable[[str], Any]) -> bool:
        actual = value_of(self.prop)
        if self.kind == "any":
            return any(_same(item, self.value) for item in actual or ())
        if self.kind == "startswith":
            return isinstance(actual, str) and actual.lower().startswith(str(self.value).lower())
        return _same(actual, self.value)


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, str) and isinstance(wanted, str):
        return actual.lower() == wanted.lower()
    return actual == wanted


Filter = list[list[Clause]]  # OR of ANDs


def parse_filter(raw: str | None, entity: EntityType) -> Filter | None:
    """The clauses of ``$filter`` (``or`` of ``and`` groups, no parentheses), or None without one."""
    if raw is None or not raw.strip():
        return None
    groups = []
    for alternative in _split(raw.strip(), "or"):
        groups.append([_clause(part, entity, raw) for part in _split(alternative, "and")])
    return groups


def matches(filter_: Filter | None, value_of: Callable[[str], Any]) -> bool:
    if not filter_:
        return True
    return any(all(clause.matches(value_of) for clause in group) for group in filter_)


def _split(text: str, word: str) -> list[str]:
    """Split on `` and `` / `` or `` outside quoted strings."""
    parts, depth_quote, start, i = [], False, 0, 0
    token = f" {word} "
    lowered = text.lower()
    while i < len(text):
        if text[i] == "'":
            depth_quote = not depth_quote
        elif not depth_quote and lowered.startswith(token, i):
            parts.append(text[start:i].strip())
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def _clause(text: str, entity: EntityType, raw: str) -> Clause:
    for kind, pattern, allowed in (
        ("eq", _EQ, entity.eq),
        ("startswith", _STARTSWITH, entity.startswith),
        ("any", _ANY, entity.any),
    ):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        name = found["prop"]
        prop = entity.canonical(name)
        if prop is None:
            raise _no_property(name, entity)
        if prop not in allowed:
            raise GraphError(
                f"Unsupported or invalid query filter clause specified for property '{prop}' of resource "
                f"'{entity.resource}'.",
                code="Request_UnsupportedQuery",
            )
        if found.groupdict().get("bare") is not None:
            bare = found["bare"].lower()
            value: Any = None if bare == "null" else bare == "true"
        else:
            value = found["value"].replace("''", "'")
        return Clause(kind, prop, value)
    # [unsure] the OData parser also names the position of the syntax error.
    raise BadRequest(f"Invalid filter clause: syntax error in '{raw}'.")


_TOP = re.compile(r"\s*([0-9]+)\s*")  # ASCII digits: str.isdigit() also takes "²" and "٣", int() does not


def top_value(raw: str) -> int:
    """The integer a ``$top`` names; Microsoft.OData's 400 for anything but a non-negative integer. A
    number too long to be a page size is kept as a huge one, so the caller's range check refuses it."""
    found = _TOP.fullmatch(raw)
    if found is None:
        raise BadRequest(
            f"Invalid value '{raw}' for $top query option found. "
            "The $top query option requires a non-negative integer value."
        )
    digits = found[1].lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 10**18


def _no_property(name: str, entity: EntityType) -> GraphError:
    return BadRequest(f"Could not find a property named '{name}' on type 'microsoft.graph.{entity.name}'.")


def parse_select(raw: str | None, entity: EntityType) -> tuple[str, ...] | None:
    """Canonical property names of ``$select`` (case-insensitive); unknown ones are 400, like Graph."""
    if raw is None or not raw.strip():
        return None
    names = []
    for wanted in (w.strip() for w in raw.split(",") if w.strip()):
        name = entity.canonical(wanted)
        if name is None:
            raise BadRequest(
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{wanted}' on type 'microsoft.graph.{entity.name}'."
            )
        names.append(name)
    return tuple(dict.fromkeys(names))


def select(resource: dict[str, Any], chosen: Sequence[str] | None) -> dict[str, Any]:
    """The properties a ``$select`` chose (Graph adds nothing else), or the default shape."""
    if chosen is None:
        return resource
    return {name: resource.get(name) for name in chosen}


def context_shape(collection: str, chosen: Iterable[str] | None) -> str:
    """``applications`` or ``applications(id,appId)`` for ``@odata.context``."""
    chosen = list(chosen or ())
    return f"{collection}({','.join(chosen)})" if chosen else collection
