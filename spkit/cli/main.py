"""``spkit``: entry point. Maps errors to the diagnosis line and the exit code (see ``EXIT_CODES``)."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Iterable, Sequence

from ..errors import InputError, SpkitError

# What spkit's exit status means, for scripts: a bug in spkit (3) is not a broken connection (1).
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_CODES = (
    "exit status: 0 ok, 1 a check failed, 2 bad input, 3 internal error (a bug in spkit: run again "
    "with --debug and report it), 130 interrupted (Ctrl-C)"
)

# Every command, in the order `spkit --help` lists them: name → (module in spkit.cli, help line).
# Only the module of the command being run is imported (its services, MSAL, the sandbox... cost a
# second or more), so `spkit --help` lists the commands from here. A new command goes here, with the
# help line its module's register() gives it (tests/cli/test_cli_startup.py checks that they agree).
COMMANDS: dict[str, tuple[str, str]] = {
    "verify": ("verify_cmd", "verify a connection profile against SharePoint, step by step"),
    "diagnose": (
        "diagnose_cmd",
        "find the first broken rung of a connection, from the network up, with evidence and fix",
    ),
    "sites": ("sites_cmd", "list the site collections a connection profile can see"),
    "signin": ("admin_cmd", "sign in as a Microsoft 365 admin and check the admin role"),
    "register": ("admin_cmd", "register spkit's app in Entra ID automatically (Global Administrator)"),
    "grant-site": ("admin_cmd", "Sites.Selected: give the profile's app access to one site"),
    "unregister": ("admin_cmd", "delete the app registration spkit created (and its service principal)"),
    "connections": ("connections_cmd", "the saved (defined) connections: add, list, show, edit, remove"),
    "certs": ("certs_cmd", "the local certificate store (import, new, list, export, remove)"),
    "sandbox": ("sandbox_cmd", "run the local Microsoft 365 sandbox (HTTPS on loopback)"),
    "ad": ("ad_cmd", "browse Active Directory: users' UPNs, a group's members, the domain's trusts"),
    "wizard": ("wizard_cmd", "serve the connection wizard as a web app on 127.0.0.1 (until Ctrl-C)"),
    "record": (
        "record_cmd",
        "write the onboarding record of a saved connection (notebook and HTML, no secrets)",
    ),
    "batch": ("batch_cmd", "verify many connections through the notebook, in parallel, and write the report"),
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is an ``InputError`` (exit 2) rendered like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}", code="USAGE", fix=f"see '{self.prog} --help'")


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs) -> None:
        kwargs.setdefault("help", "show program's version number and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # type: ignore[override]
        from .. import __version__

        print(f"spkit {__version__}")  # on stdout, as argparse's own "version" action does
        parser.exit()


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The ``spkit`` parser. Full for ``commands`` (default: every command); any other command gets a
    placeholder with its help line, enough for ``spkit --help`` without importing its module."""
    wanted = set(COMMANDS) if commands is None else set(commands) & set(COMMANDS)
    modules = {COMMANDS[name][0] for name in wanted}
    parser = _Parser(
        prog="spkit",
        description="Connect a service to SharePoint and prove the connection works.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_line) in COMMANDS.items():
        if module in modules:  # register() adds all of its module's commands, in the table's order
            modules.discard(module)
            importlib.import_module(f"{__package__}.{module}").register(sub)
        elif name not in sub.choices:
            sub.add_parser(name, help=help_line, add_help=False)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command word: the first argument that is not an option (spkit's own options take no value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def render_error(error: SpkitError, stream=sys.stderr) -> None:
    diagnosis = error.diagnosis
    print(f"spkit: error [{diagnosis.code}]: {diagnosis.summary}", file=stream)
    if diagnosis.fix:
        print(f"  fix: {diagnosis.fix}", file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        command = _command_in(argv)
        parser = build_parser([command] if command else [])
        args = parser.parse_args(argv)
        args.argv = argv  # the command line as given, for records that name the command (batch's report)
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
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line, with the way to get the traceback
        if debug:
            traceback.print_exc()
        print(f"spkit: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        if not debug:
            print("  fix: run again with --debug for the traceback and report it", file=sys.stderr)
        return EXIT_INTERNAL
