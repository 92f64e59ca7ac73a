"""Ctrl-C, from outside: SIGINT to the process group, as a terminal sends it. The demo ends with one
line and no traceback; ``spkit sites`` leaves output that still parses (a closed JSON array, or whole
JSON Lines), never a half-written record."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO, spkit_cli
from tests.helpers import write_profile
from tests.services.batch.support import marked_processes

SLOW_SITES = 5000  # with --latency 300 one listing takes ~10 s: long enough to interrupt in the middle


def _start(args: list[str], cwd: Path, stdout, stderr, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        text=True,
        start_new_session=True,  # its own group: the SIGINT below reaches it (and what it runs) only
    )


def _wait_for(predicate, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, f"ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout:g} s"
        time.sleep(0.05)


def _ctrl_c(proc: subprocess.Popen, timeout: float = 60) -> int:
    os.killpg(proc.pid, signal.SIGINT)
    return proc.wait(timeout=timeout)


def _text(path: Path) -> str:
    return path.read_text("utf-8") if path.exists() else ""


# --- make demo ---------------------------------------------------------------------------------------


def _assert_one_line_interrupt(code: int, err: str, last: str) -> None:
    """Exit 130 and ``last`` (the line of whoever was interrupted) said once, at the end."""
    assert code == 130, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "nothing said"
    assert lines[-1].startswith(last), err
    assert sum("interrupted" in line for line in lines) == 1, err


def test_ctrl_c_while_the_demo_starts_its_sandbox_is_one_line(tmp_path):
    state = tmp_path / "state"
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        demo = _start(
            ["-m", "spkit.demo", "--state", str(state), "--out", str(tmp_path / "out")], REPO, stdout, stderr
        )
        try:
            _wait_for(lambda: (state / "sandbox.out").exists(), demo, "sandbox start")
            code = _ctrl_c(demo)
        finally:
            if demo.poll() is None:
                demo.kill()
            spkit_cli("sandbox", "stop", "--state", str(state), timeout=60)  # it was started detached
    _assert_one_line_interrupt(code, _text(err), "spkit: interrupted")


def test_ctrl_c_during_the_demos_batch_is_one_line_and_nothing_after_it(tmp_path, sandbox_state_dir):
    mark = uuid.uuid4().hex  # every process of the demo's batch inherits it
    shutil.copytree(REPO / "parameters", tmp_path / "parameters")
    (tmp_path / ".sandbox").symlink_to(sandbox_state_dir)  # the profiles point at ../.sandbox
    env = {
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_KEYRING": "off",
        "SPKIT_TEST_BATCH_MARK": mark,
    }
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    args = ["-m", "spkit.demo", "--state", str(tmp_path / ".sandbox"), "--parameters"]
    args += [str(tmp_path / "parameters"), "--out", str(tmp_path / "out")]
    with out.open("w") as stdout, err.open("w") as stderr:
        demo = _start(args, REPO, stdout, stderr, env)
        try:
            _wait_for(lambda: "spkit batch" in _text(out), demo, "the batch")
            # a worker child (or its kernel) runs: the Ctrl-C lands inside the batch, not before it
            _wait_for(lambda: set(marked_processes(mark)) - {demo.pid}, demo, "a batch worker")
            code = _ctrl_c(demo)
        finally:
            if demo.poll() is None:
                demo.kill()
    _assert_one_line_interrupt(code, _text(err), "spkit batch: interrupted")
    assert "executed notebooks" not in _text(out)  # no "where the report is" for a report not written


# --- spkit sites ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_profile(tmp_path_factory) -> Path:
    """A sandbox of its own that lists slowly (many sites, 300 ms per request), and a profile for it."""
    root = tmp_path_factory.mktemp("slow-sites")
    state = root / "state"
    started = spkit_cli(
        "sandbox", "start", "--detach", "--state", str(state), "--no-directory",
        "--sites", str(SLOW_SITES), "--latency", "300",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        card_path = state / "sandbox.json"
        card = json.loads(card_path.read_text("utf-8"))
        yield write_profile(root, card_path, card, "spkit-certificate", name="slow")
    finally:
        spkit_cli("sandbox", "stop", "--state", str(state), timeout=60)


def _interrupted_sites(tmp_path: Path, profile: Path, fmt: str) -> tuple[int, str, str]:
    out, err = tmp_path / f"sites.{fmt}", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        sites = _start(["-m", "spkit", "sites", str(profile), "--format", fmt], REPO, stdout, stderr)
        try:
            _wait_for(lambda: out.stat().st_size > 0, sites, "a first record")
            code = _ctrl_c(sites)
        finally:
            if sites.poll() is None:
                sites.kill()
    return code, _text(out), _text(err)


def test_sites_json_interrupted_is_still_one_valid_array(tmp_path, slow_profile):
    code, out, err = _interrupted_sites(tmp_path, slow_profile, "json")
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "spkit: interrupted" and "Traceback" not in err
    items = json.loads(out)  # the array is closed
    assert 0 < len(items) < SLOW_SITES  # interrupted in the middle, not after the end
    assert all(set(item) == {"title", "url", "is_personal", "created", "id"} for item in items)
    assert len({item["url"] for item in items}) == len(items)


def test_sites_jsonl_interrupted_has_only_complete_lines(tmp_path, slow_profile):
    code, out, err = _interrupted_sites(tmp_path, slow_profile, "jsonl")
    assert code == 130, err
    assert "Traceback" not in err
    assert out.endswith("\n")
    items = [json.loads(line) for line in out.splitlines()]  # every line a whole object
    assert 0 < len(items) < SLOW_SITES
    assert all(item["url"].startswith("https://") for item in items)


def test_sites_jsonl_complete_matches_json(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate", name="jsonl")
    lines = spkit_cli("sites", str(profile), "--format", "jsonl", "--include-onedrive")
    array = spkit_cli("sites", str(profile), "--format", "json", "--include-onedrive")
    assert lines.returncode == array.returncode == 0, lines.stderr + array.stderr
    assert [json.loads(line) for line in lines.stdout.splitlines()] == json.loads(array.stdout)
