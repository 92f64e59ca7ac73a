"""`spkit connections ...` and `spkit verify --connection` end to end, through the real CLI, against the
shared sandbox: secrets go in through stdin, come out of the store only inside spkit, and never show."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from spkit.store import ConnectionStore
from tests.conftest import spkit_cli
from tests.helpers import card_app, write_profile


@pytest.fixture
def env(tmp_path) -> dict:
    return {
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_KEYRING": "off",
    }


@pytest.fixture
def store(env, monkeypatch) -> ConnectionStore:
    """The same store the CLI uses, for looking behind its back."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return ConnectionStore()


def cli(env: dict, *args: str, input: str | None = None):
    return spkit_cli(*args, env=env, input=input)


def secret_params(folder: Path, card_path: Path, card: dict, name: str = "saved-secret") -> Path:
    """A parameters file of the sandbox's secret app without its credential: the value comes on stdin."""
    path = write_profile(folder, card_path, card, "spkit-secret", name=name)
    data = yaml.safe_load(path.read_text())
    del data["client_secret"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_secret_from_stdin_is_stored_encrypted_and_verify_connection_uses_it(
    tmp_path, env, store, card, card_path
):
    secret = card_app(card, "spkit-secret")["client_secret"]
    params = secret_params(tmp_path, card_path, card)
    done = cli(env, "connections", "add", str(params), "--client-secret-stdin", input=secret + "\n")
    assert done.returncode == 0, done.stderr
    assert "store:saved-secret/client_secret" in done.stdout
    assert secret not in store.path.read_text()
    assert store.secret("saved-secret", "client_secret") == secret

    outputs = [done.stdout + done.stderr]
    for args in (("list",), ("list", "--json"), ("show", "saved-secret"), ("show", "saved-secret", "--json")):
        shown = cli(env, "connections", *args)
        assert shown.returncode == 0, shown.stderr
        outputs.append(shown.stdout + shown.stderr)
    assert "client_secret: store:saved-secret/client_secret" in outputs[3]

    verified = cli(env, "verify", "--connection", "saved-secret", "--json")
    outputs.append(verified.stdout + verified.stderr)
    assert verified.returncode == 1, verified.stderr  # the secret works for Graph; SharePoint wants a cert
    steps = {s["step"]: s for s in json.loads(verified.stdout)["steps"]}
    assert steps["token"]["status"] == "passed"  # the store: reference resolved to the right value
    assert steps["sites"]["status"] == "passed"
    assert steps["sharepoint"]["diagnosis"]["code"] == "SPO_SECRET_TOKEN_REFUSED"
    assert all(secret not in text for text in outputs)


def test_certificate_connection_verifies_and_lists_with_its_fields(tmp_path, env, store, card, card_path):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="params-name")
    done = cli(env, "connections", "add", str(params), "--name", "Contoso Cert")
    assert done.returncode == 0, done.stderr
    verified = cli(env, "verify", "--connection", "Contoso Cert")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Verifying 'Contoso Cert'" in verified.stdout
    listed = json.loads(cli(env, "connections", "list", "--json").stdout)
    assert listed == [
        {
            "name": "Contoso Cert",
            "kind": "online",
            "cloud": "sandbox",
            "sharepoint_url": listed[0]["sharepoint_url"],
            "tenant_id": listed[0]["tenant_id"],
            "credential": "certificate_file",
            "registered_by_spkit": False,
            "saved_at": listed[0]["saved_at"],
        }
    ]
    assert listed[0]["sharepoint_url"].startswith("https://contoso.sharepoint.")
    table = cli(env, "connections", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["NAME", "KIND", "SHAREPOINT"]
    assert table[1].startswith("Contoso Cert  online")


def test_duplicate_add_needs_replace(tmp_path, env, store, card, card_path):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="dup")
    assert cli(env, "connections", "add", str(params)).returncode == 0
    again = cli(env, "connections", "add", str(params))
    assert again.returncode == 2
    assert "[CONNECTION_EXISTS]" in again.stderr
    assert "--replace" in again.stderr
    assert cli(env, "connections", "add", str(params), "--replace").returncode == 0
    assert store.names() == ["dup"]


def test_bad_parameters_file_is_refused_like_verify_refuses_it(tmp_path, env, store, card, card_path):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="bad", client_id="nope")
    done = cli(env, "connections", "add", str(params))
    assert done.returncode == 2
    assert "field 'client_id'" in done.stderr
    assert not store.path.exists()
    missing = cli(
        env, "connections", "add", str(tmp_path / "missing.yaml"), "--client-secret-stdin", input="x"
    )
    assert missing.returncode == 2
    assert "[PROFILE_NOT_FOUND]" in missing.stderr
    cert = write_profile(tmp_path, card_path, card, "spkit-certificate", name="cert")
    both = cli(env, "connections", "add", str(cert), "--client-secret-stdin", input="x")
    assert both.returncode == 2
    assert "uses a certificate" in both.stderr
    empty = cli(
        env, "connections", "add", str(secret_params(tmp_path, card_path, card)), "--client-secret-stdin"
    )
    assert empty.returncode == 2
    assert "[SECRET_EMPTY]" in empty.stderr


def test_edit_changes_fields_keeps_the_registration_and_refuses_bad_values(
    tmp_path, env, store, card, card_path
):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="edited")
    assert cli(env, "connections", "add", str(params)).returncode == 0
    registration = {"created_by": "spkit", "app_object_id": "obj-1", "client_id": "cid-1"}
    store.add(store.get("edited").profile, registration=registration, replace=True)
    pfx = card_app(card, "spkit-certificate")["certificate"]["pfx"]
    done = cli(
        env,
        "connections",
        "edit",
        "edited",
        "--set",
        f"certificate.path={pfx}",
        "--set",
        "tenant_id=contoso.com",
    )
    assert done.returncode == 0, done.stderr
    saved = store.get("edited")
    assert saved.profile_data["certificate"] == {"path": pfx}
    assert saved.profile.tenant_id == "contoso.com"
    assert saved.registration == registration  # no second app
    before = store.path.read_bytes()
    bad = cli(env, "connections", "edit", "edited", "--set", "client_id=zzz")
    assert bad.returncode == 2
    assert "field 'client_id'" in bad.stderr
    inline = cli(
        env, "connections", "edit", "edited", "--set", "certificate=", "--set", "client_secret=hunter2-pasted"
    )
    assert inline.returncode == 2
    assert "[SECRET_INLINE]" in inline.stderr
    assert "--client-secret-stdin" in inline.stderr
    assert "hunter2-pasted" not in inline.stderr + inline.stdout
    nothing = cli(env, "connections", "edit", "edited")
    assert nothing.returncode == 2
    assert store.path.read_bytes() == before


def test_edit_can_switch_to_a_stored_secret_and_rename_keeps_it_working(
    tmp_path, env, store, card, card_path
):
    secret = card_app(card, "spkit-secret")["client_secret"]
    params = secret_params(tmp_path, card_path, card, name="switch")
    data = yaml.safe_load(params.read_text())
    data["certificate"] = {"path": card_app(card, "spkit-certificate")["certificate"]["pem"]}  # a wrong start
    params.write_text(yaml.safe_dump(data))
    assert cli(env, "connections", "add", str(params)).returncode == 0
    done = cli(
        env, "connections", "edit", "switch", "--set", "certificate=", "--client-secret-stdin", input=secret
    )
    assert done.returncode == 0, done.stderr
    assert secret not in done.stdout + done.stderr
    renamed = cli(env, "connections", "rename", "switch", "switched")
    assert renamed.returncode == 0, renamed.stderr
    shown = cli(env, "connections", "show", "switched", "--json")
    assert json.loads(shown.stdout)["profile"]["client_secret"] == "store:switched/client_secret"
    assert json.loads(shown.stdout)["stored_secrets"] == ["client_secret"]
    verified = cli(env, "verify", "--connection", "switched", "--json")
    steps = {s["step"]: s for s in json.loads(verified.stdout)["steps"]}
    assert steps["token"]["status"] == "passed"


def test_remove_and_unknown_names(tmp_path, env, store, card, card_path):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="gone")
    assert cli(env, "connections", "add", str(params)).returncode == 0
    unknown = cli(env, "connections", "show", "gon")
    assert unknown.returncode == 2
    assert "[CONNECTION_NOT_FOUND]" in unknown.stderr
    assert "(saved: gone)" in unknown.stderr
    assert "did you mean 'gone'" in unknown.stderr
    done = cli(env, "connections", "remove", "gone")
    assert done.returncode == 0, done.stderr
    assert store.names() == []
    assert cli(env, "verify", "--connection", "gone").returncode == 2


def test_remove_unregister_refuses_a_connection_spkit_did_not_register(tmp_path, env, store, card, card_path):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="kept")
    assert cli(env, "connections", "add", str(params)).returncode == 0
    done = cli(
        env, "connections", "remove", "kept", "--unregister", "--admin", "admin@contoso.onmicrosoft.com"
    )
    assert done.returncode == 2
    assert "[UNREGISTER_NOTHING]" in done.stderr
    assert store.names() == ["kept"]


def test_a_corrupt_store_is_reported_copied_and_left_alone(tmp_path, env, store, card, card_path):
    store.directory.mkdir(parents=True)
    store.path.write_text('{"version": 1, "connections": {"half')
    listed = cli(env, "connections", "list")
    assert listed.returncode == 2
    assert "[STORE_CORRUPT]" in listed.stderr
    assert str(store.path) in listed.stderr
    assert "fix: " in listed.stderr and "mv " in listed.stderr
    assert "Traceback" not in listed.stderr
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="new")
    added = cli(env, "connections", "add", str(params))
    assert added.returncode == 2
    assert store.path.read_text() == '{"version": 1, "connections": {"half'
    copies = list(store.directory.glob("connections.json.corrupt-*"))
    assert len(copies) == 1


def test_verify_takes_a_file_or_a_connection_not_both_nor_neither(tmp_path, env, card, card_path):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate")
    both = cli(env, "verify", str(params), "--connection", "x")
    assert both.returncode == 2
    assert "not allowed with" in both.stderr
    neither = cli(env, "verify")
    assert neither.returncode == 2
    assert "--connection NAME" in neither.stderr


def test_store_files_are_private(tmp_path, env, store, card, card_path):
    params = secret_params(tmp_path, card_path, card, name="private")
    assert cli(env, "connections", "add", str(params), "--client-secret-stdin", input="value").returncode == 0
    assert oct(store.directory.stat().st_mode & 0o777) == "0o700"
    for path in store.directory.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path
    assert os.environ.get("SPKIT_CONFIG_DIR") == str(store.directory)
