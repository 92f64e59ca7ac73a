"""``spkit diagnose PARAMS.yaml | --connection NAME [--json] [--admin UPN]``: the verification ladder
explained — exit 0 healthy (warnings allowed), 1 a rung failed, 2 bad input. With ``--admin`` a delegated
admin signs in (cached sign-in, else the password, else a device code) when the broken rung needs to read
the app in the tenant: consent propagating or missing, the certificates registered on the app."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..services.diagnose import ConnectionDiagnosis

STATUS = {"passed": "PASS", "failed": "FAIL", "warning": "WARN", "skipped": "SKIP"}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "diagnose",
        help="find the first broken rung of a connection, from the network up, with evidence and fix",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "profile", type=Path, nargs="?", metavar="PARAMS.yaml", help="connection profile (parameters file)"
    )
    source.add_argument(
        "--connection", metavar="NAME", help="a saved connection (see 'spkit connections list')"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    from .admin_options import add_admin_args

    add_admin_args(parser, required=False)  # --admin UPN, --password REF | --password-stdin, --client-id
    parser.set_defaults(handler=run)


def _admin(args: argparse.Namespace, profile):
    """The admin sign-in ``--admin`` asks for, as the service calls it (only when a rung needs it)."""
    if not args.admin:
        return None
    from ..services.diagnose import admin_sign_in
    from .admin_options import admin_password, show_device_code

    return admin_sign_in(
        profile,
        args.admin,
        password=lambda target: admin_password(args, target),
        show_code=show_device_code,
        client_id=args.client_id,
        timeout_s=args.timeout,
    )


def run(args: argparse.Namespace) -> int:
    if args.profile is None and args.connection is None:
        raise InputError(
            "spkit diagnose: the following arguments are required: PARAMS.yaml (or --connection NAME)",
            code="USAGE",
            fix="see 'spkit diagnose --help'",
        )
    if not args.admin and (args.password or args.password_stdin):
        raise InputError(
            "spkit diagnose: --password and --password-stdin need --admin UPN",
            code="USAGE",
            fix="add --admin UPN (the admin who signs in), or leave the password out",
        )
    from ..services.diagnose import diagnose_profile, load_target

    profile = load_target(args.profile, args.connection)
    admin = _admin(args, profile)
    if args.json:
        found = diagnose_profile(profile, admin=admin)
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return 0 if found.healthy else 1
    for warning in profile.warnings:
        print(f"spkit: warning: {warning}", file=sys.stderr)
    print(f"Diagnosing '{profile.name}' ({profile.kind})", flush=True)
    found = diagnose_profile(profile, admin=admin)
    print(render(found))
    return 0 if found.healthy else 1


def _wrap(text: str, indent: str, width: int) -> str:
    lines = []
    for paragraph in text.splitlines() or [""]:
        hang = indent + "   " if re.match(r"\d+\. ", paragraph) else indent  # numbered steps hang
        lines.append(
            textwrap.fill(
                paragraph, width, initial_indent=indent, subsequent_indent=hang, break_on_hyphens=False
            )
        )
    return "\n".join(lines)


def render(found: ConnectionDiagnosis, width: int | None = None) -> str:
    """The ladder as a table, the first broken rung with its evidence and fix, what to tell the customer."""
    width = width or min(shutil.get_terminal_size((110, 20)).columns, 140)
    name_w = max(len(r.rung) for r in found.rungs)
    code_w = max([len(r.code or "") for r in found.rungs] + [4])
    head = f"{'rung':<{name_w}}  {'status':<6}  {'time':>7}  {'code':<{code_w}}  summary"
    rows = [head, "-" * min(width, len(head) + 40)]
    for r in found.rungs:
        start = f"{r.rung:<{name_w}}  {STATUS[r.status]:<6}  {r.duration_s:6.2f}s  {r.code or '':<{code_w}}  "
        rows.append(start + textwrap.shorten(r.summary, max(30, width - len(start)), placeholder="…"))
    out = ["\n".join(rows), ""]
    broken = found.broken_rung
    if broken is None:
        out.append("Healthy: no rung failed.")
        for r in (r for r in found.rungs if r.status == "warning"):
            out.append(_wrap(f"Warning, {r.rung}: {r.summary}", "  ", width))
    else:
        out.append(f"Broken: {broken.rung} — {broken.title} [{broken.code}]")
        out.append(_wrap(broken.summary, "  ", width))
        if found.meaning:
            out.append(_wrap(f"What it means: {found.meaning}", "  ", width))
        out.append("  Evidence:")
        out.append(_wrap(broken.evidence or "(none)", "    ", width))
        out.append("  Fix:")
        out.append(_wrap(broken.fix or "(see the summary)", "    ", width))
        if broken.own_fix:
            out.append(_wrap(f"In this case: {broken.own_fix}", "  ", width))
    out += ["", "What to tell the customer", _wrap(found.tell_customer, "  ", width)]
    return "\n".join(out)
