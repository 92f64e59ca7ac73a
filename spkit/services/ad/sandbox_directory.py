"""The sandbox's directory, read from its card, as ``DirectorySettings``: what Browse binds with.

A running sandbox serves its farms' Active Directory domains over LDAPS and lists them on the card
(``directory``: the URL, its CA, the farm's domain and an account to bind with, and every domain — the
farm's, a trusted and an untrusted partner — with its own account). The wizard's *Browse* and
``spkit ad users|trusts --sandbox CARD`` both start here, so they bind the same way. Without slapd the
card says why there is no directory; ``directory_problem`` gives that reason for the face to show.
"""

from __future__ import annotations

from typing import Any

from ...errors import InputError
from ...models.secrets import Secret
from .settings import DirectorySettings, build_settings, parse_base_dn

NO_DIRECTORY_CODE = "SANDBOX_NO_DIRECTORY"


def card_directory(card: dict[str, Any]) -> dict[str, Any] | None:
    """The card's directory entry when the sandbox serves one, else None."""
    entry = card.get("directory")
    if isinstance(entry, dict) and entry.get("available") and entry.get("ldaps_url"):
        return entry
    return None


def directory_problem(card: dict[str, Any]) -> tuple[str, str] | None:
    """Why the sandbox serves no directory and what to do, or None when it serves one."""
    if card_directory(card) is not None:
        return None
    entry = card.get("directory")
    if not isinstance(entry, dict):
        return "its card lists no directory (an older spkit started it)", "restart the sandbox"
    return str(entry.get("reason") or "not served"), str(entry.get("fix") or "")


def card_domain(card: dict[str, Any], domain: str | None = None) -> dict[str, Any]:
    """One domain of the sandbox's directory by DNS name or DN (default: the farm's own)."""
    entry = card_directory(card)
    if entry is None:
        raise no_directory_error(card)
    domains = entry.get("domains") or []
    if not domain:
        return next((d for d in domains if d.get("domain") == entry.get("domain")), domains[0])
    wanted = domain.strip().lower()
    for each in domains:
        if wanted in (str(each.get("domain")).lower(), str(each.get("netbios_domain")).lower()):
            return each
    try:
        wanted_dn = parse_base_dn(domain).lower().replace(" ", "")
    except InputError:
        wanted_dn = ""
    for each in domains:
        if wanted_dn and wanted_dn == str(each.get("base")).lower().replace(" ", ""):
            return each
    known = ", ".join(str(d.get("domain")) for d in domains)
    raise InputError(
        f"the sandbox's directory has no domain '{domain}' (domains: {known})",
        code="AD_DOMAIN_UNKNOWN",
        fix=f"use one of: {known}",
    )


def no_directory_error(card: dict[str, Any]) -> InputError:
    """``SANDBOX_NO_DIRECTORY`` (exit 2, like having no directory at all): why, and what to do."""
    reason, fix = directory_problem(card) or ("not served", "")
    return InputError(
        f"no directory configured: the sandbox serves none ({reason})",
        code=NO_DIRECTORY_CODE,
        fix=f"type the UPN (user@domain), or {fix}" if fix else "type the UPN (user@domain)",
    )


def _card_account(card: dict[str, Any], user: str) -> dict[str, Any] | None:
    """An account of the card's directory by DN, UPN or DOMAIN\\user (case-insensitive)."""
    entry = card_directory(card) or {}
    wanted = user.strip().lower()
    for each in entry.get("domains") or []:
        for account in each.get("users") or []:
            names = {
                str(account.get("dn", "")).lower(),
                str(account.get("upn", "")).lower(),
                f"{each.get('netbios_domain', '')}\\{account.get('sam_account_name', '')}".lower(),
            }
            if wanted in names:
                return account
    return None


def directory_settings_from_card(
    card: dict[str, Any],
    *,
    domain: str | None = None,
    server: str | None = None,
    user: str | None = None,
    password: Secret | None = None,
    password_ref: str | None = None,
    base: str | None = None,
    ca_bundle: str | None = None,
    **options: Any,
) -> DirectorySettings | None:
    """Settings to browse the sandbox's directory, or None when the sandbox serves none.

    ``domain`` (a DNS name or DN, else ``base`` when it names one of the card's domains) picks the
    domain to search and the account to bind with (each domain has its own, as an untrusted partner
    needs); the other arguments win over the card's values, as on the command line. An account of the
    card given by UPN or DOMAIN\\user binds with its DN, and without a password with the card's one. ``options`` are ``build_settings``' others
    (``page_size``, ``timeout``, ``global_catalog``...).
    """
    entry = card_directory(card)
    if entry is None:
        return None
    chosen = card_domain(card, domain or _card_domain_name(card, base))
    if user:
        account = _card_account(card, user)
        if account is not None:
            user = str(account["dn"])  # slapd binds by DN only; AD would take the UPN or DOMAIN\\user too
        known = Secret(str(account["password"])) if account and account.get("password") else None
        secret = password if password is not None or password_ref else known
    else:
        user = str(chosen["bind_user"])
        secret = password if password is not None or password_ref else Secret(str(chosen["bind_password"]))
    return build_settings(
        server=server or str(entry["ldaps_url"]),
        user=user,
        password=secret,
        password_ref=password_ref,
        base=base if base is not None else str(chosen["base"]),
        ca_bundle=ca_bundle or str(entry["ca_bundle"]),
        **options,
    )


def _card_domain_name(card: dict[str, Any], base: str | None) -> str | None:
    """``base`` when it names a domain of the card (``contoso.local`` or ``DC=contoso,DC=local``)."""
    if not base:
        return None
    try:
        card_domain(card, base)
    except InputError:
        return None
    return base
