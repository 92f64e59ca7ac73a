"""``spkit batch`` through the real command line against the shared sandbox: what it writes, its exit
codes, a bad profile in the list, --only-failed, --notebooks, a per-run timeout on a connection that
hangs for real, Ctrl-C, and no secret anywhere under DIR."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, spkit_cli
from tests.helpers import card_app, write_profile
from tests.services.batch.support import marked_processes, onprem_profile, statuses, summary

pytestmark = pytest.mark.notebook


def _gone(mark: str, within: float = 10.0) -> list[int]:
    """The batch's processes still alive after ``within`` seconds (none, when it cleaned up)."""
    deadline = time.monotonic() + within
    while (alive := marked_processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


def test_a_batch_writes_notebooks_and_summary_and_a_bad_profile_is_a_row(tmp_path, env, card, card_path):
    good = write_profile(tmp_path, card_path, card, "spkit-certificate", name="batch-certificate")
    refused = write_profile(tmp_path, card_path, card, "spkit-secret", name="batch-secret")
    bad = tmp_path / "batch-bad.yaml"
    bad.write_text("name: batch-bad\nkind: online\n")
    out = tmp_path / "out"

    done = spkit_cli("batch", str(good), str(refused), str(bad), "--out", str(out), "--jobs", "2", env=env)

    assert done.returncode == 1, done.stderr
    assert statuses(out) == {"batch-certificate": "passed", "batch-secret": "failed", "batch-bad": "error"}
    rows = {row["connection"]: row for row in summary(out)["connections"]}
    assert rows["batch-secret"]["failed_step"] == "sharepoint"
    assert rows["batch-secret"]["code"] == "SPO_SECRET_TOKEN_REFUSED"
    assert (
        "PROFILE_MISSING" in rows["batch-bad"]["problem"] and "sharepoint_url" in rows["batch-bad"]["problem"]
    )
    for name in ("batch-certificate", "batch-secret"):
        assert (out / f"{name}.ipynb").is_file() and (out / f"{name}.html").is_file()
        assert rows[name]["notebook"] == f"{name}.ipynb"  # relative to DIR
    assert not (out / "batch-bad.ipynb").exists()  # nothing to run for a profile that does not load
    for name in ("summary.csv", "summary.json", "summary.html"):
        assert (out / name).is_file()
    # stdout: the table and where the report is; stderr (not a terminal): one plain line per connection
    assert "SPO_SECRET_TOKEN_REFUSED" in done.stdout
    assert f"report: {out / 'summary.html'}" in done.stdout
    assert "\r" not in done.stderr
    assert len(re.findall(r"^\[\d/3\] batch-", done.stderr, re.M)) == 3
    assert not _gone(env["SPKIT_TEST_BATCH_MARK"])

    # --only-failed: only what did not pass there, and only those notebooks with --notebooks failed
    again = tmp_path / "again"
    rerun = spkit_cli(
        "batch", "--only-failed", str(out), "--out", str(again), "--notebooks", "failed", env=env
    )
    assert rerun.returncode == 1, rerun.stderr
    assert statuses(again) == {"batch-secret": "failed", "batch-bad": "error"}
    assert (again / "batch-secret.ipynb").is_file()


def test_all_passed_exits_0_and_notebooks_none_keeps_only_the_summary(tmp_path, env, card, card_path):
    good = write_profile(tmp_path, card_path, card, "spkit-certificate", name="only-good")
    out = tmp_path / "out"
    done = spkit_cli("batch", str(tmp_path), "--out", str(out), "--notebooks", "none", env=env)
    assert done.returncode == 0, done.stderr
    assert statuses(out) == {"only-good": "passed"}
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv", "summary.html", "summary.json"]
    assert good.exists()
    # nothing failed there: nothing to verify, and that is not an error
    nothing = spkit_cli("batch", "--only-failed", str(out), "--out", str(tmp_path / "none"), env=env)
    assert nothing.returncode == 0 and "nothing to verify" in nothing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--out", "DIR"],  # no PATH
        ["PROFILE"],  # no --out
        ["PROFILE", "--out", "DIR", "--notebooks", "some"],
        ["PROFILE", "--out", "DIR", "--executor", "ssh://elsewhere"],
        ["PROFILE", "--out", "DIR", "--jobs", "0"],
        ["PROFILE", "--out", "DIR", "--timeout", "-1"],
        ["missing.yaml", "--out", "DIR"],
        ["connection:nobody", "--out", "DIR"],
        ["--only-failed", "nowhere", "--out", "DIR"],
    ],
)
def test_bad_input_exits_2_with_one_error_line_and_runs_nothing(tmp_path, env, card, card_path, args):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate", name="unused")
    args = [str(profile) if a == "PROFILE" else str(tmp_path / "out") if a == "DIR" else a for a in args]
    done = spkit_cli("batch", *args, env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("spkit: error [") and "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "summary.json").exists()


def test_a_hanging_connection_times_out_and_the_others_go_on(tmp_path, env, card, card_path, hanging_profile):
    good = write_profile(tmp_path, card_path, card, "spkit-certificate", name="beside-the-hang")
    out = tmp_path / "out"
    done = spkit_cli(
        "batch", str(hanging_profile), str(good), "--out", str(out), "--timeout", "20", "--jobs", "2", env=env
    )
    assert done.returncode == 1, done.stderr
    assert statuses(out) == {"hanging-tenant": "timeout", "beside-the-hang": "passed"}
    row = next(r for r in summary(out)["connections"] if r["connection"] == "hanging-tenant")
    assert "timed out after 20 s" in row["problem"]
    # It had its whole 20 s (a lower bound holds under any load); that it was cut there, not left to its
    # ~40 s of TLS handshakes, is the "timeout" status above and no child or kernel left below.
    assert row["duration_s"] >= 20, row["duration_s"]
    assert (out / "hanging-tenant.ipynb").is_file()  # what papermill saved before the kill
    assert not _gone(env["SPKIT_TEST_BATCH_MARK"]), "a child or kernel outlived its timeout"


def test_ctrl_c_keeps_what_finished_writes_its_summary_and_exits_130(
    tmp_path, env, card, card_path, hanging_profile
):
    good = write_profile(tmp_path, card_path, card, "spkit-certificate", name="before-ctrl-c")
    out = tmp_path / "out"
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        batch = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "spkit",
                "batch",
                str(good),
                str(hanging_profile),
                "--out",
                str(out),
                "--jobs",
                "1",
            ],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        deadline = time.monotonic() + 120
        while "[1/2]" not in stderr_path.read_text() and time.monotonic() < deadline:
            assert batch.poll() is None, stderr_path.read_text()
            time.sleep(0.2)
        time.sleep(2)  # the hanging connection is running now
        batch.send_signal(signal.SIGINT)
        stdout, _ = batch.communicate(timeout=60)
    err = stderr_path.read_text()
    assert batch.returncode == 130, err
    assert "Traceback" not in err
    last = [line for line in err.splitlines() if line.strip()][-1]
    assert last.startswith("spkit batch: interrupted: 1 of 2 finished")
    assert statuses(out) == {"before-ctrl-c": "passed"}
    assert summary(out)["meta"]["interrupted"] is True
    assert "before-ctrl-c" in stdout
    assert not _gone(env["SPKIT_TEST_BATCH_MARK"]), "a child or kernel outlived Ctrl-C"


def _card_secrets(card: dict) -> set[str]:
    """Every credential on the card: passwords, client secrets, app passwords, private key material."""
    found: set[str] = set()

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and re.search(r"(?i)password|secret", key) and len(node) >= 6:
            found.add(node)

    walk(card)
    for tenant in card["tenants"]:
        for app in tenant["apps"]:
            pem = (app.get("certificate") or {}).get("pem")
            if pem:
                text = Path(pem).read_text()
                key = text[text.index("-----BEGIN PRIVATE KEY-----") :]
                found.update(line for line in key.splitlines() if len(line) >= 40 and "-----" not in line)
    return found


def test_no_secret_anywhere_under_dir(tmp_path, env, card, card_path):
    folder = tmp_path / "parameters"
    folder.mkdir()
    write_profile(folder, card_path, card, "spkit-certificate", name="scan-certificate")
    write_profile(folder, card_path, card, "spkit-secret", name="scan-secret")
    onprem_profile(folder, card_path, card, name="scan-farm")
    saved = write_profile(tmp_path, card_path, card, "spkit-secret", name="scan-saved")
    data = yaml.safe_load(saved.read_text())
    del data["client_secret"]
    saved.write_text(yaml.safe_dump(data))
    secret = card_app(card, "spkit-secret")["client_secret"]
    added = spkit_cli("connections", "add", str(saved), "--client-secret-stdin", input=secret + "\n", env=env)
    assert added.returncode == 0, added.stderr
    out = tmp_path / "out"

    # --connections names scan-saved again: it is verified once
    done = spkit_cli(
        "batch", str(folder), "connection:scan-saved", "--connections", "--out", str(out), env=env
    )

    assert done.returncode == 1, done.stderr  # the secret apps fail at SharePoint, by design
    assert statuses(out) == {
        "scan-certificate": "passed",
        "scan-secret": "failed",
        "scan-farm": "passed",
        "scan-saved": "failed",
    }
    row = next(r for r in summary(out)["connections"] if r["connection"] == "scan-saved")
    assert row["source"] == "connection:scan-saved" and row["code"] == "SPO_SECRET_TOKEN_REFUSED"
    secrets = _card_secrets(card)
    assert secret in secrets and len(secrets) > 5
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 11  # 4 notebooks, 4 HTML exports, 3 summaries
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} holds a credential of the card"
        assert "PRIVATE KEY" not in text and "eyJ0eXAi" not in text and "eyJhbGci" not in text
