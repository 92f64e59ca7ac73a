"""One row per connection of a batch, in the columns every output shares (CSV and JSON keys; the HTML
report shows readable names): whichever mode ran a connection, its row is built here, from its result."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...models.results import StepResult
from .outcome import ConnectionOutcome

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_COLUMNS = (
    "connection",
    "kind",
    "cloud",
    "tenant",
    "status",
    "failed_step",
    "code",
    "problem",
    "evidence",
    "fix",
    "site_collections",
    "personal_sites",
    "certificate_thumbprint",
    "certificate_expires",
    "secret_expires",
    "duration_s",
    "notebook",
    "html",
    "source",
    "mode",
)
STEP_PREFIX, STEP_SUFFIX = "step_", "_s"
# Worst first: what needs the reader's attention leads the report.
STATUS_RANK = {"failed": 0, "error": 1, "timeout": 2, "passed": 3}
TIMEOUT_FIX = "run 'spkit diagnose' on this connection to see which step hangs, or raise --timeout"


def step_column(step: str) -> str:
    """The frame's column holding the duration of rung ``step``."""
    return f"{STEP_PREFIX}{step}{STEP_SUFFIX}"


def step_columns(frame: pd.DataFrame) -> list[str]:
    """The per-rung duration columns of ``frame``, in ladder order."""
    return [c for c in frame.columns if c.startswith(STEP_PREFIX) and c.endswith(STEP_SUFFIX)]


def relative_to(path: Path | None, out_dir: Path | None) -> str:
    """``path`` relative to the batch's folder, with forward slashes ('' when there is no file)."""
    if path is None:
        return ""
    if out_dir is None:
        return Path(path).name
    return Path(os.path.relpath(Path(path).resolve(), Path(out_dir).resolve())).as_posix()


def first_failure(outcome: ConnectionOutcome) -> StepResult | None:
    """The first failed rung of a connection's verification (None when none failed or none ran)."""
    result = outcome.result
    failed = result.failed_steps if result is not None else []
    return failed[0] if failed else None


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _row(outcome: ConnectionOutcome, out_dir: Path | None) -> dict[str, Any]:
    result = outcome.result
    facts = result.facts if result is not None else {}
    step = first_failure(outcome)
    diagnosis = step.diagnosis if step is not None else None
    problem = (diagnosis.summary if diagnosis else "") or (step.detail if step else "")
    fix = diagnosis.fix if diagnosis else ""
    if outcome.status in ("error", "timeout") and outcome.error:
        problem = problem or outcome.error
    if outcome.status == "timeout" and not fix:
        fix = TIMEOUT_FIX
    duration = outcome.duration_s or (result.duration_s if result is not None else 0.0)
    row: dict[str, Any] = {
        "connection": outcome.name,
        "kind": result.kind if result is not None else "",
        "cloud": facts.get("cloud", ""),
        "tenant": facts.get("tenant_id", ""),
        "status": outcome.status,
        "failed_step": step.step if step else "",
        "code": diagnosis.code if diagnosis else "",
        "problem": problem,
        "evidence": (diagnosis.evidence if diagnosis else "") or (step.evidence if step else ""),
        "fix": fix,
        "site_collections": _count(facts.get("site_collections")),
        "personal_sites": _count(facts.get("onedrive_sites", facts.get("personal_sites"))),
        "certificate_thumbprint": facts.get("certificate_thumbprint", ""),
        "certificate_expires": facts.get("certificate_expires", ""),
        "secret_expires": facts.get("secret_expires", ""),
        "duration_s": round(float(duration), 2),
        "notebook": relative_to(outcome.notebook, out_dir),
        "html": relative_to(outcome.html, out_dir),
        "source": outcome.source,
        "mode": outcome.mode,
    }
    for ran in result.steps if result is not None else []:
        row[step_column(ran.step)] = round(ran.duration_s, 3)
    return row


def summary_frame(outcomes: Sequence[ConnectionOutcome], out_dir: Path | None = None) -> pd.DataFrame:
    """The batch as a DataFrame: the contract's columns, then ``step_<rung>_s`` per rung seen (in the
    order the ladders run them). Rows keep the outcomes' order (the targets' order), so two runs of the
    same list line up in a diff; the HTML report sorts failures first. ``notebook``/``html`` are
    relative to ``out_dir`` (or bare file names without it)."""
    import pandas as pd

    rows = [_row(outcome, out_dir) for outcome in outcomes]
    steps: list[str] = []
    for outcome in outcomes:
        for ran in outcome.result.steps if outcome.result is not None else []:
            if step_column(ran.step) not in steps:
                steps.append(step_column(ran.step))
    frame = pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, *steps])
    for column in ("site_collections", "personal_sites"):
        frame[column] = frame[column].astype("Int64")
    for column in steps:
        frame[column] = frame[column].astype("float64")
    return frame


def attention_order(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` sorted worst first (failed, error, timeout, passed), keeping the given order within."""
    ranks = frame["status"].map(STATUS_RANK).fillna(len(STATUS_RANK))
    return frame.iloc[ranks.argsort(kind="stable")]
