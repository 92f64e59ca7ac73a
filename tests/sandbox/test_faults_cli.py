"""The sandbox's fault knobs, started through the real CLI: ``--throttle`` answers a share of Graph and
SharePoint requests 429 (never the identity platform), and of the farm's 503 (after NTLM, never the
handshake), and spkit rides it out; ``--latency`` slows every request down; ``--scenario`` with a fault
file (``tests/sandbox/fault_scenarios/``) puts its faults on the card and into the answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from spkit.http.session import session_for_card
from tests.conftest import REPO, spkit_cli
from tests.helpers import card_app, card_tenant, write_profile
from tests.sandbox.test_farm import NtlmAuth, farm_of, farm_user

THROTTLE = 0.3


@contextmanager
def cli_sandbox(state: Path, *args: str) -> Iterator[dict]:
    done = spkit_cli("sandbox", "start", "--detach", "--state", str(state), *args)
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        yield json.loads((state / "sandbox.json").read_text())
    finally:
        spkit_cli("sandbox", "stop", "--state", str(state))


@pytest.fixture(scope="module")
def throttled(tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    # 1000 sites are 5 getAllSites pages of 200: since the sandbox throttles exactly every 1/rate-th
    # request (spread evenly), any 4 consecutive Graph requests include a 429 at 0.3.
    state = tmp_path_factory.mktemp("throttled")
    with cli_sandbox(state, "--throttle", str(THROTTLE), "--sites", "1000") as card:
        yield state / "sandbox.json", card


def _token_form(card: dict, scope: str) -> dict[str, str]:
    app = card_app(card, "spkit-secret")
    return {
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "scope": scope,
    }


def test_the_card_publishes_the_fault_knobs(throttled):
    _, card = throttled
    assert card["faults"] == {
        "throttle": THROTTLE,
        "latency_ms": 0,
        "clock_skew_s": 0.0,
        "consent_delay_s": 3.0,
        "server_certificates": [],
        "closed_ports": [],
        "throttle_rules": [],
        "server_error_rules": [],
    }


def test_the_farm_is_throttled_too_after_ntlm_with_sharepoint_servers_503(throttled):
    _, card = throttled
    farm = farm_of(card)
    user = farm_user(farm, "spfarm")
    with session_for_card(card, retries=0) as session:
        session.auth = auth = NtlmAuth(user["logon"], user["password"])
        statuses = []
        for _ in range(20):
            answer = session.get(
                f"{farm['url']}/_api/web", headers={"Accept": "application/json;odata=nometadata"}
            )
            statuses.append(answer.status_code)
            if answer.status_code == 503:
                assert answer.headers["Retry-After"] == "1"
                assert answer.headers["MicrosoftSharePointTeamServices"] == farm["team_services_version"]
    assert auth.handshakes == 1  # authenticated once; the 401s of the handshake are never throttled
    assert set(statuses) == {200, 503}
    assert 0.2 <= statuses.count(503) / len(statuses) <= 0.4, statuses


def test_verify_passes_under_throttling_because_spkit_honours_retry_after(throttled, tmp_path):
    card_path, card = throttled
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    done = spkit_cli("verify", str(profile), "--json", timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert all(s["status"] == "passed" for s in result["steps"]), result["steps"]
    sites = next(s for s in result["steps"] if s["step"] == "sites")
    assert sites["facts"]["retries"] > 0
    assert sites["facts"]["total"] == card_tenant(card)["site_count"] == 1000


def test_about_a_third_of_graph_requests_are_throttled_and_identity_never(throttled):
    _, card = throttled
    tenant = card_tenant(card)
    authority = f"{card['cloud']['authority_host']}/{tenant['tenant_id']}"
    graph = card["cloud"]["graph_url"]
    statuses = {"identity": [], "graph": []}
    with session_for_card(card, retries=0) as session:  # see every 429 instead of retrying it
        for _ in range(40):  # interleaved, so a throttled identity platform would get its share
            answer = session.post(
                f"{authority}/oauth2/v2.0/token", data=_token_form(card, f"{graph}/.default")
            )
            statuses["identity"].append(answer.status_code)
            assert answer.status_code == 200, answer.text
            token = answer.json()["access_token"]
            answer = session.get(
                f"{authority}/v2.0/.well-known/openid-configuration", headers={"Accept": "application/json"}
            )
            statuses["identity"].append(answer.status_code)
            answer = session.get(f"{graph}/v1.0/sites/root", headers={"Authorization": f"Bearer {token}"})
            statuses["graph"].append(answer.status_code)
            if answer.status_code == 429:
                assert answer.headers["Retry-After"] == "1"
                error = answer.json()["error"]
                assert error["code"] == "activityLimitReached"
                assert error["message"] == "The request has been throttled"
                assert error["innerError"]["code"] == "throttledRequest"
                assert answer.headers["Content-Type"].startswith("application/json")
    assert set(statuses["identity"]) == {200}
    assert set(statuses["graph"]) == {200, 429}
    share = statuses["graph"].count(429) / len(statuses["graph"])
    assert 0.2 <= share <= 0.4, statuses["graph"]


def test_latency_slows_every_graph_request_down(tmp_path):
    with cli_sandbox(tmp_path / "slow", "--latency", "200") as card:
        assert card["faults"]["latency_ms"] == 200
        graph = card["cloud"]["graph_url"]
        with session_for_card(card) as session:
            session.get(f"{graph}/v1.0/sites/root")  # connect and handshake outside the measurement
            started = time.perf_counter()
            answer = session.get(f"{graph}/v1.0/sites/root")
            elapsed = time.perf_counter() - started
    assert answer.status_code == 401  # no token: refused, but only after the added latency
    assert elapsed >= 0.2


def test_a_fault_scenario_through_the_cli_refuses_an_app_without_service_principal(tmp_path):
    scenario = REPO / "tests" / "sandbox" / "fault_scenarios" / "deleted_service_principal.yaml"
    with cli_sandbox(tmp_path / "orphan", "--scenario", str(scenario), "--no-directory") as card:
        orphan = card_app(card, "spkit-orphan")
        assert orphan["service_principal"] == "deleted"
        tenant = card_tenant(card)
        form = {
            "grant_type": "client_credentials",
            "client_id": orphan["client_id"],
            "client_secret": orphan["client_secret"],
            "scope": f"{card['cloud']['graph_url']}/.default",
        }
        with session_for_card(card, retries=0) as session:
            answer = session.post(
                f"{card['cloud']['authority_host']}/{tenant['tenant_id']}/oauth2/v2.0/token", data=form
            )
    assert answer.status_code == 401
    assert answer.json()["error_codes"] == [7000229]
