"""``spkit connections add|list|show|edit|rename|remove``: the defined connections, from the terminal.

A thin face over ``spkit.store`` and ``spkit.services.onboarding``: what it prints is the profile with
references, never a secret; a secret value enters only through stdin (``--client-secret-stdin``) and goes
straight into the store.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..errors import InputError, ProfileError
from ..services.onboarding import AdminContext, add_connection, remove_connection
from ..store import ConnectionStore, SavedConnection, store_ref
from ..store.changes import parse_assignments
from .admin_options import add_admin_args, say, signed_in_admin

if TYPE_CHECKING:
    from ..services.online.tenant_target import Target


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "connections", help="the saved (defined) connections: add, list, show, edit, remove"
    )
    commands = parser.add_subparsers(dest="connections_command", metavar="ACTION", parser_class=type(parser))
    parser.set_defaults(handler=lambda args: _usage(parser))

    add = commands.add_parser("add", help="save a parameters file as a connection")
    add.add_argument("profile", type=Path, metavar="PARAMS.yaml", help="connection profile (parameters file)")
    add.add_argument("--name", help="save under this name instead of the profile's name")
    add.add_argument(
        "--client-secret-stdin",
        action="store_true",
        help="read the client secret's value from stdin and keep it encrypted in the store",
    )
    add.add_argument("--replace", action="store_true", help="replace a connection of the same name")
    add.set_defaults(handler=run_add)

    listing = commands.add_parser("list", help="list the saved connections (no secrets)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=run_list)

    show = commands.add_parser("show", help="show one connection's profile (references only)")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    show.set_defaults(handler=run_show)

    edit = commands.add_parser(
        "edit", help="change fields of a saved connection (keeps its app registration)"
    )
    edit.add_argument("name", metavar="NAME")
    edit.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a field (dotted for nested: certificate.path=app.pem); an empty value removes it",
    )
    edit.add_argument(
        "--client-secret-stdin", action="store_true", help="read a new client secret value from stdin"
    )
    edit.set_defaults(handler=run_edit)

    rename = commands.add_parser("rename", help="rename a saved connection")
    rename.add_argument("name", metavar="NAME")
    rename.add_argument("new_name", metavar="NEW_NAME")
    rename.set_defaults(handler=run_rename)

    remove = commands.add_parser("remove", help="delete a saved connection and its stored secrets")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument(
        "--unregister", action="store_true", help="also delete the app registration spkit created for it"
    )
    add_admin_args(remove, required=False)
    remove.set_defaults(handler=run_remove)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


# --- add ----------------------------------------------------------------------------------------


def run_add(args: argparse.Namespace) -> int:
    store = ConnectionStore()
    saved = add_connection(
        args.profile,
        name=args.name,
        client_secret=_read_secret if args.client_secret_stdin else None,
        replace=args.replace,
        warn=lambda warning: _warn([warning]),
        store=store,
    )
    print(f"saved connection '{saved.name}' in {store.path}")
    if saved.secret_keys:
        print(
            f"  client secret stored encrypted; the profile refers to {store_ref(saved.name, 'client_secret')}"
        )
    return 0


def _read_secret() -> str:
    """The secret's value from stdin (a prompt without echo when stdin is a terminal)."""
    if sys.stdin is None:
        raise InputError("no stdin to read the client secret from", code="SECRET_EMPTY")
    hidden = sys.stdin.isatty()
    value = (getpass.getpass("client secret (input hidden): ") if hidden else sys.stdin.read()).strip()
    if not value:
        raise InputError(
            "the client secret read from stdin is empty",
            code="SECRET_EMPTY",
            fix="pipe the secret's value: spkit connections add PARAMS.yaml --client-secret-stdin < secret.txt",
        )
    return value


# --- list / show --------------------------------------------------------------------------------

_COLUMNS = (
    ("NAME", "name"),
    ("KIND", "kind"),
    ("SHAREPOINT", "sharepoint_url"),
    ("TENANT", "tenant_id"),
    ("CREDENTIAL", "credential"),
    ("SAVED AT", "saved_at"),
)


def run_list(args: argparse.Namespace) -> int:
    store = ConnectionStore()
    connections = store.list()
    if args.json:
        print(json.dumps([c.summary() for c in connections], indent=2))
        return 0
    if not connections:
        print(f"no saved connections in {store.path}; add one with 'spkit connections add PARAMS.yaml'")
        return 0
    rows = [[str(c.summary()[key] or "-") for _, key in _COLUMNS] for c in connections]
    widths = [max(len(title), *(len(row[i]) for row in rows)) for i, (title, _) in enumerate(_COLUMNS)]
    print("  ".join(title.ljust(w) for (title, _), w in zip(_COLUMNS, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def run_show(args: argparse.Namespace) -> int:
    saved = ConnectionStore().get(args.name)
    _warn(saved.profile.warnings)
    if args.json:
        print(json.dumps(saved.to_dict(), indent=2))
        return 0
    print(f"# saved connection '{saved.name}', saved at {saved.saved_at}")
    print(f"# app registration: {_registration_text(saved)}")
    if saved.secret_keys:
        print(f"# stored encrypted: {', '.join(saved.secret_keys)}")
    print(yaml.safe_dump(saved.profile_data, sort_keys=False).rstrip())
    return 0


def _registration_text(saved: SavedConnection) -> str:
    registration = saved.registration
    if not registration:
        return "none recorded (registered by an administrator)"
    parts = [
        f"{key}={registration[key]}"
        for key in sorted(registration)
        if not isinstance(registration[key], dict | list)
    ]
    return ", ".join(parts) or "recorded"


# --- edit / rename / remove ---------------------------------------------------------------------


def run_edit(args: argparse.Namespace) -> int:
    changes = parse_assignments(args.assignments)
    if not changes and not args.client_secret_stdin:
        raise InputError(
            "nothing to change",
            code="USAGE",
            fix="give --set KEY=VALUE (repeatable) or --client-secret-stdin",
        )
    secrets = {"client_secret": _read_secret()} if args.client_secret_stdin else None
    try:
        saved = ConnectionStore().edit(args.name, changes, secrets=secrets)
    except ProfileError as exc:
        if exc.code == "SECRET_INLINE":
            exc.fix = f"{exc.fix}; or give the value on stdin with --client-secret-stdin"
        raise
    _warn(saved.profile.warnings)
    what = ", ".join([*changes, *(["client_secret (stored encrypted)"] if secrets else [])])
    print(f"updated connection '{saved.name}': {what}")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    saved = ConnectionStore().rename(args.name, args.new_name)
    print(f"renamed connection '{args.name}' to '{saved.name}'")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    def admin(target: Target, _saved: SavedConnection) -> AdminContext:
        if not args.admin:
            raise InputError(
                "--unregister needs --admin UPN (a Global Administrator signs in to delete the app)",
                code="USAGE",
            )
        return signed_in_admin(args, target, require="global")

    try:
        removed = remove_connection(args.name, unregister=admin if args.unregister else None, progress=say)
    except InputError as exc:
        if exc.code == "UNREGISTER_NOTHING":  # in this face's words: the option to leave out
            exc.fix = "remove it without --unregister; an app an administrator registered is theirs to delete"
        raise
    if removed.unregistered is not None:
        app = removed.unregistered
        if app.get("already_gone"):
            print(f"the application {app.get('appId')} no longer exists in Entra ID: nothing to delete")
        else:
            print(
                f"deleted the application '{app.get('displayName')}' ({app.get('appId')}) "
                "and its service principal"
            )
    if removed.app_left_behind:
        print(
            f"spkit: note: the app registration spkit created ({(removed.registration or {}).get('client_id', '?')}) "
            "stays in Entra ID; next time use --unregister to delete it too",
            file=sys.stderr,
        )
    print(f"removed connection '{removed.name}'")
    return 0


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"spkit: warning: {warning}", file=sys.stderr)
