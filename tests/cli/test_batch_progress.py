"""The batch's progress on stderr: a tqdm bar with done / failed / running on a terminal, one plain line
per finished connection otherwise (a CI log must not fill with carriage returns)."""

from __future__ import annotations

import io

from spkit.cli.batch_progress import BatchProgress
from spkit.services.batch.outcome import ConnectionOutcome
from spkit.services.batch.targets import BatchTarget


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(stream) -> None:
    progress = BatchProgress(3, stream)
    first, second = BatchTarget("first", "a.yaml"), BatchTarget("second", "b.yaml")
    progress.start(first)
    progress.start(second)
    progress.finish(first, ConnectionOutcome("first", "a.yaml", "passed", None, duration_s=1.25))
    progress.finish(second, ConnectionOutcome("second", "b.yaml", "timeout", None, "timed out after 5 s"))
    progress.close()


def test_on_a_terminal_a_bar_counts_done_failed_and_running():
    stream = _Terminal()
    _run(stream)
    shown = stream.getvalue()
    assert "\r" in shown and "2/3" in shown
    assert "failed 0, running 2" in shown and "failed 1, running 0" in shown


def test_elsewhere_one_plain_line_per_finished_connection():
    stream = io.StringIO()
    _run(stream)
    assert stream.getvalue().splitlines() == [
        "[1/3] first: passed (1.2 s)",
        "[2/3] second: timeout: timed out after 5 s (0.0 s)",
    ]
