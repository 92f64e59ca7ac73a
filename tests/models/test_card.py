import json

import pytest

from spkit.errors import InputError
from spkit.models.card import card_app, card_tenant, card_user, load_card

CONTOSO_TENANT_ID = "6f0e1d2c-3b4a-4958-8a7b-6c5d4e3f2a1b"
BACKUP_APP_ID = "11111111-2222-4333-8444-555555555555"


def test_load_card_returns_the_card(card_file, card):
    assert load_card(card_file) == card


def test_missing_card_file(tmp_path):
    with pytest.raises(InputError) as info:
        load_card(tmp_path / "nope.json")
    assert info.value.code == "CARD_NOT_FOUND"
    assert "nope.json" in str(info.value)
    assert "sandbox" in info.value.fix


def test_card_not_json(tmp_path):
    path = tmp_path / "sandbox.json"
    path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_card(path)


def test_card_of_another_version(tmp_path, card):
    card["version"] = 2
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(card))
    with pytest.raises(InputError) as info:
        load_card(path)
    assert info.value.code == "CARD_VERSION"
    assert "version 2" in str(info.value)


@pytest.mark.parametrize("key", ["ca_bundle", "connect_to", "cloud", "tenants"])
def test_card_missing_a_required_key(tmp_path, card, key):
    del card[key]
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(card))
    with pytest.raises(InputError, match=f"missing {key}"):
        load_card(path)


def test_card_cloud_missing_a_key(tmp_path, card):
    del card["cloud"]["graph_url"]
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(card))
    with pytest.raises(InputError, match="graph_url"):
        load_card(path)


def test_card_tenant_entry_without_id(tmp_path, card):
    del card["tenants"][0]["tenant_id"]
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(card))
    with pytest.raises(InputError, match=r"tenants\[0\]"):
        load_card(path)


@pytest.mark.parametrize(
    "ref", ["contoso", "CONTOSO", CONTOSO_TENANT_ID.upper(), "contoso.com", "contoso.sharepoint.localhost"]
)
def test_card_tenant_by_name_id_domain_or_host(card, ref):
    assert card_tenant(card, ref)["name"] == "contoso"


def test_card_tenant_unknown_lists_the_tenants(card):
    with pytest.raises(InputError) as info:
        card_tenant(card, "fabrikam")
    assert "contoso" in str(info.value)


def test_card_app_by_name_or_client_id(card):
    assert card_app(card, "contoso", "Backup")["client_id"] == BACKUP_APP_ID
    assert card_app(card, card["tenants"][0], BACKUP_APP_ID)["name"] == "backup"
    with pytest.raises(InputError, match="apps: backup, certonly"):
        card_app(card, "contoso", "missing")


def test_card_user_by_upn(card):
    assert card_user(card, "contoso", "ADMIN@contoso.onmicrosoft.com")["roles"] == ["Global Administrator"]
    with pytest.raises(InputError, match="no user"):
        card_user(card, "contoso", "ghost@contoso.onmicrosoft.com")
