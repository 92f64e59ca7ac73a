"""Plain-text rendering of results for the terminal (no logic: what to show, not what to check)."""

from __future__ import annotations

import shutil
import textwrap

from ..models.results import StepResult, StepStatus

MARKS = {
    StepStatus.PASSED: "PASS",
    StepStatus.FAILED: "FAIL",
    StepStatus.WARNING: "WARN",
    StepStatus.SKIPPED: "SKIP",
}


def step_line(step: StepResult, width: int | None = None) -> str:
    width = width or shutil.get_terminal_size((120, 20)).columns
    head = f"{MARKS[step.status]:4}  {step.title:<38} {step.duration_s:6.2f}s  "
    body = step.detail
    room = max(30, width - len(head))
    text = head + textwrap.shorten(body, room, placeholder="…")
    if step.diagnosis and step.status is StepStatus.FAILED:
        text += f"\n      [{step.diagnosis.code}] fix: {step.diagnosis.fix}" if step.diagnosis.fix else ""
    return text
