"""``spkit sandbox profiles``: one parameters file per app of every sandbox tenant (and per farm account).

Written from the card alone, so a fleet of real profiles exists offline. A secret or password is a
``sandbox:TENANT/NAME`` reference the client resolves from the card, never a value; the card and the
certificate files are named by paths relative to the output folder (parameters files resolve paths from
their own folder). Each file says in its first lines whether it is meant to pass and, if not, why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..fileio import atomic_write
from .app_certificates import kind_of

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: ~10x faster for hundreds of files


@dataclass(frozen=True)
class WrittenProfile:
    """One parameters file written, and what ``spkit verify`` is expected to say of it."""

    name: str
    path: Path
    kind: str  # online | onprem
    tenant: str  # the tenant or farm
    principal: str  # the app or the farm account (UPN)
    reason: str  # why it is meant to fail ("" when it is meant to pass)
    code: str  # the diagnosis code verify gives first when it fails as meant ("" when it passes)

    @property
    def expect(self) -> str:
        return "fail" if self.reason else "pass"

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "path": str(self.path),
            "kind": self.kind,
            "tenant": self.tenant,
            "principal": self.principal,
            "expect": self.expect,
            "reason": self.reason,
            "code": self.code,
        }


def app_failure(app: dict[str, Any]) -> tuple[str, str]:
    """(why, the diagnosis code ``spkit verify`` gives first) for a card app meant to fail, as the scenario
    set it up; ("", "") for a healthy one. The certificate is the credential when the app has one."""
    if app.get("service_principal") == "deleted":
        return "its service principal is deleted", "AUTH_SP_MISSING"
    if app.get("service_principal") == "disabled":
        return "its service principal is disabled for sign-in", "AUTH_APP_DISABLED"
    if app.get("conditional_access") == "block":
        return "a Conditional Access policy blocks the app", "AUTH_CONDITIONAL_ACCESS"
    cert = app.get("certificate")
    file_failure = _certificate_file_failure(cert["pem"]) if cert else None
    if file_failure:
        return file_failure
    if cert and cert.get("key_expired"):
        return "its registered certificate has expired", "AUTH_CERT_KEY_EXPIRED"
    if not cert and app.get("secret_expired"):
        return "its client secret has expired", "AUTH_SECRET_EXPIRED"
    granted = [str(g) for g in app.get("granted") or []]
    if not granted:
        return "no permission is consented (the token has no roles)", "TOKEN_NO_ROLES"
    if not cert:
        return "SharePoint refuses app-only tokens got with a client secret", "SPO_SECRET_TOKEN_REFUSED"
    if not any(g.startswith("SharePoint/") for g in granted):
        return "no SharePoint permission is consented", "SPO_ACCESS_DENIED"
    return "", ""


# What spkit says of an app certificate of each faulty kind, before any sign-in.
_CERTIFICATE_FAILURES = {
    "expired": ("the certificate file has expired", "CERT_EXPIRED"),
    "not_yet_valid": ("the certificate file is not valid yet", "CERT_NOT_YET_VALID"),
    "small_key": ("the certificate's RSA key is under 2048 bits (Entra asks for 2048)", "CERT_KEY_TOO_SMALL"),
}


def _certificate_file_failure(pem: str) -> tuple[str, str] | None:
    """What spkit finds wrong with the certificate file itself before any sign-in, if anything (the
    scenario's ``certificate: expired|not_yet_valid|small_key``)."""
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(Path(pem).read_bytes())
    except (OSError, ValueError):
        return None  # the card's file is the sandbox's own: unreadable only if it changed under us
    return _CERTIFICATE_FAILURES.get(kind_of(certificate))


def farm_user_failure(farm: dict[str, Any], user: dict[str, Any]) -> tuple[str, str]:
    """(why, first diagnosis code) for a farm account meant to fail; ("", "") when it is expected to pass."""
    offered = farm.get("authentication")
    offered = ["Negotiate", "NTLM"] if offered is None else offered
    if not offered:  # forms sign-in only: no WWW-Authenticate at all
        return (
            "the web application signs in with forms only, not Windows authentication",
            "ONPREM_AUTH_UNSUPPORTED",
        )
    if "NTLM" not in offered:
        code = "ONPREM_BASIC_ONLY" if offered == ["Basic"] else "ONPREM_KERBEROS_ONLY"
        return f"the farm offers {' and '.join(offered)}, not NTLM", code
    if not user.get("enabled", True):
        return "the account is disabled", "ONPREM_AUTH_FAILED"
    if farm.get("central_admin") == "closed":
        return "Central Administration does not answer", "ONPREM_CA_UNREACHABLE"
    if not user.get("farm_admin"):
        return "the account is not a farm administrator", "ONPREM_NOT_FARM_ADMIN"
    return "", ""


def _relative(target: str | Path, out_dir: Path) -> str:
    return os.path.relpath(Path(target).resolve(), out_dir.resolve())


def _account(tenant: dict[str, Any]) -> str | None:
    """The tenant's application account: an enabled Global Administrator, else any enabled user."""
    users = [u for u in tenant.get("users") or [] if u.get("enabled", True)]
    admins = [u for u in users if "Global Administrator" in (u.get("roles") or [])]
    chosen = (admins or users or [None])[0]
    return chosen["upn"] if chosen else None


def _short(app_name: str) -> str:
    return app_name.removeprefix("spkit-") or app_name


def _header(what: str, failure: tuple[str, str]) -> str:
    expected = f"expected to FAIL ({failure[1]}): {failure[0]}" if failure[0] else "expected to pass"
    return (
        f"# Written by 'spkit sandbox profiles' from the sandbox card: {what}; {expected}.\n"
        "# Secrets are references resolved from the card, never values.\n"
    )


def _write(path: Path, header: str, data: dict[str, Any]) -> None:
    text = header + yaml.dump(data, Dumper=_DUMPER, sort_keys=False, default_flow_style=False)
    atomic_write(path, text.encode("utf-8"), 0o644, durable=False)  # hundreds, each made again at will


def write_profiles(
    card: dict[str, Any], card_path: Path, out_dir: Path, *, farms: bool
) -> list[WrittenProfile]:
    """Write ``<tenant>-<app>.yaml`` for every app of every card tenant that has a secret or certificate,
    and with ``farms`` ``<farm>-<account>.yaml`` for every farm account; returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sandbox = _relative(card_path, out_dir)
    written: list[WrittenProfile] = []
    taken: set[str] = set()

    def unique(name: str) -> str:
        candidate, n = name, 2
        while candidate.lower() in taken:
            candidate, n = f"{name}-{n}", n + 1
        taken.add(candidate.lower())
        return candidate

    for tenant in card.get("tenants") or []:
        account = _account(tenant)
        for app in tenant.get("apps") or []:
            cert, secret = app.get("certificate"), app.get("client_secret")
            if account is None or not (cert or secret):
                continue  # nothing to sign in with (or nobody to name as the application account)
            name = unique(f"{tenant['name']}-{_short(app['name'])}")
            data: dict[str, Any] = {
                "name": name,
                "kind": "online",
                "cloud": "sandbox",
                "sandbox": sandbox,
                "sharepoint_url": tenant["sharepoint_url"],
                "tenant_id": tenant["tenant_id"],
                "client_id": app["client_id"],
                "application_account": account,
            }
            if cert:  # a certificate when the app has one: the credential SharePoint accepts
                data["certificate"] = {"path": _relative(cert["pem"], out_dir)}
            else:
                data["client_secret"] = f"sandbox:{tenant['name']}/{app['name']}"
            failure = app_failure(app)
            path = out_dir / f"{name}.yaml"
            _write(path, _header(f"tenant {tenant['name']}, app {app['name']}", failure), data)
            written.append(WrittenProfile(name, path, "online", tenant["name"], app["name"], *failure))
    if farms:
        for farm in card.get("farms") or []:
            for user in farm.get("users") or []:
                name = unique(f"{farm['name']}-{user['sam_account_name'].lower()}")
                data = {
                    "name": name,
                    "kind": "onprem",
                    "sandbox": sandbox,
                    "sharepoint_url": farm["url"],
                    "central_admin_port": farm["central_admin_port"],
                    "admin_upn": user["upn"],
                    "admin_password": f"sandbox:{farm['name']}/{user['upn']}",
                }
                failure = farm_user_failure(farm, user)
                path = out_dir / f"{name}.yaml"
                _write(path, _header(f"farm {farm['name']}, account {user['logon']}", failure), data)
                written.append(WrittenProfile(name, path, "onprem", farm["name"], user["upn"], *failure))
    return written
