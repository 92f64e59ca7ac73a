"""``spkit verify PARAMS.yaml [--json]``: exit 0 when every step passed, 1 when one failed, 2 bad input."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..models.profile import load_profile
from ..services.verification import verify_online
from .render import result_text, step_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("verify", help="verify a connection profile against SharePoint, step by step")
    parser.add_argument(
        "profile", type=Path, metavar="PARAMS.yaml", help="connection profile (parameters file)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    for warning in profile.warnings:
        print(f"spkit: warning: {warning}", file=sys.stderr)
    if args.json:
        result = verify_online(profile)
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(f"Verifying '{profile.name}' ({profile.kind}, {profile.cloud_obj.display_name})", flush=True)
        result = verify_online(profile, progress=lambda step: print(step_line(step), flush=True))
        print(result.summary_line())
    return 0 if result.passed else 1


__all__ = ["register", "run", "result_text"]
