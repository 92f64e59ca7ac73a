"""On-premises profiles, addresses and account names: what is accepted, what is refused and why."""

from __future__ import annotations

import pytest

from spkit.errors import AddressError, InputError, ProfileError
from spkit.models.accounts import parse_account
from spkit.models.onprem_profile import OnpremProfile
from spkit.models.profile import profile_from_dict
from spkit.models.server_address import parse_server_address


def _onprem(**changes):
    data = {
        "name": "farm",
        "kind": "onprem",
        "sharepoint_url": "https://sharepoint.fabrikam.com",
        "central_admin_port": 2016,
        "admin_upn": "spfarm@fabrikam.com",
        "admin_password": "env:FARM_PASSWORD",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_full_onprem_profile_loads_and_derives_central_administration():
    profile = profile_from_dict(_onprem())
    assert isinstance(profile, OnpremProfile)
    assert profile.central_admin_url == "https://sharepoint.fabrikam.com:2016"
    assert profile.to_dict()["admin_password"] == "env:FARM_PASSWORD"
    assert profile_from_dict(profile.to_dict()) == profile


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("sharepoint.fabrikam.com", "ADDRESS_SCHEME_MISSING"),
        ("ftp://sharepoint.fabrikam.com", "ADDRESS_SCHEME_INVALID"),
        ("https://sharepoint", "ADDRESS_NOT_FQDN"),
        ("https://", "ADDRESS_HOST_MISSING"),
        ("https://user:pw@sharepoint.fabrikam.com", "ADDRESS_CREDENTIALS"),
        ("https://share_point.fabrikam.com", "ADDRESS_HOST_INVALID"),
        ("https://sharepoint.fabrikam.com:99999", "ADDRESS_PORT_INVALID"),
    ],
)
def test_bad_server_addresses_are_refused_with_the_reason(text, code):
    with pytest.raises(AddressError) as info:
        parse_server_address(text)
    assert info.value.code == code
    assert info.value.fix


def test_http_and_ip_addresses_are_accepted_with_a_warning():
    http = parse_server_address("http://sharepoint.fabrikam.com/")
    assert http.url == "http://sharepoint.fabrikam.com"
    assert "clear" in http.warnings[0]
    ip = parse_server_address("https://10.0.0.5")
    assert "Kerberos" in ip.warnings[0]


@pytest.mark.parametrize("port", [0, 65536, "2016", True, -1])
def test_central_admin_port_must_be_1_to_65535(port):
    with pytest.raises(ProfileError) as info:
        profile_from_dict(_onprem(central_admin_port=port))
    assert info.value.field == "central_admin_port"


@pytest.mark.parametrize(
    ("text", "kind", "normalised"),
    [
        ("spfarm@Fabrikam.COM", "upn", "spfarm@fabrikam.com"),
        ("fabrikam\\spfarm", "down-level", "FABRIKAM\\spfarm"),
    ],
)
def test_account_forms(text, kind, normalised):
    account = parse_account(text)
    assert (account.kind, account.text) == (kind, normalised)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "spfarm",
        "a@b@c",
        "FABRIKAM\\",
        "FABRIKAM\\" + "x" * 21,
        "FABRIKAM\\sp:farm",
        "user@",
        "user@bad_domain",
    ],
)
def test_bad_accounts_are_refused(text):
    with pytest.raises(InputError):
        parse_account(text)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"admin_password": "Passw0rd!"}, "admin_password"),
        ({"admin_password": None}, "admin_password"),
        ({"admin_upn": "spfarm"}, "admin_upn"),
        ({"sharepoint_url": "https://sharepoint"}, "sharepoint_url"),
        ({"auth": "basic"}, "auth"),
        ({"client_id": "7669b23b-2619-500f-b454-08fd60391a23"}, "client_id"),
    ],
)
def test_bad_onprem_fields_name_the_field(changes, field):
    with pytest.raises(ProfileError) as info:
        profile_from_dict(_onprem(**changes), source="farm.yaml")
    assert info.value.field == field
    assert "Passw0rd!" not in str(info.value)
