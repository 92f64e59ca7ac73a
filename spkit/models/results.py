"""The outcome of a verification: steps with status, evidence and diagnosis, in one shape for all faces.

The notebook shows it as a table, the CLI prints its summary line and exit status, and batch runs
store it as JSON and merge many into one pandas report, so it must round-trip through JSON.
"""

from __future__ import annotations

import datetime
import enum
import html
import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from spkit.errors import Diagnosis

DATAFRAME_COLUMNS = ("step", "title", "status", "detail", "duration_s", "code", "fix")
# The step that enumerates site collections: Graph on Online, search on a farm.
ENUMERATION_STEPS = ("sites", "search")


class StepStatus(enum.StrEnum):
    """How one step ended."""

    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


def _json_default(value: Any) -> Any:
    """Make evidence JSON-safe instead of failing a whole report over one odd fact."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def _diagnosis_to_dict(diagnosis: Diagnosis | None) -> dict[str, str] | None:
    if diagnosis is None:
        return None
    return {
        "code": diagnosis.code,
        "summary": diagnosis.summary,
        "evidence": diagnosis.evidence,
        "fix": diagnosis.fix,
    }


@dataclass
class StepResult:
    """One rung of a check: what was tried, how it ended, the evidence and (on failure) the diagnosis."""

    step: str
    title: str
    status: StepStatus
    detail: str = ""
    duration_s: float = 0.0
    diagnosis: Diagnosis | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    evidence: str = ""  # what was seen, for people (a network rung: one line per host)

    def __post_init__(self) -> None:
        self.status = StepStatus(self.status)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "step": self.step,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
            "duration_s": self.duration_s,
            "diagnosis": _diagnosis_to_dict(self.diagnosis),
            "facts": self.facts,
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepResult:
        """Rebuild a step from ``to_dict`` output."""
        diagnosis = data.get("diagnosis")
        return cls(
            step=data["step"],
            title=data.get("title", data["step"]),
            status=StepStatus(data["status"]),
            detail=data.get("detail", ""),
            duration_s=float(data.get("duration_s", 0.0)),
            diagnosis=Diagnosis(**diagnosis) if diagnosis else None,
            facts=dict(data.get("facts") or {}),
            evidence=data.get("evidence", ""),
        )


@dataclass
class VerificationResult:
    """All steps of verifying one connection profile."""

    profile_name: str
    kind: str
    started_at: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))
    steps: list[StepResult] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, step: StepResult) -> StepResult:
        """Append a step and return it."""
        self.steps.append(step)
        return step

    @property
    def passed(self) -> bool:
        """True when no step failed (warnings and skipped steps do not fail a verification)."""
        return not self.failed_steps

    @property
    def failed_steps(self) -> list[StepResult]:
        """The steps that failed, in order."""
        return [s for s in self.steps if s.status is StepStatus.FAILED]

    @property
    def enumeration_step(self) -> StepResult | None:
        """The step that counted the site collections (``sites`` Online, ``search`` on a farm)."""
        return next((s for s in self.steps if s.step in ENUMERATION_STEPS), None)

    @property
    def duration_s(self) -> float:
        """The total time of all steps."""
        return sum(s.duration_s for s in self.steps)

    def count(self, status: StepStatus) -> int:
        """How many steps ended with ``status``."""
        return sum(1 for s in self.steps if s.status is status)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``from_dict`` reverses it)."""
        return {
            "profile_name": self.profile_name,
            "kind": self.kind,
            "started_at": self.started_at.isoformat(),
            "passed": self.passed,
            "steps": [s.to_dict() for s in self.steps],
            "facts": self.facts,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerificationResult:
        """Rebuild a result from ``to_dict`` output (``passed`` is recomputed, not trusted)."""
        return cls(
            profile_name=data["profile_name"],
            kind=data["kind"],
            started_at=datetime.datetime.fromisoformat(data["started_at"]),
            steps=[StepResult.from_dict(s) for s in data.get("steps", [])],
            facts=dict(data.get("facts") or {}),
        )

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text; odd evidence values (dates, paths, sets) are converted rather than refused."""
        return json.dumps(self.to_dict(), indent=indent, default=_json_default, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> VerificationResult:
        """Rebuild a result from ``to_json`` output."""
        return cls.from_dict(json.loads(text))

    def to_dataframe(self) -> Any:
        """A pandas DataFrame, one row per step: step, title, status, detail, duration_s, code, fix."""
        import pandas as pd

        rows = [
            {
                "step": s.step,
                "title": s.title,
                "status": s.status.value,
                "detail": s.detail,
                "duration_s": s.duration_s,
                "code": s.diagnosis.code if s.diagnosis else "",
                "fix": s.diagnosis.fix if s.diagnosis else "",
            }
            for s in self.steps
        ]
        return pd.DataFrame(rows, columns=list(DATAFRAME_COLUMNS))

    def summary_line(self) -> str:
        """One line for logs and the CLI: verdict, counts, the failed steps and the time taken."""
        verdict = "PASSED" if self.passed else "FAILED"
        counts = ", ".join(f"{self.count(status)} {status.value}" for status in StepStatus)
        text = f"{self.profile_name} ({self.kind}): {verdict} - {counts} in {self.duration_s:.1f} s"
        if self.failed_steps:
            text += "; failed: " + ", ".join(s.step for s in self.failed_steps)
        return text

    def _repr_html_(self) -> str:
        heading = f"<p><strong>{html.escape(self.summary_line())}</strong></p>"
        return heading + self.to_dataframe().to_html(index=False, escape=True)
