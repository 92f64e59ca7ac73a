"""Long listings show a counter on stderr when it is a terminal, and nothing when it is not.

``spkit sites`` and the site-collection step of ``spkit verify`` run as users run them, once with
stderr on a pseudo-terminal (``pty``), once on a pipe."""

from __future__ import annotations

import csv
import io
import os
import pty
import re
import select
import subprocess
import sys

from tests.conftest import REPO
from tests.helpers import card_tenant, write_profile

COUNTER = re.compile(r"Listing site collections: (\d+) sites")


def run_on_pty(*args: str, stdout_too: bool = False, timeout: float = 120) -> tuple[int, str, str]:
    """Run the real CLI with stderr (and stdout when ``stdout_too``) on a pseudo-terminal: (exit code,
    what the terminal received, stdout when it went to a pipe)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "spkit", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_too else subprocess.PIPE,
        stderr=slave,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(slave)
    terminal = bytearray()
    piped = bytearray()
    streams = [master] + ([] if stdout_too else [process.stdout.fileno()])
    try:
        while streams:
            ready, _, _ = select.select(streams, [], [], timeout)
            if not ready:
                raise AssertionError(f"spkit {' '.join(args)} produced nothing for {timeout} s")
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the terminal's other side is closed, the process has gone
                    data = b""
                if not data:
                    streams.remove(fd)
                else:
                    (terminal if fd == master else piped).extend(data)
        code = process.wait(timeout=timeout)
    finally:
        os.close(master)
        if process.stdout is not None:
            process.stdout.close()
        if process.poll() is None:
            process.kill()
    return code, terminal.decode("utf-8", "replace"), piped.decode("utf-8", "replace")


def run_on_pipes(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spkit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )


def counts(terminal: str) -> list[int]:
    return [int(n) for n in COUNTER.findall(terminal)]


def test_sites_shows_a_counter_on_a_terminal_and_the_csv_is_untouched(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    tenant = card_tenant(card)
    code, terminal, stdout = run_on_pty("sites", str(profile), "--format", "csv")
    assert code == 0, terminal
    shown = counts(terminal)
    assert shown, f"no counter on the terminal: {terminal!r}"
    assert shown == sorted(shown) and shown[-1] == tenant["site_count"]  # every site listed, OneDrive too
    regular = tenant["site_count"] - tenant["personal_site_count"]
    assert terminal.rstrip().endswith(f"{regular} site(s)")
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == len({r["url"] for r in rows}) == regular  # no counter in what is piped on


def test_sites_prints_nothing_extra_when_stderr_is_not_a_terminal(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    tenant = card_tenant(card)
    done = run_on_pipes("sites", str(profile), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"{tenant['site_count'] - tenant['personal_site_count']} site(s)\n"
    assert len(done.stdout.splitlines()) == 1 + tenant["site_count"] - tenant["personal_site_count"]


def test_sites_table_on_the_same_terminal_keeps_every_row_whole(tmp_path, card, card_path):
    """Rows on stdout and the counter on stderr share one terminal: the counter steps aside for rows."""
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    tenant = card_tenant(card)
    code, terminal, _ = run_on_pty("sites", str(profile), "--include-onedrive", stdout_too=True)
    assert code == 0, terminal
    assert counts(terminal)
    lines = [line.split("\r")[-1] for line in terminal.replace("\x1b[A", "").splitlines()]
    rows = [line for line in lines if re.match(r"(site|onedrive) +\S", line)]
    assert len(rows) == tenant["site_count"]
    assert not any("Listing site collections" in row for row in rows)


def test_verify_shows_the_counter_during_the_sites_step_only_on_a_terminal(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    tenant = card_tenant(card)
    code, terminal, stdout = run_on_pty("verify", str(profile))
    assert code == 0, stdout + terminal
    shown = counts(terminal)
    assert shown and shown[-1] == tenant["site_count"], terminal
    assert "Site collections (Graph)" in stdout  # the steps stay on stdout

    done = run_on_pipes("verify", str(profile))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Listing site collections" not in done.stderr + done.stdout
    assert done.stderr == ""


def test_onprem_sites_and_verify_count_the_farm_search_on_a_terminal(tmp_path, card, card_path):
    from tests.cli.test_cli_onprem import farm, write_onprem

    profile = write_onprem(tmp_path, card_path, card, "spfarm")
    code, terminal, stdout = run_on_pty("sites", str(profile), "--format", "csv", "--include-onedrive")
    assert code == 0, terminal
    assert counts(terminal)[-1] == farm(card)["site_count"]
    assert len(stdout.splitlines()) == 1 + farm(card)["site_count"]

    code, terminal, stdout = run_on_pty("verify", str(profile))
    assert counts(terminal) and counts(terminal)[-1] == farm(card)["site_count"], stdout + terminal
