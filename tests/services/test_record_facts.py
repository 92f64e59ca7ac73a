"""``record_facts`` and ``record_sections`` called directly: what an onboarding record states about a
saved connection, gathered for real against the sandbox (the verification run now, the certificate's
public facts, the farm's product), laid out in the record's sections; a secret is never in it."""

from __future__ import annotations

import json

import pytest
import yaml

from spkit.models.profile import load_profile
from spkit.services.record_facts import farm_product, human_duration, record_facts
from spkit.services.record_sections import record_sections
from spkit.store import ConnectionStore
from tests.helpers import card_app, write_profile
from tests.services.batch.support import onprem_profile

RUN_AT = "2026-01-02T03:04:05+00:00"


@pytest.fixture
def store(tmp_path, monkeypatch) -> ConnectionStore:
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    return ConnectionStore(tmp_path / "connections.json")


def test_an_online_connection_is_recorded_with_its_certificate_and_tenant(store, tmp_path, card, card_path):
    store.add(load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate", name="rec-online")))
    facts = record_facts("rec-online", store_path=store.path, run_at=RUN_AT, sample_size=3)
    assert (facts["name"], facts["kind"], facts["passed"]) == ("rec-online", "online", True)
    assert facts["kind_label"] == "SharePoint Online (Office 365)"
    assert facts["run"]["at"] == "2026-01-02 03:04:05 UTC"
    certificate = card_app(card, "spkit-certificate")["certificate"]
    assert (
        facts["credential"]["type"] == "certificate"
        and facts["credential"]["thumbprint"] == certificate["thumbprint"]
    )
    assert facts["credential"]["key_size"] == "2048 bits (RSA)"
    assert facts["registration"]["mode"] == "manual"  # registered by an administrator, not by spkit
    assert len(facts["sites"]["sample"]) == 3 and facts["sites"]["personal_label"] == "OneDrive sites"
    assert "PRIVATE KEY" not in json.dumps(facts)
    titles = [s.title for s in record_sections(facts)]
    assert titles == [
        "Summary",
        "Connection",
        "Tenant",
        "Application registration",
        "Certificate",
        "Verification",
        "Site collections",
    ]


def test_a_stored_secret_is_described_never_shown(store, tmp_path, card, card_path):
    secret = card_app(card, "spkit-secret")["client_secret"]
    data = yaml.safe_load(
        write_profile(tmp_path, card_path, card, "spkit-secret", name="rec-secret").read_text()
    )
    del data["client_secret"]  # the wizard's way: the value goes to the store, not to the file
    store.add(data, secrets={"client_secret": secret})
    facts = record_facts("rec-secret", store_path=store.path, run_at=RUN_AT)
    assert facts["credential"]["type"] == "client_secret"
    failed = [step["step"] for step in facts["verification"]["steps"] if step["status"] == "failed"]
    assert failed == ["sharepoint"]  # the stored secret got its token; SharePoint refuses such tokens
    assert secret not in json.dumps(facts)
    assert all(secret not in repr(section) + section._repr_html_() for section in record_sections(facts))


def test_a_farm_connection_is_recorded_with_its_product_and_account(store, tmp_path, card, card_path):
    store.add(load_profile(onprem_profile(tmp_path, card_path, card, name="rec-farm")))
    farm = card["farms"][0]
    facts = record_facts("rec-farm", store_path=store.path, run_at=RUN_AT, sample_size=3)
    assert (facts["kind"], facts["passed"]) == ("onprem", True)
    assert (
        facts["farm"]["version"] == f"{farm['team_services_version']} (SharePoint Server {farm['version']})"
    )
    assert facts["farm"]["authentication"] == "NTLM" and facts["farm"]["account"] == farm["users"][0]["upn"]
    assert facts["sites"]["personal_label"] == "My Sites"
    assert len(facts["sites"]["sample"]) == 5  # the farm's own sample: Online's size is not passed on
    sections = record_sections(facts)
    assert [s.title for s in sections] == [
        "Summary",
        "Connection",
        "Farm",
        "Admin account requirements",
        "Verification",
        "Site collections",
    ]
    password = farm["users"][0]["password"]
    assert password not in json.dumps(facts) and all(password not in repr(s) for s in sections)


def test_builds_name_their_product_and_durations_read_for_people():
    assert farm_product("16.0.0.10337") == farm_product("16.0.10337.12109") == "SharePoint Server 2019"
    assert farm_product("16.0.0.4351") == "SharePoint Server 2016"
    assert farm_product("16.0.0.14326") == "SharePoint Server Subscription Edition"
    assert farm_product("15.0.0.4420") == "SharePoint Server 2013"
    assert farm_product("") == farm_product("14.0.0.1") == "unknown version"
    assert (human_duration(0.0004), human_duration(0.25), human_duration(3.14)) == (
        "<1 ms",
        "250 ms",
        "3.1 s",
    )
