"""``spkit signin``, ``spkit register``, ``spkit unregister``: admin sign-in and automatic registration."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InputError
from ..models.profile import load_profile
from ..services.onboarding import (
    AdminContext,
    complete_registration,
    delete_app,
    preview_registration,
)
from ..services.online.registration import DEFAULT_DISPLAY_NAME, SITE_ROLES, grant_site
from ..services.verification import verify_profile
from .admin_options import (
    add_admin_args,
    add_target_args,
    resolve_target,
    say,
    signed_in_admin,
)
from .render import step_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("signin", help="sign in as a Microsoft 365 admin and check the admin role")
    add_target_args(p)
    add_admin_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_signin)

    p = sub.add_parser(
        "register", help="register spkit's app in Entra ID automatically (Global Administrator)"
    )
    add_target_args(p)
    add_admin_args(p)
    p.add_argument(
        "--preset",
        default="full",
        choices=("full", "read", "selected"),
        help="application permissions to grant (default: full)",
    )
    p.add_argument(
        "--name", default=DEFAULT_DISPLAY_NAME, help=f"app display name (default: {DEFAULT_DISPLAY_NAME})"
    )
    p.add_argument(
        "--days", type=int, default=730, help="certificate validity in days (default 730: 2 years)"
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be created, change nothing")
    p.add_argument(
        "--rotate-certificate", action="store_true", help="reuse the existing spkit app, new certificate"
    )
    p.add_argument(
        "--new", action="store_true", help="create another app even if an spkit app of that name exists"
    )
    p.add_argument(
        "--out", type=Path, metavar="PARAMS.yaml", help="write the resulting connection profile here"
    )
    p.add_argument(
        "--save", metavar="NAME", help="save the result as a connection (nothing is saved otherwise)"
    )
    p.add_argument(
        "--consent-timeout",
        type=float,
        default=180.0,
        metavar="S",
        help="how long to wait for admin consent to show in tokens (default 180)",
    )
    p.add_argument("--json", action="store_true", help="print the plan/result as JSON")
    p.add_argument("--no-verify", action="store_true", help="skip the verification that ends a registration")
    p.set_defaults(handler=run_register)

    p = sub.add_parser("grant-site", help="Sites.Selected: give the profile's app access to one site")
    add_target_args(p)
    add_admin_args(p)
    p.add_argument(
        "--site", required=True, metavar="URL", help="the site, e.g. https://contoso.sharepoint.com/sites/x"
    )
    p.add_argument("--role", default="read", choices=SITE_ROLES, help="access to grant (default: read)")
    p.set_defaults(handler=run_grant_site)

    p = sub.add_parser(
        "unregister", help="delete the app registration spkit created (and its service principal)"
    )
    add_target_args(p)
    add_admin_args(p)
    p.add_argument("--client-id-to-delete", metavar="GUID", help="the app to delete (default: the profile's)")
    p.add_argument("--force", action="store_true", help="also delete an app spkit did not create")
    p.set_defaults(handler=run_unregister)


def _signed_in(args: argparse.Namespace, *, for_registration: bool) -> tuple[AdminContext, object | None]:
    target, saved = resolve_target(args)
    return signed_in_admin(args, target, require="global" if for_registration else "any"), saved


def run_signin(args: argparse.Namespace) -> int:
    ctx, _ = _signed_in(args, for_registration=False)
    tenant, signin = ctx.tenant, ctx.signin
    with ctx.session:
        info = {
            "upn": signin.upn,
            "tenant_id": tenant.tenant_id,
            "roles": signin.roles,
            "method": signin.method,
            "can_register_automatically": signin.is_global_admin,
        }
        if args.json:
            print(json.dumps(info, indent=2))
        else:
            print(
                f"signed in as {signin.upn} ({signin.method}) to tenant {tenant.tenant_id}; "
                f"roles: {', '.join(signin.roles)}"
            )
            if not signin.is_global_admin:
                print("automatic registration needs a Global Administrator; use manual registration")
    return 0


def run_register(args: argparse.Namespace) -> int:
    if args.new and args.rotate_certificate:
        raise InputError("--new and --rotate-certificate exclude each other", code="USAGE")
    ctx, saved = _signed_in(args, for_registration=True)
    with ctx.session:
        plan = preview_registration(
            ctx,
            preset=args.preset,
            display_name=args.name,
            days=args.days,
            registration=saved.registration if saved is not None else None,
            rotate=args.rotate_certificate,
            new=args.new,
        )
        if args.json and args.dry_run:
            print(json.dumps(plan.to_dict(), indent=2))
        else:
            print("\n".join(plan.lines()))
        if args.dry_run:
            print("dry run: nothing was changed")
            return 0
        done = complete_registration(
            ctx,
            plan,
            save_as=args.save,
            connection=saved,
            profile_out=args.out,
            consent_timeout_s=args.consent_timeout,
            progress=say,
        )
    result = done.result
    if args.out:
        print(f"profile written to {args.out}")
    if done.saved is not None:
        print(f"connection '{done.saved.name}' saved")
    verb = {"create": "registered", "reuse": "reused", "rotate": "reused with a new certificate"}[
        result.action
    ]
    print(
        f"{verb}: client ID {result.client_id}, certificate {result.thumbprint} "
        f"(expires {result.certificate_expires:%Y-%m-%d}); consent in effect after {result.consent_wait_s:.1f} s"
    )
    if args.no_verify:
        return 0
    # Configuration, the wizard's last step: try the new registration for real.
    print(f"Verifying '{done.profile.name}'", flush=True)
    verified = verify_profile(done.profile, progress=lambda step: print(step_line(step), flush=True))
    print(verified.summary_line())
    return 0 if verified.passed else 1


def run_grant_site(args: argparse.Namespace) -> int:
    ctx, saved = _signed_in(args, for_registration=False)
    if saved is not None:
        client_id = saved.profile.client_id
    elif args.profile:
        client_id = load_profile(args.profile).client_id
    else:
        raise InputError("which app? give the connection profile (PARAMS.yaml) or --connection", code="USAGE")
    with ctx.session:
        grant = grant_site(ctx.graph, args.site, client_id, role=args.role)
    print(f"granted {args.role} on {args.site} to {client_id} (permission {grant.get('id')})")
    return 0


def run_unregister(args: argparse.Namespace) -> int:
    ctx, saved = _signed_in(args, for_registration=True)
    client_id = args.client_id_to_delete
    if not client_id and saved is not None:
        client_id = (saved.registration or {}).get("client_id") or saved.profile.client_id
    if not client_id and args.profile:
        client_id = load_profile(args.profile).client_id
    if not client_id:
        raise InputError("which app? give a profile, --connection or --client-id-to-delete", code="USAGE")
    with ctx.session:
        app = delete_app(ctx, client_id, force=args.force, progress=say)
    if app is None:
        print(
            f"no application with client ID {client_id} in tenant {ctx.tenant.tenant_id}: nothing to delete"
        )
        return 0
    print(f"deleted the application '{app.get('displayName')}' ({client_id}) and its service principal")
    return 0
