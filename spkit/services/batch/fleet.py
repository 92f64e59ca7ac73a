"""Fleet mode: verify hundreds of connections concurrently inside one process (one kernel), instead of
one kernel per connection.

A pool of worker threads runs the same service as every other face (``verify_profile``) for each
connection, inside ``sharing_connections()``: one HTTP pool per host, one MSAL app (and token cache) per
(authority, app, credential), each certificate file loaded once. Each connection keeps its own session,
context and result, so its result is the one a verification on its own gives.

``run_fleet`` runs ``notebooks/fleet_verification.ipynb`` with papermill (the record of the fleet); the
notebook publishes every connection's outcome as one ``FLEET_MIME`` output, read back here exactly.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ...models.results import VerificationResult
from . import NOTEBOOKS_DIR
from .outcome import BatchOptions, ConnectionOutcome
from .targets import BatchTarget, collect_targets, one_line

FLEET_MIME = "application/vnd.spkit.fleet+json"
FLEET_NOTEBOOK = NOTEBOOKS_DIR / "fleet_verification.ipynb"
FLEET_OUTPUT = "fleet_verification.ipynb"
DEFAULT_THREADS = 16  # connections verified at once: mostly waiting on the network, not on a core


class FleetInterrupted(KeyboardInterrupt):
    """Ctrl-C during a fleet: the outcomes of the connections that finished (in target order)."""

    def __init__(self, outcomes: list[ConnectionOutcome]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes


def verify_target(target: BatchTarget, sample_size: int = 10) -> ConnectionOutcome:
    """One connection of a fleet, as ``verify_profile`` judges it; never raises (a bad profile or an
    exception is an ``error`` outcome with its one-line message)."""
    started = time.perf_counter()

    def outcome(status: str, result: VerificationResult | None, error: str | None) -> ConnectionOutcome:
        return ConnectionOutcome(
            target.name,
            target.source,
            status,
            result,
            error,
            duration_s=time.perf_counter() - started,
            mode="fleet",
        )

    if target.error:
        return outcome("error", None, target.error)
    try:
        from ..diagnose import load_target
        from ..verification import verify_profile

        profile = load_target(target.profile_path, target.connection)
        result = verify_profile(profile, sample_size=sample_size)
    except Exception as error:
        return outcome("error", None, one_line(error)[:500])
    return outcome("passed" if result.passed else "failed", result, None)


def _timed_out(target: BatchTarget, timeout_s: float) -> ConnectionOutcome:
    return ConnectionOutcome(
        target.name,
        target.source,
        "timeout",
        None,
        f"timed out after {timeout_s:g} s",
        duration_s=timeout_s,
        mode="fleet",
    )


def verify_fleet(
    targets: Sequence[BatchTarget | str | Path],
    *,
    jobs: int | None = None,
    sample_size: int = 10,
    timeout_s: float | None = None,
    on_start: Callable[[BatchTarget], None] | None = None,
    on_done: Callable[[BatchTarget, ConnectionOutcome], None] | None = None,
) -> list[ConnectionOutcome]:
    """Verify every target concurrently in this process, ``jobs`` at a time; outcomes in target order.

    ``targets`` are ``BatchTarget``s or what ``collect_targets`` takes (paths, ``connection:NAME``). A
    connection running longer than ``timeout_s`` is reported as ``timeout`` (its thread is left to end
    on its own: a thread cannot be killed). Ctrl-C stops starting new connections and raises
    ``FleetInterrupted`` with the outcomes that finished."""
    from ..online.profile_access import sharing_connections

    items = [t if isinstance(t, BatchTarget) else None for t in targets]
    if any(t is None for t in items):
        items = collect_targets([str(t.source if isinstance(t, BatchTarget) else t) for t in targets])
    threads = max(1, min(jobs or DEFAULT_THREADS, len(items) or 1))
    results: dict[int, ConnectionOutcome] = {}
    started_at: dict[int, float] = {}
    pending: queue.Queue[int] = queue.Queue()
    for index in range(len(items)):
        pending.put(index)
    done = threading.Condition()
    stop = threading.Event()

    with sharing_connections(pool_maxsize=threads):
        context = contextvars.copy_context()  # the sharing scope, for the worker threads

        def work() -> None:
            while not stop.is_set():
                try:
                    index = pending.get_nowait()
                except queue.Empty:
                    return
                target = items[index]
                with done:
                    started_at[index] = time.monotonic()
                if on_start:
                    on_start(target)
                outcome = context.copy().run(verify_target, target, sample_size)
                with done:
                    if index in results:  # reported as timed out meanwhile
                        continue
                    results[index] = outcome
                    done.notify_all()
                if on_done:
                    on_done(target, outcome)

        workers = [
            threading.Thread(target=work, name=f"spkit-fleet-{n}", daemon=True) for n in range(threads)
        ]
        for worker in workers:
            worker.start()
        try:
            with done:
                while len(results) < len(items):
                    done.wait(timeout=0.2 if timeout_s else 1.0)
                    if timeout_s:
                        now = time.monotonic()
                        for index, begun in list(started_at.items()):
                            if index not in results and now - begun > timeout_s:
                                results[index] = _timed_out(items[index], timeout_s)
                                if on_done:
                                    on_done(items[index], results[index])
                    if len(results) < len(items) and not any(w.is_alive() for w in workers):
                        break  # every worker ended (they never raise): nothing more will come
        except KeyboardInterrupt:
            stop.set()
            finished = [results[i] for i in sorted(results)]
            raise FleetInterrupted(finished) from None
    return [results[i] for i in range(len(items)) if i in results]


# --- the fleet notebook: its published record, and running it ------------------------------------


def outcome_record(outcome: ConnectionOutcome) -> dict[str, Any]:
    """An outcome as the fleet notebook publishes it (JSON): what ``read_fleet`` turns back into one."""
    return {
        "name": outcome.name,
        "source": outcome.source,
        "status": outcome.status,
        "error": outcome.error,
        "duration_s": outcome.duration_s,
        "result": outcome.result.to_dict() if outcome.result is not None else None,
    }


def outcome_from_record(record: dict[str, Any]) -> ConnectionOutcome:
    result = record.get("result")
    return ConnectionOutcome(
        record["name"],
        record["source"],
        record["status"],
        VerificationResult.from_dict(result) if result else None,
        record.get("error"),
        duration_s=float(record.get("duration_s") or 0.0),
        mode="fleet",
    )


def read_fleet(notebook_path: Path) -> list[ConnectionOutcome] | None:
    """The outcomes an executed fleet notebook published (None when it published none)."""
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(FLEET_MIME)
            if payload is not None:
                records = json.loads(payload) if isinstance(payload, str) else payload
                return [outcome_from_record(r) for r in records]
    return None


def target_refs(targets: Sequence[BatchTarget]) -> list[str]:
    """The notebook's ``profiles`` parameter: each target as a path or ``connection:NAME``."""
    return [
        f"connection:{t.connection}" if t.connection is not None else str(t.profile_path or t.source)
        for t in targets
    ]


def _children(pid: int) -> list[int]:
    """The descendants of ``pid`` (Linux /proc), to interrupt the kernel papermill started."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                kids = [int(k) for k in task.read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def execute_fleet_notebook(
    refs: Sequence[str],
    output: Path,
    *,
    jobs: int | None,
    sample_size: int,
    timeout_s: float | None,
) -> str | None:
    """Run the fleet notebook with papermill in an isolated child process (``python -I``, a session of
    its own: ``fleet_runner``); returns the error when it failed. Ctrl-C interrupts the kernel, so the
    notebook still publishes (and papermill saves) what finished, then ``KeyboardInterrupt`` is raised
    here."""
    job = {
        "notebook": str(FLEET_NOTEBOOK),
        "output": str(output),
        "parameters": {
            "profiles": list(refs),
            "jobs": jobs or 0,
            "sample_size": sample_size,
            "timeout_s": timeout_s or 0,
        },
        "kernel_name": "python3",
        "cwd": str(NOTEBOOKS_DIR),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="spkit-fleet-", delete=False) as handle:
        json.dump(job, handle)  # paths and numbers only
    parameters_file = Path(handle.name)
    command = [sys.executable, "-I", "-m", "spkit.services.batch.fleet_runner", str(parameters_file)]
    child = subprocess.Popen(
        command,
        cwd=str(NOTEBOOKS_DIR),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's Ctrl-C reaches us only; we decide what the child gets
    )
    interrupted = False
    try:
        while True:
            try:
                _, stderr = child.communicate()
                break
            except KeyboardInterrupt:
                if interrupted:  # a second Ctrl-C: stop now
                    os.killpg(child.pid, signal.SIGKILL)
                    for pid in _children(child.pid):
                        _kill(pid)
                    raise
                interrupted = True
                # the runner passes it to the kernel once the notebook runs (its running cell gets
                # KeyboardInterrupt, the notebook publishes what finished); before that it stops
                _kill(child.pid, signal.SIGINT)
    finally:
        parameters_file.unlink(missing_ok=True)
    if interrupted:
        raise KeyboardInterrupt
    if child.returncode != 0:
        lines = [line for line in (stderr or "").splitlines() if line.strip()]
        return lines[-1] if lines else f"papermill exited with status {child.returncode}"
    return None


def _kill(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def run_fleet(
    targets: Sequence[BatchTarget], out_dir: Path, options: BatchOptions | None = None
) -> list[ConnectionOutcome]:
    """``spkit batch --fleet``: the fleet notebook for all targets, written as ``DIR/fleet_verification.ipynb``;
    the outcomes it published, in target order. A connection the notebook did not report (it failed as a
    whole) is an ``error`` outcome with the notebook's error. With ``notebooks == "failed"`` (the fleet
    default) or ``"all"``, the per-connection notebook is run for those connections (``notebook_run``)."""
    options = options or BatchOptions(fleet=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / FLEET_OUTPUT
    started = time.perf_counter()
    partial = False
    try:
        error = execute_fleet_notebook(
            target_refs(targets),
            output,
            jobs=options.jobs,
            sample_size=options.sample_size,
            timeout_s=options.timeout_s,
        )
    except KeyboardInterrupt:
        error, partial = "interrupted", True
    published = read_fleet(output) if output.exists() else None
    by_source = {o.source: o for o in published or []}
    outcomes: list[ConnectionOutcome] = []
    for target, ref in zip(targets, target_refs(targets), strict=True):
        found = by_source.get(ref)
        if found is not None:
            found.name, found.source = target.name, target.source  # as the batch names them
            found.notebook = None
            outcomes.append(found)
        elif not partial:
            outcomes.append(
                ConnectionOutcome(
                    target.name,
                    target.source,
                    "error",
                    None,
                    f"the fleet notebook reported no result: {error or 'no output'}",
                    duration_s=time.perf_counter() - started,
                    mode="fleet",
                )
            )
    if partial:
        raise FleetInterrupted(outcomes)
    choice = options.notebooks_choice()
    if choice != "none":
        outcomes = _with_notebooks(targets, outcomes, out_dir, options, everyone=(choice == "all"))
    return outcomes


def _with_notebooks(
    targets: Sequence[BatchTarget],
    outcomes: list[ConnectionOutcome],
    out_dir: Path,
    options: BatchOptions,
    *,
    everyone: bool,
) -> list[ConnectionOutcome]:
    """The per-connection notebook (and its HTML) for the failures (or for everyone): the fleet's result
    stays the row's result; the notebook is the customer's record of that connection."""
    from functools import partial

    from .local_executor import LocalExecutor
    from .notebook_run import run_target

    by_name = {t.name: t for t in targets}
    chosen = [i for i, o in enumerate(outcomes) if everyone or not o.passed]
    records = LocalExecutor(options.jobs).run(
        partial(run_target, out_dir=out_dir, options=options), [by_name[outcomes[i].name] for i in chosen]
    )
    for index, record in zip(chosen, records, strict=True):
        outcomes[index].notebook, outcomes[index].html = record.notebook, record.html
    return outcomes
