"""``spkit ad users|trusts``: the on-premises wizard's *Browse* from the command line.

``users`` streams the UPNs (with display name and sAMAccountName) of a domain's users, or of a
group's members (the farm's administrators), page by page in constant memory. ``trusts`` lists the
domain's trusts and how Browse reaches each one. Without a directory (no ``--server``, no
``SPKIT_AD_SERVER``) the answer is the wizard's: type the UPN. The password comes by reference or on
stdin and is never printed. ``--sandbox CARD`` takes the server, CA, base and account from a running
sandbox's directory (the farm's domain and its partners); options given win over the card's.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

from ..models.card import load_running_card
from ..models.secrets import Secret
from ..services.ad import SearchStats, list_trusts, open_directory
from ..services.ad.browse import browse_users
from ..services.ad.directory_choice import choose_directory_settings
from ..services.ad.settings import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    ENV_BASE,
    ENV_CA_BUNDLE,
    ENV_PASSWORD,
    ENV_SERVER,
    ENV_USER,
)
from ..services.ad.users import NESTED_CHOICES

USER_COLUMNS = ("upn", "display_name", "sam_account_name", "disabled", "dn")
TRUST_COLUMNS = ("partner", "flat_name", "direction", "type", "kind", "trusted", "browse")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "ad",
        help="browse Active Directory: users' UPNs, a group's members, the domain's trusts",
        description="Browse Active Directory (or any LDAP directory) like the on-premises wizard's "
        "Browse button: the UPNs of a domain's administrators, and its trusts.",
    )
    parser.set_defaults(handler=lambda _args: _help(parser))
    actions = parser.add_subparsers(dest="ad_command", metavar="ACTION", parser_class=type(parser))

    connection = argparse.ArgumentParser(add_help=False)
    where = connection.add_argument_group("directory")
    where.add_argument(
        "--server",
        metavar="URL",
        help=f"ldaps://dc01.fabrikam.local[:port] or ldap://... (default: ${ENV_SERVER})",
    )
    where.add_argument(
        "--sandbox",
        metavar="CARD",
        help="browse a running sandbox's directory: server, CA, base and bind account from its card "
        "(sandbox.json); --base fabrikam.local|contoso.local|northwind.local picks a domain and its account",
    )
    where.add_argument(
        "--base",
        metavar="DN",
        help=f"where to search, e.g. DC=fabrikam,DC=local or fabrikam.local (default: ${ENV_BASE}, else the "
        "server's default naming context; the forest root with --global-catalog)",
    )
    where.add_argument(
        "--global-catalog",
        action="store_true",
        help="query the global catalog (port 3269 with ldaps, 3268 with ldap): the whole forest",
    )
    where.add_argument(
        "--starttls", action="store_true", help="upgrade ldap:// to TLS before binding (StartTLS)"
    )
    where.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help=f"PEM of the CA that issued the domain controller's certificate (default: ${ENV_CA_BUNDLE}, "
        "else the system's trust store)",
    )
    who = connection.add_argument_group("account")
    who.add_argument(
        "--user",
        metavar="ACCOUNT",
        help=f"bind account: spadmin@fabrikam.local, FABRIKAM\\spadmin or a DN (default: ${ENV_USER})",
    )
    # --password and --password-stdin exclude each other (checked by build_settings: exit 2)
    who.add_argument(
        "--password",
        metavar="REF",
        help=f"a reference to the password: env:NAME, file:PATH or keyring:SERVICE/KEY (default: ${ENV_PASSWORD})",
    )
    who.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    tuning = connection.add_argument_group("tuning")
    tuning.add_argument(
        "--page-size",
        type=int,
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"entries per page (default {DEFAULT_PAGE_SIZE}; 0: no paging, the server's size limit applies)",
    )
    tuning.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"to connect and for each answer (default {DEFAULT_TIMEOUT:g})",
    )
    tuning.add_argument(
        "--time-limit",
        type=int,
        default=0,
        metavar="SECONDS",
        help="server-side time limit per page (default 0: the server's own)",
    )

    users = actions.add_parser(
        "users",
        parents=[connection],
        help="list users' UPNs (all, or a group's members)",
        description="List the UPN, display name and sAMAccountName of every user "
        "((&(objectCategory=person)(objectClass=user)(userPrincipalName=*))), paged.",
    )
    users.add_argument(
        "--group",
        metavar="GROUP",
        help="only members of this group: its DN, or its name (cn or sAMAccountName), "
        "e.g. 'SharePoint Farm Admins'",
    )
    users.add_argument(
        "--nested",
        choices=NESTED_CHOICES,
        default="auto",
        help="expand nested groups with LDAP_MATCHING_RULE_IN_CHAIN: auto (when the server is Active "
        "Directory), yes (refused elsewhere), no (direct members)",
    )
    users.add_argument("--enabled-only", action="store_true", help="leave out disabled accounts")
    users.add_argument(
        "--domain",
        metavar="DNS_NAME",
        help="the domain whose users to list, checked against this directory's trusts (default: its own)",
    )
    users.add_argument("--format", choices=("table", "csv", "json"), default="table")
    users.set_defaults(handler=run_users)

    trusts = actions.add_parser(
        "trusts",
        parents=[connection],
        help="list the domain's trusts and how Browse reaches each",
        description="List the trustedDomain objects under CN=System of the domain, with their direction, "
        "type and attributes, and whether Browse can list the partner's users.",
    )
    trusts.add_argument("--format", choices=("table", "csv", "json"), default="table")
    trusts.set_defaults(handler=run_trusts)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _warn(text: str) -> None:
    print(f"spkit: warning: {text}", file=sys.stderr)


def _note(text: str) -> None:
    print(f"spkit: {text}", file=sys.stderr)


def _settings(args: argparse.Namespace):
    """The directory to browse: ``--sandbox``'s (a stopped sandbox says so, and how to start it), else
    the options' and the environment's; the password is read from stdin only once one is known."""
    card = load_running_card(args.sandbox) if args.sandbox else None
    return choose_directory_settings(
        card,
        read_password=(lambda: Secret(sys.stdin.read().rstrip("\r\n"))) if args.password_stdin else None,
        server=args.server,
        user=args.user,
        password_ref=args.password,
        base=args.base,
        ca_bundle=args.ca_bundle,
        starttls=args.starttls,
        global_catalog=args.global_catalog,
        timeout=args.timeout,
        page_size=args.page_size,
        time_limit=args.time_limit,
    )


def _referral_note(stats: SearchStats) -> None:
    refs = sorted(set(stats.referrals))
    if refs:
        shown = ", ".join(refs[:3]) + (f" and {len(refs) - 3} more" if len(refs) > 3 else "")
        _note(
            f"{len(refs)} continuation reference(s) not followed (the password is never sent to another "
            f"server): {shown}"
        )


def run_users(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = sys.stdout
    count = 0
    with open_directory(settings, warn=_warn) as directory:
        found = browse_users(
            directory,
            domain=args.domain,
            group=args.group,
            nested=args.nested,
            enabled_only=args.enabled_only,
        )
        if found.group is not None:
            how = (
                "nested groups expanded (LDAP_MATCHING_RULE_IN_CHAIN)"
                if found.nested
                else "direct members only"
                + ("" if args.nested == "no" else ": the server is not Active Directory")
            )
            _note(f"members of {found.group.dn} ({how})")
        for warning in found.warnings:
            _warn(warning)
        users, stats, base = found.users, found.stats, found.base
        if args.format == "csv":
            writer = csv.writer(out)
            writer.writerow(USER_COLUMNS)
            for user in users:
                writer.writerow(
                    [
                        user.upn,
                        user.display_name or "",
                        user.sam_account_name or "",
                        "" if user.disabled is None else str(user.disabled).lower(),
                        user.dn,
                    ]
                )
                count += 1
        elif args.format == "json":
            out.write("[")
            for user in users:
                out.write(("," if count else "") + "\n  " + json.dumps(user.to_dict(), ensure_ascii=False))
                count += 1
            out.write("\n]\n" if count else "]\n")
        else:
            out.write(f"{'UPN':<40}  {'DISPLAY NAME':<30}  {'SAMACCOUNTNAME':<20}  STATUS\n")
            for user in users:
                status = "disabled" if user.disabled else ""
                out.write(
                    f"{user.upn:<40}  {(user.display_name or '')[:30]:<30}  "
                    f"{(user.sam_account_name or ''):<20}  {status}".rstrip()
                    + "\n"
                )
                count += 1
        out.flush()
        _referral_note(stats)
        _note(f"{count} user(s) in {stats.pages} page(s) from {directory.url}, base '{base}'")
    return 0


def run_trusts(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = sys.stdout
    with open_directory(settings, warn=_warn) as directory:
        trusts = list_trusts(directory)
        if args.format == "json":
            out.write(json.dumps([t.to_dict() for t in trusts], indent=2) + "\n")
        elif args.format == "csv":
            writer = csv.writer(out)
            writer.writerow((*TRUST_COLUMNS, "attributes"))
            for t in trusts:
                writer.writerow(
                    [
                        t.partner,
                        t.flat_name or "",
                        t.direction,
                        t.type,
                        t.kind,
                        str(t.trusted).lower(),
                        t.browse,
                    ]
                    + [" ".join(t.attributes)]
                )
        else:
            rows = [("PARTNER", "FLAT", "DIRECTION", "TYPE", "KIND", "BROWSE")]
            rows += [(t.partner, t.flat_name or "-", t.direction, t.type, t.kind, t.browse) for t in trusts]
            widths = [max(len(r[i]) for r in rows) for i in range(5)]
            for row in rows:
                out.write(
                    "  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5] + "\n"
                )
        _note(f"{len(trusts)} trust(s) of {directory.domain} from {directory.url}")
    return 0
