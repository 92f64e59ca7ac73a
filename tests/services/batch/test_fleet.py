"""Fleet mode: many connections verified at once in one process give each connection the result its own
verification gives (same rungs, statuses, codes, counts), with pools and MSAL apps shared; the fleet
notebook publishes those outcomes and ``spkit batch --fleet`` turns them into the batch's files."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from spkit.models.profile import load_profile
from spkit.services.batch.fleet import FLEET_MIME, read_fleet, verify_fleet
from spkit.services.batch.targets import collect_targets
from spkit.services.online.app_tokens import AppAuthenticator
from spkit.services.online.profile_access import app_credential, session_for_profile, sharing_connections
from spkit.services.online.tenant_discovery import discover_tenant
from spkit.services.verification import verify_profile
from tests.conftest import spkit_cli
from tests.helpers import write_profile


def _onprem(folder, card_path):
    path = folder / "farm.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "farm",
                "kind": "onprem",
                "sandbox": str(card_path),
                "sharepoint_url": "https://sharepoint.fabrikam.localhost",
                "central_admin_port": 2016,
                "admin_upn": "spfarm@fabrikam.local",
                "admin_password": "sandbox:fabrikam/spfarm@fabrikam.local",
            }
        )
    )
    return path


@pytest.fixture
def fleet_profiles(tmp_path, card, card_path):
    """Passing and failing connections; the same app twice, and the same wrong secret twice (a shared
    MSAL app must not answer the second from the first's refusal)."""
    wrong = tmp_path / "wrong-secret.txt"
    wrong.write_text("not-the-secret\n")
    os.chmod(wrong, 0o600)
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\nkind: online\ncloud: sandbox\nunknown_key: 1\n")
    return [
        write_profile(tmp_path, card_path, card, "spkit-certificate", name="pem"),
        write_profile(tmp_path, card_path, card, "spkit-certificate", name="pem-again"),
        write_profile(tmp_path, card_path, card, "spkit-certificate", name="pfx", credential="pfx"),
        write_profile(tmp_path, card_path, card, "spkit-secret", name="secret"),
        write_profile(tmp_path, card_path, card, "spkit-unconsented", name="unconsented", credential="pem"),
        write_profile(tmp_path, card_path, card, "spkit-secret", name="wrong", client_secret=f"file:{wrong}"),
        write_profile(
            tmp_path, card_path, card, "spkit-secret", name="wrong-again", client_secret=f"file:{wrong}"
        ),
        _onprem(tmp_path, card_path),
        bad,
    ]


def _shape(result) -> dict:
    """What must not depend on the mode: each rung's status and code, and what was counted."""
    return {
        "steps": [(s.step, s.status.value, s.diagnosis.code if s.diagnosis else None) for s in result.steps],
        "passed": result.passed,
        "counts": {k: result.facts.get(k) for k in ("site_collections", "onedrive_sites", "personal_sites")},
    }


def test_fleet_results_are_the_per_connection_results(fleet_profiles):
    targets = collect_targets(fleet_profiles)
    alone = {}
    for target in targets[:-1]:
        alone[target.name] = _shape(verify_profile(load_profile(target.profile_path), sample_size=10))

    outcomes = verify_fleet(targets, jobs=4)

    assert [o.name for o in outcomes] == [t.name for t in targets]
    assert {o.name: _shape(o.result) for o in outcomes[:-1]} == alone
    statuses = {o.name: o.status for o in outcomes}
    assert statuses == {
        "pem": "passed",
        "pem-again": "passed",
        "pfx": "passed",
        "secret": "failed",
        "unconsented": "failed",
        "wrong": "failed",
        "wrong-again": "failed",
        "farm": "passed",
        "broken": "error",
    }
    wrong = next(s for s in outcomes[-3].result.steps if s.step == "token")
    assert wrong.diagnosis.code == "AUTH_INVALID_SECRET"
    assert "AADSTS7000215" in wrong.diagnosis.evidence
    assert "unknown_key" in outcomes[-1].error
    assert {o.mode for o in outcomes} == {"fleet"}


def test_a_fleet_shares_pools_and_msal_apps_and_nothing_outside_it(tmp_path, card, card_path):
    profile = load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate"))
    cloud = profile.cloud_obj

    def authenticator(session):
        tenant = discover_tenant(session, cloud, profile.tenant_id)
        return AppAuthenticator(
            cloud=cloud,
            tenant_id=tenant.tenant_id,
            client_id=profile.client_id,
            credential=app_credential(profile),
            session=session,
        )

    with session_for_profile(profile) as one, session_for_profile(profile) as two:
        assert one.adapter is not two.adapter
        assert authenticator(one).app is not authenticator(two).app
    with sharing_connections():
        with session_for_profile(profile) as one:
            first = authenticator(one)
            token = first.acquire(cloud.graph_url).token
        with session_for_profile(profile) as two:  # the first session is closed: its pools are not
            second = authenticator(two)
            assert two.adapter is one.adapter
            assert second.app is first.app
            assert second.acquire(cloud.graph_url).token == token  # from the app's token cache
            root = two.get(cloud.graph_url + "/v1.0/sites/root", headers={"Authorization": f"Bearer {token}"})
            assert root.status_code == 200, root.text  # the shared pool serves the second session
        assert app_credential(profile) is app_credential(profile)  # the certificate file loaded once


@pytest.mark.notebook
def test_spkit_batch_fleet_keeps_notebooks_of_the_failures_only(tmp_path, card, card_path):
    good = write_profile(tmp_path, card_path, card, "spkit-certificate", name="good")
    bad = write_profile(tmp_path, card_path, card, "spkit-secret", name="refused")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nkind: online\nunknown_key: 1\n")
    out = tmp_path / "out"

    done = spkit_cli("batch", str(good), str(bad), str(broken), "--out", str(out), "--fleet", timeout=180)

    assert done.returncode == 1, done.stderr + done.stdout
    notebook = out / "fleet_verification.ipynb"
    published = read_fleet(notebook)  # the notebook's record, as run_fleet read it back
    assert [(o.name, o.status) for o in published] == [
        ("good", "passed"),
        ("refused", "failed"),
        ("broken", "error"),
    ]
    text = notebook.read_text()
    outputs = [o for c in json.loads(text)["cells"] for o in c.get("outputs", [])]
    tables = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})]
    assert any("SPO_SECRET_TOKEN_REFUSED" in t and "refused" in t for t in tables)  # the summary table
    assert any(FLEET_MIME in o.get("data", {}) for o in outputs)
    secrets = [a["client_secret"] for t in card["tenants"] for a in t["apps"] if a.get("client_secret")]
    assert secrets and not any(secret in text for secret in secrets)
    rows = {r["connection"]: r for r in json.loads((out / "summary.json").read_text())["connections"]}
    assert rows["good"]["status"] == "passed" and rows["refused"]["status"] == "failed"
    assert rows["refused"]["code"] == "SPO_SECRET_TOKEN_REFUSED"
    assert {r["mode"] for r in rows.values()} == {"fleet"}
    assert (out / "refused.ipynb").is_file() and (out / "refused.html").is_file()
    assert not (out / "good.ipynb").exists()
    assert rows["refused"]["notebook"] == "refused.ipynb"
    assert (
        rows["broken"]["status"] == "error"
        and "unknown_key" in rows["broken"]["problem"] + rows["broken"]["evidence"]
    )
