"""Browse, the steps in their order: the base (the directory's own domain or a trusted one), the group
and whether its nested groups are expanded, then the users, streamed. ``spkit ad users`` renders
``browse_users``; the wizard's *Browse* button renders ``browse_administrators``, which picks the
directory, lists the domains it can reach and follows a trust to the partner's own directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from ...errors import InputError
from .directory_choice import choose_directory_settings, directory_card
from .ldap_bind import Directory, SearchStats, open_directory
from .sandbox_directory import card_domain
from .trusts import list_trusts, plan_domain
from .users import DirectoryUser, GroupRef, list_users, resolve_group, use_nested

ADMIN_GROUP_ENV = "SPKIT_AD_ADMIN_GROUP"  # the group whose members Browse lists (default: all users)
BROWSE_LIMIT = 200  # a picker, not a report: the first page of administrators is what a person reads

GLOBAL_CATALOG_GROUPS = (
    "the global catalog holds the memberships of universal groups only; for a domain-local "
    "or global group, query a domain controller of the group's domain"
)


@dataclass
class UserBrowse:
    """What is being listed (base, group, nested expansion), what to warn about, and the users: a lazy
    stream, read page by page as it is iterated (``stats`` counts the pages and referrals)."""

    users: Iterator[DirectoryUser]
    base: str
    group: GroupRef | None
    nested: bool
    stats: SearchStats
    warnings: list[str] = field(default_factory=list)


def browse_users(
    directory: Directory,
    *,
    domain: str | None = None,
    group: str | None = None,
    nested: str = "auto",
    enabled_only: bool = False,
    stats: SearchStats | None = None,
) -> UserBrowse:
    """The users of ``domain`` (default: the directory's own; another must be trusted), or the members
    of ``group`` (its DN or name; ``nested`` as ``use_nested`` takes it)."""
    base = plan_domain(directory, domain) if domain else directory.base
    found = resolve_group(directory, group) if group else None
    expand = use_nested(directory, nested) if found else False
    warnings = [GLOBAL_CATALOG_GROUPS] if found and directory.settings.global_catalog else []
    stats = stats if stats is not None else SearchStats()
    users = list_users(
        directory, group=found, nested=expand, enabled_only=enabled_only, stats=stats, base=base
    )
    return UserBrowse(users, base, found, expand, stats, warnings)


@dataclass
class AdministratorBrowse:
    """What the wizard's Browse found: the users to pick from (at most ``limit``), the group they are
    members of (None: every enabled user), the domain listed, and every domain the picker offers."""

    users: list[DirectoryUser]
    domain: str
    group: GroupRef | None
    domains: list[tuple[str, bool]]  # (domain, trusted): the directory's own first, then its trusts
    truncated: bool = False


def browse_administrators(
    card: dict[str, Any] | None, domain: str | None = None, *, limit: int = BROWSE_LIMIT
) -> AdministratorBrowse:
    """The enabled administrators of the directory's own domain, or of ``domain`` when a trust lets
    Browse reach it (an untrusted one is refused: "type the UPN", as the guide says).

    The directory is the sandbox's (``card``) unless ``SPKIT_AD_SERVER`` names another; neither is "no
    directory configured: type the UPN". The administrators are the members of ``SPKIT_AD_ADMIN_GROUP``,
    else of the card's farm administrators group, else every user. A trusted domain of another forest
    is browsed in its own directory when the card describes it."""
    card = directory_card(card, environment_wins=True)
    group = os.environ.get(ADMIN_GROUP_ENV, "").strip() or None
    with open_directory(choose_directory_settings(card)) as directory:
        own = directory.domain
        domains = [(own, True)] + [(t.partner, t.trusted) for t in list_trusts(directory)]
        wanted = (domain or own).strip().lower()
        if wanted == own:
            found = browse_users(directory, group=_admins_group(card, group), enabled_only=True)
            return _first(found, wanted, domains, limit)
        try:  # untrusted: DomainNotTrustedError, "type the UPN"; the same forest on the global catalog:
            found = browse_users(directory, domain=wanted, enabled_only=True)  # every user of its base
        except InputError as error:
            if error.code != "AD_TRUST_NEEDS_OWN_QUERY" or card is None:
                raise
        else:
            return _first(found, wanted, domains, limit)
    # A trusted domain of another forest: its own directory, as the sandbox's card describes it.
    with open_directory(choose_directory_settings(card, domain=wanted)) as partner:
        found = browse_users(partner, group=_admins_group(card, group, wanted), enabled_only=True)
        return _first(found, wanted, domains, limit)


def _admins_group(card: dict[str, Any] | None, group: str | None, domain: str | None = None) -> str | None:
    """The group named by the environment, else the card's farm administrators group of ``domain``."""
    if group or card is None:
        return group
    return card_domain(card, domain).get("admins_group")


def _first(
    found: UserBrowse, domain: str, domains: list[tuple[str, bool]], limit: int
) -> AdministratorBrowse:
    """The first ``limit`` users of the stream (read now, while the directory is open)."""
    users = list(islice(found.users, limit))
    return AdministratorBrowse(users, domain, found.group, domains, truncated=len(users) == limit)
