"""Background work for the wizard: a device-code sign-in polls for minutes and Configure takes seconds,
so each runs in a thread and the page stays live (the code and link show while polling, each verified
step shows as it finishes). One exclusive task at a time (Configure, Save, Browse...); a sign-in runs
beside them, so a person who walks away from a code can still go on (its late result is then ignored).
``wait`` lets tests (and notebooks) block until everything has ended."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Tasks:
    """Runs one named task at a time in a daemon thread; ``changed`` is called when one starts or ends."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.name: str | None = None  # the exclusive task running
        self.beside: set[str] = set()  # the non-exclusive ones
        self.last_error: BaseException | None = None

    @property
    def busy(self) -> bool:
        """An exclusive task runs: the buttons that start one are disabled."""
        return self.name is not None

    def running(self, name: str) -> bool:
        return self.name == name or name in self.beside

    def run(
        self,
        name: str,
        work: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        *,
        exclusive: bool = True,
    ) -> bool:
        """Start ``work`` (unless another exclusive task runs, for an exclusive one); ``done(value)`` or
        ``failed(error)`` follow in the task's thread, once the task no longer counts as running, and
        then ``changed``. Returns False when it could not start."""
        with self._lock:
            if exclusive:
                if self.name is not None:
                    return False
                self.name = name
            else:
                self.beside.add(name)

        def target() -> None:
            try:
                value = work()
            except BaseException as error:  # shown beside its control; never a traceback on the page
                self.last_error = error
                log.debug("wizard task %s failed", name, exc_info=True)
                show, outcome = failed, error
            else:
                show, outcome = done, value
            # The task is over before its outcome is shown, so one refresh shows the outcome, the status
            # line and the buttons together (no "configuring…" beside a finished table).
            self._release(name, exclusive)
            try:
                if show is not None:
                    show(outcome)
            except BaseException as error:
                self.last_error = error
                log.debug("wizard task %s: showing the result failed", name, exc_info=True)
            finally:
                self._changed()

        thread = threading.Thread(target=target, name=f"spkit-wizard-{name}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        self._changed()
        thread.start()
        return True

    def _release(self, name: str, exclusive: bool) -> None:
        with self._lock:
            if exclusive:
                self.name = None
            else:
                self.beside.discard(name)

    def wait(self, timeout: float = 120.0) -> None:
        """Block until the running tasks (and any they started on ending, e.g. the preview after a
        sign-in) have ended; TimeoutError if one outlives ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            alive = [thread for thread in list(self._threads) if thread.is_alive()]
            if not alive:
                return
            for thread in alive:
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():
                    raise TimeoutError(f"the wizard task {thread.name} still runs after {timeout:.0f} s")
