"""Active Directory browse codes (spkit ad users|trusts, the on-premises wizard's Browse)."""

from __future__ import annotations

from ..entry import CatalogEntry, maker

E = maker("ad")

NOTHING = "Nothing to change on your side."
TYPE_UPN = "Type the admin's UPN (user@domain) instead of browsing."


def _usage(code: str, title: str, meaning: str, fix: str) -> CatalogEntry:
    return E(
        code,
        title,
        meaning=meaning,
        evidence="The option and what is wrong with it.",
        fix=[fix],
        tell=NOTHING,
    )


ENTRIES = (
    _usage(
        "AD_USAGE",
        "AD option invalid",
        "An 'spkit ad' option is empty or not one of its choices (--group, --nested).",
        "Read the message: it names the allowed values.",
    ),
    _usage(
        "AD_SERVER_INVALID",
        "--server invalid",
        "--server is not ldaps://HOST[:PORT] or "
        "ldap://HOST[:PORT] (no scheme, another scheme, a path, an account, a bad host or port).",
        "Write --server ldaps://dc01.fabrikam.local (636) or ldap://dc01.fabrikam.local --starttls.",
    ),
    _usage(
        "AD_USER_INVALID",
        "--user invalid",
        "--user is empty or neither a UPN, DOMAIN\\user nor a DN.",
        "Write --user spadmin@fabrikam.local, FABRIKAM\\spadmin or a DN.",
    ),
    _usage(
        "AD_PASSWORD_EMPTY",
        "AD password empty",
        "The bind password (reference or stdin) is empty.",
        "Give the password by reference (env:, file:, keyring:) or --password-stdin.",
    ),
    _usage(
        "AD_BASE_INVALID",
        "--base invalid",
        "--base is neither a DN nor a DNS domain name.",
        "Write --base DC=fabrikam,DC=local or --base fabrikam.local.",
    ),
    _usage(
        "AD_BASE_REQUIRED",
        "Naming context unknown",
        "The server does not say which naming context it serves (no defaultNamingContext).",
        "Give --base DC=fabrikam,DC=local.",
    ),
    _usage(
        "AD_CA_BUNDLE_INVALID",
        "--ca-bundle invalid",
        "--ca-bundle does not exist or is not a PEM file of certificates.",
        "Give the PEM of the CA that issued the domain controller's certificate.",
    ),
    _usage(
        "AD_GROUP_AMBIGUOUS",
        "Several groups of that name",
        "More than one group has that name.",
        "Give the group's DN with --group.",
    ),
    _usage(
        "AD_GROUP_INVALID",
        "Not a group",
        "--group names an entry that is not a group.",
        "Give the DN of a group, e.g. CN=SharePoint Farm Admins,OU=Groups,DC=fabrikam,DC=local.",
    ),
    _usage(
        "AD_NESTED_UNSUPPORTED",
        "Nested membership unsupported",
        "--nested yes needs Active Directory's LDAP_MATCHING_RULE_IN_CHAIN, which this server does not have.",
        "Drop --nested yes to list the group's direct members.",
    ),
    E(
        "AD_NOT_CONFIGURED",
        "No directory configured",
        also=("wizard",),
        meaning="Browse has no directory to read: no --server / SPKIT_AD_SERVER, and no sandbox card.",
        evidence="The settings looked for.",
        fix=[TYPE_UPN, "Or set SPKIT_AD_SERVER, SPKIT_AD_USER, SPKIT_AD_PASSWORD (a reference)."],
        tell="Please send us the sign-in name (user@domain) of the farm administrator account.",
    ),
    E(
        "AD_DOMAIN_UNKNOWN",
        "Sandbox directory has no such domain",
        meaning="The sandbox's directory serves no domain of that name.",
        evidence="The domain asked for and those served.",
        fix=["Use one of the domains the message lists."],
        tell=NOTHING,
    ),
    E(
        "AD_DOMAIN_NOT_TRUSTED",
        "Domain not trusted by the farm's domain",
        also=("wizard",),
        meaning="The domain asked for is not trusted by the farm's domain, so its accounts cannot sign in "
        "to the farm (or be browsed with its credentials).",
        evidence="The trust list of the farm's domain (CN=System trusted domain objects).",
        fix=[TYPE_UPN, "Or browse that domain with its own --server and account."],
        tell="Accounts of that domain cannot sign in to your farm (no trust). Please give us an account of "
        "the farm's own domain, or of a domain it trusts.",
    ),
    E(
        "AD_TRUST_NEEDS_OWN_QUERY",
        "Trusted domain needs its own query",
        also=("wizard",),
        meaning="The partner domain is trusted, but its users are not in this directory (another forest): "
        "they must be read from its own domain controllers.",
        evidence="The trust (partner, direction, kind).",
        fix=["Browse the partner with its own --server (and an account of that domain), or type the UPN."],
        tell="Please send us the sign-in name of the account in the trusted domain.",
    ),
    E(
        "AD_BIND_REFUSED",
        "Directory refused the bind",
        meaning="The domain controller refused the bind (invalid credentials 49, with AD's reason: 52e wrong "
        "password, 525 no such user, 533 disabled, 775 locked out, 532 password expired, 701 account "
        "expired...), or is unwilling to accept a simple bind (53).",
        evidence="The LDAP result code and AD's diagnostic (AcceptSecurityContext error, data 52e), never "
        "the password.",
        fix=["Check the account and password (the AD data code in the evidence names the reason)."],
        tell="Your domain controller refuses the account we use (see the reason in the report: wrong "
        "password, disabled, locked or expired). Please check the account in Active Directory.",
    ),
    _usage(
        "AD_BIND_NAME_REJECTED",
        "Bind name refused (not Active Directory)",
        "The server accepts only DNs as bind names (invalid DN syntax 34): it is not Active Directory.",
        "Bind with the account's DN: --user 'CN=SharePoint Admin,CN=Users,DC=fabrikam,DC=local'.",
    ),
    _usage(
        "AD_BIND_REQUIRED",
        "Anonymous search refused",
        "The directory requires a successful bind first.",
        "Give --user and a password.",
    ),
    _usage(
        "AD_TLS_REQUIRED",
        "Directory requires TLS (or signing)",
        "The domain controller refuses a password bind on an unprotected connection (LDAP 8/13).",
        "Use ldaps://HOST (636) or ldap://HOST with --starttls.",
    ),
    E(
        "AD_STARTTLS_REFUSED",
        "StartTLS refused",
        meaning="The domain controller refused StartTLS: it has no certificate for LDAP.",
        evidence="The server's answer to the StartTLS extended operation.",
        fix=[
            "Use ldaps:// if it listens there, or install a Domain Controller certificate (AD CS autoenrolment)."
        ],
        tell="Your domain controller has no TLS certificate for LDAP. Please enrol a 'Domain Controller' "
        "certificate (AD CS) so LDAPS works.",
    ),
    _usage(
        "AD_BASE_NOT_FOUND",
        "Base not found",
        "The search base does not exist (no such object 32).",
        "Check --base, or leave it out to use the server's default naming context.",
    ),
    _usage(
        "AD_GROUP_NOT_FOUND",
        "Group not found",
        "No group of that name under the base.",
        "Check the group's name (cn or sAMAccountName) or give its DN.",
    ),
    _usage(
        "AD_REFERRAL",
        "Directory refers elsewhere",
        "The server does not hold that base and refers to another server (referral 10).",
        "Query that domain's own DC with --server, or use --global-catalog.",
    ),
    _usage(
        "AD_SIZE_LIMIT",
        "Size limit reached",
        "The server stopped at its size limit (4).",
        "Page the search (--page-size 500), or narrow --base or --group.",
    ),
    _usage(
        "AD_TIME_LIMIT",
        "Time limit reached",
        "The server stopped at its time limit (3).",
        "Narrow the search, raise --time-limit, or query a less loaded DC.",
    ),
    _usage(
        "AD_ADMIN_LIMIT",
        "Administrative limit reached",
        "The server hit an administrative limit (11).",
        "Use a smaller --page-size (AD's MaxPageSize is 1000).",
    ),
    _usage(
        "AD_ACCESS_DENIED",
        "Bind account may not read there",
        "The bind account may not read that part of the directory (insufficient access 50).",
        "Use an account that can read users (any domain user can, by default).",
    ),
    _usage(
        "AD_SERVER_BUSY",
        "Directory busy",
        "The domain controller is busy or unavailable (51/52).",
        "Retry later, or query another domain controller.",
    ),
    _usage(
        "AD_CONTROL_UNSUPPORTED",
        "Control unsupported",
        "The server does not support a control spkit sent (unavailable critical extension 12).",
        "Retry with --page-size 0 on a small directory.",
    ),
    _usage(
        "AD_LDAP_ERROR",
        "Directory error",
        "The directory answered an LDAP error spkit has no specific diagnosis for.",
        "Read the server's message in the evidence.",
    ),
)
