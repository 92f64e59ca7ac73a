"""Crash safety and concurrency of the store, with real processes: writers SIGKILLed mid-save leave the
old or the new store, never a broken one; two processes adding at once lose nothing."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap

import pytest

from spkit.store import ConnectionStore
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fork and SIGKILL")

KILLS = 200
BLOB = 400_000  # characters per registration: a save takes long enough to be killed in the middle

PROFILE = {
    "name": "big",
    "kind": "online",
    "sharepoint_url": "contoso",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "application_account": "admin@contoso.onmicrosoft.com",
}

# A fork server: imports spkit once, then for each "go DELAY" line forks a child that saves the big
# connection in a loop, each save one generation newer than the file it found, SIGKILLs it after DELAY
# seconds and says "killed". Generation g is fully determined by g, so any mix of two is detectable.
WRITER = textwrap.dedent(
    """
    import json, os, signal, sys, time
    from spkit.store import ConnectionStore

    store = ConnectionStore(sys.argv[1])
    profile = json.loads(sys.argv[2])
    blob = int(sys.argv[3])

    def save(gen):
        store.add(
            profile,
            secrets={"client_secret": f"secret-{gen}"},
            registration={"created_by": "spkit", "gen": gen, "blob": str(gen % 10) * blob},
            replace=True,
        )

    save(0)
    print("ready", flush=True)
    for line in sys.stdin:
        delay = float(line.split()[1])
        pid = os.fork()
        if pid == 0:
            try:
                gen = store.get("big").registration["gen"]
                while True:
                    gen += 1
                    save(gen)
            finally:
                os._exit(0)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("killed", flush=True)
    """
)


def _env(tmp_path) -> dict:
    return {
        **os.environ,
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_KEYRING": "off",
        "PYTHONPATH": str(REPO),
    }


def test_a_writer_killed_mid_save_leaves_the_old_or_the_new_store(tmp_path, monkeypatch):
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "config" / "connections.json"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), json.dumps(PROFILE), str(BLOB)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    rng = random.Random(20250101)
    outcomes = {"old": 0, "new": 0}
    interrupted = 0  # kills that left a temp file behind: proof they landed inside a save
    store = ConnectionStore(path)
    generation = 0
    try:
        assert writer.stdout.readline().strip() == "ready"
        for _ in range(KILLS):
            writer.stdin.write(f"go {rng.uniform(0.0, 0.04):.4f}\n")
            writer.stdin.flush()
            assert writer.stdout.readline().strip() == "killed"
            interrupted += any(path.parent.glob(".connections.json.*.tmp"))
            document = json.loads(path.read_text())  # always parses
            assert list(document["connections"]) == ["big"]
            registration = document["connections"]["big"]["registration"]
            gen = registration["gen"]
            assert gen >= generation  # never older than what was there before the kill
            assert registration == {"created_by": "spkit", "gen": gen, "blob": str(gen % 10) * BLOB}
            saved = store.get("big")  # a whole, valid store of exactly one generation
            assert saved.profile_data == {
                **PROFILE,
                "cloud": "global",
                "sharepoint_url": "https://contoso.sharepoint.com",
                "client_secret": "store:big/client_secret",
            }
            assert store.secret("big", "client_secret") == f"secret-{gen}"
            outcomes["old" if gen == generation else "new"] += 1
            generation = gen
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
    print(f"after {KILLS} kills: {outcomes}, {interrupted} inside a save, last generation {generation}")
    assert outcomes["old"] and outcomes["new"], outcomes  # both outcomes were exercised
    assert interrupted > 0, "no kill landed inside a save; the test proves nothing"
    store.add({**PROFILE, "name": "after"}, secrets={"client_secret": "x"})  # the store still works
    assert not list(path.parent.glob(".connections.json.*.tmp"))  # and cleared the killed writers' temps
    assert len(list(path.parent.glob("*.corrupt-*"))) == 0


ADDER = textwrap.dedent(
    """
    import json, sys
    from spkit.store import ConnectionStore

    store = ConnectionStore()
    profile = json.loads(sys.argv[1])
    prefix, count = sys.argv[2], int(sys.argv[3])
    for i in range(count):
        name = f"{prefix}-{i:02d}"
        store.add({**profile, "name": name}, secrets={"client_secret": "value-" + name})
    """
)


def test_two_processes_adding_at_once_lose_nothing(tmp_path, monkeypatch):
    env = _env(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    adders = [
        subprocess.Popen([sys.executable, "-c", ADDER, json.dumps(PROFILE), prefix, "50"], env=env)
        for prefix in ("left", "right")
    ]
    assert [p.wait(timeout=300) for p in adders] == [0, 0]
    store = ConnectionStore()
    names = store.names()
    assert len(names) == 100
    assert names == sorted(f"{p}-{i:02d}" for p in ("left", "right") for i in range(50))
    # Both started without a key: one key was created and both encrypted with it.
    assert all(store.secret(name, "client_secret") == f"value-{name}" for name in names)
    assert len(list((tmp_path / "config").glob("store.key*"))) == 2  # the key and its lock
