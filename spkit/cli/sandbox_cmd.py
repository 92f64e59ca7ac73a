"""``spkit sandbox start|stop|status``."""

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
    sandbox.set_defaults(handler=lambda _args: sandbox.print_help() or 2)


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
