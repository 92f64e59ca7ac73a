"""The sandbox's Active Directory: each farm's domain with the farm's own accounts, and two partners.

A farm's domain (``fabrikam.local``) holds exactly the accounts the farm's NTLM accepts — same UPN,
sAMAccountName and password — so a UPN chosen in *Browse* signs in to the farm. Its groups say who
administers what: ``SharePoint Farm Admins`` (the farm administrators) and ``SharePoint
Administrators`` (everyone who administers the farm or a site collection). ``CN=System`` holds its
trusts: ``contoso.local``, another forest trusted both ways, and ``northwind.local``, which trusts the
farm's domain but is not trusted by it (so Browse says to type the UPN). Each partner is a domain of
its own with a few accounts and its own trust back. Who may read a domain follows the trusts: its own
accounts and those of a domain it trusts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import ldif

INBOUND, OUTBOUND, BIDIRECTIONAL = 1, 2, 3
UPLEVEL = 2  # trustType: an Active Directory domain
QUARANTINED, FOREST_TRANSITIVE = 0x4, 0x8  # trustAttributes
NORMAL_ACCOUNT, ACCOUNTDISABLE, WORKSTATION_TRUST_ACCOUNT = 0x200, 0x2, 0x1000
FARM_ADMINS = "SharePoint Farm Admins"
ADMINISTRATORS = "SharePoint Administrators"


class Vault(Protocol):
    def value(self, key: str, make: Callable[[], Any]) -> Any: ...


@dataclass(frozen=True)
class Partner:
    """A partner domain, and the trust objects on each side (directions as each domain sees them)."""

    dns_name: str
    netbios: str
    direction: int  # in the farm's domain, for this partner
    attributes: int
    back_direction: int  # in the partner's domain, for the farm's
    people: tuple[tuple[str, str, bool], ...]  # (display name, sAMAccountName, SharePoint administrator)

    @property
    def trusted(self) -> bool:
        """Whether the farm's domain trusts it (its accounts may sign in to the farm)."""
        return bool(self.direction & OUTBOUND)


PARTNERS = (
    Partner(
        "contoso.local",
        "CONTOSO",
        BIDIRECTIONAL,
        FOREST_TRANSITIVE,
        BIDIRECTIONAL,
        (
            ("Alex Wilber", "alexw", True),
            ("Nestor Wilke", "nestorw", False),
            ("Lidia Holloway", "lidiah", False),
        ),
    ),
    Partner(
        "northwind.local",
        "NORTHWIND",
        INBOUND,
        QUARANTINED,
        OUTBOUND,
        (("Nancy Davolio", "nancyd", True), ("Andrew Fuller", "andrewf", False)),
    ),
)


def domain_dn(dns_name: str) -> str:
    return ",".join(f"DC={label}" for label in dns_name.split("."))


@dataclass
class Account:
    dn: str
    cn: str
    upn: str
    sam_account_name: str
    display_name: str
    password: str
    enabled: bool = True
    groups: tuple[str, ...] = ()  # group names (cn) under OU=Groups

    def card_entry(self) -> dict[str, Any]:
        return {
            "upn": self.upn,
            "sam_account_name": self.sam_account_name,
            "display_name": self.display_name,
            "dn": self.dn,
            "password": self.password,
            "enabled": self.enabled,
            "groups": list(self.groups),
        }


@dataclass
class TrustObject:
    partner: str
    flat_name: str
    direction: int
    attributes: int


@dataclass
class Domain:
    dns_name: str
    netbios: str
    role: str  # farm | trusted partner | untrusted partner
    farm: str | None
    trusted: bool  # by the farm's domain (its own domain: True)
    accounts: list[Account] = field(default_factory=list)
    trusts: list[TrustObject] = field(default_factory=list)
    computers: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return domain_dn(self.dns_name)

    def group_dn(self, name: str) -> str:
        return f"CN={ldif.rdn_value(name)},OU=Groups,{self.base}"

    @property
    def bind_account(self) -> Account:
        """The account the card binds with: the first enabled administrator, else the first enabled one."""
        enabled = [a for a in self.accounts if a.enabled]
        admins = [a for a in enabled if FARM_ADMINS in a.groups] or [a for a in enabled if a.groups]
        return (admins or enabled or self.accounts)[0]

    def readers(self, domains: Iterable[Domain]) -> tuple[str, ...]:
        """Its own accounts, and those of every domain it trusts (outbound or both ways)."""
        trusted = {t.partner for t in self.trusts if t.direction & OUTBOUND}
        return (self.base, *(d.base for d in domains if d.dns_name in trusted))

    def to_ldif(self) -> str:
        base = self.base
        entries = [
            ldif.entry(base, [("objectClass", "domain"), ("dc", self.dns_name.split(".")[0])]),
            ldif.entry(f"CN=Users,{base}", [("objectClass", "container"), ("cn", "Users")]),
            ldif.entry(f"CN=System,{base}", [("objectClass", "container"), ("cn", "System")]),
            ldif.entry(f"OU=Groups,{base}", [("objectClass", "organizationalUnit"), ("ou", "Groups")]),
            ldif.entry(f"OU=Servers,{base}", [("objectClass", "organizationalUnit"), ("ou", "Servers")]),
            # built-in, no UPN: the browse filter leaves it out
            ldif.entry(
                f"CN=krbtgt,CN=Users,{base}",
                [
                    ("objectClass", "user"),
                    ("cn", "krbtgt"),
                    ("sn", "krbtgt"),
                    ("sAMAccountName", "krbtgt"),
                    ("objectCategory", "person"),
                    ("userAccountControl", NORMAL_ACCOUNT | ACCOUNTDISABLE),
                ],
            ),
        ]
        for account in self.accounts:
            first, _, last = account.display_name.partition(" ")
            attrs: list[tuple[str, str | int]] = [
                ("objectClass", "user"),
                ("cn", account.cn),
                ("sn", last or first),
                ("givenName", first),
                ("displayName", account.display_name),
                ("userPrincipalName", account.upn),
                ("sAMAccountName", account.sam_account_name),
                ("objectCategory", "person"),
                ("userAccountControl", NORMAL_ACCOUNT | (0 if account.enabled else ACCOUNTDISABLE)),
                *(("memberOf", self.group_dn(g)) for g in account.groups),
                ("userPassword", ldif.ssha(account.password)),
            ]
            entries.append(ldif.entry(account.dn, attrs))
        for computer in self.computers:  # objectClass derives from user, objectCategory computer: left out
            entries.append(
                ldif.entry(
                    f"CN={computer},OU=Servers,{base}",
                    [
                        ("objectClass", "computer"),
                        ("cn", computer),
                        ("sn", computer),
                        ("sAMAccountName", f"{computer}$"),
                        ("userPrincipalName", f"host/{computer.lower()}.{self.dns_name}@{self.dns_name}"),
                        ("objectCategory", "computer"),
                        ("userAccountControl", WORKSTATION_TRUST_ACCOUNT),
                    ],
                )
            )
        for name in (FARM_ADMINS, ADMINISTRATORS):
            members = [a.dn for a in self.accounts if name in a.groups]
            entries.append(
                ldif.entry(
                    self.group_dn(name),
                    [
                        ("objectClass", "group"),
                        ("cn", name),
                        ("sAMAccountName", name),
                        ("groupType", -2147483644),  # domain-local security group
                        ("objectCategory", "group"),
                        *(("member", dn) for dn in members),
                    ],
                )
            )
        for trust in self.trusts:
            entries.append(
                ldif.entry(
                    f"CN={trust.partner},CN=System,{base}",
                    [
                        ("objectClass", "trustedDomain"),
                        ("cn", trust.partner),
                        ("trustPartner", trust.partner),
                        ("flatName", trust.flat_name),
                        ("trustDirection", trust.direction),
                        ("trustType", UPLEVEL),
                        ("trustAttributes", trust.attributes),
                        ("objectCategory", "trustedDomain"),
                    ],
                )
            )
        return ldif.document(entries)


def _password() -> str:
    return f"Ad{secrets.token_urlsafe(14)}!7"


def _account(domain: Domain, display_name: str, sam: str, password: str, enabled: bool, groups) -> Account:
    cn = display_name
    if cn.lower() in {a.cn.lower() for a in domain.accounts}:  # AD needs distinct CNs in a container
        cn = f"{display_name} ({sam})"
    dn = f"CN={ldif.rdn_value(cn)},CN=Users,{domain.base}"
    upn = f"{sam}@{domain.dns_name}".lower()
    return Account(dn, cn, upn, sam, display_name, password, enabled, tuple(groups))


def build_domains(farms: Iterable[Any], vault: Vault) -> list[Domain]:
    """The farms' domains (one per DNS domain; farms that share one share its accounts) and the partners."""
    domains: dict[str, Domain] = {}
    for farm in farms:
        domain = domains.get(farm.dns_domain)
        if domain is None:
            domain = domains[farm.dns_domain] = Domain(
                farm.dns_domain, farm.netbios_domain, "farm", farm.name, True, computers=[farm.server_name]
            )
        known = {a.sam_account_name.lower() for a in domain.accounts}
        for user in farm.users.values():
            if user.sam_account_name.lower() in known:
                continue
            groups = []
            if user.farm_admin:
                groups.append(FARM_ADMINS)
            if user.farm_admin or user.admin_of or user.web_application_policy == "full_control":
                groups.append(ADMINISTRATORS)
            account = _account(
                domain, user.display_name, user.sam_account_name, user.password, user.enabled, groups
            )
            account.upn = user.upn  # exactly what the farm's NTLM accepts
            domain.accounts.append(account)
    farm_domains = list(domains.values())
    for partner in PARTNERS:
        if partner.dns_name in domains:
            continue  # a scenario whose farm uses the partner's name keeps its own domain
        other = Domain(
            partner.dns_name,
            partner.netbios,
            "trusted partner" if partner.trusted else "untrusted partner",
            None,
            partner.trusted,
        )
        for display_name, sam, admin in partner.people:
            password = vault.value(f"directory/{partner.dns_name}/users/{sam}/password", _password)
            groups = (FARM_ADMINS, ADMINISTRATORS) if admin else ()
            other.accounts.append(_account(other, display_name, sam, password, True, groups))
        for farm_domain in farm_domains:
            farm_domain.trusts.append(
                TrustObject(partner.dns_name, partner.netbios, partner.direction, partner.attributes)
            )
            other.trusts.append(
                TrustObject(
                    farm_domain.dns_name, farm_domain.netbios, partner.back_direction, partner.attributes
                )
            )
        domains[partner.dns_name] = other
    return list(domains.values())
