"""Options and input every admin command shares: the target tenant, the admin, the password source,
and how a device code is shown on the terminal."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the services are imported where used: adding these options costs no import
    from ..services.onboarding import AdminContext
    from ..services.online.admin_signin import DeviceCode
    from ..services.online.tenant_target import Target


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def add_target_args(parser: argparse.ArgumentParser, *, profile: bool = True) -> None:
    if profile:
        parser.add_argument(
            "profile",
            nargs="?",
            type=Path,
            metavar="PARAMS.yaml",
            help="a connection profile naming the tenant (or use the options below)",
        )
        parser.add_argument("--connection", metavar="NAME", help="a saved connection")
    parser.add_argument(
        "--sharepoint-url", metavar="ADDRESS", help="contoso, contoso.com or a SharePoint URL"
    )
    parser.add_argument("--cloud", default="global", help="global, usgov-high, usgov-dod, china, sandbox")
    parser.add_argument(
        "--tenant", metavar="GUID|DOMAIN", help="tenant ID or domain (default: from the address)"
    )
    parser.add_argument("--sandbox", type=Path, metavar="CARD", help="the sandbox card, with --cloud sandbox")
    parser.add_argument("--ca-bundle", type=Path, help="CA bundle to trust (wins over REQUESTS_CA_BUNDLE)")


def add_admin_args(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--admin", required=required, metavar="UPN", help="the admin who signs in")
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        "--password",
        metavar="REF",
        help="the admin's password (or app password) as a reference: "
        "env:NAME, file:PATH, keyring:SERVICE/KEY, sandbox:TENANT/UPN",
    )
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument(
        "--client-id",
        default=os.environ.get("SPKIT_ADMIN_CLIENT_ID"),
        help="public client used for the sign-in (default: Microsoft Graph Command Line Tools)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="give up waiting for a device-code sign-in after S seconds",
    )


def resolve_target(args: argparse.Namespace) -> tuple[Target, object | None]:
    """(target, saved connection or None) from a profile, a saved connection, or options."""
    from ..models.profile import load_profile
    from ..services.online.tenant_target import target_from_options, target_from_profile

    if getattr(args, "connection", None):
        from ..store.connections import ConnectionStore

        saved = ConnectionStore().get(args.connection)
        return target_from_profile(saved.profile), saved
    if getattr(args, "profile", None):
        return target_from_profile(load_profile(args.profile)), None
    return target_from_options(
        cloud=args.cloud,
        sharepoint_url=args.sharepoint_url,
        tenant=args.tenant,
        sandbox=args.sandbox,
        ca_bundle=args.ca_bundle,
    ), None


def admin_password(args: argparse.Namespace, target: Target) -> str | None:
    """The admin's password from stdin or its reference; None means: cached sign-in or device code."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if args.password:
        from ..models.secrets import parse_secret_ref
        from ..services.secret_values import secret_value

        ref = parse_secret_ref(args.password, field="--password", base_dir=Path.cwd())
        return secret_value(ref, target.card)
    return None


def show_device_code(code: DeviceCode) -> None:
    say(code.message or f"To sign in, open {code.verification_uri} and enter the code {code.user_code}")
    say(f"user code: {code.user_code}")


def signed_in_admin(args: argparse.Namespace, target: Target, *, require: str | None) -> AdminContext:
    """Sign the ``--admin`` in to ``target`` the way the options say (password source, client, timeout)."""
    from ..services.onboarding import admin_context

    return admin_context(
        target,
        args.admin,
        password=admin_password(args, target),
        show_code=show_device_code,
        client_id=args.client_id,
        timeout_s=args.timeout,
        require=require,
    )
