"""``spkit batch PATH... --out DIR``: verify many connections (parameters files, folders of them,
``connection:NAME``, ``--connections``) through the verification notebook, in parallel, and write
``DIR/<name>.ipynb``/``.html`` and ``DIR/summary.csv``/``.json``/``.html``.

Exit 0 when every connection passed, 1 when any failed, errored or timed out, 2 for bad input, 130 on
Ctrl-C (the summary of what finished is written first). The services are imported only when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "verify many connections through the notebook, in parallel, and write the report"
NOTEBOOK_CHOICES = ("all", "failed", "none")  # as spkit.services.batch.outcome (not imported here)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "batch",
        help=HELP,
        description="Run notebooks/verify_connection.ipynb with papermill for each connection, JOBS at a "
        "time, each in an isolated process; write DIR/<name>.ipynb and .html per connection and "
        "DIR/summary.csv, summary.json and summary.html (the report for the customer).",
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="a parameters file, a folder of them, or connection:NAME"
    )
    parser.add_argument("--out", type=Path, metavar="DIR", required=True, help="where to write the results")
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="connections verified at once (default: the core count)",
    )
    parser.add_argument(
        "--timeout", type=_positive_float, metavar="S", help="per connection: stop a run after S seconds"
    )
    parser.add_argument("--fleet", action="store_true", help="verify all connections in one kernel")
    parser.add_argument(
        "--executor",
        default="local",
        metavar="local|dask://HOST:PORT",
        help="where the runs happen: this machine (default) or a Dask scheduler",
    )
    parser.add_argument(
        "--only-failed",
        type=Path,
        metavar="PREVIOUS_DIR",
        help="verify only the connections that did not pass in that earlier batch's summary.json",
    )
    parser.add_argument(
        "--notebooks",
        choices=NOTEBOOK_CHOICES,
        help="which executed notebooks to keep (default: all; with --fleet: failed)",
    )
    parser.add_argument("--connections", action="store_true", help="also verify every saved connection")
    parser.set_defaults(handler=run)


def _print_table(batch) -> None:
    """The results, worst first, as a compact table on stdout."""
    import pandas as pd

    from ..services.batch.frame import attention_order

    frame = attention_order(batch.frame) if len(batch.frame) else batch.frame
    columns = ["connection", "status", "failed_step", "code", "site_collections", "personal_sites"]
    shown = frame[columns].rename(
        columns={"failed_step": "failed step", "site_collections": "sites", "personal_sites": "personal"}
    )
    shown = shown.astype(object).where(shown.notna(), "")
    with pd.option_context("display.max_colwidth", 40, "display.width", 160):
        print(shown.to_string(index=False))


def run(args: argparse.Namespace) -> int:
    from ..services.batch.outcome import BatchOptions
    from ..services.batch.run import check_options, run_batch
    from ..services.batch.targets import select_targets
    from .batch_progress import BatchProgress

    options = BatchOptions(
        jobs=args.jobs,
        timeout_s=args.timeout,
        fleet=args.fleet,
        executor=args.executor,
        notebooks=args.notebooks,
        only_failed=args.only_failed,
    )
    check_options(options)
    targets = select_targets(args.paths, connections=args.connections, only_failed=args.only_failed)
    if not targets:
        print(
            f"spkit batch: nothing to verify: every connection passed in {args.only_failed}", file=sys.stderr
        )
        return 0
    progress = BatchProgress(len(targets))
    try:
        batch = run_batch(
            targets, args.out, options, progress, command=["spkit", *getattr(args, "argv", sys.argv[1:])]
        )
    finally:
        progress.close()
    if batch.outcomes:
        _print_table(batch)
    counts = {s: sum(o.status == s for o in batch.outcomes) for s in ("passed", "failed", "error", "timeout")}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    if batch.interrupted:
        print(
            f"spkit batch: interrupted: {len(batch.outcomes)} of {len(targets)} finished ({tally or 'none'}); "
            f"summary of those: {batch.files.html}",
            file=sys.stderr,
        )
        return 130
    print(f"{len(batch.outcomes)} connection(s): {tally}")
    print(f"report: {batch.files.html}")
    return batch.exit_code
