"""The child process of a batch: runs the verification notebook with papermill for one connection after
another, each in a fresh kernel, and answers on a pipe.

Started as ``python -I -m spkit.services.batch.notebook_worker`` in its own session by
``notebook_run``. It imports papermill once (seconds: nbformat's schema validator), and while one
connection verifies (mostly waiting on the network) it starts and warms up the next connection's kernel
(the notebook's imports done, silently), so a connection costs its verification, not a kernel start.
Every kernel serves exactly one notebook: no state passes from one connection to the next.

Protocol: one JSON job per line on stdin; one JSON event per line on the original stdout
(``ready`` once papermill is imported, ``kernel``/``kernel_end`` with a kernel's pid, so the parent can
kill its process group on a timeout, and ``done`` per job). Anything else printed goes to stderr, which the parent captures.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .warm_kernels import ENGINE, WarmKernels, register_warm_engine


class _Events:
    """The protocol pipe: the process's original stdout, with fd 1 pointed at stderr instead."""

    def __init__(self) -> None:
        self._out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
        os.dup2(2, 1)
        self._lock = threading.Lock()

    def send(self, **event: Any) -> None:
        with self._lock:  # the next kernel is started on another thread
            self._out.write(json.dumps(event) + "\n")
            self._out.flush()


def _export_html(ipynb: Path, html: Path) -> Path | None:
    from .report_html import export_notebook_html

    export_notebook_html(ipynb, html)
    return html


def _run(job: dict[str, Any], km) -> dict[str, Any]:
    """Execute one notebook on ``km``; keep or drop its files as asked. Never raises."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from . import read_result

    output = Path(job["output"])
    error = None
    try:
        pm.execute_notebook(
            job["notebook"],
            str(output),
            parameters=job["parameters"],
            engine_name=ENGINE,
            kernel_name=job["kernel_name"],
            cwd=job["cwd"],
            progress_bar=False,
            log_output=False,
            km=km,
        )
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    result, found = None, None
    if output.exists():
        try:
            found = read_result(output)
            result = found.to_dict() if found is not None else None
        except Exception as exc:
            error = error or f"the executed notebook could not be read: {type(exc).__name__}: {exc}"
    passed = found is not None and found.passed
    keep = job["keep"] == "all" or (job["keep"] == "failed" and not passed)
    html = None
    if output.exists() and not keep:
        output.unlink()
    elif output.exists() and job.get("html"):
        try:
            html = _export_html(output, Path(job["html"]))
        except Exception as exc:
            print(f"spkit batch worker: HTML export failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    return {
        "result": result,
        "error": " ".join(error.split()) if error else None,
        "notebook": str(output) if output.exists() else None,
        "html": str(html) if html else None,
    }


def main() -> int:
    # nbformat's schema validator loads jsonschema's IRI format checker, which builds a parser grammar at
    # import (about 2 s of CPU per process); notebooks use no IRI formats, so this process goes without.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    events = _Events()
    register_warm_engine()
    with contextlib.suppress(ImportError):  # the HTML export's nbconvert, before the first run's clock
        from . import report_html  # noqa: F401
    events.send(event="ready")
    kernels: WarmKernels | None = None
    starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spkit-kernel-start")
    warm: Future | None = None
    try:
        for line in sys.stdin:
            job = json.loads(line)
            if kernels is None:
                kernels = WarmKernels(events, job["kernel_name"], job["cwd"])
            km = warm.result() if warm is not None else kernels.start()
            # The next connection's kernel starts and imports while this one verifies (mostly waiting
            # on the network), so it is ready when the next job comes.
            warm = starter.submit(kernels.start) if job.get("warm_next") else None
            try:
                reply = _run(job, km)
            finally:
                kernels.stop(km)
            events.send(event="done", id=job["id"], **reply)
    finally:
        if warm is not None and kernels is not None and warm.exception() is None:
            kernels.stop(warm.result())
        starter.shutdown(wait=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
