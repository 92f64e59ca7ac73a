"""A lost store key, through the real CLI: with ``store.key`` deleted while the store holds encrypted
secrets, ``connections add`` refuses (STORE_KEY_LOST) and writes nothing, so no secret is ever encrypted
with a second key; ``connections edit NAME --client-secret-stdin`` is the way to re-enter a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import spkit_cli
from tests.helpers import card_app, write_profile


@pytest.fixture
def env(tmp_path) -> dict:
    return {
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_KEYRING": "off",
    }


def params(folder: Path, card_path: Path, card: dict, name: str) -> Path:
    path = write_profile(folder, card_path, card, "spkit-secret", name=name)
    data = yaml.safe_load(path.read_text())
    del data["client_secret"]  # the value comes on stdin
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def add(env, path: Path, secret: str):
    return spkit_cli("connections", "add", str(path), "--client-secret-stdin", env=env, input=secret + "\n")


def test_a_lost_key_is_named_and_no_second_key_is_made(tmp_path, env, card, card_path):
    secret = card_app(card, "spkit-secret")["client_secret"]
    config = Path(env["SPKIT_CONFIG_DIR"])
    assert add(env, params(tmp_path, card_path, card, "first"), secret).returncode == 0
    (config / "store.key").unlink()
    store_before = (config / "connections.json").read_bytes()

    refused = add(env, params(tmp_path, card_path, card, "second"), secret)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert lines[0].startswith("spkit: error [STORE_KEY_LOST]: the store key is lost"), refused.stderr
    assert str(config / "store.key") in lines[0] and "connections: first" in lines[0]
    assert lines[1].strip().startswith("fix: restore the key")
    assert "spkit connections edit 'first' --client-secret-stdin" in lines[1]
    assert not (config / "store.key").exists(), "a second key was made"
    assert (config / "connections.json").read_bytes() == store_before
    assert secret not in refused.stdout + refused.stderr

    # The recovery the message names exists and works: the re-entered secret decrypts again.
    edited = spkit_cli("connections", "edit", "first", "--client-secret-stdin", env=env, input=secret + "\n")
    assert edited.returncode == 0, edited.stderr
    assert (config / "store.key").exists()
    assert list(config.glob("connections.json.lost-key-*")), "a copy of the store is kept"
    verified = spkit_cli("verify", "--connection", "first", "--json", env=env)
    steps = {s["step"]: s for s in json.loads(verified.stdout)["steps"]}
    assert steps["token"]["status"] == "passed", verified.stdout
    assert add(env, params(tmp_path, card_path, card, "second"), secret).returncode == 0


def test_a_first_save_still_makes_the_key(tmp_path, env, card, card_path):
    secret = card_app(card, "spkit-secret")["client_secret"]
    assert add(env, params(tmp_path, card_path, card, "only"), secret).returncode == 0
    assert (Path(env["SPKIT_CONFIG_DIR"]) / "store.key").exists()
