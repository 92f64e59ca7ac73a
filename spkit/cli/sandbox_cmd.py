"""``spkit sandbox start|stop|status|profiles``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError
from ..sandbox import runner


def _fraction(text: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc


def register(sub: argparse._SubParsersAction) -> None:
    sandbox = sub.add_parser("sandbox", help="run the local Microsoft 365 sandbox (HTTPS on loopback)")
    actions = sandbox.add_subparsers(dest="action", metavar="ACTION", parser_class=type(sandbox))

    start = actions.add_parser("start", help="start the sandbox (foreground unless --detach)")
    _state_arg(start)
    start.add_argument(
        "--port", type=int, default=0, help="listening port on 127.0.0.1 (default: a free one)"
    )
    start.add_argument("--sites", type=int, default=None, help="site collections per tenant (default 250)")
    start.add_argument(
        "--tenants",
        type=int,
        default=None,
        metavar="N",
        help="N Online tenants in all: the scenario's (contoso) first, then tenant002 .. tenantNNN, each "
        "with the users and kinds of apps contoso has and 25-200 sites (--sites sets every tenant's)",
    )
    start.add_argument(
        "--scenario", type=Path, default=None, help="scenario YAML (default: the built-in one)"
    )
    start.add_argument(
        "--throttle",
        type=_fraction,
        default=0.0,
        metavar="RATE",
        help="fraction of Graph/SharePoint (and farm) requests answered 429 (a farm 503; Retry-After: 1)",
    )
    start.add_argument("--latency", type=int, default=0, metavar="MS", help="milliseconds added per request")
    start.add_argument(
        "--consent-delay",
        type=_fraction,
        default=None,
        metavar="S",
        help="seconds before a new application consent shows in tokens (default: the scenario's "
        "faults.consent_delay_s, else 3, like Entra's propagation)",
    )
    start.add_argument(
        "--extended-protection",
        choices=("off", "required"),
        default=None,
        help="Extended Protection (channel binding) on every HTTPS farm, whatever the scenario says",
    )
    start.add_argument(
        "--no-directory",
        action="store_true",
        help="do not serve the farms' Active Directory domains (LDAPS with slapd, served when installed)",
    )
    start.add_argument(
        "--detach", action="store_true", help="run in the background and return once it answers"
    )
    start.set_defaults(handler=_start)

    stop = actions.add_parser("stop", help="stop a detached sandbox")
    _state_arg(stop)
    stop.set_defaults(handler=_stop)

    status = actions.add_parser("status", help="say whether the sandbox runs and answers")
    _state_arg(status)
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(handler=_status)

    profiles = actions.add_parser(
        "profiles",
        help="write one parameters file per app of every sandbox tenant (and per farm account)",
        description=PROFILES_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _state_arg(profiles)
    profiles.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write them to")
    profiles.add_argument(
        "--farms", action="store_true", help="also one per account of every on-premises farm"
    )
    profiles.add_argument("--json", action="store_true", help="print what was written (and expected) as JSON")
    profiles.set_defaults(handler=_profiles)
    sandbox.set_defaults(handler=lambda _args: sandbox.print_help() or 2)


PROFILES_DESCRIPTION = """\
Write, from the running sandbox's card, one parameters file per app of every tenant
(<tenant>-<app>.yaml, e.g. tenant002-certificate.yaml) and, with --farms, one per farm
account (<farm>-<account>.yaml, e.g. fabrikam-spfarm.yaml). Every app is written, the
healthy ones and those the sandbox breaks on purpose; each file's first line says which,
and --json lists it (expect pass/fail, reason, diagnosis code):

  <tenant>-certificate      passes
  <tenant>-secret           fails: SharePoint refuses client-secret tokens (SPO_SECRET_TOKEN_REFUSED)
  <tenant>-expired-secret   fails: the secret expired (AUTH_SECRET_EXPIRED)
  <tenant>-unconsented      fails: no consent, no roles (TOKEN_NO_ROLES)
  fabrikam-spfarm           passes (the farm account)
  fabrikam-spadmin, -reader fail: not farm administrators (ONPREM_NOT_FARM_ADMIN)
  fabrikam-olduser          fails: the account is disabled (ONPREM_AUTH_FAILED)

Secrets and passwords are sandbox:TENANT/NAME references to the card, never values; the
card and the certificate files are named by paths relative to DIR.
"""


def _profiles(args: argparse.Namespace) -> int:
    from ..errors import SandboxInputError
    from ..sandbox.card import CARD_NAME
    from ..sandbox.profiles import write_profiles

    state_dir = (args.state or runner.default_state_dir()).resolve()
    card = runner.read_card(state_dir)
    if not card or not runner.card_process_alive(card):
        raise SandboxInputError(
            f"no sandbox is running on {state_dir}",
            code="SANDBOX_NOT_RUNNING",
            fix=f"start it: spkit sandbox start --detach --state {state_dir} [--tenants N]",
        )
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"--out: {args.out} is a file, not a folder", code="USAGE")
    written = write_profiles(card, state_dir / CARD_NAME, args.out, farms=args.farms)
    if args.json:
        print(json.dumps([w.to_dict() for w in written], indent=2))
        return 0
    failing = sum(1 for w in written if w.reason)
    print(
        f"wrote {len(written)} profiles to {args.out} ({len(written) - failing} expected to pass, "
        f"{failing} to fail with a known diagnosis: each file's first line says which)"
    )
    return 0


def _state_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state", type=Path, default=None, help=f"state directory (default: {runner.default_state_dir()})"
    )


def _options(args: argparse.Namespace) -> runner.SandboxOptions:
    if args.scenario is not None and not args.scenario.is_file():
        raise InputError(f"--scenario: no such file: {args.scenario}", code="USAGE")
    return runner.SandboxOptions(
        state_dir=(args.state or runner.default_state_dir()).resolve(),
        port=args.port,
        sites=args.sites,
        tenants=args.tenants,
        scenario=args.scenario,
        throttle=args.throttle,
        latency_ms=args.latency,
        consent_delay_s=args.consent_delay,
        extended_protection=args.extended_protection,
        directory=not args.no_directory,
    )


def _start(args: argparse.Namespace) -> int:
    options = _options(args)
    if args.detach:
        card = runner.start_detached(options)
        print(f"sandbox started (pid {card['pid']}); card: {options.state_dir / 'sandbox.json'}")
        _directory_line(card, options.directory)
        return 0
    return runner.run_foreground(options, announce=lambda text: print(text, flush=True))


def _directory_line(card: dict, asked: bool) -> None:
    """Where the directory is (stdout), or one warning line saying why it is not served (stderr)."""
    line = runner.directory_line(card)
    if (card.get("directory") or {}).get("available"):
        print(line)
    elif asked:
        print(f"spkit: warning: {line}", file=sys.stderr)


def _stop(args: argparse.Namespace) -> int:
    state_dir = (args.state or runner.default_state_dir()).resolve()
    pid = runner.stop(state_dir)
    print(f"sandbox stopped (pid {pid})" if pid else f"no sandbox was running on {state_dir}")
    return 0


def _status(args: argparse.Namespace) -> int:
    state_dir = (args.state or runner.default_state_dir()).resolve()
    info = runner.status(state_dir)
    if args.json:
        print(json.dumps(info, indent=2))
    elif info["answers"]:
        print(f"sandbox running (pid {info['pid']}) and answering; card: {info['card']}")
        print(_status_directory_line(info["directory"], info["card"]))
    else:
        print(f"sandbox not answering: {info.get('reason', 'unknown')}")
    return 0 if info["answers"] else 1


def _status_directory_line(directory: dict, card_path: str) -> str:
    if not directory.get("available"):
        fix = directory.get("fix")
        return f"directory not served: {directory.get('reason')}" + (f"; {fix}" if fix else "")
    if not directory.get("running"):
        return f"directory: slapd (pid {directory.get('pid')}) is gone; restart the sandbox"
    domains = ", ".join(f"{d['domain']} ({d['role']})" for d in directory.get("domains", []))
    return (
        f"directory: {directory['ldaps_url']} ({domains}); CA {directory['ca_bundle']}; "
        f"try: spkit ad users --sandbox {card_path} --group 'SharePoint Farm Admins'"
    )
