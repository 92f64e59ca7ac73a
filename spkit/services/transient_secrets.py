"""Verify a connection whose secrets were typed and not yet saved (the wizard's Configure): each secret
lives for the time of the verification only, as an ``env:`` variable of this process with a random
name, so the profile — and every message, fact or record made while it is verified — holds a
reference, never the value, and nothing is written to disk.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..models.profile import profile_from_dict
from ..models.results import StepResult, VerificationResult
from .verification import verify_profile

TRANSIENT_PREFIX = "SPKIT_WIZARD_SECRET_"


@contextlib.contextmanager
def transient_secrets(values: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """``{key: "env:NAME"}`` for the typed ``values``: the variables exist until the block ends."""
    names: list[str] = []
    refs: dict[str, str] = {}
    try:
        for key, value in values.items():
            var = f"{TRANSIENT_PREFIX}{key.upper()}_{secrets.token_hex(6).upper()}"
            os.environ[var] = value
            names.append(var)
            refs[key] = f"env:{var}"
        yield refs
    finally:
        for var in names:
            os.environ.pop(var, None)


def verify_with_typed_secrets(
    profile_data: Callable[[Mapping[str, str]], Mapping[str, Any]],
    typed: Mapping[str, str],
    *,
    kept: Mapping[str, str] | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    progress: Callable[[str], None] | None = None,
    source: str = "the wizard",
) -> VerificationResult:
    """Verify the profile ``profile_data(refs)`` builds, where ``refs`` maps each secret's key to a
    reference: a transient one for a ``typed`` secret, else the ``kept`` one (a secret already in the
    store). Each step is reported to ``on_step``; the transient references are gone on return."""
    with transient_secrets(typed) as refs:
        profile = profile_from_dict(dict(profile_data({**(kept or {}), **refs})), source=source)
        (progress or (lambda _text: None))("verifying the connection")
        return verify_profile(profile, progress=on_step)
