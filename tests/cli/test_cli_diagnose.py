"""`spkit diagnose` through the real CLI against the shared sandbox: the --json object's exact shape,
the text (table, the broken rung with evidence and fix, what to tell the customer), exit codes 0/1/2,
and the line a failed `spkit verify` prints to get here."""

from __future__ import annotations

import json

from tests.checks.test_checks_ladder import ONLINE_ORDER, ONPREM_ORDER
from tests.cli.test_cli_onprem import write_onprem
from tests.conftest import spkit_cli
from tests.helpers import card_app, write_profile

TOP_KEYS = ["profile", "kind", "healthy", "broken", "code", "rungs", "tell_customer"]
RUNG_KEYS = ["rung", "title", "status", "code", "summary", "evidence", "fix", "duration_s"]


def test_json_names_the_secret_profiles_broken_rung_in_exactly_the_documented_shape(
    tmp_path, card, card_path
):
    done = spkit_cli("diagnose", str(write_profile(tmp_path, card_path, card, "spkit-secret")), "--json")
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)  # exactly one object: anything else on stdout fails to parse
    assert list(found) == TOP_KEYS
    assert (found["profile"], found["kind"], found["healthy"]) == ("spkit-secret", "online", False)
    assert (found["broken"], found["code"]) == ("sharepoint", "SPO_SECRET_TOKEN_REFUSED")
    assert [r["rung"] for r in found["rungs"]] == ONLINE_ORDER
    for r in found["rungs"]:
        assert list(r) == RUNG_KEYS
        assert r["status"] in ("passed", "failed", "warning", "skipped")
        assert isinstance(r["duration_s"], float) and r["title"] and r["summary"]
    rungs = {r["rung"]: r for r in found["rungs"]}
    broken = rungs["sharepoint"]
    assert broken["status"] == "failed" and broken["code"] == "SPO_SECRET_TOKEN_REFUSED"
    assert "certificate" in broken["fix"] and "401" in broken["evidence"]
    assert rungs["admin_center"]["status"] == "skipped" and rungs["admin_center"]["code"] is None
    assert "login.localhost" in rungs["tls"]["evidence"]  # the network rungs' evidence, per host
    assert found["tell_customer"]
    assert card_app(card, "spkit-secret")["client_secret"] not in done.stdout + done.stderr


def test_text_shows_the_ladder_the_broken_rung_and_what_to_tell_the_customer(tmp_path, card, card_path):
    done = spkit_cli("diagnose", str(write_profile(tmp_path, card_path, card, "spkit-secret")))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    table = [line.split()[:2] for line in lines if line.split() and line.split()[0] in ONLINE_ORDER]
    assert [row[0] for row in table] == ONLINE_ORDER
    assert dict(table)["sharepoint"] == "FAIL" and dict(table)["admin_center"] == "SKIP"
    text = done.stdout
    assert "Broken: sharepoint — Connect to a site (SharePoint REST) [SPO_SECRET_TOKEN_REFUSED]" in text
    assert text.index("Evidence:") < text.index("Fix:") < text.index("What to tell the customer")
    assert "Traceback" not in done.stderr


def test_a_healthy_farm_exits_0_with_nothing_broken(tmp_path, card, card_path):
    done = spkit_cli("diagnose", str(write_onprem(tmp_path, card_path, card, "spfarm")), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(done.stdout)
    assert (found["kind"], found["healthy"], found["broken"], found["code"]) == ("onprem", True, None, None)
    assert [r["rung"] for r in found["rungs"]] == ONPREM_ORDER
    assert all(r["status"] == "passed" and r["fix"] == "" for r in found["rungs"])
    assert "works" in found["tell_customer"]


def test_bad_input_exits_2_in_one_or_two_lines(tmp_path):
    for args in (
        ("diagnose", str(tmp_path / "nope.yaml")),
        ("diagnose",),
        ("diagnose", "--connection", "nope"),
    ):
        done = spkit_cli(*args, env={"SPKIT_CONFIG_DIR": str(tmp_path / "config"), "SPKIT_KEYRING": "off"})
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.startswith("spkit: error [") and len(done.stderr.splitlines()) <= 2, done.stderr
        assert done.stdout == ""


def test_a_failed_verify_says_how_to_diagnose_and_open_the_troubleshooting_notebook(
    tmp_path, card, card_path
):
    profile = write_profile(tmp_path, card_path, card, "spkit-secret")
    done = spkit_cli("verify", str(profile))
    assert done.returncode == 1
    hint = done.stdout.splitlines()[-1]
    assert hint.startswith(f"troubleshoot: spkit diagnose {profile.resolve()}")
    assert "troubleshoot_connection.ipynb" in hint and f"profile_path = '{profile.resolve()}'" in hint
    passing = spkit_cli("verify", str(write_profile(tmp_path, card_path, card, "spkit-certificate")))
    assert passing.returncode == 0 and "troubleshoot" not in passing.stdout
