"""`spkit verify` and `spkit sites` end to end against the shared sandbox, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, spkit_cli
from tests.helpers import card_tenant, write_profile


def test_certificate_profile_passes_every_step(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [s["step"] for s in result["steps"]] == [
        "address",
        "dns",
        "tcp",
        "tls",
        "discovery",
        "token",
        "claims",
        "graph",
        "tenant_name",
        "account",
        "sites",
        "sharepoint",
        "admin_center",
    ]
    assert all(s["status"] == "passed" for s in result["steps"])
    tenant = card_tenant(card)
    assert result["facts"]["site_collections"] == tenant["site_count"] - tenant["personal_site_count"]
    assert result["facts"]["onedrive_sites"] == tenant["personal_site_count"]


def test_pfx_profile_passes(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate", credential="pfx", name="pfx")
    done = spkit_cli("verify", str(profile))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout


def test_secret_profile_fails_at_sharepoint_with_certificate_diagnosis(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-secret")
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["sites"]["status"] == "passed"  # Graph works with the secret
    assert steps["sharepoint"]["status"] == "failed"
    assert steps["sharepoint"]["diagnosis"]["code"] == "SPO_SECRET_TOKEN_REFUSED"
    assert "certificate" in steps["sharepoint"]["diagnosis"]["fix"]
    secret = next(a for a in card_tenant(card)["apps"] if a["name"] == "spkit-secret")["client_secret"]
    assert secret not in done.stdout + done.stderr


def test_table_output_shows_the_failed_step_code_and_fix(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-secret")
    done = spkit_cli("verify", str(profile))
    assert done.returncode == 1
    assert "FAIL  Connect to a site (SharePoint REST)" in done.stdout
    assert "[SPO_SECRET_TOKEN_REFUSED] fix:" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("app", "code", "step"),
    [
        ("spkit-expired-secret", "AUTH_SECRET_EXPIRED", "token"),
        ("spkit-unconsented", "TOKEN_NO_ROLES", "claims"),
    ],
)
def test_failures_carry_their_own_diagnosis(tmp_path, card, card_path, app, code, step):
    credential = "pem" if app == "spkit-unconsented" else "secret"
    profile = write_profile(tmp_path, card_path, card, app, credential=credential)
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps[step]["status"] == "failed"
    assert steps[step]["diagnosis"]["code"] == code


def test_wrong_secret_is_diagnosed_as_invalid_secret(tmp_path, card, card_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("not-the-secret\n")
    os.chmod(secret_file, 0o600)
    profile = write_profile(
        tmp_path, card_path, card, "spkit-secret", name="wrong", client_secret=f"file:{secret_file}"
    )
    done = spkit_cli("verify", str(profile), "--json")
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["token"]["diagnosis"]["code"] == "AUTH_INVALID_SECRET"
    assert "AADSTS7000215" in steps["token"]["diagnosis"]["evidence"]
    assert [s["status"] for s in steps.values()][6:] == ["skipped"] * 7


def test_tenant_id_of_another_tenant_is_a_mismatch_or_unknown(tmp_path, card, card_path):
    profile = write_profile(
        tmp_path,
        card_path,
        card,
        "spkit-certificate",
        name="unknown-tenant",
        tenant_id="11111111-2222-3333-4444-555555555555",
    )
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["discovery"]["diagnosis"]["code"] == "TENANT_NOT_FOUND"
    assert steps["token"]["status"] == "skipped"


def test_sites_csv_lists_every_regular_site_and_json_includes_onedrive(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    tenant = card_tenant(card)
    done = spkit_cli("sites", str(profile), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == tenant["site_count"] - tenant["personal_site_count"]
    assert all(r["is_personal"] == "False" for r in rows)
    assert len({r["url"] for r in rows}) == len(rows)
    done = spkit_cli("sites", str(profile), "--format", "json", "--include-onedrive")
    items = json.loads(done.stdout)
    assert len(items) == tenant["site_count"]
    assert sum(i["is_personal"] for i in items) == tenant["personal_site_count"]
    assert all("-my." in i["url"] for i in items if i["is_personal"])


def test_sample_parameters_files_verify_against_a_sandbox(tmp_path, sandbox_state_dir):
    """The files in parameters/ work as shipped: they point at ../.sandbox, as `make demo` lays it out."""
    shutil.copytree(REPO / "parameters", tmp_path / "parameters")
    (tmp_path / ".sandbox").symlink_to(sandbox_state_dir)
    outcomes = {}
    for path in sorted((tmp_path / "parameters").glob("*.yaml")):
        outcomes[path.stem] = spkit_cli("verify", str(path)).returncode
    # fabrikam-onprem verifies against the sandbox's on-premises farm (NTLM, search, Central Administration)
    assert outcomes == {"contoso-certificate": 0, "contoso-pfx": 0, "contoso-secret": 1, "fabrikam-onprem": 0}


def test_missing_profile_file_is_bad_input(tmp_path):
    done = spkit_cli("verify", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert "nope.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_unreachable_sandbox_is_a_network_diagnosis(tmp_path, card, card_path):
    dead = dict(card)
    dead["connect_to"] = {k: "127.0.0.1:9" for k in card["connect_to"]}
    dead_card = tmp_path / "dead.json"
    dead_card.write_text(json.dumps(dead))
    profile = write_profile(tmp_path, dead_card, dead, "spkit-certificate", name="dead")
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["tcp"]["diagnosis"]["code"] == "NETWORK_REFUSED"  # the tcp rung names it first
    assert steps["discovery"]["status"] == "skipped"


def test_untrusted_ca_is_a_tls_diagnosis(tmp_path, card, card_path):
    profile = write_profile(
        tmp_path,
        card_path,
        card,
        "spkit-certificate",
        name="untrusted",
        ca_bundle=str(Path(__file__).resolve().parents[1] / "data" / "other-ca.pem"),
    )
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1, done.stderr
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["tls"]["diagnosis"]["code"] == "TLS_UNTRUSTED"  # the tls rung names it first
    assert steps["discovery"]["status"] == "skipped"
