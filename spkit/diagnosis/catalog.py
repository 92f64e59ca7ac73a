"""The catalog: one entry per diagnosis code, looked up by code or by rung.

``entry(code)`` never raises: an unknown code gets a generic entry built from the code itself, marked
``generic=True``, so a face can always render something (and the catalog test makes sure no code spkit
emits ends up there)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .entries import ENTRIES
from .entry import AREAS, RUNGS, CatalogEntry


def _index(entries: tuple[CatalogEntry, ...]) -> Mapping[str, CatalogEntry]:
    found: dict[str, CatalogEntry] = {}
    for item in entries:
        if item.code in found:
            raise ValueError(f"diagnosis catalog: {item.code} has two entries")
        if item.rung is not None and item.rung not in RUNGS:
            raise ValueError(f"diagnosis catalog: {item.code} names an unknown rung {item.rung!r}")
        if item.area not in AREAS:
            raise ValueError(f"diagnosis catalog: {item.code} names an unknown area {item.area!r}")
        found[item.code] = item
    return MappingProxyType(dict(sorted(found.items())))


CATALOG: Mapping[str, CatalogEntry] = _index(ENTRIES)


def _words(code: str) -> str:
    return code.replace("_", " ").lower() or "unknown"


def entry(code: str) -> CatalogEntry:
    """The catalog's entry for ``code``; for a code the catalog does not know, a generic one (marked)."""
    known = CATALOG.get(code)
    if known is not None:
        return known
    return CatalogEntry(
        code=code,
        title=f"{_words(code).capitalize()} (not in the catalog)",
        meaning=f"spkit reported '{code}', which its diagnosis catalog does not describe.",
        rung=None,
        area="internal",
        evidence="the summary and evidence printed with the diagnosis",
        fix_steps=[
            "Read the summary, evidence and fix printed with the diagnosis.",
            "Run 'spkit diagnose PARAMS.yaml' to see every rung with its evidence.",
            f"Report the code {code} as missing from spkit's diagnosis catalog.",
        ],
        tell_customer="We are still analysing this failure and will tell you which setting to change.",
        generic=True,
    )


def entries_for_rung(rung: str, ladder: str | None = None) -> list[CatalogEntry]:
    """The entries a rung reports (as its own code or among ``also``), optionally for one ladder
    (``online`` / ``onprem``; entries of both ladders match either)."""
    found = []
    for item in CATALOG.values():
        if item.rung != rung and rung not in item.also:
            continue
        if ladder and item.ladder not in (ladder, "both", None):
            continue
        found.append(item)
    return found
