"""A batch end to end: verify the targets (per-connection notebooks here or on a Dask cluster, or one
fleet kernel), then write the summary (CSV, JSON, the HTML report) of what finished, even after Ctrl-C.

The faces (``spkit batch``, ``make demo``) call ``run_batch`` and render its ``BatchRun``.
"""

from __future__ import annotations

import contextlib
import datetime
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ...errors import InputError
from .outcome import NOTEBOOK_CHOICES, BatchOptions, ConnectionOutcome
from .targets import BatchTarget

if TYPE_CHECKING:
    import pandas as pd

    from .report import SummaryFiles

DASK_PREFIX = "dask://"


class Progress(Protocol):
    def start(self, target: BatchTarget) -> None: ...
    def finish(self, target: BatchTarget, outcome: ConnectionOutcome) -> None: ...


@dataclass
class BatchRun:
    """What a batch came to: one outcome per finished connection, the summary files, and whether
    Ctrl-C cut it short."""

    outcomes: list[ConnectionOutcome]
    files: SummaryFiles
    frame: pd.DataFrame = field(repr=False)
    interrupted: bool = False
    skipped: int = 0  # connections not run because of the interruption

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 any failed / error / timeout, 130 interrupted."""
        if self.interrupted:
            return 130
        return 0 if self.passed else 1


def check_options(options: BatchOptions) -> None:
    """Refuse option values no run can use (exit 2), before any connection is verified."""
    if options.jobs is not None and options.jobs < 1:
        raise InputError(f"--jobs {options.jobs}: must be at least 1", code="USAGE", fix="e.g. --jobs 4")
    if options.timeout_s is not None and options.timeout_s <= 0:
        raise InputError(
            f"--timeout {options.timeout_s:g}: must be more than 0 seconds",
            code="USAGE",
            fix="e.g. --timeout 120",
        )
    if options.notebooks is not None and options.notebooks not in NOTEBOOK_CHOICES:
        raise InputError(
            f"--notebooks {options.notebooks}: not one of {', '.join(NOTEBOOK_CHOICES)}",
            code="USAGE",
            fix="--notebooks all|failed|none",
        )
    executor = options.executor
    if executor != "local" and not (executor.startswith(DASK_PREFIX) and len(executor) > len(DASK_PREFIX)):
        raise InputError(
            f"--executor {executor}: not 'local' nor dask://HOST:PORT",
            code="USAGE",
            fix="--executor local, or --executor dask://HOST:PORT (a Dask scheduler)",
        )


def _executor(options: BatchOptions):
    if options.executor.startswith(DASK_PREFIX):
        from .dask_executor import DaskExecutor

        return DaskExecutor(options.executor)
    from .local_executor import LocalExecutor

    return LocalExecutor(options.jobs)


def _closing(executor) -> None:
    close = getattr(executor, "close", None)
    if close is not None:
        close()


def _per_connection(
    targets: Sequence[BatchTarget], out_dir: Path, options: BatchOptions, progress: Progress | None
) -> tuple[list[ConnectionOutcome], bool]:
    """Each target through its own notebook run; on Ctrl-C, the finished ones and True."""
    from functools import partial

    from .local_executor import BatchInterrupted
    from .notebook_run import run_target

    executor = _executor(options)
    try:
        outcomes = executor.run(
            partial(run_target, out_dir=out_dir, options=options),
            list(targets),
            on_start=progress.start if progress else None,
            on_done=progress.finish if progress else None,
        )
    except BatchInterrupted as stop:
        return list(stop.finished), True
    finally:
        _closing(executor)
    return outcomes, False


def _fleet(
    targets: Sequence[BatchTarget], out_dir: Path, options: BatchOptions, progress: Progress | None
) -> tuple[list[ConnectionOutcome], bool]:
    """All targets in one kernel here, or in fleet chunks on a Dask cluster."""
    from .fleet import FleetInterrupted, run_fleet

    interrupted = False
    if options.executor.startswith(DASK_PREFIX):
        executor = _executor(options)
        try:
            outcomes = executor.run_fleet(
                targets,
                out_dir,
                options,
                on_start=progress.start if progress else None,
                on_done=progress.finish if progress else None,
            )
        except FleetInterrupted as stop:
            outcomes, interrupted = list(stop.outcomes), True
        finally:
            _closing(executor)
        return outcomes, interrupted
    try:
        outcomes = run_fleet(targets, out_dir, options)
    except FleetInterrupted as stop:
        outcomes, interrupted = list(stop.outcomes), True
    if progress is not None:  # one kernel reports at the end: the bar jumps to its count
        by_name = {t.name: t for t in targets}
        for outcome in outcomes:
            target = by_name.get(outcome.name)
            if target is not None:
                progress.start(target)
                progress.finish(target, outcome)
    return outcomes, interrupted


class _Pressed:
    hit = False


@contextlib.contextmanager
def _interrupt_deferred() -> Iterator[_Pressed]:
    """Ctrl-C while the summary is written (about a second) is noted, not raised: the summary is finished
    and the batch still ends as interrupted (130). A second Ctrl-C stops at once. Only the main thread
    receives signals; elsewhere nothing changes."""
    pressed = _Pressed()
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def note(signum, frame) -> None:
        if pressed.hit:
            raise KeyboardInterrupt
        pressed.hit = True

    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):  # ignored (a background job) or not ours to change
        yield pressed
        return
    signal.signal(signal.SIGINT, note)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _warm_up_report() -> None:
    """The summary's imports (pandas, matplotlib) on a thread while the connections run, not after."""
    from .charts import warm_up

    threading.Thread(target=warm_up, name="spkit-batch-report-imports", daemon=True).start()


def run_batch(
    targets: Sequence[BatchTarget],
    out_dir: Path,
    options: BatchOptions | None = None,
    progress: Progress | None = None,
    *,
    command: Sequence[str] | str | None = None,
) -> BatchRun:
    """Verify ``targets`` into ``out_dir`` and write its summary; Ctrl-C ends the runs and still writes
    the summary of those that finished (``BatchRun.interrupted``)."""
    from .frame import summary_frame
    from .notebook_run import POOL
    from .report import report_meta, write_summary

    options = options or BatchOptions()
    check_options(options)
    _warm_up_report()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    try:
        if options.fleet:
            outcomes, interrupted = _fleet(targets, out_dir, options, progress)
        else:
            outcomes, interrupted = _per_connection(targets, out_dir, options, progress)
    except BaseException:
        POOL.close_all()
        raise
    with _interrupt_deferred() as pressed:  # a Ctrl-C now would leave the summary half written
        POOL.close_all()
        frame = summary_frame(outcomes, out_dir)
        meta: dict[str, Any] = report_meta(
            command=command,
            mode="fleet" if options.fleet else "notebook",
            started_at=started,
            finished_at=datetime.datetime.now(datetime.UTC),
            jobs=options.jobs,
            timeout_s=options.timeout_s,
            executor=options.executor,
            interrupted=interrupted,
            requested=len(targets),
        )
        files = write_summary(frame, outcomes, out_dir, meta)
    interrupted = interrupted or pressed.hit
    return BatchRun(outcomes, files, frame, interrupted, skipped=len(targets) - len(outcomes))
