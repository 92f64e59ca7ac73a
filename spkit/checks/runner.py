"""Run a ladder in order: each rung times itself and records its evidence and, when it fails, the
diagnosis; a rung whose needs are not usable is skipped with the reason, and the others still run."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from ..errors import Diagnosis, SpkitError
from ..models.results import StepResult, StepStatus, VerificationResult
from .context import CheckContext
from .rung import Outcome, Rung, Skip, Warn

Progress = Callable[[StepResult], None]


def run_rung(rung: Rung, context: CheckContext) -> StepResult:
    """Run one rung's work and turn however it ended into a StepResult."""
    started = time.perf_counter()
    facts: dict = {}
    evidence, diagnosis = "", None
    try:
        outcome = rung(context)
        if not isinstance(outcome, Outcome):
            detail, facts, value = outcome
            outcome = Outcome(detail, facts, value)
        detail, facts, evidence = outcome.detail, outcome.facts, outcome.evidence
        status, diagnosis = outcome.status, outcome.diagnosis
    except Skip as skip:
        detail, status = f"skipped: {skip.reason}", StepStatus.SKIPPED
    except Warn as warning:
        detail, facts, evidence, status = warning.detail, warning.facts, warning.evidence, StepStatus.WARNING
        diagnosis = warning.diagnosis
    except SpkitError as error:
        detail, status, diagnosis = error.summary, StepStatus.FAILED, error.diagnosis
        evidence = error.evidence
    except Exception as error:  # a bug in one rung must not hide the results of the others
        diagnosis = Diagnosis(
            code="INTERNAL_ERROR",
            summary=f"{rung.title}: unexpected {type(error).__name__}",
            evidence=str(error)[:300],
            fix="report this as a bug in spkit, with the output of 'spkit --debug verify ...'",
        )
        detail, status = diagnosis.summary, StepStatus.FAILED
    elapsed = time.perf_counter() - started
    return StepResult(rung.name, rung.title, status, detail, elapsed, diagnosis, facts, evidence)


def run_ladder(
    ladder: Sequence[Rung], context: CheckContext, progress: Progress | None = None
) -> VerificationResult:
    """Every rung of ``ladder`` in order, into ``context.result``; ``progress`` hears each as it ends."""
    usable: set[str] = set()  # rungs that passed or warned: later rungs may build on them
    for rung in ladder:
        missing = [need for need in rung.needs if not context.satisfied(need, usable)]
        if missing:
            reason = ", ".join(context.describe(need) for need in missing)
            step = StepResult(rung.name, rung.title, StepStatus.SKIPPED, f"skipped: needs {reason}")
        else:
            step = run_rung(rung, context)
        context.result.add(step)
        if step.status in (StepStatus.PASSED, StepStatus.WARNING):
            usable.add(step.step)
        if progress:
            progress(step)
    return context.result
