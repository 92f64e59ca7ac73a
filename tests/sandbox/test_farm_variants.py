"""Farm variants on in-process sandboxes: Extended Protection, a plain-HTTP farm, a closed Central
Administration port, scenario validation, and the NTLM credential file pyspnego reads."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest
import requests

from spkit.errors import SandboxInputError
from spkit.http.session import session_for_card
from spkit.sandbox.farm.state import FarmSiteCatalog
from spkit.sandbox.runner import RunningSandbox, SandboxOptions
from spkit.sandbox.scenario import load_scenario
from tests.sandbox.test_farm import (
    NOMETA,
    NtlmAuth,
    all_search_rows,
    farm_of,
    farm_user,
    offered,
    tls_bindings,
)

TENANT = "tenants:\n  - name: contoso\n    sites: 3\n    personal_sites: 1\n"


def scenario(tmp_path: Path, farm_yaml: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(TENANT + "farms:\n" + farm_yaml)
    return path


@pytest.fixture(scope="module")
def epa(tmp_path_factory: pytest.TempPathFactory):
    """The default scenario with Extended Protection required (the start flag overrides the scenario)."""
    state = tmp_path_factory.mktemp("epa")
    with RunningSandbox(SandboxOptions(state_dir=state, sites=5, extended_protection="required")) as sandbox:
        yield sandbox


def test_extended_protection_without_channel_binding_is_a_401_loop(epa, caplog):
    card = epa.card
    farm = farm_of(card)
    assert farm["extended_protection"] == "required"
    user = farm_user(farm, "spfarm")
    with session_for_card(card, retries=0) as session, caplog.at_level(logging.INFO, "spkit.sandbox.farm"):
        session.auth = auth = NtlmAuth(user["logon"], user["password"])
        for _ in range(3):
            response = session.get(farm["url"] + "/_api/web", headers=NOMETA)
            assert response.status_code == 401 and offered(response) == ["Negotiate", "NTLM"]
        assert auth.handshakes == 3
    assert "no channel binding token (Extended Protection required)" in caplog.text


def test_extended_protection_with_the_tls_channel_binding_signs_in(epa):
    card = epa.card
    farm = farm_of(card)
    user = farm_user(farm, "spfarm")
    for url, port in ((farm["url"], 443), (farm["central_admin_url"], 2016)):
        with session_for_card(card, retries=0) as session:
            session.auth = NtlmAuth(
                user["upn"], user["password"], channel_bindings=tls_bindings(card, farm["host"], port)
            )
            response = session.get(url + "/_api/web", headers=NOMETA)
            assert response.status_code == 200, response.text


def test_extended_protection_refuses_bindings_of_another_certificate(epa, tmp_path):
    from hashlib import sha256

    from spnego.channel_bindings import GssChannelBindings

    farm = farm_of(epa.card)
    user = farm_user(farm, "spfarm")
    wrong = GssChannelBindings(
        application_data=b"tls-server-end-point:" + sha256(b"another certificate").digest()
    )
    with session_for_card(epa.card, retries=0) as session:
        session.auth = NtlmAuth(user["upn"], user["password"], channel_bindings=wrong)
        assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 401


def test_the_acceptor_reads_a_private_credential_file_named_in_the_environment(epa):
    path = Path(epa.card["state_dir"]) / "ntlm-users"
    farm = farm_of(epa.card)
    user = farm_user(farm, "spfarm")
    with session_for_card(epa.card, retries=0) as session:  # a handshake points the process at the file
        session.auth = NtlmAuth(
            user["upn"], user["password"], channel_bindings=tls_bindings(epa.card, farm["host"])
        )
        assert session.get(farm["url"] + "/_api/web").status_code == 200
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.environ["NTLM_USER_FILE"] == str(path)
    assert os.environ["LM_COMPAT_LEVEL"] == "5"
    lines = path.read_text().splitlines()
    assert f"FABRIKAM:spfarm:{user['password']}" in lines
    assert f":spfarm@fabrikam.local:{user['password']}" in lines


def test_two_sandboxes_in_one_process_each_check_their_own_passwords(epa, tmp_path):
    with RunningSandbox(SandboxOptions(state_dir=tmp_path / "other", sites=5)) as other:
        for card in (epa.card, other.card, epa.card):
            farm = farm_of(card)
            user = farm_user(farm, "reader")
            port = 443
            with session_for_card(card, retries=0) as session:
                session.auth = NtlmAuth(
                    user["logon"], user["password"], channel_bindings=tls_bindings(card, farm["host"], port)
                )
                assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 200
    assert os.environ.get("NTLM_USER_FILE") != str(tmp_path / "other" / "ntlm-users")


def test_a_plain_http_farm_with_its_central_administration(tmp_path):
    path = scenario(
        tmp_path,
        "  - name: litware\n"
        "    scheme: http\n"
        "    central_admin_port: 8080\n"
        "    version: SE\n"
        "    sites: 12\n"
        "    personal_sites: 2\n"
        "    users:\n"
        "      - {sam_account_name: spfarm, farm_admin: true, site_collection_admin: all}\n",
    )
    with RunningSandbox(SandboxOptions(state_dir=tmp_path / "state", scenario=path)) as sandbox:
        card = sandbox.card
        farm = farm_of(card, "litware")
        assert farm["url"] == "http://sharepoint.litware.localhost"
        assert farm["central_admin_url"] == "http://sharepoint.litware.localhost:8080"
        assert farm["netbios_domain"] == "LITWARE" and farm["dns_domain"] == "litware.local"
        assert "sharepoint.litware.localhost:80" in card["connect_to"]
        assert "sharepoint.litware.localhost:443" not in card["connect_to"]
        user = farm_user(farm, "spfarm")
        with session_for_card(card, retries=0) as session:
            session.auth = NtlmAuth(user["logon"], user["password"])
            web = session.get(farm["url"] + "/_api/web", headers=NOMETA)
            assert web.status_code == 200 and web.json()["Url"] == "http://sharepoint.litware.localhost"
            assert web.headers["MicrosoftSharePointTeamServices"] == "16.0.0.14326"  # SE
            rows, _ = all_search_rows(session, farm["url"], rows=5)
            assert {r["Path"] for r in rows} == set(user["readable_site_urls"]) and len(rows) == 12
            admin = session.get(farm["central_admin_url"] + "/_api/web", headers=NOMETA)
            assert admin.status_code == 200 and admin.json()["Title"] == "Central Administration"


def test_a_closed_central_administration_port_refuses_connections(tmp_path):
    path = scenario(
        tmp_path,
        "  - name: tailspin\n"
        "    central_admin: closed\n"
        "    central_admin_port: 10000\n"
        "    sites: 4\n"
        "    personal_sites: 0\n"
        "    users:\n"
        "      - {sam_account_name: spfarm, farm_admin: true, read: all}\n",
    )
    with RunningSandbox(SandboxOptions(state_dir=tmp_path / "state", scenario=path)) as sandbox:
        card = sandbox.card
        farm = farm_of(card, "tailspin")
        assert farm["central_admin"] == "closed"
        assert farm["central_admin_url"] == "https://sharepoint.tailspin.localhost:10000"
        assert "sharepoint.tailspin.localhost:10000" in card["connect_to"]
        user = farm_user(farm, "spfarm")
        with session_for_card(card, retries=0) as session:
            session.auth = NtlmAuth(user["upn"], user["password"])
            assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 200
            with pytest.raises(requests.ConnectionError, match="(?i)refused"):
                session.get(farm["central_admin_url"] + "/_api/web", headers=NOMETA)


@pytest.mark.parametrize(
    ("farm_yaml", "mentions"),
    [
        ("  - name: x\n    sitez: 3\n", "sitez"),
        ("  - name: x\n    scheme: ftp\n", "scheme"),
        ("  - name: x\n    scheme: http\n    extended_protection: required\n", "needs scheme https"),
        ("  - name: x\n    extended_protection: maybe\n", "extended_protection"),
        ("  - name: x\n    version: '2013'\n", "version"),
        ("  - name: x\n    central_admin_port: 443\n", "central_admin_port"),
        ("  - name: x\n    users: [{sam_account_name: 'a:b'}]\n", "sam_account_name"),
        ("  - name: x\n    users: [{sam_account_name: averyveryverylongaccountname}]\n", "sam_account_name"),
        ("  - name: x\n    users: [{sam_account_name: a, read: [kitchen]}]\n", "kitchen"),
        ("  - name: x\n    users: [{sam_account_name: a, web_application_policy: owner}]\n", "policy"),
        ("  - name: x\n  - name: X\n", "another farm"),
        ("  - name: x\n    sites: 5\n    personal_sites: 4\n", "personal_sites"),
    ],
)
def test_bad_farm_scenarios_are_refused_before_start(tmp_path, farm_yaml, mentions):
    with pytest.raises(SandboxInputError, match=mentions):
        load_scenario(scenario(tmp_path, farm_yaml))


def test_bare_yaml_off_reads_as_off(tmp_path):
    data = load_scenario(scenario(tmp_path, "  - name: x\n    extended_protection: off\n"))
    assert data["farms"][0]["extended_protection"] is False  # YAML 1.1; the builder reads it as "off"


def test_the_site_catalog_finds_every_site_by_its_path_and_nothing_else():
    catalog = FarmSiteCatalog("fabrikam", "5b1f0a4e-6f55-4c39-9a3c-7d0c2b7e5e12", 60, 5, "2019")
    paths = [site.path for site in catalog]
    assert len(set(paths)) == 60 and paths[:2] == ["/", "/my"]
    assert sum(p.startswith("/personal/") for p in paths) == 5
    assert any(p.startswith("/teams/") for p in paths)
    for site in catalog:
        assert catalog.find(site.path.upper()) == site
        assert catalog.by_site_id(site.site_id) == site
    for missing in ("/sites/hr-003", "/sites/finance-999", "/personal/user006", "/sites/x/y", "/my/sub"):
        assert catalog.find(missing) is None


def test_the_start_flag_turns_extended_protection_on_through_the_cli(tmp_path):
    from tests.conftest import spkit_cli

    state = tmp_path / "state"
    done = spkit_cli(
        "sandbox", "start", "--detach", "--state", str(state), "--extended-protection", "required"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        card = json.loads((state / "sandbox.json").read_text())
        farm = farm_of(card)
        assert farm["extended_protection"] == "required"
        user = farm_user(farm, "spfarm")
        with session_for_card(card, retries=0) as session:
            session.auth = NtlmAuth(user["upn"], user["password"])
            assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 401
            session.auth = NtlmAuth(
                user["upn"], user["password"], channel_bindings=tls_bindings(card, farm["host"])
            )
            assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 200
    finally:
        spkit_cli("sandbox", "stop", "--state", str(state))
