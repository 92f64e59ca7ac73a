"""``spkit``: entry point. Maps errors to the diagnosis line and the exit code (2 input, 1 check)."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from .. import __version__
from ..errors import InputError, SpkitError
from . import (
    ad_cmd,
    admin_cmd,
    certs_cmd,
    connections_cmd,
    diagnose_cmd,
    record_cmd,
    sandbox_cmd,
    sites_cmd,
    verify_cmd,
    wizard_cmd,
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is an ``InputError`` (exit 2) rendered like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}", code="USAGE", fix=f"see '{self.prog} --help'")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spkit", description="Connect a service to SharePoint and prove the connection works."
    )
    parser.add_argument("--version", action="version", version=f"spkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (
        verify_cmd,
        diagnose_cmd,
        sites_cmd,
        admin_cmd,
        connections_cmd,
        certs_cmd,
        sandbox_cmd,
        ad_cmd,
        wizard_cmd,
        record_cmd,
    ):
        module.register(sub)
    return parser


def render_error(error: SpkitError, stream=sys.stderr) -> None:
    diagnosis = error.diagnosis
    print(f"spkit: error [{diagnosis.code}]: {diagnosis.summary}", file=stream)
    if diagnosis.fix:
        print(f"  fix: {diagnosis.fix}", file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 2
        return int(args.handler(args) or 0)
    except SpkitError as error:
        if debug:
            traceback.print_exc()
        render_error(error)
        return error.exit_code
    except (KeyboardInterrupt, BrokenPipeError) as stop:
        if isinstance(stop, BrokenPipeError):
            return 0
        print("spkit: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: one line, with the way to get the traceback
        if debug:
            traceback.print_exc()
        print(f"spkit: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        if not debug:
            print("  fix: run again with --debug for the traceback and report it", file=sys.stderr)
        return 1
