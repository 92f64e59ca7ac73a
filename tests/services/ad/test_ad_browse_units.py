"""AD browse without a server: settings, filters, error mapping, AD detection, trust decoding."""

from __future__ import annotations

import pytest

from spkit.errors import AuthenticationError, InputError, ProfileError
from spkit.models.secrets import Secret
from spkit.services.ad import (
    USERS_FILTER,
    RootDse,
    build_settings,
    parse_server_url,
    use_nested,
    users_filter,
)
from spkit.services.ad.errors import ad_bind_subcode, bind_error, search_error
from spkit.services.ad.settings import dn_to_domain, parse_base_dn, parse_bind_name
from spkit.services.ad.trusts import Trust

AD_ENV = ("SPKIT_AD_SERVER", "SPKIT_AD_BASE", "SPKIT_AD_USER", "SPKIT_AD_PASSWORD", "SPKIT_AD_CA_BUNDLE")


@pytest.fixture(autouse=True)
def _no_ad_environment(monkeypatch):
    for name in AD_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("url", "gc", "expected"),
    [
        ("ldaps://dc01.fabrikam.local", False, "ldaps://dc01.fabrikam.local:636"),
        ("ldap://dc01.fabrikam.local", False, "ldap://dc01.fabrikam.local:389"),
        ("ldaps://DC01.Fabrikam.Local/", True, "ldaps://dc01.fabrikam.local:3269"),
        ("ldap://dc01.fabrikam.local", True, "ldap://dc01.fabrikam.local:3268"),
        ("ldaps://dc01.fabrikam.local:1636", True, "ldaps://dc01.fabrikam.local:1636"),
        ("ldaps://[::1]:636", False, "ldaps://[::1]:636"),
    ],
)
def test_server_urls_and_ports(url, gc, expected):
    assert parse_server_url(url).url(global_catalog=gc) == expected


@pytest.mark.parametrize(
    "url",
    [
        "dc01.fabrikam.local",
        "https://dc01.fabrikam.local",
        "ldap://dc01.fabrikam.local/DC=fabrikam,DC=local",
        "ldaps://admin:pw@dc01.fabrikam.local",
        "ldaps://dc01.fabrikam.local:99999",
        "ldaps://",
    ],
)
def test_bad_server_urls_are_refused(url):
    with pytest.raises(InputError) as info:
        parse_server_url(url)
    assert info.value.code == "AD_SERVER_INVALID" and info.value.exit_code == 2
    assert "admin:pw" not in info.value.summary


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("spadmin@fabrikam.local", "upn"),
        ("FABRIKAM\\spadmin", "down-level"),
        ("CN=SharePoint Admin,CN=Users,DC=fabrikam,DC=local", "dn"),
        ("CN=Müller\\, Jürgen,OU=Staff,DC=fabrikam,DC=local", "dn"),
    ],
)
def test_bind_names(text, kind):
    assert parse_bind_name(text).kind == kind


@pytest.mark.parametrize("text", ["", "spadmin", "FABRIKAM\\", "a@b@c", "FABRIKAM\\user*name", "CN=,,"])
def test_bad_bind_names(text):
    with pytest.raises(InputError):
        parse_bind_name(text)


def test_base_dn_from_a_domain_name_and_back():
    assert parse_base_dn("fabrikam.local") == "DC=fabrikam,DC=local"
    assert parse_base_dn("OU=Staff,DC=fabrikam,DC=local") == "OU=Staff,DC=fabrikam,DC=local"
    assert parse_base_dn("") == ""
    assert dn_to_domain("ou=Staff,DC=Fabrikam,dc=local") == "fabrikam.local"
    with pytest.raises(InputError) as info:
        parse_base_dn("DC=fabrikam,,DC")
    assert info.value.code == "AD_BASE_INVALID"


def test_the_browse_filter_is_the_documented_one():
    assert (
        users_filter() == USERS_FILTER == "(&(objectCategory=person)(objectClass=user)(userPrincipalName=*))"
    )


def test_group_filters_escape_the_dn_and_use_in_chain_only_when_nested():
    dn = "CN=Admins (Farm)*,OU=Groups,DC=fabrikam,DC=local"
    direct = users_filter(dn)
    assert "(memberOf=CN=Admins \\28Farm\\29\\2a,OU=Groups,DC=fabrikam,DC=local)" in direct
    assert "1.2.840.113556.1.4.1941" not in direct
    assert "(memberOf:1.2.840.113556.1.4.1941:=CN=Admins \\28Farm\\29\\2a," in users_filter(dn, nested=True)
    assert users_filter(enabled_only=True).endswith("(!(userAccountControl:1.2.840.113556.1.4.803:=2)))")


class _FakeDirectory:
    def __init__(self, capabilities: list[str]) -> None:
        self.root_dse = RootDse({"supportedCapabilities": capabilities})
        self.url = "ldaps://dc01.fabrikam.local:636"


def test_nested_groups_only_on_active_directory():
    ad = _FakeDirectory(["1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670"])
    lds = _FakeDirectory(["1.2.840.113556.1.4.1851"])
    other = _FakeDirectory([])
    assert ad.root_dse.product == "Active Directory" and lds.root_dse.product == "AD LDS"
    assert use_nested(ad, "auto") and use_nested(ad, "yes") and not use_nested(ad, "no")
    assert use_nested(lds, "auto")
    assert not use_nested(other, "auto") and not use_nested(other, "no")
    with pytest.raises(InputError) as info:
        use_nested(other, "yes")
    assert info.value.code == "AD_NESTED_UNSUPPORTED"


def test_root_dse_default_naming_context():
    assert (
        RootDse({"defaultNamingContext": ["DC=fabrikam,DC=local"]}).default_naming_context
        == "DC=fabrikam,DC=local"
    )
    assert RootDse({"namingContexts": ["dc=a,dc=b"]}).default_naming_context == "dc=a,dc=b"
    assert RootDse({"namingContexts": ["dc=a", "dc=b"]}).default_naming_context is None


AD_49 = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data {}, v4563\x00"


@pytest.mark.parametrize(
    ("sub", "words"),
    [
        ("52e", "password is wrong"),
        ("775", "locked out"),
        ("533", "disabled"),
        ("532", "expired"),
        ("525", "does not exist"),
    ],
)
def test_active_directory_bind_subcodes_are_explained(sub, words):
    result = {"result": 49, "description": "invalidCredentials", "message": AD_49.format(sub)}
    assert ad_bind_subcode(result["message"]) == sub
    error = bind_error(result, "ldaps://dc01:636", "spadmin@fabrikam.local", "upn")
    assert isinstance(error, AuthenticationError) and error.exit_code == 1
    assert error.code == "AD_BIND_REFUSED" and words in error.summary and f"AD data {sub}" in error.summary


def test_binds_that_need_tls():
    for code in (8, 13):
        error = bind_error(
            {"result": code, "description": "x", "message": ""}, "ldap://dc01:389", "u@x.y", "upn"
        )
        assert error.code == "AD_TLS_REQUIRED" and "--starttls" in error.fix


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (3, "AD_TIME_LIMIT"),
        (4, "AD_SIZE_LIMIT"),
        (11, "AD_ADMIN_LIMIT"),
        (50, "AD_ACCESS_DENIED"),
        (51, "AD_SERVER_BUSY"),
        (80, "AD_LDAP_ERROR"),
    ],
)
def test_search_result_codes(code, expected):
    error = search_error(
        {"result": code, "description": "d", "message": "m"}, "ldap://dc01:389", "DC=x", "listing users"
    )
    assert error.code == expected and error.exit_code == 1 and error.fix


def _trust(direction: int, attributes: int, type_value: int = 2) -> Trust:
    return Trust(
        "fabrikam.local",
        "contoso.local",
        "CONTOSO",
        direction,
        type_value,
        attributes,
        "CN=contoso.local,CN=System",
    )


def test_trust_directions_are_read_from_this_domains_side():
    assert _trust(2, 8).trusted and not _trust(2, 8).trusts_us  # outbound: fabrikam trusts contoso
    assert not _trust(1, 8).trusted and _trust(1, 8).trusts_us  # inbound: contoso trusts fabrikam
    assert _trust(3, 8).direction == "bidirectional" and _trust(0, 0).direction == "disabled"
    assert (
        _trust(1, 4).browse
        == "contoso.local is not trusted by fabrikam.local: type the UPN, or browse it with its own credentials"
    )
    assert "these credentials" in _trust(3, 8).browse
    assert "credentials of contoso.local" in _trust(2, 8).browse  # contoso does not trust fabrikam's accounts
    assert _trust(3, 0x20).kind == "within-forest" and "--global-catalog" in _trust(3, 0x20).browse
    assert _trust(3, 0, type_value=3).kind == "realm"
    assert _trust(3, 0x8 | 0x4 | 0x10000).attributes == ["quarantined", "forest-transitive", "0x10000"]


def test_settings_check_tls_options_and_never_show_the_password(tmp_path, monkeypatch):
    password = Secret("S3cret-value")
    settings = build_settings(
        server="ldap://dc01.fabrikam.local", user="spadmin@fabrikam.local", password=password
    )
    assert "S3cret-value" not in repr(settings)
    assert any("in the clear" in note for note in settings.warnings())
    assert not build_settings(server="ldap://dc01", user="u@x.y", password=password, starttls=True).warnings()
    with pytest.raises(InputError, match="--starttls is for ldap://"):
        build_settings(server="ldaps://dc01", user="u@x.y", password=password, starttls=True)
    with pytest.raises(InputError, match="not encrypted"):
        build_settings(server="ldap://dc01", user="u@x.y", password=password, ca_bundle=__file__)
    with pytest.raises(InputError) as info:
        build_settings(server="ldaps://dc01", user="u@x.y", password=password, ca_bundle=__file__)
    assert info.value.code == "AD_CA_BUNDLE_INVALID"
    gc = build_settings(server="ldaps://dc01:636", user="u@x.y", password=password, global_catalog=True)
    assert any("not the global catalog" in note for note in gc.warnings())


def test_settings_from_the_environment(monkeypatch):
    with pytest.raises(InputError) as info:
        build_settings(server=None, user="u@x.y", password=Secret("p"))
    assert info.value.code == "AD_NOT_CONFIGURED"
    assert info.value.summary == "no directory configured: type the UPN (user@domain)"
    monkeypatch.setenv("SPKIT_AD_SERVER", "ldaps://dc01.fabrikam.local")
    monkeypatch.setenv("SPKIT_AD_USER", "FABRIKAM\\spadmin")
    monkeypatch.setenv("SPKIT_AD_PASSWORD", "env:MY_AD_PW")
    monkeypatch.setenv("MY_AD_PW", "from-env")
    monkeypatch.setenv("SPKIT_AD_BASE", "")  # empty means unset, not the forest root
    settings = build_settings(server=None, user=None)
    assert settings.url == "ldaps://dc01.fabrikam.local:636" and settings.user.kind == "down-level"
    assert settings.password.reveal() == "from-env" and settings.base is None


def test_passwords_that_are_refused():
    with pytest.raises(ProfileError) as inline:
        build_settings(server="ldaps://dc01", user="u@x.y", password_ref="Hunter2")
    assert inline.value.code == "SECRET_INLINE" and "Hunter2" not in str(inline.value)
    with pytest.raises(InputError) as empty:
        build_settings(server="ldaps://dc01", user="u@x.y", password=Secret(""))
    assert empty.value.code == "AD_PASSWORD_EMPTY"
    with pytest.raises(InputError, match="once"):
        build_settings(server="ldaps://dc01", user="u@x.y", password=Secret("a"), password_ref="env:X")
