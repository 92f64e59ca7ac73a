"""``spkit signin``, ``spkit register``, ``spkit unregister``: admin sign-in and automatic registration."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import yaml

from ..errors import InputError
from ..fileio import atomic_write
from ..models.cert_store import CertificateStore
from ..models.profile import load_profile, profile_from_dict
from ..models.secrets import parse_secret_ref
from ..services.admin_signin import AdminAuthenticator, AdminSignIn, DeviceCode, require_admin
from ..services.graph_client import GraphClient
from ..services.registration import (
    DEFAULT_DISPLAY_NAME,
    SITE_ROLES,
    apply_registration,
    grant_site,
    plan_registration,
    unregister_app,
    wait_for_consent,
)
from ..services.target import Target, target_from_options, target_from_profile
from ..services.verification import verify_profile
from .render import step_line


def _say(text: str) -> None:
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


def sign_in(args: argparse.Namespace, target: Target, session, tenant_id: str) -> AdminSignIn:
    """Cached sign-in if there is one, else password (by reference or stdin) or device code."""
    from ..store.token_cache import open_token_cache, save_token_cache

    cache = open_token_cache()
    auth = AdminAuthenticator(
        cloud=target.cloud, tenant_id=tenant_id, session=session, client_id=args.client_id, token_cache=cache
    )
    try:
        signin = None
        if not (args.password or args.password_stdin):
            signin = auth.cached(args.admin)
        if signin is None and args.password_stdin:
            signin = auth.password(args.admin, sys.stdin.readline().rstrip("\r\n"))
        elif signin is None and args.password:
            ref = parse_secret_ref(args.password, field="--password", base_dir=Path.cwd())
            signin = auth.password(args.admin, ref.resolve(target.card))
        elif signin is None:

            def show(code: DeviceCode) -> None:
                _say(
                    code.message
                    or f"To sign in, open {code.verification_uri} and enter the code {code.user_code}"
                )
                _say(f"user code: {code.user_code}")

            signin = auth.device_code(show, timeout_s=args.timeout)
    finally:
        save_token_cache(cache)
    if signin.upn and signin.upn.lower() != args.admin.lower():
        raise InputError(
            f"signed in as {signin.upn}, not as {args.admin}",
            code="ADMIN_MISMATCH",
            fix="sign in with the account given by --admin",
        )
    return signin


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


def _signed_in(args: argparse.Namespace, *, for_registration: bool):
    target, saved = resolve_target(args)
    session = target.session()
    tenant = target.discover(session)
    signin = sign_in(args, target, session, tenant.tenant_id)
    require_admin(signin, for_registration=for_registration)
    graph = GraphClient(session, target.cloud.graph_url, signin.token)
    return target, saved, session, tenant, signin, graph


def run_signin(args: argparse.Namespace) -> int:
    target, _, session, tenant, signin, _ = _signed_in(args, for_registration=False)
    with session:
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


def _profile_for(result, target: Target, admin: str, name: str) -> dict:
    data = {
        "name": name,
        "kind": "online",
        "cloud": target.cloud.name,
        "sharepoint_url": target.address.sharepoint_url,
        "tenant_id": result.tenant_id,
        "client_id": result.client_id,
        "application_account": admin,
        "certificate": {"thumbprint": result.thumbprint},
    }
    if target.card_path:
        data["sandbox"] = str(Path(target.card_path).resolve())
    if target.ca_bundle:
        data["ca_bundle"] = str(Path(target.ca_bundle).resolve())
    return data


def run_register(args: argparse.Namespace) -> int:
    if args.new and args.rotate_certificate:
        raise InputError("--new and --rotate-certificate exclude each other", code="USAGE")
    target, saved, session, tenant, signin, graph = _signed_in(args, for_registration=True)
    store = CertificateStore()
    existing = (saved.registration or {}).get("client_id") if saved is not None else None
    with session:
        plan = plan_registration(
            graph,
            tenant_id=tenant.tenant_id,
            store=store,
            display_name=args.name,
            preset=args.preset,
            days=args.days,
            existing_client_id=existing,
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
        connection = args.save or (saved.name if saved is not None else None)
        result = apply_registration(plan, graph, store, connection_name=connection, progress=_say)
        wait_for_consent(
            result,
            cloud=target.cloud,
            session=session,
            store=store,
            sharepoint_url=target.address.sharepoint_url,
            timeout_s=args.consent_timeout,
            progress=_say,
        )
    name = connection or f"{target.address.tenant}-spkit"
    data = _profile_for(result, target, signin.upn or args.admin, name)
    if args.out:
        atomic_write(args.out, yaml.safe_dump(data, sort_keys=False).encode("utf-8"), mode=0o644)
        print(f"profile written to {args.out}")
    if connection:
        from ..store.connections import ConnectionStore

        connections = ConnectionStore()
        if saved is not None:
            connections.add(data, registration=result.registration_record(), replace=True, name=saved.name)
        else:
            connections.add(data, registration=result.registration_record(), name=connection)
        print(f"connection '{connection}' saved")
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
    profile = profile_from_dict(data, source="registration result")
    print(f"Verifying '{profile.name}'", flush=True)
    verified = verify_profile(profile, progress=lambda step: print(step_line(step), flush=True))
    print(verified.summary_line())
    return 0 if verified.passed else 1


def run_grant_site(args: argparse.Namespace) -> int:
    target, saved, session, tenant, signin, graph = _signed_in(args, for_registration=False)
    if saved is not None:
        client_id = saved.profile.client_id
    elif args.profile:
        client_id = load_profile(args.profile).client_id
    else:
        raise InputError("which app? give the connection profile (PARAMS.yaml) or --connection", code="USAGE")
    with session:
        grant = grant_site(graph, args.site, client_id, role=args.role)
    print(f"granted {args.role} on {args.site} to {client_id} (permission {grant.get('id')})")
    return 0


def run_unregister(args: argparse.Namespace) -> int:
    target, saved, session, tenant, signin, graph = _signed_in(args, for_registration=True)
    client_id = args.client_id_to_delete
    if not client_id and saved is not None:
        client_id = (saved.registration or {}).get("client_id") or saved.profile.client_id
    if not client_id and args.profile:
        client_id = load_profile(args.profile).client_id
    if not client_id:
        raise InputError("which app? give a profile, --connection or --client-id-to-delete", code="USAGE")
    with session:
        app = unregister_app(graph, client_id, force=args.force, progress=_say)
    if app is None:
        print(f"no application with client ID {client_id} in tenant {tenant.tenant_id}: nothing to delete")
        return 0
    print(f"deleted the application '{app.get('displayName')}' ({client_id}) and its service principal")
    return 0
