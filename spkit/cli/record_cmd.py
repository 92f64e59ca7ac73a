"""``spkit record NAME [--out DIR]``: write the onboarding record of a saved connection (.ipynb and .html).

Exit 0 when the record is written and the verification passed, 1 when it is written but a check failed,
2 for bad input (an unknown connection, an invalid profile).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..services.record import DEFAULT_OUT_DIR, write_record
from ..store import ConnectionStore


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "record",
        help="write the onboarding record of a saved connection (notebook and HTML, no secrets)",
        description="Run the verification of a saved connection and write what was set up and verified "
        "as DIR/<name>-<UTC time>.ipynb and .html (the HTML has no code: it is for the customer).",
    )
    parser.add_argument("name", metavar="NAME", help="a saved connection (see 'spkit connections list')")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help=f"where to write the record (default: {DEFAULT_OUT_DIR}/ under the current directory)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    store = ConnectionStore()
    store.get(args.name)  # an unknown name or a broken profile: one line and exit 2, before any kernel
    print(
        f"Writing the onboarding record of '{args.name}' (runs the verification; a few seconds)",
        file=sys.stderr,
        flush=True,
    )
    files = write_record(args.name, args.out, store=store)
    print(f"record: {files.ipynb}")
    print(f"record: {files.html}")
    result = files.result
    if result is None:
        print("spkit: the record was written, but it holds no verification result", file=sys.stderr)
        return 1
    print(result.summary_line())
    if not result.passed:
        failed = ", ".join(
            f"{s.step} [{s.diagnosis.code}]" if s.diagnosis else s.step for s in result.failed_steps
        )
        print(f"spkit: the record was written, but a check failed: {failed}", file=sys.stderr)
        return 1
    return 0
