"""The child process of ``spkit batch --fleet``: runs the fleet notebook once with papermill, on a kernel
that is started (and given the notebook's imports, silently) while papermill itself is imported.

What the ``papermill`` CLI would do, less its fixed costs, which are most of a small fleet's time: the
CLI imports jsonschema's IRI format checker (a grammar built at import, ~2 s of CPU, for formats no
notebook uses), then starts the kernel, then waits for the notebook's imports, one after the other.

Started as ``python -I -m spkit.services.batch.fleet_runner JOB.json`` in a session of its own by
``fleet.execute_fleet_notebook``; the kernel is its only child process (Ctrl-C there is the parent's
SIGINT to it). Exit status 0 when the notebook ran to its end, 1 with the error as the last line of
stderr otherwise; papermill saves the executed notebook either way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# What the fleet notebook and its first connections import: done before the notebook's first cell, so
# the verification cell measures verifications, not imports.
WARM_UP = (
    "import pandas, IPython.display\n"
    "import spkit.services.batch.fleet, spkit.services.batch.frame, spkit.services.batch.targets\n"
    "import spkit.services.verification, spkit.services.diagnose, spkit.services.online.profile_access\n"
    "import spkit.checks.ladders, spkit.models.profile\n"
)


class _Interrupt:
    """The parent's SIGINT (its Ctrl-C): passed on to the kernel once the notebook runs there (its
    running cell gets KeyboardInterrupt, so the notebook still publishes what finished); before that,
    noted and the notebook is not run (``KeyboardInterrupt`` when the kernel is ready)."""

    def __init__(self) -> None:
        self.kernel_pid: int | None = None
        self.pressed = False

    def __call__(self, signum, frame) -> None:
        self.pressed = True
        if self.kernel_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.kernel_pid, signal.SIGINT)

    def on_kernel(self, km) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.kernel_pid = getattr(km.provisioner, "pid", None)


def main(argv: list[str] | None = None) -> int:
    interrupt = _Interrupt()
    signal.signal(signal.SIGINT, interrupt)
    # nbformat's validator would load jsonschema's IRI format checker (see notebook_worker.main)
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    args = sys.argv[1:] if argv is None else argv
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    # what the kernel's start needs, imported here first: the papermill import below runs beside it
    import jupyter_client.blocking  # noqa: F401
    import jupyter_client.manager  # noqa: F401
    import jupyter_core.utils  # noqa: F401

    from .warm_kernels import ENGINE, WarmKernels, register_warm_engine

    kernels = WarmKernels(None, job["kernel_name"], job["cwd"], warm_up=WARM_UP)
    starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spkit-fleet-kernel")
    starting = starter.submit(kernels.start)  # a process of its own: on the other core
    try:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        register_warm_engine()
        # papermill reads, parameterises and first saves the notebook while the kernel warms up; the
        # engine waits for the kernel (``starting``) only when the first cell is to run
        pm.execute_notebook(
            job["notebook"],
            job["output"],
            parameters=job["parameters"],
            engine_name=ENGINE,
            kernel_name=job["kernel_name"],
            cwd=job["cwd"],
            progress_bar=False,
            log_output=False,
            km=starting,
            on_kernel=interrupt.on_kernel,
        )
    except KeyboardInterrupt:  # the parent's Ctrl-C came before the notebook ran
        print("interrupted before the notebook ran", file=sys.stderr)
        return 130
    except PapermillExecutionError as error:
        print(f"{error.ename}: {error.evalue}".replace("\n", " "), file=sys.stderr)
        return 1
    except Exception as error:
        print(f"{type(error).__name__}: {error}".replace("\n", " "), file=sys.stderr)
        return 1
    finally:
        if starting.exception() is None:
            kernels.stop(starting.result())
        starter.shutdown(wait=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
