"""The sandbox's fault knobs, started through the real CLI: ``--throttle`` answers a share of Graph and
SharePoint requests 429 (never the identity platform) and spkit rides it out; ``--latency`` slows every
request down."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from spkit.http.session import session_for_card
from tests.conftest import spkit_cli
from tests.helpers import card_app, card_tenant, write_profile

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
    assert card["faults"] == {"throttle": THROTTLE, "latency_ms": 0}


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
