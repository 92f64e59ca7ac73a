"""Run per-connection work on this machine, ``jobs`` at a time (threads, each driving one isolated child
process), with Ctrl-C stopping everything at once but keeping what finished.

The threads only wait on their child's pipe, so the GIL is no bottleneck; the work (kernels, notebooks)
runs in the children, which are in their own sessions: Ctrl-C reaches only this process, which then
kills every child and kernel and reports what had finished.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from .notebook_run import POOL

T = TypeVar("T")
R = TypeVar("R")


class BatchInterrupted(KeyboardInterrupt, Generic[R]):
    """Ctrl-C during a batch: ``finished`` holds the results that were complete, in item order."""

    def __init__(self, finished: list[R]) -> None:
        super().__init__("interrupted")
        self.finished = finished


def default_jobs() -> int:
    return os.cpu_count() or 1


class LocalExecutor:
    """``jobs`` items at a time; results in item order. ``fn`` must not raise."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or default_jobs())

    def run(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        on_start: Callable[[T], None] | None = None,
        on_done: Callable[[T, R], None] | None = None,
    ) -> list[R]:
        results: dict[int, R] = {}
        lock = threading.Lock()
        stopping = threading.Event()
        state = {"next": 0}
        POOL.reopen()
        POOL.backlog = len(items)

        def take() -> int | None:
            with lock:
                if stopping.is_set() or state["next"] >= len(items):
                    return None
                index = state["next"]
                state["next"] += 1
                POOL.backlog = len(items) - state["next"]
                return index

        def lane() -> None:
            while (index := take()) is not None:
                item = items[index]
                if on_start:
                    on_start(item)
                result = fn(item)
                if stopping.is_set():  # interrupted: what ran when Ctrl-C came is not a result
                    return
                with lock:
                    results[index] = result
                if on_done:
                    on_done(item, result)

        pool = ThreadPoolExecutor(
            max_workers=min(self.jobs, max(1, len(items))), thread_name_prefix="spkit-batch"
        )
        futures: set[Future] = {pool.submit(lane) for _ in range(min(self.jobs, max(1, len(items))))}
        try:
            while futures:
                done, futures = wait(futures, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
        except KeyboardInterrupt:
            stopping.set()
            POOL.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise BatchInterrupted([results[i] for i in sorted(results)]) from None
        finally:
            pool.shutdown(wait=True)
            POOL.close_all()
        return [results[i] for i in range(len(items))]
