"""Browse: the UPNs (with display name and sAMAccountName) of a directory's users, or a group's.

The filter is docs/protocols.md#directory-browse-filter, ``(&(objectCategory=person)(objectClass=user)
(userPrincipalName=*))``: ``objectClass=user`` alone would include computer accounts (AD's computer
class derives from user), and ``objectCategory=person`` alone would include contacts. A group narrows
it with ``memberOf=<DN>``; on Active Directory, nested groups are expanded with
LDAP_MATCHING_RULE_IN_CHAIN. Other servers silently answer that rule with nothing, so it is only sent
when the root DSE says the server is AD (``--nested auto``), or refused when forced on one that is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

from ldap3.utils.conv import escape_filter_chars

from ...errors import InputError
from .errors import group_not_found, nested_unsupported
from .ldap_bind import Directory, SearchStats, all_text, first_text
from .settings import parse_base_dn

USERS_FILTER = "(&(objectCategory=person)(objectClass=user)(userPrincipalName=*))"
USER_ATTRIBUTES = ["userPrincipalName", "sAMAccountName", "displayName", "userAccountControl"]
IN_CHAIN = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN (AD only)
BIT_AND = "1.2.840.113556.1.4.803"  # LDAP_MATCHING_RULE_BIT_AND (AD; OpenLDAP's integerBitAndMatch)
ACCOUNTDISABLE = 0x2
NESTED_CHOICES = ("auto", "yes", "no")


@dataclass(frozen=True)
class DirectoryUser:
    upn: str
    display_name: str | None
    sam_account_name: str | None
    disabled: bool | None  # None when userAccountControl is not readable
    dn: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class GroupRef:
    dn: str
    name: str


def users_filter(group_dn: str | None = None, *, nested: bool = False, enabled_only: bool = False) -> str:
    """The browse filter; with no options it is exactly ``USERS_FILTER``."""
    parts = ["(objectCategory=person)", "(objectClass=user)", "(userPrincipalName=*)"]
    if group_dn is not None:
        value = escape_filter_chars(group_dn)
        parts.append(f"(memberOf:{IN_CHAIN}:={value})" if nested else f"(memberOf={value})")
    if enabled_only:
        parts.append(f"(!(userAccountControl:{BIT_AND}:={ACCOUNTDISABLE}))")
    return "(&" + "".join(parts) + ")"


def _looks_like_dn(text: str) -> bool:
    return "=" in text


def resolve_group(directory: Directory, group: str) -> GroupRef:
    """A group's DN from its DN (checked to exist) or its name (cn or sAMAccountName, exactly one)."""
    text = group.strip()
    if not text:
        raise InputError("--group is empty", code="AD_USAGE", fix="give the group's name or DN")
    if _looks_like_dn(text):
        dn = parse_base_dn(text, option="--group")
        attrs = directory.read_entry(dn, ["objectClass", "cn"])
        if attrs is None:
            raise group_not_found(dn, directory.base, directory.url)
        classes = {c.lower() for c in all_text(attrs, "objectClass")}
        if "group" not in classes:
            raise InputError(
                f"'{dn}' is not a group (its classes: {', '.join(sorted(classes)) or 'none'})",
                code="AD_GROUP_INVALID",
                fix="give the DN of a group, e.g. CN=SharePoint Farm Admins,OU=Groups,DC=fabrikam,DC=local",
            )
        return GroupRef(dn, first_text(attrs, "cn") or dn)
    name = escape_filter_chars(text)
    found: list[GroupRef] = []
    search = directory.search(
        directory.base,
        f"(&(objectCategory=group)(objectClass=group)(|(cn={name})(sAMAccountName={name})))",
        ["cn"],
        what=f"finding the group '{text}'",
    )
    for dn, attrs in search:
        found.append(GroupRef(dn, first_text(attrs, "cn") or text))
    if not found:
        raise group_not_found(text, directory.base, directory.url)
    if len(found) > 1:
        listed = "; ".join(g.dn for g in found[:5]) + (" ..." if len(found) > 5 else "")
        raise InputError(
            f"{len(found)} groups are named '{text}': {listed}",
            code="AD_GROUP_AMBIGUOUS",
            fix="give the DN of the one you mean with --group",
        )
    return found[0]


def use_nested(directory: Directory, nested: str) -> bool:
    """Whether to expand nested groups: ``auto`` asks the root DSE; ``yes`` on a non-AD server is refused."""
    if nested not in NESTED_CHOICES:
        raise InputError(
            f"--nested must be one of {', '.join(NESTED_CHOICES)}", code="AD_USAGE", fix="use --nested auto"
        )
    if nested == "no":
        return False
    if directory.root_dse.is_active_directory:
        return True
    if nested == "yes":
        raise nested_unsupported(directory.url)
    return False


def list_users(
    directory: Directory,
    *,
    group: GroupRef | None = None,
    nested: bool = False,
    enabled_only: bool = False,
    stats: SearchStats | None = None,
    base: str | None = None,
) -> Iterator[DirectoryUser]:
    """Stream the users under ``base`` (default: the directory's), one page in memory at a time."""
    search_filter = users_filter(group.dn if group else None, nested=nested, enabled_only=enabled_only)
    start = directory.base if base is None else base
    for dn, attrs in directory.search(
        start, search_filter, USER_ATTRIBUTES, stats=stats, what="listing users"
    ):
        upn = first_text(attrs, "userPrincipalName")
        if not upn:  # the filter asks for it; a GC or an ACL may still withhold it
            continue
        uac = first_text(attrs, "userAccountControl")
        disabled = bool(int(uac) & ACCOUNTDISABLE) if uac and uac.lstrip("-").isdigit() else None
        yield DirectoryUser(
            upn=upn,
            display_name=first_text(attrs, "displayName"),
            sam_account_name=first_text(attrs, "sAMAccountName"),
            disabled=disabled,
            dn=dn,
        )
