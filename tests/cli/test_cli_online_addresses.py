"""Server address and cloud (wizard steps 2-3) against the sandbox: custom domains are confirmed after
a token works, a wrong guess is corrected with a message, and a tenant moved from Germany connects
through the global-style cloud with manual registration."""

from __future__ import annotations

import json

import yaml

from spkit.sandbox.runner import RunningSandbox, SandboxOptions
from tests.conftest import spkit_cli
from tests.helpers import write_profile


def _steps(done) -> dict:
    return {s["step"]: s for s in json.loads(done.stdout)["steps"]}


def test_custom_domain_whose_first_label_is_the_tenant_is_confirmed(tmp_path, card, card_path):
    profile = write_profile(
        tmp_path, card_path, card, "spkit-certificate", name="custom", sharepoint_url="contoso.com"
    )
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 0, done.stdout
    steps = _steps(done)
    assert steps["address"]["status"] == "warning"  # a guess, until confirmed
    assert steps["tenant_name"]["status"] == "passed"
    assert "'contoso' confirmed" in steps["tenant_name"]["detail"]


def test_a_wrong_guess_from_a_custom_domain_is_corrected_with_a_message(tmp_path, card, card_path):
    profile = write_profile(
        tmp_path, card_path, card, "spkit-certificate", name="ltd", sharepoint_url="contosoltd.com"
    )
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 0, done.stdout  # warnings do not fail a verification
    steps = _steps(done)
    assert steps["tenant_name"]["status"] == "warning"
    assert "'contoso', not 'contosoltd'" in steps["tenant_name"]["detail"]
    assert steps["sharepoint"]["status"] == "passed"
    assert "contoso.sharepoint.localhost" in steps["sharepoint"]["facts"]["site"]


def test_tenant_moved_from_germany_connects_with_manual_registration(tmp_path):
    scenario = tmp_path / "germany.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "tenants": [
                    {
                        "name": "bayernwerk",
                        "domains": ["bayernwerk.onmicrosoft.de", "bayernwerk.de"],
                        "sites": 12,
                        "personal_sites": 2,
                        "users": [{"upn": "admin@bayernwerk.de", "roles": ["Global Administrator"]}],
                        "apps": [
                            {
                                "name": "backup",
                                "certificate": True,
                                "granted": [
                                    "Graph/Sites.Read.All",
                                    "Graph/User.Read.All",
                                    "SharePoint/Sites.FullControl.All",
                                ],
                            }
                        ],
                    }
                ]
            }
        )
    )
    with RunningSandbox(SandboxOptions(state_dir=tmp_path / "state", scenario=scenario)) as sandbox:
        card = sandbox.card
        tenant = card["tenants"][0]
        app = tenant["apps"][0]
        profile = tmp_path / "de.yaml"
        profile.write_text(
            yaml.safe_dump(
                {
                    "name": "bayernwerk-migrated",
                    "kind": "online",
                    "cloud": "sandbox",  # the sandbox plays the global cloud
                    "sandbox": str(sandbox.card_path),
                    "sharepoint_url": "bayernwerk.onmicrosoft.de",
                    "tenant_id": "bayernwerk.de",
                    "client_id": app["client_id"],
                    "application_account": "admin@bayernwerk.de",
                    "certificate": {"path": app["certificate"]["pem"]},
                }
            )
        )
        done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    steps = _steps(done)
    assert steps["discovery"]["status"] == "passed"
    assert steps["sites"]["facts"]["total"] == 12
    assert steps["account"]["status"] == "passed"


def test_choosing_the_retired_germany_cloud_warns_with_the_date_and_advice(tmp_path):
    profile = tmp_path / "germany.yaml"
    profile.write_text(
        "name: old\nkind: online\ncloud: germany\nsharepoint_url: contoso.onmicrosoft.de\n"
        "client_id: 7669b23b-2619-500f-b454-08fd60391a23\napplication_account: a@contoso.de\n"
        "client_secret: env:NOPE\n"
    )
    from spkit.models.profile import load_profile

    warnings = load_profile(profile).warnings
    assert any("2021-10-29" in w and "global" in w for w in warnings)
