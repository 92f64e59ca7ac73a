"""``serve_wizard`` called directly, as ``spkit wizard`` calls it: bad input refused before anything
starts, then a real Voilà served until Ctrl-C (stopped, its log removed) or until it ends by itself
(its exit code, the log kept for the fix)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from spkit.errors import InputError
from spkit.services.wizard_app import serve_wizard


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Caches, Jupyter's directories and the default sandbox place of this test only."""
    for key in (
        "SPKIT_CACHE_DIR",
        "XDG_DATA_HOME",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
    ):
        monkeypatch.setenv(key, str(tmp_path / key.lower()))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    monkeypatch.chdir(tmp_path)  # no ./.sandbox/sandbox.json here
    return tmp_path


def never(_server) -> None:
    pytest.fail("nothing may start")


def test_a_taken_port_or_a_missing_card_is_refused_before_anything_starts(isolated):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError) as in_use:
            serve_wizard(port, on_ready=never)
    assert in_use.value.code == "WIZARD_PORT_IN_USE"
    with pytest.raises(InputError) as missing:
        serve_wizard(0, isolated / "nope.json", on_ready=never)
    assert missing.value.code == "CARD_NOT_FOUND"


def test_ctrl_c_stops_the_server_and_removes_its_log(isolated, card_path):
    before = signal.getsignal(signal.SIGINT)
    seen = []

    def ready(server) -> None:
        seen.append(server)
        assert server.running() and server.log_path.exists()
        raise KeyboardInterrupt  # what Ctrl-C raises while the wizard is served

    ran = serve_wizard(0, card_path, on_ready=ready)
    assert ran.interrupted and ran.exit_code is None and seen == [ran.server]
    assert ran.server.sandbox_card == card_path.absolute()
    assert ran.server.process.poll() is not None  # Voilà is gone
    assert not ran.server.log_path.exists()
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl-C works again afterwards


def test_a_server_that_ends_by_itself_gives_its_exit_code_and_keeps_its_log(isolated):
    def ready(server) -> None:
        os.killpg(server.process.pid, signal.SIGKILL)  # Voilà dies on its own, not by Ctrl-C

    ran = serve_wizard(0, on_ready=ready)
    assert not ran.interrupted and ran.exit_code == -signal.SIGKILL
    assert ran.server.sandbox_card is None  # no sandbox was found: the real clouds only
    assert ran.server.log_path.exists()  # for the fix the face shows
