"""On-premises from the CLI alone, against the sandbox farm (real NTLM): verify as the farm admin, as a
site-collection-only admin, as a reader; wrong password, disabled account, DOMAIN\\user logons, Extended
Protection, plain HTTP and a closed Central Administration port."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from spkit.sandbox.runner import RunningSandbox, SandboxOptions
from tests.conftest import spkit_cli


def farm(card: dict) -> dict:
    return card["farms"][0]


def farm_user(card: dict, sam: str) -> dict:
    return next(u for u in farm(card)["users"] if u["sam_account_name"] == sam)


def write_onprem(
    folder: Path,
    card_path: Path,
    card: dict,
    sam: str,
    *,
    logon: str | None = None,
    password: str | None = None,
    **overrides,
) -> Path:
    user = farm_user(card, sam)
    data = {
        "name": f"onprem-{sam}",
        "kind": "onprem",
        "sandbox": str(card_path),
        "sharepoint_url": farm(card)["url"],
        "central_admin_port": farm(card)["central_admin_port"],
        "admin_upn": logon or user["upn"],
        "admin_password": f"sandbox:{farm(card)['name']}/{user['upn']}",
    }
    if password is not None:
        secret = folder / f"{sam}.password"
        secret.write_text(password + "\n")
        secret.chmod(0o600)
        data["admin_password"] = f"file:{secret}"
    data.update(overrides)
    path = folder / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}))
    return path


def steps_of(done) -> dict:
    return {s["step"]: s for s in json.loads(done.stdout)["steps"]}


def test_farm_admin_passes_and_counts_exactly_the_farms_site_collections(tmp_path, card, card_path):
    done = spkit_cli("verify", str(write_onprem(tmp_path, card_path, card, "spfarm")), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert all(s["status"] == "passed" for s in result["steps"])
    facts = result["facts"]
    assert facts["site_collections"] + facts["onedrive_sites"] == farm(card)["site_count"]
    assert facts["onedrive_sites"] == farm(card)["personal_site_count"]
    assert facts["version"] == farm(card)["team_services_version"]
    requirements = {
        r["requirement"]: r["status"] for r in steps_of(done)["requirements"]["facts"]["requirements"]
    }
    assert requirements["Member of Farm Administrators"] == "met"
    assert (
        requirements["Local Administrators on the SharePoint server"]
        == "cannot be checked from outside the server"
    )


def test_sites_lists_exactly_the_farm_site_collections(tmp_path, card, card_path):
    profile = write_onprem(tmp_path, card_path, card, "spfarm")
    done = spkit_cli("sites", str(profile), "--format", "csv", "--include-onedrive")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == len({r["url"] for r in rows}) == farm(card)["site_count"]
    listed = farm_user(card, "spfarm")["readable_site_urls"]
    if listed is not None:
        assert {r["url"] for r in rows} == set(listed)


def test_site_collection_only_admin_fails_central_administration(tmp_path, card, card_path):
    done = spkit_cli("verify", str(write_onprem(tmp_path, card_path, card, "spadmin")), "--json")
    assert done.returncode == 1
    steps = steps_of(done)
    assert steps["ntlm"]["status"] == "passed"
    assert steps["central_admin"]["status"] == "failed"
    assert steps["central_admin"]["diagnosis"]["code"] == "ONPREM_NOT_FARM_ADMIN"
    assert "Farm Administrators" in steps["central_admin"]["diagnosis"]["fix"]
    assert steps["requirements"]["status"] == "warning"


def test_reader_sees_a_security_trimmed_subset(tmp_path, card, card_path):
    reader = farm_user(card, "reader")
    done = spkit_cli(
        "sites",
        str(write_onprem(tmp_path, card_path, card, "reader")),
        "--format",
        "json",
        "--include-onedrive",
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == reader["readable_site_count"] < farm(card)["site_count"]


def test_domain_backslash_user_logon_works(tmp_path, card, card_path):
    user = farm_user(card, "spfarm")
    profile = write_onprem(tmp_path, card_path, card, "spfarm", logon=user["logon"], name="downlevel")
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(("sam", "password"), [("spfarm", "Wrong-Password-1"), ("olduser", None)])
def test_wrong_password_and_disabled_account_fail_sign_in(tmp_path, card, card_path, sam, password):
    done = spkit_cli("verify", str(write_onprem(tmp_path, card_path, card, sam, password=password)), "--json")
    assert done.returncode == 1
    steps = steps_of(done)
    assert steps["ntlm"]["diagnosis"]["code"] == "ONPREM_AUTH_FAILED"
    assert steps["search"]["status"] == "skipped"
    assert "Wrong-Password-1" not in done.stdout + done.stderr


def _variant(tmp_path: Path, **farm_overrides) -> Path:
    from spkit.sandbox.scenario import default_scenario_text

    scenario = yaml.safe_load(default_scenario_text())
    scenario["farms"][0].update(farm_overrides)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(scenario))
    return path


def test_extended_protection_farm_accepts_spkit_which_sends_channel_bindings(tmp_path):
    with RunningSandbox(
        SandboxOptions(state_dir=tmp_path / "s", scenario=_variant(tmp_path, extended_protection="required"))
    ) as sb:
        done = spkit_cli("verify", str(write_onprem(tmp_path, sb.card_path, sb.card, "spfarm")), "--json")
    assert done.returncode == 0, done.stdout


def test_plain_http_farm_works_and_warns(tmp_path):
    with RunningSandbox(
        SandboxOptions(state_dir=tmp_path / "s", scenario=_variant(tmp_path, scheme="http"))
    ) as sb:
        done = spkit_cli("verify", str(write_onprem(tmp_path, sb.card_path, sb.card, "spfarm")), "--json")
    steps = steps_of(done)
    assert steps["address"]["status"] == "warning" and "clear" in steps["address"]["detail"]
    assert steps["ntlm"]["status"] == "passed"
    assert done.returncode == 0, done.stdout


def test_closed_central_administration_port_is_diagnosed(tmp_path):
    with RunningSandbox(
        SandboxOptions(state_dir=tmp_path / "s", scenario=_variant(tmp_path, central_admin="closed"))
    ) as sb:
        done = spkit_cli("verify", str(write_onprem(tmp_path, sb.card_path, sb.card, "spfarm")), "--json")
    assert done.returncode == 1
    steps = steps_of(done)
    assert steps["tcp"]["diagnosis"]["code"] == "ONPREM_CA_UNREACHABLE"  # the tcp rung names it first
    assert steps["central_admin"]["status"] == "skipped"
    assert steps["search"]["status"] == "passed"


def test_wrong_central_administration_port_is_not_sharepoint_or_unreachable(tmp_path, card, card_path):
    profile = write_onprem(tmp_path, card_path, card, "spfarm", central_admin_port=2017, name="wrongport")
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1
    assert steps_of(done)["tcp"]["diagnosis"]["code"] == "ONPREM_CA_UNREACHABLE"  # the tcp rung names it


def test_negotiate_without_the_kerberos_extra_says_how_to_get_it(tmp_path, card, card_path):
    import importlib.util

    if importlib.util.find_spec("requests_kerberos") is not None:
        pytest.skip("requests-kerberos is installed here")
    profile = write_onprem(tmp_path, card_path, card, "spfarm", auth="negotiate", name="kerberos")
    done = spkit_cli("verify", str(profile), "--json")
    assert steps_of(done)["ntlm"]["diagnosis"]["code"] == "ONPREM_KERBEROS_UNAVAILABLE"
