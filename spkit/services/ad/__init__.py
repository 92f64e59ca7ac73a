"""Active Directory browse: the UPNs of a domain's users and administrators, and its trusts.

The on-premises wizard's *Browse* button (step 3) lists administrators' UPNs from the
farm's domain or a trusted one; for an untrusted domain the UPN is typed. Layers, one job each:

- ``settings``         — the server URL, TLS, bind account, password reference, base DN (checked offline);
- ``directory_choice`` — which directory a face browses: the sandbox card's or the environment's;
- ``ldap_bind``        — the ladder name → TCP → TLS → bind → root DSE, and paged searches;
- ``users``            — the browse filter, group resolution, nested groups on AD only;
- ``trusts``           — ``trustedDomain`` objects decoded, and what each means for Browse;
- ``browse``           — the Browse workflow both faces call (`spkit ad users`, the wizard's Browse);
- ``errors``           — what the network and the directory answer, as typed errors with a fix.

    with open_directory(build_settings(server="ldaps://dc01.fabrikam.local", user="spadmin@fabrikam.local",
                                       password_ref="env:AD_PASSWORD")) as directory:
        group = resolve_group(directory, "SharePoint Farm Admins")
        for user in list_users(directory, group=group, nested=use_nested(directory, "auto")):
            print(user.upn, user.display_name)
"""

from . import _ldap3  # noqa: F401  (first: imports ldap3 without its pyasn1 deprecation noise)
from .errors import (
    BaseNotFoundError,
    DirectoryError,
    DomainNotTrustedError,
    GroupNotFoundError,
    LimitError,
    ReferralError,
)
from .ldap_bind import Directory, DirectoryWarning, RootDse, SearchStats, open_directory
from .settings import DirectorySettings, ServerAddress, build_settings, parse_server_url
from .trusts import Trust, list_trusts, plan_domain
from .users import USERS_FILTER, DirectoryUser, GroupRef, list_users, resolve_group, use_nested, users_filter

__all__ = [
    "USERS_FILTER",
    "BaseNotFoundError",
    "Directory",
    "DirectoryError",
    "DirectorySettings",
    "DirectoryUser",
    "DirectoryWarning",
    "DomainNotTrustedError",
    "GroupNotFoundError",
    "GroupRef",
    "LimitError",
    "ReferralError",
    "RootDse",
    "SearchStats",
    "ServerAddress",
    "Trust",
    "build_settings",
    "list_trusts",
    "list_users",
    "open_directory",
    "parse_server_url",
    "plan_domain",
    "resolve_group",
    "use_nested",
    "users_filter",
]
