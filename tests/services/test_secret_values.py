"""The services' one way from a secret reference to its value: ``store:`` references read the default
saved-connections store, or the store a block names; the other kinds resolve as the models say."""

from __future__ import annotations

import pytest

from spkit.errors import SecretReferenceError
from spkit.models.secrets import Secret, parse_secret_ref
from spkit.services.secret_values import secret, secret_value, secrets_from
from spkit.store import ConnectionStore

PROFILE = {
    "name": "contoso-secret",
    "kind": "online",
    "sharepoint_url": "contoso",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "application_account": "admin@contoso.onmicrosoft.com",
}
REF = parse_secret_ref("store:contoso-secret/client_secret", field="client_secret")


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    return tmp_path / "config"


def test_a_store_reference_reads_the_default_store():
    ConnectionStore().add(PROFILE, secrets={"client_secret": "default-value"})
    assert secret_value(REF) == "default-value"
    wrapped = secret(REF)
    assert isinstance(wrapped, Secret) and wrapped.reveal() == "default-value"
    assert repr(wrapped) == "***"


def test_a_block_reads_another_store_and_then_the_default_again(tmp_path):
    ConnectionStore().add(PROFILE, secrets={"client_secret": "default-value"})
    other = ConnectionStore(tmp_path / "other" / "connections.json")
    other.add(PROFILE, secrets={"client_secret": "other-value"})
    with secrets_from(other):
        assert secret_value(REF) == "other-value"
    assert secret_value(REF) == "default-value"
    with pytest.raises(RuntimeError), secrets_from(other):
        raise RuntimeError("a failing verification")
    assert secret_value(REF) == "default-value"  # reset even when the block fails


def test_the_stores_errors_keep_their_codes():
    with pytest.raises(SecretReferenceError) as info:
        secret_value(REF)
    assert info.value.code == "CONNECTION_NOT_FOUND"
    assert info.value.summary.startswith("secret store:contoso-secret/client_secret: ")


def test_other_references_resolve_as_the_models_say(monkeypatch):
    monkeypatch.setenv("SPKIT_SV", "from-env")
    assert secret_value(parse_secret_ref("env:SPKIT_SV", field="f")) == "from-env"
    card = {"tenants": [{"name": "contoso", "apps": [{"name": "backup", "client_secret": "s3cret~value"}]}]}
    assert secret_value(parse_secret_ref("sandbox:contoso/backup", field="f"), card) == "s3cret~value"
