"""Kernels started ahead and warmed up, and the papermill engine that runs a notebook on one: what the
batch's two child programs share (``notebook_worker``, one notebook per kernel; ``fleet_runner``, the
fleet notebook once), so a run costs its work, not a kernel start and the notebook's imports."""

from __future__ import annotations

import sys
from typing import Any, Protocol

# What the verification notebook imports: done in a warm kernel before the notebook runs, silently
# (no output, no execution count), so each run does not pay for them.
WARM_UP = (
    "import pandas, IPython.display\n"
    "import spkit.services.batch, spkit.services.diagnose, spkit.services.verification\n"
)
ENGINE = "spkit-warm-kernel"


class EventSink(Protocol):
    """Where a kernel's pid is told (the worker's protocol pipe), so the parent can kill it on a timeout."""

    def send(self, **event: Any) -> None: ...


def register_warm_engine() -> None:
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


class WarmKernels:
    """Starts, warms up and shuts down kernels; tells the parent each kernel's pid (when it listens)."""

    def __init__(self, events: EventSink | None, kernel_name: str, cwd: str, warm_up: str = WARM_UP) -> None:
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
