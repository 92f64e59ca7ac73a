"""A rung of the ladder: one small named check, the rungs it needs, and how it may end.

A rung's work returns an ``Outcome`` (or the historical ``(detail, facts, value)`` tuple), raises
``Warn`` after doing its work, ``Skip`` when there was nothing it could try, or a ``SpkitError`` whose
diagnosis says what broke. ``needs`` names whole rungs (``"token"``) or one host of a network rung
(``"tls:login"``: the TLS handshake with the sign-in host), so a broken Graph host stops the Graph
rungs and not the SharePoint ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import Diagnosis
from ..models.results import StepStatus


class Warn(Exception):
    """Raised inside a rung to end it with a warning after it did its work."""

    def __init__(
        self,
        detail: str,
        facts: dict[str, Any] | None = None,
        evidence: str = "",
        diagnosis: Diagnosis | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = facts or {}
        self.evidence = evidence
        self.diagnosis = diagnosis  # a warning that has a code of its own (search found nothing)


class Skip(Exception):
    """Raised inside a rung when none of its work could be tried (every host it needs is broken)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Outcome:
    """How a rung ended, when it has more to say than the tuple: its evidence, or a failure that
    still carries facts (a network rung that reached two hosts out of three)."""

    detail: str
    facts: dict[str, Any] = field(default_factory=dict)
    value: Any = None
    evidence: str = ""
    status: StepStatus = StepStatus.PASSED
    diagnosis: Diagnosis | None = None


Work = Callable[[Any], "Outcome | tuple[str, dict[str, Any], Any]"]


@dataclass(frozen=True)
class Rung:
    """One named check of the ladder: ``work(context)`` runs when every rung in ``needs`` is usable."""

    name: str
    title: str
    work: Work
    needs: tuple[str, ...] = ()

    def __call__(self, context: Any) -> Outcome | tuple[str, dict[str, Any], Any]:
        return self.work(context)


def rung(name: str, title: str, *, needs: tuple[str, ...] = ()) -> Callable[[Work], Rung]:
    """Declare a function as a rung: ``@rung("token", "App-only token (Graph)", needs=("discovery",))``."""

    def declare(work: Work) -> Rung:
        return Rung(name=name, title=title, work=work, needs=needs)

    return declare
