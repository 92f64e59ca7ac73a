"""``spkit verify PARAMS.yaml | --connection NAME [--json]``: exit 0 when every step passed, 1 when one
failed, 2 bad input."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError
from .render import step_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("verify", help="verify a connection profile against SharePoint, step by step")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "profile", type=Path, nargs="?", metavar="PARAMS.yaml", help="connection profile (parameters file)"
    )
    source.add_argument(
        "--connection", metavar="NAME", help="a saved connection (see 'spkit connections list')"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.profile is None and args.connection is None:
        raise InputError(
            "spkit verify: the following arguments are required: PARAMS.yaml (or --connection NAME)",
            code="USAGE",
            fix="see 'spkit verify --help'",
        )
    from ..services.diagnose import load_target, troubleshoot_hint  # here: `spkit verify --help` stays fast
    from ..services.verification import verify_profile
    from .progress import counter

    profile = load_target(args.profile, args.connection)
    for warning in profile.warnings:
        print(f"spkit: warning: {warning}", file=sys.stderr)
    with counter("Listing site collections") as shown:  # on stderr, only when it is a terminal
        on_sites = shown.update if shown is not None else None
        if args.json:
            result = verify_profile(profile, on_sites=on_sites)
            print(json.dumps(result.to_dict(), indent=2))
        else:
            where = profile.cloud_obj.display_name if profile.kind == "online" else profile.server.url
            print(f"Verifying '{profile.name}' ({profile.kind}, {where})", flush=True)

            def step_done(step) -> None:
                if shown is not None:
                    shown.close()  # the step's counter gives way to the step's line
                print(step_line(step), flush=True)

            result = verify_profile(profile, progress=step_done, on_sites=on_sites)
            print(result.summary_line())
    if not result.passed:  # stdout stays one JSON document with --json
        hint = troubleshoot_hint(profile_path=args.profile, connection=args.connection)
        print(hint, file=sys.stderr if args.json else sys.stdout)
    return 0 if result.passed else 1
