"""Run checks as ordered steps: each times itself, records its evidence and, when it fails, the
diagnosis; a step whose prerequisite did not pass is skipped with the reason. Shared by the Online and
on-premises verifications."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..errors import Diagnosis, SpkitError
from ..models.results import StepResult, StepStatus, VerificationResult

Progress = Callable[[StepResult], None]


class Warn(Exception):
    """Raised inside a step to end it with a warning after it did its work."""

    def __init__(self, detail: str, facts: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = facts or {}


class StepRunner:
    """Runs steps in order, recording each in a VerificationResult and telling ``progress``."""

    def __init__(self, result: VerificationResult, progress: Progress | None = None) -> None:
        self.result = result
        self.progress = progress
        self.usable: set[str] = set()  # steps that passed or warned: later steps may build on them

    def _record(self, step: StepResult) -> None:
        self.result.add(step)
        if step.status in (StepStatus.PASSED, StepStatus.WARNING):
            self.usable.add(step.step)
        if self.progress:
            self.progress(step)

    def run(
        self,
        step: str,
        title: str,
        work: Callable[[], tuple[str, dict[str, Any], Any]],
        needs: tuple[str, ...] = (),
    ) -> Any:
        missing = [n for n in needs if n not in self.usable]
        if missing:
            self._record(StepResult(step, title, StepStatus.SKIPPED, f"skipped: needs {', '.join(missing)}"))
            return None
        started = time.perf_counter()
        value, facts, diagnosis = None, {}, None
        try:
            detail, facts, value = work()
            status = StepStatus.PASSED
        except Warn as warning:
            detail, facts, status = warning.detail, warning.facts, StepStatus.WARNING
        except SpkitError as error:
            detail, status, diagnosis = error.summary, StepStatus.FAILED, error.diagnosis
        except Exception as error:  # a bug in one step must not hide the results of the others
            diagnosis = Diagnosis(
                code="INTERNAL_ERROR",
                summary=f"{title}: unexpected {type(error).__name__}",
                evidence=str(error)[:300],
                fix="report this as a bug in spkit, with the output of 'spkit --debug verify ...'",
            )
            detail, status = diagnosis.summary, StepStatus.FAILED
        self._record(StepResult(step, title, status, detail, time.perf_counter() - started, diagnosis, facts))
        return value
