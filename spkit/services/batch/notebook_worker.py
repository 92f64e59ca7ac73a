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

# What the verification notebook imports: done in a warm kernel before the notebook runs, silently
# (no output, no execution count), so each run does not pay for them.
WARM_UP = (
    "import pandas, IPython.display\n"
    "import spkit.services.batch, spkit.services.diagnose, spkit.services.verification\n"
)
ENGINE = "spkit-warm-kernel"


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


def _register_engine() -> None:
    """A papermill engine that runs on a kernel we started, and closes its client afterwards."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, start_timeout=60, **kw):
            km = kw.pop("km")
            if hasattr(km, "result"):  # a kernel still starting (a Future), waited for only now
                km = km.result()
            on_kernel = kw.pop("on_kernel", None)
            if on_kernel is not None:  # the notebook's cells are about to run on this kernel
                on_kernel(km)
            kw = remove_args(["input_path", "timeout", "startup_timeout", "stdout_file", "stderr_file"], **kw)
            options = merge_kwargs(kw, startup_timeout=start_timeout, kernel_name=kernel_name)
            client = PapermillNotebookClient(nb_man, km=km, log_output=log_output, **options)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmKernelEngine)


class _Kernels:
    """Starts, warms up and shuts down kernels; tells the parent each kernel's pid (when it listens)."""

    def __init__(self, events: _Events | None, kernel_name: str, cwd: str, warm_up: str = WARM_UP) -> None:
        self.events, self.kernel_name, self.cwd, self.warm_up = events, kernel_name, cwd, warm_up

    def start(self):
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        run_sync(km.start_kernel)(cwd=self.cwd)
        pid = getattr(km.provisioner, "pid", None)
        if pid and self.events is not None:
            self.events.send(event="kernel", pid=pid)
        kc = BlockingKernelClient()
        kc.load_connection_info(km.get_connection_info())
        kc.start_channels(hb=False)  # no heartbeat: its first beats are late under load ("kernel died")
        try:
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive(self.warm_up, silent=True, store_history=False, timeout=120)
        except Exception as error:  # the notebook's own import cell will show what is wrong
            print(f"spkit batch worker: warm-up failed: {error}", file=sys.stderr)
        finally:
            kc.stop_channels()
        return km

    def stop(self, km) -> None:
        from jupyter_core.utils import run_sync

        pid = getattr(km.provisioner, "pid", None)
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception as error:
            print(f"spkit batch worker: kernel shutdown: {error}", file=sys.stderr)
        if pid and self.events is not None:
            self.events.send(event="kernel_end", pid=pid)


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
    _register_engine()
    with contextlib.suppress(ImportError):  # the HTML export's nbconvert, before the first run's clock
        from . import report_html  # noqa: F401
    events.send(event="ready")
    kernels: _Kernels | None = None
    starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spkit-kernel-start")
    warm: Future | None = None
    try:
        for line in sys.stdin:
            job = json.loads(line)
            if kernels is None:
                kernels = _Kernels(events, job["kernel_name"], job["cwd"])
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
