"""How far a batch is, drawn on stderr for ``spkit batch``: a tqdm bar (done / failed / running) when
stderr is a terminal, else one plain line per finished connection, so a CI log or a redirected file stays
readable (no carriage returns, no bar redrawn a thousand times)."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from ..services.batch.outcome import ConnectionOutcome
from ..services.batch.targets import BatchTarget


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def outcome_line(outcome: ConnectionOutcome) -> str:
    """One line for a finished connection: its status, and why when it did not pass."""
    why = ""
    if outcome.status == "failed" and outcome.result is not None and outcome.result.failed_steps:
        first = outcome.result.failed_steps[0]
        why = f" at {first.step}" + (f" [{first.diagnosis.code}]" if first.diagnosis else "")
    elif outcome.status != "passed" and outcome.error:
        why = f": {outcome.error}"
    return f"{outcome.name}: {outcome.status}{why} ({outcome.duration_s:.1f} s)"


class BatchProgress:
    """Counts done / failed / running; thread-safe (the executor's lanes call it)."""

    def __init__(self, total: int, stream: TextIO | None = None, *, bar: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total, self.done, self.failed, self.running = total, 0, 0, 0
        self._lock = threading.Lock()
        self._bar = None
        if bar if bar is not None else is_terminal(self.stream):
            import shutil

            from tqdm import tqdm

            # A pty without a size (0 x 0) would hide the bar: take the usual size then.
            size = shutil.get_terminal_size(fallback=(100, 24))
            self._bar = tqdm(
                total=total,
                file=self.stream,
                unit="connection",
                desc="verifying",
                ncols=min(size.columns or 100, 120),
                nrows=size.lines or 24,
            )
            self._show()

    def _show(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"failed {self.failed}, running {self.running}", refresh=True)

    def start(self, target: BatchTarget) -> None:
        with self._lock:
            self.running += 1
            self._show()

    def finish(self, target: BatchTarget, outcome: ConnectionOutcome) -> None:
        with self._lock:
            self.running = max(0, self.running - 1)
            self.done += 1
            self.failed += not outcome.passed
            if self._bar is not None:
                self._bar.update(1)
                self._show()
            else:
                print(f"[{self.done}/{self.total}] {outcome_line(outcome)}", file=self.stream, flush=True)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
