"""Windows account names as people type them: a UPN (user@dns.suffix) or DOMAIN\\user."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError

_SAM_FORBIDDEN = set('"/\\[]:;|=,+*?<>')
_DNS = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.I)
_NETBIOS = re.compile(r"[A-Za-z0-9][A-Za-z0-9!@#$%^&')(.\-_{}~]{0,14}")


@dataclass(frozen=True)
class WindowsAccount:
    text: str  # as given, normalised (UPN lower-case suffix; DOMAIN upper-case)
    kind: str  # "upn" | "down-level"
    user: str
    domain: str  # DNS suffix for a UPN, NetBIOS name for DOMAIN\user


def parse_account(text: str) -> WindowsAccount:
    """Validate a logon name (docs/protocols.md#logon-names: UPN ≤ 1024 chars; sAMAccountName ≤ 20, no
    ``"/\\[]:;|=,+*?<>``)."""
    value = (text or "").strip()
    if not value:
        raise InputError(
            "the account is empty", code="ACCOUNT_EMPTY", fix="type user@fabrikam.com or FABRIKAM\\user"
        )
    if "\\" in value:
        domain, _, user = value.partition("\\")
        if not _NETBIOS.fullmatch(domain):
            raise InputError(
                f"'{domain}' is not a NetBIOS domain name",
                code="ACCOUNT_DOMAIN_INVALID",
                fix="use the short domain name (up to 15 characters), e.g. FABRIKAM\\user",
            )
        _check_sam(user)
        return WindowsAccount(f"{domain.upper()}\\{user}", "down-level", user, domain.upper())
    if value.count("@") != 1:
        raise InputError(
            f"'{value}' is neither a UPN (user@dns.suffix) nor DOMAIN\\user",
            code="ACCOUNT_FORM_INVALID",
            fix="write it like spadmin@fabrikam.com or FABRIKAM\\spadmin",
        )
    if len(value) > 1024:
        raise InputError("a UPN is at most 1024 characters", code="ACCOUNT_TOO_LONG", fix="check the account")
    user, _, suffix = value.partition("@")
    if not user or any(c.isspace() for c in user):
        raise InputError(
            f"'{value}' has no valid user part",
            code="ACCOUNT_FORM_INVALID",
            fix="write it like spadmin@fabrikam.com",
        )
    if not _DNS.fullmatch(suffix):
        raise InputError(
            f"'{suffix}' is not a DNS suffix",
            code="ACCOUNT_DOMAIN_INVALID",
            fix="the part after @ is the domain's DNS name, e.g. fabrikam.com",
        )
    return WindowsAccount(f"{user}@{suffix.lower()}", "upn", user, suffix.lower())


def _check_sam(user: str) -> None:
    if not user or len(user) > 20:
        raise InputError(
            f"'{user}' is not a valid user name: a pre-Windows 2000 logon name has 1 to 20 characters",
            code="ACCOUNT_FORM_INVALID",
            fix="use the account's sAMAccountName, or its UPN",
        )
    bad = sorted(set(user) & _SAM_FORBIDDEN)
    if bad:
        raise InputError(
            f"the user name contains characters Windows forbids there: {' '.join(bad)}",
            code="ACCOUNT_FORM_INVALID",
            fix="use the account's sAMAccountName, or its UPN",
        )
