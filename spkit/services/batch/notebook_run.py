"""One connection of a batch through the verification notebook: papermill in an isolated child process
(``notebook_worker``), a per-run timeout that kills the child's process groups (kernel included), and the
result read back from the executed notebook into a ``ConnectionOutcome``.

Children are kept in a pool and take one connection after another (papermill imported once, the next
kernel warmed up while the previous connection finishes), but each run has a fresh kernel. A child that
times out, dies or is interrupted is killed with its kernel and replaced; the others go on.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from . import NOTEBOOKS_DIR, VERIFY_NOTEBOOK
from .outcome import BatchOptions, ConnectionOutcome
from .targets import BatchTarget

KERNEL_NAME = "python3"  # the verification notebook's kernelspec
_STOP_WAIT_S = 5.0
# A child's own start (papermill and nbconvert imported) is not part of any connection's --timeout.
READY_TIMEOUT_S = 180.0


class WorkerTimeout(Exception):
    """The run took longer than its timeout; the child and its kernel were killed."""


class WorkerGone(Exception):
    """The child ended (killed, crashed) before answering."""


class NotebookWorker:
    """One child process running notebooks on request; ``kill`` ends it and every kernel it started."""

    _ids = itertools.count(1)

    def __init__(self) -> None:
        # stderr goes to a file outside DIR (never part of a report), closed with the worker
        self._stderr = tempfile.TemporaryFile(prefix="spkit-batch-worker-")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "spkit.services.batch.notebook_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(NOTEBOOKS_DIR),
            start_new_session=True,  # its own process group: a timeout kills it all, Ctrl-C does not reach it
            text=True,
            encoding="utf-8",
        )
        self.kernels: set[int] = set()
        self.ready = False
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, name="spkit-batch-worker-reader", daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "kernel":
                with self._lock:
                    self.kernels.add(int(event["pid"]))
            elif event.get("event") == "kernel_end":
                with self._lock:
                    self.kernels.discard(int(event["pid"]))
            else:
                self._events.put(event)
        self._events.put(None)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self) -> None:
        while not self.ready:
            try:
                event = self._events.get(timeout=READY_TIMEOUT_S)
            except queue.Empty:
                self.kill()
                raise WorkerGone(f"the worker did not start in {READY_TIMEOUT_S:g} s") from None
            if event is None:
                self.process.wait()
                raise WorkerGone(self._last_words())
            self.ready = event.get("event") == "ready"

    def run(self, job: dict[str, Any], timeout_s: float | None) -> dict[str, Any]:
        """Send one job and wait for its answer; raises ``WorkerTimeout`` or ``WorkerGone``. The
        timeout counts from the job's start (kernel start included), not the child's own start."""
        self.wait_ready()
        job = {**job, "id": next(self._ids)}
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as error:
            raise WorkerGone(self._last_words() or str(error)) from None
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                event = self._events.get(timeout=wait)
            except queue.Empty:
                self.kill()
                raise WorkerTimeout() from None
            if event is None:
                self.process.wait()
                raise WorkerGone(self._last_words())
            if event.get("event") == "done" and event.get("id") == job["id"]:
                return event

    def kill(self) -> None:
        """End the child and its kernels at once (each kernel leads its own process group)."""
        with self._lock:
            groups = [*self.kernels, self.process.pid]
            self.kernels.clear()
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=_STOP_WAIT_S)

    def close(self) -> None:
        """Ask the child to finish (end of input: it shuts its warm kernel down), then make sure."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=_STOP_WAIT_S)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def _last_words(self) -> str:
        """The last line the child wrote on stderr (why it ended), for the outcome's error."""
        try:
            self._stderr.seek(0)
            lines = [ln for ln in self._stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        except (OSError, ValueError):
            return ""
        return lines[-1].strip()[:300] if lines else ""


class WorkerPool:
    """Idle children ready for the next connection. ``backlog`` (connections not started yet; None when
    unknown) tells a child whether to warm up a kernel for one more."""

    def __init__(self) -> None:
        self._idle: list[NotebookWorker] = []
        self._busy: set[NotebookWorker] = set()
        self._lock = threading.Lock()
        self.backlog: int | None = None
        self.closed = False

    def checkout(self) -> NotebookWorker:
        with self._lock:
            if self.closed:
                raise WorkerGone("the batch was interrupted")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    break
            else:
                worker = NotebookWorker()
            self._busy.add(worker)
            return worker

    def checkin(self, worker: NotebookWorker) -> None:
        with self._lock:
            self._busy.discard(worker)
            if worker.alive and not self.closed:
                self._idle.append(worker)
                return
        worker.kill()

    def warm_next(self) -> bool:
        return self.backlog is None or self.backlog > 0

    def kill_all(self) -> None:
        """Ctrl-C: end every child and kernel now; later checkouts fail."""
        with self._lock:
            self.closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
        for worker in workers:
            worker.kill()

    def close_all(self) -> None:
        """The batch is over: let idle children end cleanly."""
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.close()

    def reopen(self) -> None:
        with self._lock:
            self.closed = False
            self.backlog = None


POOL = WorkerPool()


def _keep(options: BatchOptions, status: str) -> bool:
    choice = options.notebooks_choice()
    return choice == "all" or (choice == "failed" and status != "passed")


def _job(target: BatchTarget, out_dir: Path, options: BatchOptions) -> dict[str, Any]:
    return {
        "notebook": str(VERIFY_NOTEBOOK),
        "output": str(out_dir / f"{target.name}.ipynb"),
        "html": str(out_dir / f"{target.name}.html"),
        "parameters": {**target.parameters(), "sample_size": options.sample_size},
        "cwd": str(NOTEBOOKS_DIR),
        "kernel_name": KERNEL_NAME,
        "keep": options.notebooks_choice(),
        "warm_next": POOL.warm_next(),
    }


def bad_target_outcome(target: BatchTarget) -> ConnectionOutcome:
    """A target whose profile did not load: a failed row with its message, nothing run."""
    return ConnectionOutcome(target.name, target.source, "error", None, error=target.error)


def run_target(target: BatchTarget, out_dir: Path, options: BatchOptions) -> ConnectionOutcome:
    """Verify one connection through the notebook in a pooled child; never raises."""
    from ...models.results import VerificationResult

    if target.error is not None:
        return bad_target_outcome(target)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / f"{target.name}.ipynb", out_dir / f"{target.name}.html"):
        stale.unlink(missing_ok=True)  # an earlier batch's file in DIR must not pass for this run's
    outcome = ConnectionOutcome(target.name, target.source, "error", None)
    try:
        worker = POOL.checkout()
    except WorkerGone as gone:
        outcome.error = str(gone)
        return outcome
    try:
        worker.wait_ready()  # a new child's start is the batch's overhead, not this connection's time
    except WorkerGone as gone:
        POOL.checkin(worker)
        outcome.error = "the verification was interrupted" if POOL.closed else str(gone)
        return outcome
    started = time.monotonic()
    try:
        reply = worker.run(_job(target, out_dir, options), options.timeout_s)
    except WorkerTimeout:
        outcome.status = "timeout"
        outcome.error = f"timed out after {options.timeout_s:g} s"
        _partial_files(outcome, target, out_dir, options)
    except WorkerGone as gone:
        outcome.error = "the verification was interrupted" if POOL.closed else f"the run ended early: {gone}"
    except Exception as error:  # never let one connection end the batch
        outcome.error = f"{type(error).__name__}: {error}"
    else:
        result = VerificationResult.from_dict(reply["result"]) if reply.get("result") else None
        outcome.result = result
        outcome.notebook = Path(reply["notebook"]) if reply.get("notebook") else None
        outcome.html = Path(reply["html"]) if reply.get("html") else None
        if result is not None:
            outcome.status = "passed" if result.passed else "failed"
            outcome.error = None
        else:
            outcome.error = reply.get("error") or "the notebook published no result"
    finally:
        POOL.checkin(worker)
    outcome.duration_s = round(time.monotonic() - started, 3)
    return outcome


def _partial_files(
    outcome: ConnectionOutcome, target: BatchTarget, out_dir: Path, options: BatchOptions
) -> None:
    """After a timeout: keep (and export) what papermill saved so far, when notebooks are kept."""
    ipynb, html = out_dir / f"{target.name}.ipynb", out_dir / f"{target.name}.html"
    if not ipynb.exists():
        return
    if not _keep(options, outcome.status):
        ipynb.unlink()
        return
    outcome.notebook = ipynb
    try:
        from .report_html import export_notebook_html

        export_notebook_html(ipynb, html)
        outcome.html = html
    except Exception:  # the notebook itself is the record; the HTML is a convenience
        pass
