"""Connection names: the key of the store, the target of ``store:`` references and a CLI argument.

Same rule as a profile's ``name`` (1-64 of letters, digits, space, ``.``, ``_``, ``-``), so a profile's
name can always become a connection's name, and no name can contain the ``/`` of ``store:NAME/KEY``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from .errors import ConnectionNameError, ConnectionNotFoundError

NAME_RULE = "1-64 letters, digits, spaces, '.', '_' or '-'"
NAME_RE = re.compile(r"[A-Za-z0-9 ._-]{1,64}")


def is_valid_name(name: object) -> bool:
    return isinstance(name, str) and bool(NAME_RE.fullmatch(name)) and name == name.strip()


def check_name(name: object) -> str:
    """``name`` itself when valid (surrounding blanks are refused, not silently trimmed)."""
    if name is None:
        raise ConnectionNameError(
            "a connection needs a name", fix="give the profile a name: (or --name NAME)"
        )
    if not is_valid_name(name):
        shown = repr(name)[:80] if isinstance(name, str) else type(name).__name__
        raise ConnectionNameError(
            f"connection name {shown} is not valid: use {NAME_RULE}, without leading or trailing spaces",
            fix="choose a name like contoso-prod",
        )
    return name


def not_found(name: str, known: Iterable[str], where: str) -> ConnectionNotFoundError:
    """The error for an unknown name: the saved names, and the closest one when there is one."""
    names = sorted(known)
    listing = ", ".join(names) if names else "none saved yet"
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    same_case = [n for n in names if n.lower() == name.lower()]
    hint = same_case or close
    fix = f"did you mean '{hint[0]}'? " if hint else ""
    fix += "see 'spkit connections list'" if names else "save one with 'spkit connections add PARAMS.yaml'"
    return ConnectionNotFoundError(
        f"no saved connection named '{name}' in {where} (saved: {listing})", fix=fix
    )
