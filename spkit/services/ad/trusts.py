"""A domain's trusts (``CN=System,<domain>``, ``objectClass=trustedDomain``) and what each means for Browse.

Directions are the domain's own view (MS-ADTS 6.1.6.7.12): OUTBOUND (2) = this domain trusts the
partner, so the partner's accounts can sign in here (and be the farm's administrators); INBOUND (1) =
the partner trusts this domain, so this domain's credentials work on the partner's DCs. Attributes
(MS-ADTS 6.1.6.7.9): WITHIN_FOREST (0x20) means the global catalog already covers the partner;
FOREST_TRANSITIVE (0x8) is another forest, which needs its own query (its own global catalog).
"""

from __future__ import annotations

from dataclasses import dataclass

from ldap3 import SUBTREE
from ldap3.utils.dn import parse_dn

from ...errors import InputError
from .errors import DomainNotTrustedError
from .ldap_bind import Directory, first_text
from .settings import domain_to_dn

TRUST_ATTRIBUTES = ["cn", "flatName", "trustPartner", "trustDirection", "trustType", "trustAttributes"]
INBOUND, OUTBOUND = 0x1, 0x2
DIRECTIONS = {0: "disabled", 1: "inbound", 2: "outbound", 3: "bidirectional"}
TYPES = {1: "downlevel", 2: "uplevel", 3: "mit", 4: "dce", 5: "aad"}
TYPE_TEXT = {
    "downlevel": "Windows NT (downlevel) domain",
    "uplevel": "Active Directory domain",
    "mit": "MIT Kerberos realm",
    "dce": "DCE realm",
    "aad": "Microsoft Entra ID",
}
NON_TRANSITIVE, QUARANTINED, FOREST_TRANSITIVE, CROSS_ORG, WITHIN_FOREST = 0x1, 0x4, 0x8, 0x10, 0x20
ATTRIBUTE_FLAGS = (
    (0x1, "non-transitive"),
    (0x2, "uplevel-only"),
    (0x4, "quarantined"),  # SID filtering
    (0x8, "forest-transitive"),
    (0x10, "selective-authentication"),  # CROSS_ORGANIZATION
    (0x20, "within-forest"),
    (0x40, "treat-as-external"),
    (0x80, "uses-rc4"),
    (0x200, "no-tgt-delegation"),
    (0x400, "pim"),
    (0x800, "tgt-delegation"),
)


def _int(text: str | None) -> int:
    try:
        return int(text) if text is not None else 0
    except ValueError:
        return 0


def untrusted_message(partner: str, domain: str) -> str:
    return f"{partner} is not trusted by {domain}: type the UPN, or browse it with its own credentials"


@dataclass(frozen=True)
class Trust:
    """One trustedDomain object, seen from ``domain`` (the directory that holds it)."""

    domain: str
    partner: str
    flat_name: str | None
    direction_value: int
    type_value: int
    attributes_value: int
    dn: str

    @property
    def direction(self) -> str:
        return DIRECTIONS.get(self.direction_value & 0x3, str(self.direction_value))

    @property
    def type(self) -> str:
        return TYPES.get(self.type_value, str(self.type_value))

    @property
    def attributes(self) -> list[str]:
        names = [name for bit, name in ATTRIBUTE_FLAGS if self.attributes_value & bit]
        known = sum(bit for bit, _ in ATTRIBUTE_FLAGS)
        if self.attributes_value & ~known:
            names.append(hex(self.attributes_value & ~known))
        return names

    @property
    def trusted(self) -> bool:
        """This domain trusts the partner: its accounts can sign in here (outbound or bidirectional)."""
        return bool(self.direction_value & OUTBOUND)

    @property
    def trusts_us(self) -> bool:
        """The partner trusts this domain: this domain's credentials work on the partner's DCs."""
        return bool(self.direction_value & INBOUND)

    @property
    def kind(self) -> str:
        if self.attributes_value & WITHIN_FOREST:
            return "within-forest"
        if self.type == "mit":
            return "realm"
        if self.attributes_value & FOREST_TRANSITIVE:
            return "forest"
        return "external"

    @property
    def base(self) -> str:
        return domain_to_dn(self.partner)

    @property
    def browse(self) -> str:
        """How Browse reaches the partner's administrators, in one line."""
        if not self.trusted:
            return untrusted_message(self.partner, self.domain)
        if self.kind == "realm":
            return "a Kerberos realm, not a directory: type the UPN"
        if self.kind == "within-forest":
            return f"same forest: --global-catalog lists it (or --base {self.base} on the global catalog)"
        credentials = "these credentials" if self.trusts_us else f"credentials of {self.partner}"
        return (
            f"its own query: --server ldaps://<a DC of {self.partner}> --base {self.base}, with {credentials}"
        )

    def to_dict(self) -> dict:
        return {
            "partner": self.partner,
            "flat_name": self.flat_name,
            "direction": self.direction,
            "type": self.type,
            "attributes": self.attributes,
            "kind": self.kind,
            "trusted": self.trusted,
            "trusts_us": self.trusts_us,
            "browse": self.browse,
            "trust_direction": self.direction_value,
            "trust_type": self.type_value,
            "trust_attributes": self.attributes_value,
            "dn": self.dn,
        }


def domain_naming_context(directory: Directory) -> str:
    """The domain NC (the ``DC=`` tail of ``--base``, else the root DSE's default naming context)."""
    base = directory.settings.base
    if base:
        parts = parse_dn(base, escape=False, strip=True)
        tail = []
        for attr, value, _sep in reversed(parts):
            if attr.lower() != "dc":
                break
            tail.insert(0, f"DC={value}")
        if tail:
            return ",".join(tail)
    dnc = directory.root_dse.first("defaultNamingContext") or directory.root_dse.default_naming_context
    if not dnc:
        raise InputError(
            f"{directory.url} does not say which domain it serves",
            code="AD_BASE_REQUIRED",
            fix="give --base DC=fabrikam,DC=local (or the domain's DNS name)",
        )
    return dnc


def list_trusts(directory: Directory) -> list[Trust]:
    """The trusts of the directory's domain (a domain has a handful: a list is fine)."""
    nc = domain_naming_context(directory)
    domain = directory.domain
    trusts = []
    for dn, attrs in directory.search(
        f"CN=System,{nc}",
        "(objectClass=trustedDomain)",
        TRUST_ATTRIBUTES,
        scope=SUBTREE,
        what="listing trusts",
    ):
        partner = first_text(attrs, "trustPartner") or first_text(attrs, "cn") or dn
        trusts.append(
            Trust(
                domain=domain,
                partner=partner.lower(),
                flat_name=first_text(attrs, "flatName"),
                direction_value=_int(first_text(attrs, "trustDirection")),
                type_value=_int(first_text(attrs, "trustType")),
                attributes_value=_int(first_text(attrs, "trustAttributes")),
                dn=dn,
            )
        )
    return sorted(trusts, key=lambda t: t.partner)


def plan_domain(directory: Directory, partner: str) -> str:
    """The base to browse ``partner`` through this directory, or the reason it takes another query.

    The directory's own domain: its base. A domain of the same forest on the global catalog: its DN.
    Anything else raises: a trusted domain needs its own query (exit 2: change the command), an
    untrusted or unknown one is explained (exit 1): type the UPN, or browse it with its own credentials.
    """
    wanted = partner.strip().strip(".").lower()
    own = directory.domain
    if not wanted or wanted == own:
        return directory.base
    by_name = {t.partner: t for t in list_trusts(directory)}
    by_flat = {(t.flat_name or "").lower(): t for t in by_name.values() if t.flat_name}
    trust = by_name.get(wanted) or by_flat.get(wanted)
    if trust is None:
        raise DomainNotTrustedError(
            untrusted_message(wanted, own) + f" (no trust with {wanted} in {own})",
            fix=f"type the UPN (user@{wanted}), or browse {wanted} with its own --server and --user",
        )
    if not trust.trusted:
        raise DomainNotTrustedError(
            untrusted_message(trust.partner, own) + f" (the trust is {trust.direction})",
            fix=f"type the UPN (user@{trust.partner}), or browse {trust.partner} with its own --server and --user",
        )
    if trust.kind == "within-forest" and directory.settings.global_catalog:
        return trust.base
    raise InputError(
        f"{trust.partner} is trusted by {own} but its users are not in this directory ({trust.kind} trust)",
        code="AD_TRUST_NEEDS_OWN_QUERY",
        fix=trust.browse,
    )
