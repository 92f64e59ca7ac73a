"""The saved-connections store through its API: validation, encryption at rest, edits that keep the
registration, corrupt files copied aside and never overwritten, keys from the keyring or a key file."""

from __future__ import annotations

import json
import os
import stat

import keyring
import pytest
from cryptography.fernet import Fernet
from keyring.backend import KeyringBackend
from keyring.backends import fail

from spkit.errors import ProfileError, SecretReferenceError
from spkit.models.secrets import parse_secret_ref
from spkit.store import (
    ConnectionExistsError,
    ConnectionNameError,
    ConnectionNotFoundError,
    ConnectionSecretError,
    ConnectionStore,
    StoreCorruptError,
    StoreError,
    StoreKeyError,
    config_dir,
    resolve_store_secret,
    store_path,
    token_cache_path,
)
from spkit.store.changes import apply_changes, parse_assignments
from spkit.store.keys import KEYRING_NAME, KEYRING_SERVICE, keyring_backend

SECRET = "Qx8~not-a-real-secret.but-treat-it-as-one_123"
THUMBPRINT = "AB" * 20
REGISTRATION = {
    "created_by": "spkit",
    "app_object_id": "aaaaaaaa-0000-0000-0000-000000000001",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "certificate_thumbprint": THUMBPRINT,
    "created_at": "2025-01-01T00:00:00Z",
}


def online(name: str = "contoso-prod", **overrides) -> dict:
    """Plain profile data that validates without any file (a certificate named by thumbprint)."""
    data = {
        "name": name,
        "kind": "online",
        "sharepoint_url": "contoso",
        "tenant_id": "contoso.onmicrosoft.com",
        "client_id": "11111111-2222-3333-4444-555555555555",
        "application_account": "admin@contoso.onmicrosoft.com",
        "certificate": {"thumbprint": THUMBPRINT},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def secret_profile(name: str = "contoso-secret") -> dict:
    """A wizard form with a pasted secret: no credential in the data, the value comes apart."""
    return online(name, certificate=None)


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    return tmp_path / "config"


@pytest.fixture
def store(private_config) -> ConnectionStore:
    return ConnectionStore()


def test_add_then_get_rebuilds_the_same_validated_profile(store, private_config):
    saved = store.add(
        online(sharepoint_url="https://contoso.sharepoint.com/sites/x/"), registration=REGISTRATION
    )
    again = store.get("contoso-prod")
    assert again.profile == saved.profile
    assert (
        again.profile.sharepoint_url == "https://contoso.sharepoint.com/sites/x"
    )  # normalised like every face
    assert again.registration == REGISTRATION
    assert store.path == private_config / "connections.json"
    document = json.loads(store.path.read_text())
    assert document["version"] == 1
    entry = document["connections"]["contoso-prod"]
    assert set(entry) == {"profile", "registration", "saved_at", "secrets"}
    assert entry["profile"]["certificate"] == {"thumbprint": THUMBPRINT}
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(private_config.stat().st_mode) == 0o700


def test_a_secret_value_is_stored_encrypted_and_resolved_through_its_reference(store, private_config):
    saved = store.add(secret_profile(), secrets={"client_secret": SECRET + "\n"})
    assert saved.profile.credential.secret.text == "store:contoso-secret/client_secret"
    assert saved.secret_keys == ("client_secret",)
    raw = store.path.read_text()
    assert SECRET not in raw
    token = json.loads(raw)["connections"]["contoso-secret"]["secrets"]["client_secret"]
    assert token.startswith("gAAAA")  # a Fernet token
    assert store.secret("contoso-secret", "client_secret") == SECRET
    assert saved.profile.credential.secret.resolve(store=resolve_store_secret) == SECRET  # the store reads it
    key_file = private_config / "store.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SECRET not in repr(saved) + repr(saved.to_dict()) + json.dumps(saved.summary())


def test_a_profile_object_can_be_saved_and_the_name_overridden(store):
    from spkit.models.profile import profile_from_dict

    profile = profile_from_dict(online())
    saved = store.add(profile, name="Contoso Prod.v2_1-a")
    assert saved.profile.name == "Contoso Prod.v2_1-a"
    assert store.names() == ["Contoso Prod.v2_1-a"]


def test_duplicate_add_is_refused_and_replace_keeps_registration_and_secret(store):
    store.add(secret_profile(), secrets={"client_secret": SECRET}, registration=REGISTRATION)
    with pytest.raises(ConnectionExistsError) as info:
        store.add(secret_profile())
    assert info.value.code == "CONNECTION_EXISTS"
    assert "--replace" in info.value.fix
    data = secret_profile()
    data["client_secret"] = "store:contoso-secret/client_secret"
    replaced = store.add({**data, "tenant_id": "contoso.com"}, replace=True)
    assert replaced.profile.tenant_id == "contoso.com"
    assert replaced.registration == REGISTRATION  # re-saving must not orphan the app spkit created
    assert store.secret("contoso-secret", "client_secret") == SECRET


def test_unknown_name_lists_the_saved_names_and_the_closest(store):
    store.add(online("contoso-prod"))
    store.add(online("fabrikam"))
    with pytest.raises(ConnectionNotFoundError) as info:
        store.get("contoso-prd")
    assert info.value.code == "CONNECTION_NOT_FOUND"
    assert "contoso-prod, fabrikam" in info.value.summary
    assert "did you mean 'contoso-prod'" in info.value.fix
    with pytest.raises(ConnectionNotFoundError, match="none saved yet"):
        ConnectionStore(store.directory / "other.json").remove("x")


@pytest.mark.parametrize("name", ["", "a/b", " lead", "trail ", "x" * 65, "ünï", "a:b", None])
def test_invalid_names_are_refused(store, name):
    with pytest.raises(ConnectionNameError) as info:
        store.add(online(), name=name) if name is not None else store.add(online(name=None))
    assert info.value.code == "CONNECTION_NAME_INVALID"
    assert not store.path.exists()


def test_list_is_sorted_and_survives_a_connection_whose_files_moved(store, tmp_path):
    pem = tmp_path / "app.pem"
    pem.write_text("placeholder")
    store.add(online("b-moved", certificate={"path": str(pem)}))
    store.add(online("a-fine"))
    pem.unlink()
    listed = store.list()
    assert [c.name for c in listed] == ["a-fine", "b-moved"]
    assert listed[1].credential_kind == "certificate_file"
    with pytest.raises(ProfileError) as info:
        store.get("b-moved")
    assert "saved connection 'b-moved'" in str(info.value)
    assert info.value.field == "certificate.path"


def test_edit_revalidates_keeps_the_registration_and_refuses_bad_values(store):
    store.add(online(), registration=REGISTRATION)
    edited = store.edit("contoso-prod", {"tenant_id": "contoso.com", "certificate.thumbprint": "cd" * 20})
    assert edited.profile.tenant_id == "contoso.com"
    assert edited.profile.credential.thumbprint == "CD" * 20
    assert edited.registration == REGISTRATION  # editing reuses the app: never a second one
    before = store.path.read_bytes()
    with pytest.raises(ProfileError) as info:
        store.edit("contoso-prod", {"client_id": "not-a-guid"})
    assert info.value.field == "client_id"
    with pytest.raises(StoreError) as info:
        store.edit("contoso-prod", {"name": "other"})
    assert info.value.code == "CONNECTION_RENAME_NEEDED"
    assert store.path.read_bytes() == before  # a refused edit writes nothing


def test_edit_switching_credentials_drops_the_secret_no_longer_referenced(store):
    store.add(secret_profile(), secrets={"client_secret": SECRET})
    edited = store.edit("contoso-secret", {"client_secret": None, "certificate.thumbprint": THUMBPRINT})
    assert edited.credential_kind == "certificate_thumbprint"
    assert edited.secret_keys == ()
    assert (
        "client_secret" not in json.loads(store.path.read_text())["connections"]["contoso-secret"]["secrets"]
    )


def test_edit_rotates_a_stored_secret(store):
    store.add(secret_profile(), secrets={"client_secret": SECRET})
    store.edit("contoso-secret", {}, secrets={"client_secret": "rotated-value"})
    assert store.secret("contoso-secret", "client_secret") == "rotated-value"


def test_rename_moves_the_references_with_the_connection(store):
    store.add(secret_profile("old"), secrets={"client_secret": SECRET}, registration=REGISTRATION)
    store.add(online("taken"))
    renamed = store.rename("old", "new name")
    assert renamed.profile.credential.secret.text == "store:new name/client_secret"
    assert renamed.profile.credential.secret.resolve(store=resolve_store_secret) == SECRET
    assert renamed.registration == REGISTRATION
    assert store.names() == ["new name", "taken"]
    with pytest.raises(ConnectionExistsError):
        store.rename("new name", "taken")
    with pytest.raises(SecretReferenceError) as info:
        parse_secret_ref("store:old/client_secret", field="client_secret").resolve(store=resolve_store_secret)
    assert info.value.code == "CONNECTION_NOT_FOUND"


def test_remove_returns_what_was_removed_for_unregistering(store):
    store.add(secret_profile(), secrets={"client_secret": SECRET}, registration=REGISTRATION)
    removed = store.remove("contoso-secret")
    assert removed.registration == REGISTRATION
    assert removed.profile_data["client_id"] == REGISTRATION["client_id"]
    assert store.list() == []
    assert "gAAAA" not in store.path.read_text()  # the encrypted secret went with it


def test_references_to_another_connections_secret_are_refused(store):
    store.add(secret_profile("a"), secrets={"client_secret": SECRET})
    with pytest.raises(ConnectionSecretError) as info:
        store.add(online("b", certificate=None, client_secret="store:a/client_secret"))
    assert "store:a/client_secret" in info.value.summary


def test_secret_keys_and_values_are_checked_without_echoing_values(store):
    with pytest.raises(ConnectionSecretError) as info:
        store.add(secret_profile(), secrets={"api_key": SECRET})
    assert SECRET not in str(info.value) + info.value.fix
    with pytest.raises(ConnectionSecretError, match="looks like a secret reference"):
        store.add(secret_profile(), secrets={"client_secret": "env:SECRET"})
    with pytest.raises(ConnectionSecretError, match="empty"):
        store.add(secret_profile(), secrets={"client_secret": "  "})


@pytest.mark.parametrize("key", ["client_secret", "password", "private_key", "pfx"])
def test_a_registration_records_ids_never_credentials(store, key):
    with pytest.raises(StoreError) as info:
        store.add(online(), registration={**REGISTRATION, "nested": {key: "x"}})
    assert info.value.code == "REGISTRATION_INVALID"
    store.add(online(), registration={**REGISTRATION, "client_secret_key_id": "abc"})


def test_a_changed_key_is_a_clear_error_without_the_value(store, private_config):
    store.add(secret_profile(), secrets={"client_secret": SECRET})
    (private_config / "store.key").write_bytes(Fernet.generate_key())
    with pytest.raises(StoreKeyError) as info:
        store.secret("contoso-secret", "client_secret")
    assert "store:contoso-secret/client_secret" in info.value.summary
    assert SECRET not in info.value.summary + info.value.fix
    (private_config / "store.key").unlink()
    with pytest.raises(StoreKeyError, match="store key is missing"):
        store.secret("contoso-secret", "client_secret")
    with pytest.raises(SecretReferenceError) as ref_error:
        parse_secret_ref("store:contoso-secret/client_secret", field="f").resolve(store=resolve_store_secret)
    assert ref_error.value.code == "STORE_KEY_INVALID"


def test_missing_secret_key_names_what_is_stored(store):
    store.add(online())
    with pytest.raises(ConnectionSecretError, match=r"no stored secret 'client_secret' \(stored: none\)"):
        store.secret("contoso-prod", "client_secret")


# --- corrupt files -------------------------------------------------------------------------------

CORRUPT = {
    "not-json": b'{"version": 1, "connections": {',
    "empty": b"",
    "not-utf8": b"\xff\xfe\x00",
    "a-list": b"[]",
    "newer-version": json.dumps({"version": 2, "connections": {}}).encode(),
    "connections-not-object": json.dumps({"version": 1, "connections": []}).encode(),
    "entry-lacks-profile": json.dumps(
        {"version": 1, "connections": {"x": {"registration": None, "saved_at": "t", "secrets": {}}}}
    ).encode(),
    "name-mismatch": json.dumps(
        {
            "version": 1,
            "connections": {
                "x": {"profile": {"name": "y"}, "registration": None, "saved_at": "t", "secrets": {}}
            },
        }
    ).encode(),
    "secret-not-text": json.dumps(
        {
            "version": 1,
            "connections": {
                "x": {"profile": {"name": "x"}, "registration": None, "saved_at": "t", "secrets": {"k": 1}}
            },
        }
    ).encode(),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_a_corrupt_store_is_copied_aside_and_never_overwritten(store, kind):
    store.directory.mkdir(parents=True)
    store.path.write_bytes(CORRUPT[kind])
    with pytest.raises(StoreCorruptError) as info:
        store.list()
    error = info.value
    assert error.code == "STORE_CORRUPT"
    assert error.exit_code == 2
    assert str(store.path) in error.summary
    assert "mv " in error.fix
    copies = sorted(store.directory.glob("connections.json.corrupt-*"))
    assert [str(c) for c in copies] == [error.copy]
    assert copies[0].read_bytes() == CORRUPT[kind]
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    for attempt in (lambda: store.add(online()), lambda: store.remove("x"), lambda: store.get("x")):
        with pytest.raises(StoreCorruptError):
            attempt()
    assert store.path.read_bytes() == CORRUPT[kind]  # never emptied, never overwritten
    assert len(list(store.directory.glob("connections.json.corrupt-*"))) == 1  # one copy per content
    store.path.rename(store.path.with_name("connections.json.bad"))  # what the fix says
    store.add(online())
    assert store.names() == ["contoso-prod"]


def test_store_reference_reports_a_corrupt_store(store):
    store.directory.mkdir(parents=True)
    store.path.write_text("garbage")
    with pytest.raises(SecretReferenceError) as info:
        parse_secret_ref("store:x/client_secret", field="f").resolve(store=resolve_store_secret)
    assert info.value.code == "STORE_CORRUPT"


def test_temp_files_left_by_a_killed_writer_are_cleared_by_the_next_save(store):
    store.add(online("a"))
    stale = store.directory / ".connections.json.abc123.tmp"
    stale.write_text('{"half": ')
    store.add(online("b"))
    assert not stale.exists()
    assert store.names() == ["a", "b"]


# --- keys ----------------------------------------------------------------------------------------


class MemoryKeyring(KeyringBackend):
    """A keyring that works, as a desktop session has one."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


@pytest.fixture
def restore_keyring():
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_the_key_lives_in_a_usable_keyring_and_not_in_a_file(
    store, private_config, monkeypatch, restore_keyring
):
    monkeypatch.delenv("SPKIT_KEYRING")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    assert keyring_backend() is memory
    store.add(secret_profile(), secrets={"client_secret": SECRET})
    assert not (private_config / "store.key").exists()
    key = memory.items[(KEYRING_SERVICE, KEYRING_NAME)]
    assert Fernet(key.encode())  # a real Fernet key
    assert store.secret("contoso-secret", "client_secret") == SECRET


def test_fail_backend_and_the_off_switch_mean_a_key_file(store, private_config, monkeypatch, restore_keyring):
    monkeypatch.delenv("SPKIT_KEYRING")
    keyring.set_keyring(fail.Keyring())
    assert keyring_backend() is None  # headless Linux: detected, no crash
    store.add(secret_profile(), secrets={"client_secret": SECRET})
    assert (private_config / "store.key").exists()
    keyring.set_keyring(MemoryKeyring())
    assert store.secret("contoso-secret", "client_secret") == SECRET  # an existing key file wins
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    assert keyring_backend() is None


# --- locations, references, edits ------------------------------------------------------------------


def test_locations_follow_xdg_and_the_spkit_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv("SPKIT_CONFIG_DIR")
    monkeypatch.delenv("SPKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xc"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xk"))
    assert store_path() == tmp_path / "xc" / "spkit" / "connections.json"
    assert token_cache_path() == tmp_path / "xk" / "spkit" / "msal_cache.bin"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "spkit"
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "mine"))
    assert ConnectionStore().path == tmp_path / "mine" / "connections.json"


@pytest.mark.parametrize(
    "text", ["store:", "store:name", "store:/key", "store:a/b/c", "store: a /k", "store:a$/k"]
)
def test_malformed_store_references_are_refused(text):
    with pytest.raises(ProfileError) as info:
        parse_secret_ref(text, field="client_secret")
    assert "store:CONNECTION/KEY" in info.value.summary


def test_store_reference_parses_and_allows_spaces_in_names():
    ref = parse_secret_ref("STORE:My Conn.1/client_secret", field="f")
    assert (ref.kind, ref.target, ref.text) == (
        "store",
        "My Conn.1/client_secret",
        "store:My Conn.1/client_secret",
    )


def test_assignments_use_dotted_keys_and_empty_values_remove():
    changes = parse_assignments(["certificate.path=app.pem", "ca_bundle=", "tenant_id = contoso.com"])
    assert changes == {"certificate.path": "app.pem", "ca_bundle": None, "tenant_id": "contoso.com"}
    data = {"client_secret": "env:X", "certificate": {"thumbprint": "AB"}}
    assert apply_changes(data, {"client_secret": None, "certificate.thumbprint": None}) == {}
    assert apply_changes(data, {"certificate.path": "/a.pem"})["certificate"] == {
        "thumbprint": "AB",
        "path": "/a.pem",
    }
    assert data == {"client_secret": "env:X", "certificate": {"thumbprint": "AB"}}  # a copy is changed


@pytest.mark.parametrize("item", ["novalue", "=x", "bad key=1", "a..b=1"])
def test_malformed_assignments_are_usage_errors_without_echo(item):
    with pytest.raises(Exception) as info:
        parse_assignments([item])
    assert getattr(info.value, "code", None) == "USAGE"
    assert "bad key" not in str(info.value)


def test_files_and_directories_are_private_even_with_a_loose_umask(store, private_config):
    old = os.umask(0o002)
    try:
        store.add(secret_profile(), secrets={"client_secret": SECRET})
    finally:
        os.umask(old)
    for path in private_config.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
