"""Turn what the network and the directory answer into spkit's typed errors (diagnosis code + fix).

Two sources: exceptions raised while opening the socket or the TLS session (ldap3 re-raises them as
classes that inherit from both its own error and the original one, so ``isinstance`` still sees
``ConnectionRefusedError`` or ``ssl.SSLCertVerificationError``), and LDAP result codes (RFC 4511
section 4.1.9) with Active Directory's diagnostic text. The bind password is never part of either.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterable
from typing import Any

from ...errors import (
    AuthenticationError,
    AuthorizationError,
    CheckError,
    InputError,
    NetworkError,
    ServiceError,
    ThrottledError,
    TlsError,
)


class DirectoryError(CheckError):
    """The directory answered, but not with what was asked for."""

    default_code = "AD_LDAP_ERROR"


class BaseNotFoundError(DirectoryError):
    default_code = "AD_BASE_NOT_FOUND"


class GroupNotFoundError(DirectoryError):
    default_code = "AD_GROUP_NOT_FOUND"


class ReferralError(DirectoryError):
    default_code = "AD_REFERRAL"


class LimitError(DirectoryError):
    default_code = "AD_SIZE_LIMIT"


class DomainNotTrustedError(DirectoryError):
    default_code = "AD_DOMAIN_NOT_TRUSTED"


# Active Directory puts a Win32 error in its bind diagnostic: "... AcceptSecurityContext error, data 52e, v4563".
AD_BIND_SUBCODES = {
    "525": ("the account does not exist", "check the user name (UPN, DOMAIN\\user or DN)"),
    "52e": (
        "the user name or password is wrong",
        "check the password (and the keyboard layout); the name is right",
    ),
    "530": ("the account may not sign in at this time", "ask the domain admins about its logon hours"),
    "531": (
        "the account may not sign in from this computer",
        "ask the domain admins about its 'log on to' list",
    ),
    "532": ("the password has expired", "change the account's password, then update the reference"),
    "533": ("the account is disabled", "enable the account in Active Directory, or use another one"),
    "568": (
        "the account is in too many groups (token too large)",
        "use an account with fewer group memberships",
    ),
    "701": ("the account has expired", "extend the account's expiry in Active Directory"),
    "773": (
        "the password must be changed before the first sign-in",
        "sign in once interactively and set a new password",
    ),
    "775": ("the account is locked out", "wait for the lockout to end or ask the domain admins to unlock it"),
}
_VERIFY_REASON = re.compile(r"certificate verify failed: ([^(]+)")
_AD_DATA = re.compile(r"\bdata ([0-9a-f]{3,8})\b", re.I)


def ad_bind_subcode(message: str) -> str | None:
    """The Win32 code in AD's bind diagnostic (``52e``, ``775``...), lower-case, or None."""
    match = _AD_DATA.search(message or "")
    return match.group(1).lower() if match else None


def _chain(exc: BaseException) -> Iterable[BaseException]:
    """The exception, what it wraps (ldap3 keeps a history of per-address failures), and its causes."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        for arg in getattr(item, "args", ()):
            if isinstance(arg, list):  # ldap3: [(exception, address), ...]
                todo.extend(entry[0] for entry in arg if isinstance(entry, tuple) and entry)
        todo.extend([item.__cause__, item.__context__])


def connect_error(exc: BaseException, url: str, *, starttls: bool = False) -> NetworkError:
    """Classify a failure to open the connection (TCP, TLS, StartTLS) by the exception's class."""
    chain = list(_chain(exc))
    text = "; ".join(str(e) for e in chain)[:400]
    tls_fix = (
        "give --ca-bundle with the PEM of the CA that issued the domain controller's certificate "
        "(AD CS: the enterprise root CA), or fix the server's certificate"
    )
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            # ldap3 rebuilds the exception from its text, so verify_message may be gone: read the text.
            found = _VERIFY_REASON.search(str(item))
            reason = getattr(item, "verify_message", None) or (found.group(1).strip() if found else "")
            reason = reason or "verification failed"
            verify_code = getattr(item, "verify_code", None)
            if verify_code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
                return TlsError(
                    f"the TLS certificate of {url} has expired ({reason})",
                    code="TLS_CERT_EXPIRED",
                    evidence=text,
                    fix="renew the domain controller's certificate (AD CS re-enrols 'Domain Controller' "
                    "certificates automatically when autoenrolment works); check this machine's clock too",
                )
            if verify_code == 9:  # X509_V_ERR_CERT_NOT_YET_VALID
                return TlsError(
                    f"the TLS certificate of {url} is not valid yet ({reason})",
                    code="TLS_CERT_NOT_YET_VALID",
                    evidence=text,
                    fix="check this machine's clock and time zone",
                )
            if verify_code == 62:  # X509_V_ERR_HOSTNAME_MISMATCH
                return TlsError(
                    f"the TLS certificate of {url} does not name that host ({reason})",
                    code="TLS_NAME_MISMATCH",
                    evidence=text,
                    fix="connect with the name the certificate carries (usually the DC's full DNS name)",
                )
            return TlsError(
                f"the TLS certificate of {url} is not trusted ({reason})",
                code="TLS_UNTRUSTED",
                evidence=text,
                fix=tls_fix,
            )
    for item in chain:
        name = type(item).__name__
        if name == "LDAPCertificateError" or "doesn't match any name" in str(item):
            return TlsError(
                f"the TLS certificate of {url} does not name that host",
                code="TLS_NAME_MISMATCH",
                evidence=text,
                fix="connect with the name the certificate carries (usually the DC's full DNS name)",
            )
    for item in chain:
        if isinstance(item, ssl.SSLError):
            return TlsError(
                f"the TLS handshake with {url} failed ({getattr(item, 'reason', None) or _ssl_text(item)})",
                code="TLS_HANDSHAKE_FAILED",
                evidence=text,
                fix="check that the port speaks TLS (ldaps:// on 636/3269, or ldap:// with --starttls on 389/3268)",
            )
    for item in chain:
        if isinstance(item, ConnectionRefusedError):
            return NetworkError(
                f"{url} refused the connection",
                code="NETWORK_REFUSED",
                evidence=text,
                fix="check the host and port (LDAPS 636, LDAP 389, global catalog 3269/3268) and that "
                "the domain controller is up",
            )
    for item in chain:
        if isinstance(item, TimeoutError):
            return NetworkError(
                f"{url} did not answer in time",
                code="NETWORK_TIMEOUT",
                evidence=text,
                fix="check the firewall between this machine and the domain controller, or raise --timeout",
            )
    for item in chain:
        if isinstance(item, ConnectionResetError | BrokenPipeError) or type(item).__name__ in (
            "LDAPSessionTerminatedByServerError",
            "LDAPSocketReceiveError",
        ):
            hint = (
                "the port may expect TLS: use ldaps:// (636/3269)"
                if not starttls and url.startswith("ldap://")
                else "check that the port serves LDAP, and the server's logs"
            )
            return NetworkError(f"{url} closed the connection", code="NETWORK_RESET", evidence=text, fix=hint)
    for item in chain:
        if isinstance(item, OSError) and item.errno is not None:
            return NetworkError(
                f"cannot reach {url} ({item.strerror or item})",
                code="NETWORK_UNREACHABLE",
                evidence=text,
                fix="check the address, the route and the firewall",
            )
    return NetworkError(
        f"cannot reach {url}",
        code="NETWORK_UNREACHABLE",
        evidence=text,
        fix="check the address, the port and the firewall",
    )


def _ssl_text(exc: BaseException) -> str:
    found = re.search(r"\[SSL: ([A-Z_]+)\]", str(exc))
    return found.group(1) if found else exc.__class__.__name__


def dns_error(host: str, exc: socket.gaierror) -> NetworkError:
    return NetworkError(
        f"the name {host} does not resolve ({exc.strerror or exc})",
        code="NETWORK_DNS",
        evidence=str(exc),
        fix="check the domain controller's name for typos and this machine's DNS (a DC's name is "
        "usually dc01.<domain>; nslookup -type=SRV _ldap._tcp.<domain> lists them)",
    )


def _describe(result: dict[str, Any]) -> str:
    code = result.get("result")
    desc = result.get("description") or "error"
    message = (result.get("message") or "").strip()
    return f"{desc} ({code})" + (f": {message}" if message else "")


def bind_error(result: dict[str, Any], url: str, user: str, user_kind: str) -> CheckError:
    """The bind was refused. ``user`` may be shown; the password never is."""
    code = result.get("result")
    message = (result.get("message") or "").strip()
    evidence = _describe(result)
    if code == 49:
        sub = ad_bind_subcode(message)
        if sub in AD_BIND_SUBCODES:
            what, fix = AD_BIND_SUBCODES[sub]
            return AuthenticationError(
                f"{url} refused the bind as {user}: {what} (invalid credentials 49, AD data {sub})",
                code="AD_BIND_REFUSED",
                evidence=evidence,
                fix=fix,
            )
        return AuthenticationError(
            f"{url} refused the bind as {user}: invalid credentials (49)",
            code="AD_BIND_REFUSED",
            evidence=evidence,
            fix="check the user name and the password the reference points to",
        )
    if code == 34 and user_kind != "dn":
        return AuthenticationError(
            f"{url} refused the bind name {user}: it accepts only DNs (invalid DN syntax 34), so it is "
            "not Active Directory, which takes UPNs and DOMAIN\\user",
            code="AD_BIND_NAME_REJECTED",
            evidence=evidence,
            fix="bind with the account's DN, e.g. --user 'CN=SharePoint Admin,CN=Users,DC=fabrikam,DC=local'",
        )
    if code in (8, 13):
        return AuthenticationError(
            f"{url} requires an encrypted connection (or signing) for a password bind",
            code="AD_TLS_REQUIRED",
            evidence=evidence,
            fix="use ldaps://HOST (636) or ldap://HOST with --starttls",
        )
    if code == 53:
        return AuthenticationError(
            f"{url} is unwilling to accept the bind as {user}",
            code="AD_BIND_REFUSED",
            evidence=evidence,
            fix="the server may forbid simple binds on this connection: use ldaps:// or --starttls",
        )
    return limit_or_generic(result, url, f"binding as {user}")


def search_error(result: dict[str, Any], url: str, base: str, what: str) -> CheckError:
    """A search failed: name the rung (base, referral, limits, rights) and what to do."""
    code = result.get("result")
    evidence = _describe(result)
    if code == 32:
        matched = (result.get("dn") or "").strip()
        near = f" (the nearest entry that exists is '{matched}')" if matched else ""
        return BaseNotFoundError(
            f"{url} has no entry '{base}' (no such object 32){near}",
            evidence=evidence,
            fix="check --base; leave it out to use the server's default naming context, or give the "
            "domain's DNS name (fabrikam.local)",
        )
    if code == 10:
        refs = ", ".join(result.get("referrals") or []) or "another server"
        return ReferralError(
            f"{url} does not hold '{base or '(forest root)'}' and refers to {refs} (referral 10)",
            evidence=evidence,
            fix="query the domain controller of that domain with its own --server, or use "
            "--global-catalog for the whole forest",
        )
    return limit_or_generic(result, url, what)


def limit_or_generic(result: dict[str, Any], url: str, what: str) -> CheckError:
    code = result.get("result")
    evidence = _describe(result)
    if code == 4:
        return LimitError(
            f"{what}: {url} stopped at its size limit (size limit exceeded 4)",
            evidence=evidence,
            fix="page the search (--page-size 500; AD's MaxPageSize is 1000), or narrow --base or --group",
        )
    if code == 3:
        return LimitError(
            f"{what}: {url} stopped at its time limit (time limit exceeded 3)",
            code="AD_TIME_LIMIT",
            evidence=evidence,
            fix="narrow --base or --group, raise --time-limit, or query a less loaded domain controller",
        )
    if code == 11:
        return LimitError(
            f"{what}: {url} hit an administrative limit (admin limit exceeded 11)",
            code="AD_ADMIN_LIMIT",
            evidence=evidence,
            fix="use a smaller --page-size (AD: MaxPageSize 1000), or narrow --base",
        )
    if code == 50:
        return AuthorizationError(
            f"{what}: the bind account may not read that part of {url} (insufficient access 50)",
            code="AD_ACCESS_DENIED",
            evidence=evidence,
            fix="use an account that can read users (any domain user can, by default)",
        )
    if code == 1 and "successful bind" in (result.get("message") or ""):
        return AuthenticationError(
            f"{what}: {url} requires a successful bind first",
            code="AD_BIND_REQUIRED",
            evidence=evidence,
            fix="give --user and a password",
        )
    if code in (51, 52):
        return ThrottledError(
            f"{what}: {url} is busy or unavailable ({result.get('description')} {code})",
            code="AD_SERVER_BUSY",
            evidence=evidence,
            fix="retry later, or query another domain controller",
        )
    if code == 12:
        return ServiceError(
            f"{what}: {url} does not support a control spkit sent (unavailable critical extension 12)",
            code="AD_CONTROL_UNSUPPORTED",
            evidence=evidence,
            fix="retry with --page-size 0 (no paging) on a small directory",
        )
    return DirectoryError(
        f"{what}: {url} answered {evidence}", evidence=evidence, fix="see the server's message"
    )


def group_not_found(name: str, base: str, url: str) -> GroupNotFoundError:
    return GroupNotFoundError(
        f"no group '{name}' under '{base or '(forest root)'}' on {url}",
        fix="check the group's name (its cn or sAMAccountName), or give its DN: "
        "--group 'CN=SharePoint Farm Admins,OU=Groups,DC=fabrikam,DC=local'",
    )


def nested_unsupported(url: str) -> InputError:
    return InputError(
        f"{url} is not Active Directory (its root DSE lists no AD capability): it does not know "
        "LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941) and would answer with no users",
        code="AD_NESTED_UNSUPPORTED",
        fix="drop --nested yes to list the group's direct members",
    )
