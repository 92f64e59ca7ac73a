"""``spkit certs import|new|list|export|remove``: the local certificate store from the command line.

A profile names a stored certificate with ``certificate: {thumbprint: HEX}``. Passwords come from stdin
(``--password-stdin``) or a prompt on a terminal; neither a password nor a private key is ever printed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from ..errors import CertificateError, InputError
from ..models.cert_store import (
    CER_DER_EXTENSIONS,
    EXPORT_FORMATS,
    CertificateStore,
    StoredCertificate,
    StoreEntry,
)
from ..models.certificates import PFX_EXTENSIONS

_PASSWORD_CODES = ("CERT_PASSWORD_REQUIRED", "CERT_BAD_PASSWORD")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "certs",
        help="the local certificate store (import, new, list, export, remove)",
        description="Manage the local certificate store that profiles reach with "
        "certificate: {thumbprint: HEX}. Location: $SPKIT_CERT_STORE, else "
        "$XDG_DATA_HOME/spkit/certificates.",
    )
    parser.set_defaults(handler=lambda _args: _help(parser))
    actions = parser.add_subparsers(dest="certs_command", metavar="ACTION", parser_class=type(parser))

    imp = actions.add_parser(
        "import", help="install a .pfx/.p12, a .pem with its key, or a .cer/.crt + --key"
    )
    imp.add_argument(
        "file", type=Path, metavar="FILE", help="certificate file (.pfx, .p12, .pem, .cer, .crt)"
    )
    imp.add_argument("--key", type=Path, metavar="KEYFILE", help="private key file for a .cer/.crt/.pem")
    imp.add_argument(
        "--password-stdin", action="store_true", help="read the .pfx (or key) password from standard input"
    )
    imp.set_defaults(handler=run_import)

    new = actions.add_parser("new", help="create a self-signed certificate in the store")
    new.add_argument("--subject", required=True, metavar="CN", help="common name, e.g. spkit-contoso")
    new.add_argument("--days", type=int, default=730, metavar="N", help="validity in days (default 730)")
    new.add_argument("--key-size", type=int, default=2048, metavar="N", help="RSA key bits (default 2048)")
    new.set_defaults(handler=run_new)

    lst = actions.add_parser("list", help="list the certificates in the store")
    lst.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lst.set_defaults(handler=run_list)

    exp = actions.add_parser("export", help="write a stored certificate to a file")
    exp.add_argument("thumbprint", metavar="THUMBPRINT")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE", help="file to write")
    exp.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="cer: public certificate to upload to the app registration (DER for .cer, PEM for "
        ".pem/.crt); pem/pfx: with the private key. Default: pfx for .pfx/.p12, else cer",
    )
    exp.add_argument(
        "--password-stdin", action="store_true", help="read the password protecting the key from stdin"
    )
    exp.add_argument("--force", action="store_true", help="replace FILE if it exists")
    exp.set_defaults(handler=run_export)

    rem = actions.add_parser("remove", help="delete a certificate from the store")
    rem.add_argument("thumbprint", metavar="THUMBPRINT")
    rem.set_defaults(handler=run_remove)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _stdin_password() -> str:
    """The password piped on stdin, without its trailing newline."""
    return sys.stdin.read().rstrip("\r\n")


def _warn(text: str) -> None:
    print(f"spkit: warning: {text}", file=sys.stderr)


def _facts(cert: StoredCertificate) -> str:
    return f"{cert.subject}, expires {cert.not_after:%Y-%m-%d}, {cert.key_size}-bit"


def _report_installed(store: CertificateStore, cert: StoredCertificate, verb: str) -> None:
    if cert.already_present:
        print(f"certificate {cert.thumbprint} ({cert.subject}) is already in the store {store.root}")
    else:
        print(f"{verb} certificate {cert.thumbprint} ({_facts(cert)}) in the store {store.root}")
    for warning in cert.warnings:
        _warn(warning)
    print(f"use it in a profile with:  certificate: {{thumbprint: {cert.thumbprint}}}")


def run_import(args: argparse.Namespace) -> int:
    store = CertificateStore()
    password = _stdin_password() if args.password_stdin else None
    try:
        cert = store.import_file(args.file, password, key_path=args.key)
    except CertificateError as exc:
        if exc.code not in _PASSWORD_CODES or args.password_stdin:
            raise
        if not sys.stdin.isatty():
            what = "the .pfx" if args.file.suffix.lower() in PFX_EXTENSIONS else "the private key"
            raise CertificateError(
                f"{args.file}: {what} is password-protected (or unreadable) and no password was given",
                code="CERT_PASSWORD_REQUIRED",
                fix=f"pipe the password: spkit certs import {args.file} --password-stdin < PASSWORD_FILE",
            ) from None
        password = getpass.getpass(f"Password for {args.file.name}: ", stream=sys.stderr)
        cert = store.import_file(args.file, password, key_path=args.key)
    _report_installed(store, cert, "imported")
    return 0


def run_new(args: argparse.Namespace) -> int:
    store = CertificateStore()
    cert = store.create(args.subject, days=args.days, key_size=args.key_size)
    _report_installed(store, cert, "created")
    print(
        f"next: spkit certs export {cert.thumbprint} --out {cert.thumbprint[:8].lower()}.cer, then upload "
        "it on the app registration's Certificates & secrets page"
    )
    return 0


def _short(entry: StoreEntry) -> str:
    if entry.damaged:
        return f"DAMAGED ({entry.path.name if entry.path else entry.thumbprint}): {entry.problem}"
    return "; ".join(w.replace(f"certificate {entry.thumbprint} ", "") for w in entry.warnings)


def run_list(args: argparse.Namespace) -> int:
    store = CertificateStore()
    entries = store.list()
    if args.json:
        print(
            json.dumps({"store": str(store.root), "certificates": [e.to_dict() for e in entries]}, indent=2)
        )
        return 0
    if not entries:
        print(f"the certificate store {store.root} is empty")
        print("add one: spkit certs import FILE, or spkit certs new --subject NAME")
        return 0
    rows = [("THUMBPRINT", "SUBJECT", "EXPIRES", "KEY", "WARNING")]
    for e in entries:
        expires = f"{e.not_after:%Y-%m-%d}" if e.not_after else "-"
        rows.append((e.thumbprint or "-", e.subject or "-", expires, str(e.key_size or "-"), _short(e)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4])
    damaged = sum(e.damaged for e in entries)
    print(f"{len(entries)} certificate(s) in {store.root}" + (f", {damaged} damaged" if damaged else ""))
    return 0


def _export_password(args: argparse.Namespace, fmt: str) -> str | None:
    if args.password_stdin:
        if fmt == "cer":
            raise InputError(
                "--password-stdin is for pem and pfx exports; a cer export holds no key",
                code="USAGE",
                fix="drop --password-stdin, or use --format pfx",
            )
        return _stdin_password()
    if fmt == "cer" or not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password to protect the private key (empty: none): ", stream=sys.stderr)
    if first and first != getpass.getpass("Repeat the password: ", stream=sys.stderr):
        raise InputError("the two passwords differ", code="USAGE", fix="run the export again")
    return first


def run_export(args: argparse.Namespace) -> int:
    store = CertificateStore()
    fmt = args.format or ("pfx" if args.out.suffix.lower() in PFX_EXTENSIONS else "cer")
    store.get(args.thumbprint)  # a missing certificate is reported before any password prompt
    password = _export_password(args, fmt)
    path = store.export(args.thumbprint, args.out, fmt, password, overwrite=args.force)
    if fmt == "cer":
        encoding = "DER" if path.suffix.lower() in CER_DER_EXTENSIONS else "PEM"
        print(f"wrote the public certificate to {path} ({encoding}, no private key)")
        print(
            "upload it in the Entra admin center: App registrations > your app > Certificates & secrets > "
            "Upload certificate"
        )
    else:
        protection = "password-protected" if password else "NOT password-protected"
        print(f"wrote the certificate and its private key to {path} ({fmt}, {protection}, mode 0600)")
        if not password:
            _warn(f"{path} holds an unencrypted private key; keep it private or use --password-stdin")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    store = CertificateStore()
    removed = store.remove(args.thumbprint)
    what = f" ({removed.subject})" if removed.subject else " (a damaged entry)" if removed.problem else ""
    print(f"removed certificate {removed.thumbprint}{what} from the store {store.root}")
    print("the app registration still lists it: delete it there too if it is no longer used")
    return 0
