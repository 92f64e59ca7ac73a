"""Shared pieces of the ``spkit batch`` tests: profiles written from the session sandbox's card, a
profile that hangs for real, and a look at which of a batch's processes are still alive."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from pathlib import Path

import pytest

from tests.helpers import write_profile


@pytest.fixture
def env(tmp_path) -> dict:
    """A private store and token cache, and a marker every process of the batch inherits."""
    return {
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_KEYRING": "off",
        "SPKIT_TEST_BATCH_MARK": uuid.uuid4().hex,
    }


@pytest.fixture
def silent_port():
    """A TCP port that accepts connections and never says a word (a TLS handshake there hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def hanging_profile(tmp_path, card, card_path, silent_port) -> Path:
    """The sandbox's certificate app, but every host routed to the silent port: each TLS handshake
    waits its full 10 s, about 40 s in all, longer than the tests' --timeout."""
    silent = dict(card)
    silent["connect_to"] = {host: f"127.0.0.1:{silent_port}" for host in card["connect_to"]}
    silent_card = tmp_path / "silent-card.json"
    silent_card.write_text(json.dumps(silent))
    folder = tmp_path / "hanging"
    folder.mkdir()
    return write_profile(folder, silent_card, card, "spkit-certificate", name="hanging-tenant")
