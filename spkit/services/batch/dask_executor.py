"""``--executor dask://HOST:PORT``: a batch's work on a Dask distributed cluster instead of this machine.

Per-connection runs (``notebook_run.run_target``) or fleet chunks (a slice of the targets verified by
``verify_fleet`` on one worker) are sent to the scheduler. Workers may be other machines that do not
share the batch's folder: each task writes into a folder of its own on its worker and returns the
executed notebook and its HTML as text; this client writes them under ``DIR``. What the workers must
have: spkit installed, the profiles and the files they name at the same paths (a shared mount) or the
same saved connections, and a route to the tenants (README, "Batch verification on a Dask cluster").
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ...errors import InputError
from .outcome import BatchOptions, ConnectionOutcome
from .targets import BatchTarget

T = TypeVar("T")
R = TypeVar("R")

DASK_PREFIX = "dask://"
CONNECT_TIMEOUT_S = 5  # a scheduler answers at once; refused connections are retried until then
FLEET_CHUNK = 50  # connections per fleet task: enough to amortise a worker's pools and token caches


def scheduler_address(executor: str) -> str:
    """``dask://HOST:PORT`` → ``tcp://HOST:PORT`` (the scheduler's address as distributed takes it)."""
    rest = executor[len(DASK_PREFIX) :] if executor.startswith(DASK_PREFIX) else executor
    if "://" in rest:
        return rest
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(
            f"--executor {executor}: not dask://HOST:PORT",
            code="USAGE",
            fix="--executor dask://HOST:PORT, the address 'dask scheduler' prints (port 8786 by default)",
        )
    return f"tcp://{rest}"


def _unreachable(address: str, error: BaseException) -> InputError:
    return InputError(
        f"no Dask scheduler answers at {address} ({type(error).__name__})",
        code="DASK_UNREACHABLE",
        fix="start one with 'dask scheduler' (and 'dask worker HOST:PORT' on each machine), or check "
        "HOST:PORT and the firewall; --executor local runs on this machine",
    )


# --- what runs on a worker (top-level functions: pickled by reference) ----------------------------


def _outcome_record(outcome: ConnectionOutcome) -> dict[str, Any]:
    from .fleet import outcome_record

    record = outcome_record(outcome)
    record["mode"] = outcome.mode
    return record


def _outcome(record: dict[str, Any]) -> ConnectionOutcome:
    from .fleet import outcome_from_record

    outcome = outcome_from_record(record)
    outcome.mode = record.get("mode") or outcome.mode
    return outcome


def remote_run(fn: Callable[..., ConnectionOutcome], item: BatchTarget) -> dict[str, Any]:
    """A per-connection run on a worker: ``fn`` (``partial(run_target, out_dir=..., options=...)``)
    writes into a folder of the worker's own; the outcome and the files' text come back."""
    scratch = Path(tempfile.mkdtemp(prefix="spkit-dask-"))
    try:
        if isinstance(fn, partial) and "out_dir" in fn.keywords:
            fn = partial(fn.func, *fn.args, **{**fn.keywords, "out_dir": scratch})
        outcome = fn(item)
        files = {}
        for attribute in ("notebook", "html"):
            path = getattr(outcome, attribute)
            if path is not None and Path(path).is_file():
                files[attribute] = (Path(path).name, Path(path).read_text(encoding="utf-8"))
        return {"outcome": _outcome_record(outcome), "files": files}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def remote_fleet(targets: list[BatchTarget], jobs: int | None, sample_size: int, timeout_s: float | None):
    """A fleet chunk on a worker: ``verify_fleet`` in the worker's process."""
    from .fleet import verify_fleet

    outcomes = verify_fleet(targets, jobs=jobs, sample_size=sample_size, timeout_s=timeout_s)
    return [_outcome_record(o) for o in outcomes]


# --- the client side ---------------------------------------------------------------------------------


class DaskExecutor:
    """The contract's executor on a Dask cluster: ``run(fn, items, on_start=, on_done=)``, results in
    item order, ``fn`` never raises. Connects at once, so an unreachable scheduler is reported before
    anything runs (``DASK_UNREACHABLE``, exit 2)."""

    def __init__(self, address: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        from distributed import Client

        self.address = scheduler_address(address)
        try:
            self.client = Client(self.address, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise _unreachable(self.address, error) from None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _slots(self) -> int:
        """Tasks worth keeping in flight: the cluster's threads (at least one)."""
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:
            return 1

    def _stream(self, submit: Callable[[int], Any], count: int, on_start, on_done) -> dict[int, Any]:
        """Keep the cluster busy, ``_slots()`` tasks at a time; Ctrl-C cancels what did not finish and
        raises ``BatchInterrupted`` with what did (in item order)."""
        from distributed import as_completed

        from .local_executor import BatchInterrupted

        results: dict[int, Any] = {}
        futures: dict[Any, int] = {}
        next_index = 0
        pending = None
        slots = self._slots()

        def top_up() -> None:
            nonlocal next_index
            while next_index < count and len(futures) < slots:
                future = submit(next_index)
                futures[future] = next_index
                if on_start:
                    on_start(next_index)
                if pending is not None:
                    pending.add(future)
                next_index += 1

        try:
            top_up()
            pending = as_completed(list(futures), loop=self.client.loop)  # not the default client
            while futures:
                future = next(pending)
                index = futures.pop(future)
                results[index] = future.result()
                if on_done:
                    on_done(index, results[index])
                top_up()
        except KeyboardInterrupt:
            self.client.cancel(list(futures))
            raise BatchInterrupted([results[i] for i in sorted(results)]) from None
        return results

    def run(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        on_start: Callable[[T], None] | None = None,
        on_done: Callable[[T, R], None] | None = None,
    ) -> list[R]:
        """Per-connection runs on the cluster; executed notebooks come back and are written here, where
        ``fn``'s ``out_dir`` says."""
        out_dir = (
            Path(fn.keywords["out_dir"]) if isinstance(fn, partial) and "out_dir" in fn.keywords else None
        )
        items = list(items)
        converted: dict[int, R] = {}

        def submit(index: int):
            return self.client.submit(remote_run, fn, items[index], pure=False)

        def done(index: int, reply: dict[str, Any]) -> None:
            converted[index] = self._landed(reply, out_dir)  # type: ignore[assignment]
            if on_done:
                on_done(items[index], converted[index])

        from .local_executor import BatchInterrupted

        try:
            self._stream(submit, len(items), (lambda i: on_start(items[i])) if on_start else None, done)
        except BatchInterrupted:
            raise BatchInterrupted([converted[i] for i in sorted(converted)]) from None
        return [converted[i] for i in range(len(items))]

    @staticmethod
    def _landed(reply: dict[str, Any], out_dir: Path | None) -> ConnectionOutcome:
        """A worker's reply as an outcome, its files written under ``out_dir`` (this machine's DIR)."""
        outcome = _outcome(reply["outcome"])
        for attribute, (name, text) in reply.get("files", {}).items():
            if out_dir is None:
                continue
            out_dir.mkdir(parents=True, exist_ok=True)
            path = out_dir / name
            path.write_text(text, encoding="utf-8")
            setattr(outcome, attribute, path)
        return outcome

    def run_fleet(
        self,
        targets: Sequence[BatchTarget],
        out_dir: Path,
        options: BatchOptions,
        *,
        on_start: Callable[[BatchTarget], None] | None = None,
        on_done: Callable[[BatchTarget, ConnectionOutcome], None] | None = None,
    ) -> list[ConnectionOutcome]:
        """``--fleet`` on the cluster: chunks of ``FLEET_CHUNK`` targets, each verified by
        ``verify_fleet`` on a worker; then, as asked by ``--notebooks``, the per-connection notebook of
        the failures (or of everyone) on the cluster too."""
        from .local_executor import BatchInterrupted

        targets = list(targets)
        chunks = [targets[i : i + FLEET_CHUNK] for i in range(0, len(targets), FLEET_CHUNK)]
        outcomes: dict[int, list[ConnectionOutcome]] = {}

        def submit(index: int):
            return self.client.submit(
                remote_fleet, chunks[index], options.jobs, options.sample_size, options.timeout_s, pure=False
            )

        def started(index: int) -> None:
            for target in chunks[index] if on_start else ():
                on_start(target)

        def done(index: int, records: list[dict[str, Any]]) -> None:
            outcomes[index] = [_outcome(r) for r in records]
            for target, outcome in zip(chunks[index], outcomes[index], strict=False):
                if on_done:
                    on_done(target, outcome)

        try:
            self._stream(submit, len(chunks), started, done)
        except BatchInterrupted:
            from .fleet import FleetInterrupted

            raise FleetInterrupted([o for i in sorted(outcomes) for o in outcomes[i]]) from None
        found = [o for i in range(len(chunks)) for o in outcomes[i]]
        for outcome, target in zip(found, targets, strict=True):
            outcome.name, outcome.source = target.name, target.source
        choice = options.notebooks_choice()
        if choice == "none":
            return found
        from .notebook_run import run_target

        chosen = [i for i, o in enumerate(found) if choice == "all" or not o.passed]
        records = self.run(
            partial(run_target, out_dir=out_dir, options=options), [targets[i] for i in chosen]
        )
        for index, record in zip(chosen, records, strict=True):
            found[index].notebook, found[index].html = record.notebook, record.html
        return found
