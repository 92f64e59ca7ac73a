"""An Online profile's pasted-field rules, called directly as a form (the wizard) calls them."""

from __future__ import annotations

import pytest

from spkit.models.online_fields import (
    parse_application_account,
    parse_client_id,
    parse_guid,
    parse_tenant_ref,
)
from spkit.models.profile_fields import ProfileFieldError

GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


@pytest.mark.parametrize(
    "pasted",
    [GUID, GUID.upper(), "{" + GUID + "}", f" {GUID}\u200b\n", GUID.replace("-", ""), f"\ufeff{GUID}\u00a0"],
)
def test_a_pasted_guid_is_cleaned_to_its_canonical_form(pasted):
    assert parse_guid(pasted, field="client_id", what="Application (client) ID") == GUID


def test_a_bad_guid_names_the_field_and_where_to_copy_it_from():
    with pytest.raises(ProfileFieldError) as info:
        parse_guid("not-a-guid", field="tenant_id", what="Directory (tenant) ID", source="wizard")
    err = info.value
    assert (err.code, err.field, err.source) == ("PROFILE_GUID_INVALID", "tenant_id", "wizard")
    assert err.problem == (
        "is not a GUID (expected 8-4-4-4-12 hexadecimal digits like 00000000-0000-0000-0000-000000000000)"
    )
    assert err.fix == (
        "copy the Directory (tenant) ID from the app registration's Overview page in the Entra admin center"
    )


@pytest.mark.parametrize(
    ("client_id", "name"),
    [
        ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
        ("00000003-0000-0FF1-CE00-000000000000", "SharePoint Online"),
    ],
)
def test_the_client_id_of_a_microsoft_api_is_not_your_app(client_id, name):
    with pytest.raises(ProfileFieldError) as info:
        parse_client_id(client_id)
    assert info.value.problem == f"is the ID of {name} itself, not of your app"
    assert parse_client_id(f" {GUID.upper()} ") == GUID


def test_a_tenant_is_a_guid_or_a_domain():
    assert parse_tenant_ref("Contoso.OnMicrosoft.com.") == "contoso.onmicrosoft.com"
    assert parse_tenant_ref(GUID.replace("-", "").upper()) == GUID
    with pytest.raises(ProfileFieldError) as info:
        parse_tenant_ref("contoso..com")
    assert (info.value.code, info.value.field) == ("PROFILE_TENANT_INVALID", "tenant_id")


def test_an_account_is_an_email_and_errors_name_the_field_asked_for():
    assert parse_application_account(" admin@contoso.onmicrosoft.com ") == "admin@contoso.onmicrosoft.com"
    with pytest.raises(ProfileFieldError) as info:
        parse_application_account("admin@contoso", field="admin_upn")
    assert (info.value.code, info.value.field) == ("PROFILE_ACCOUNT_INVALID", "admin_upn")
    assert info.value.fix == "write it like admin@contoso.onmicrosoft.com"
