"""MSAL's token cache kept between runs: a token acquired against the sandbox is served from the
encrypted cache file by a fresh process, without a request to the token endpoint."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest
from cryptography.fernet import Fernet

from spkit.http import session_for_card
from spkit.models.clouds import sandbox_cloud
from spkit.services.online.app_tokens import AppAuthenticator, certificate_credential
from spkit.store import TokenCacheWarning, open_token_cache, save_token_cache
from tests.conftest import REPO
from tests.helpers import card_app, card_tenant


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    return tmp_path


def _authenticator(card: dict, cache) -> tuple[AppAuthenticator, list[str]]:
    """The sandbox's certificate app, with a session that records every URL it requests."""
    app = card_app(card, "spkit-certificate")
    session = session_for_card(card)
    requested: list[str] = []
    session.hooks["response"].append(lambda response, *args, **kwargs: requested.append(response.request.url))
    authenticator = AppAuthenticator(
        cloud=sandbox_cloud(card),
        tenant_id=card_tenant(card)["tenant_id"],
        client_id=app["client_id"],
        credential=certificate_credential(app["certificate"]["pem"]),
        session=session,
        token_cache=cache,
    )
    return authenticator, requested


# Run in a fresh interpreter: load the cache from disk, ask for the same token, report where it came from.
FRESH_PROCESS = textwrap.dedent(
    """
    import hashlib, json, sys
    from tests.store.test_store_token_cache import _authenticator
    from spkit.models.clouds import sandbox_cloud
    from spkit.store import open_token_cache

    card = json.load(open(sys.argv[1]))
    authenticator, requested = _authenticator(card, open_token_cache())
    scope = sandbox_cloud(card).graph_scope
    result = authenticator.app.acquire_token_for_client(scopes=[scope])
    print(json.dumps({
        "token_source": result.get("token_source"),
        "token_requests": [u for u in requested if "/oauth2/v2.0/token" in u],
        "sha256": hashlib.sha256(result["access_token"].encode()).hexdigest(),
    }))
    """
)


def test_a_token_is_served_from_the_persisted_cache_by_a_fresh_process(card, card_path, private_dirs):
    cache = open_token_cache()
    authenticator, requested = _authenticator(card, cache)
    token = authenticator.acquire(sandbox_cloud(card).graph_url, "Graph token")
    assert [u for u in requested if "/oauth2/v2.0/token" in u]  # the first one really asked
    assert save_token_cache(cache) is True
    assert save_token_cache(cache) is False  # nothing changed since: nothing written
    file = private_dirs / "cache" / "msal_cache.bin"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert token.token.encode() not in file.read_bytes()  # encrypted at rest
    assert b"access_token" not in file.read_bytes()

    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(card_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["token_source"] == "cache"
    assert answer["token_requests"] == []  # no new HTTP request for the token
    assert answer["sha256"] == hashlib.sha256(token.token.encode()).hexdigest()


def test_no_cache_file_is_an_empty_cache_without_warning(recwarn):
    cache = open_token_cache()
    assert cache.serialize() in ("{}", "")
    assert not [w for w in recwarn if issubclass(w.category, TokenCacheWarning)]
    assert save_token_cache(cache) is False


def _cache_with_state() -> object:
    cache = open_token_cache()
    cache.deserialize(json.dumps({"AccessToken": {}, "Account": {}}))
    cache.has_state_changed = True
    return cache


@pytest.mark.parametrize(
    "damage",
    [
        b"not even a fernet token",
        Fernet(Fernet.generate_key()).encrypt(b'{"AccessToken": {}}'),  # another key
        "encrypted-list",
    ],
)
def test_a_corrupt_cache_is_discarded_with_a_warning(private_dirs, damage):
    assert save_token_cache(_cache_with_state()) is True  # creates the key and the file
    file = private_dirs / "cache" / "msal_cache.bin"
    if damage == "encrypted-list":
        key = (private_dirs / "config" / "store.key").read_bytes().strip()
        damage = Fernet(key).encrypt(b"[1, 2, 3]")
    file.write_bytes(damage)
    with pytest.warns(TokenCacheWarning, match="msal_cache.bin"):
        cache = open_token_cache()
    assert cache.serialize() in ("{}", "")
    cache.deserialize(json.dumps({"AccessToken": {}}))
    cache.has_state_changed = True
    assert save_token_cache(cache) is True  # a discarded cache is simply rewritten
    assert open_token_cache().serialize() == cache.serialize()


def test_a_cache_whose_key_is_gone_is_discarded(private_dirs):
    save_token_cache(_cache_with_state())
    (private_dirs / "config" / "store.key").unlink()
    with pytest.warns(TokenCacheWarning, match="no longer exists"):
        open_token_cache()
