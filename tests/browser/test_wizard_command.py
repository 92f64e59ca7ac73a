"""`spkit wizard` as a user runs it: bad input is refused before anything starts (exit 2); a served
wizard shows no code, reaches its kernel with the sandbox card found by itself, opens the browser, and
Ctrl-C ends it with exit 130, leaving neither Voilà nor a kernel behind."""

from __future__ import annotations

import json
import shutil
import socket
import stat
import time
import urllib.request
from pathlib import Path

from tests.browser.conftest import start_wizard_command, stop_with_ctrl_c
from tests.conftest import spkit_cli


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _descendants(root: int) -> dict[int, str]:
    """pid -> command line of every process below ``root``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            try:
                found[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
            except OSError:
                continue
            todo.append(pid)
    return found


def _kernel_env(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def test_bad_input_is_refused_with_exit_2_before_anything_starts(tmp_path, store_env, card_path):
    missing = spkit_cli("wizard", "--no-browser", "--sandbox", str(tmp_path / "nope.json"), env=store_env)
    assert missing.returncode == 2, missing.stderr
    assert "CARD_NOT_FOUND" in missing.stderr and "nope.json" in missing.stderr
    assert "wizard:" not in missing.stdout

    stopped = json.loads(card_path.read_text())  # the same card, of a sandbox that no longer listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    stopped["connect_to"] = dict.fromkeys(stopped["connect_to"], f"127.0.0.1:{closed_port}")
    stale = tmp_path / "sandbox.json"
    stale.write_text(json.dumps(stopped))
    not_running = spkit_cli("wizard", "--no-browser", "--sandbox", str(stale), env=store_env)
    assert not_running.returncode == 2, not_running.stderr
    assert "SANDBOX_NOT_RUNNING" in not_running.stderr and "make sandbox-start" in not_running.stderr

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = spkit_cli("wizard", "--no-browser", "--port", str(port), env=store_env)
    assert in_use.returncode == 2, in_use.stderr
    assert f"port {port} of 127.0.0.1 is already in use" in in_use.stderr
    assert in_use.stdout == ""


def test_served_wizard_finds_the_running_sandbox_opens_the_browser_and_stops_on_ctrl_c(
    tmp_path, store_env, card_path
):
    workdir = tmp_path / "project"  # where `make demo` leaves its sandbox: ./.sandbox/sandbox.json
    (workdir / ".sandbox").mkdir(parents=True)
    shutil.copy(card_path, workdir / ".sandbox" / "sandbox.json")
    (workdir / "ipywidgets.py").write_text(
        "raise SystemExit('a module of the caller directory was imported')\n"
    )
    opened = tmp_path / "opened.txt"
    fake_browser = tmp_path / "browser.sh"  # what webbrowser runs: $BROWSER with the URL
    fake_browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    fake_browser.chmod(fake_browser.stat().st_mode | stat.S_IXUSR)
    env = {**store_env, "BROWSER": f"{fake_browser} %s"}

    server, line = start_wizard_command(["--port", "0"], env, workdir, tmp_path / "stderr.txt")
    try:
        with urllib.request.urlopen(server.url, timeout=60) as answer:  # Voilà runs the notebook
            html = answer.read().decode()
        assert answer.status == 200 and "Connect to SharePoint" in html  # the notebook's heading
        assert "show_wizard" not in html  # the code cell is stripped: only its output is served
        token = server.url.partition("?token=")[2]
        without = urllib.request.urlopen(server.url.partition("?")[0], timeout=30)
        assert "/login" in without.url and "Connect to SharePoint" not in without.read().decode()
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text().strip() == server.url

        below = _descendants(server.process.pid)
        voila = [pid for pid, cmd in below.items() if " -m voila " in cmd]
        kernels = [pid for pid, cmd in below.items() if "ipykernel_launcher" in cmd]
        assert len(voila) == 1 and " -I " in below[voila[0]], below
        assert token not in " ".join(below.values())  # a command line is readable by every local user
        assert kernels, below
        kernel_env = _kernel_env(kernels[0])
        assert kernel_env["SPKIT_SANDBOX_CARD"] == str((workdir / ".sandbox" / "sandbox.json").absolute())
        assert kernel_env["SPKIT_CONFIG_DIR"] == store_env["SPKIT_CONFIG_DIR"]
        log = Path(store_env["SPKIT_CACHE_DIR"]) / f"wizard-{server.process.pid}.log"
        assert stat.S_IMODE(log.stat().st_mode) == 0o600  # Voilà's output, private, while it runs
    finally:
        code = stop_with_ctrl_c(server)
    assert code == 130, server.log.read_text()
    assert server.process.stdout.read() == ""  # one line, nothing more
    assert line.startswith("wizard: http://127.0.0.1:")
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in below if _alive(pid)], "left behind: " + str(
        {pid: cmd for pid, cmd in below.items() if _alive(pid)}
    )
    assert not log.exists()  # a clean stop leaves no log behind
