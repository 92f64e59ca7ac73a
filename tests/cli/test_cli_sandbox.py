"""`spkit sandbox start|stop|status` through the real CLI, each test with a sandbox of its own.

The card (``<state>/sandbox.json``) and the command line are public contracts: these tests read them
as another tool would, and stop every sandbox they start.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from spkit.http.session import session_for_card
from spkit.models.clouds import sandbox_cloud
from spkit.sandbox.runner import pid_alive
from spkit.services.online.app_tokens import AppAuthenticator, certificate_credential
from spkit.services.online.graph_sites import SiteCount, iter_sites
from tests.conftest import REPO, spkit_cli
from tests.helpers import card_app, card_tenant

HOSTS = (
    "login.localhost:443",
    "graph.localhost:443",
    "contoso.sharepoint.localhost:443",
    "contoso-admin.sharepoint.localhost:443",
    "contoso-my.sharepoint.localhost:443",
)
TENANT_KEYS = {
    "name",
    "tenant_id",
    "domains",
    "sharepoint_url",
    "admin_url",
    "site_count",
    "personal_site_count",
    "users",
    "apps",
}
USER_KEYS = {"upn", "password", "roles", "mfa", "app_password", "enabled"}
APP_KEYS = {"name", "client_id", "client_secret", "secret_expired", "certificate", "granted"}
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def read_card(state: Path) -> dict:
    return json.loads((state / "sandbox.json").read_text("utf-8"))


@pytest.fixture
def sandbox(tmp_path):
    """``start(*args, state=...)`` runs ``spkit sandbox start --detach``; teardown stops all it started."""
    started: list[Path] = []

    def start(*args: str, state: Path | None = None) -> tuple[Path, dict]:
        state = state or tmp_path / "state"
        started.append(state)
        done = spkit_cli("sandbox", "start", "--detach", "--state", str(state), *args)
        assert done.returncode == 0, done.stdout + done.stderr
        return state, read_card(state)

    yield start
    for state in dict.fromkeys(started):
        if (state / "sandbox.json").exists():
            spkit_cli("sandbox", "stop", "--state", str(state))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    """stderr of a failed command: the diagnosis line (and at most its fix line), never a traceback."""
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr, done.stderr
    assert lines and lines[0].startswith("spkit: error ["), done.stderr
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  fix: ")), done.stderr
    return lines


def pem_certificate_sha1(pem: Path) -> str:
    body = re.search(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", pem.read_text(), re.S)
    assert body, f"no certificate in {pem}"
    return hashlib.sha1(base64.b64decode("".join(body.group(1).split()))).hexdigest().upper()  # noqa: S324


# --- start --detach: the card ------------------------------------------------------------------------


def test_detached_start_publishes_the_card_contract(sandbox):
    state, card = sandbox()
    card_path = state / "sandbox.json"
    assert stat.S_IMODE(card_path.stat().st_mode) == 0o600
    assert card["version"] == 1
    assert isinstance(card["pid"], int) and pid_alive(card["pid"])
    address = card["connect_to"]["login.localhost:443"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", address)
    assert set(HOSTS) <= set(card["connect_to"])
    assert all(card["connect_to"][h] == address for h in HOSTS)
    assert Path(card["ca_bundle"]).is_file()
    assert "BEGIN CERTIFICATE" in Path(card["ca_bundle"]).read_text()
    assert card["cloud"]["authority_host"] == "https://login.localhost"
    assert card["cloud"]["graph_url"] == "https://graph.localhost"
    assert isinstance(card["farms"], list)
    assert card["tenants"], "the default scenario has a tenant"
    for tenant in card["tenants"]:
        assert set(tenant) >= TENANT_KEYS, TENANT_KEYS - set(tenant)
        assert GUID.fullmatch(tenant["tenant_id"])
        assert tenant["sharepoint_url"] == f"https://{tenant['name']}.sharepoint.localhost"
        assert tenant["admin_url"] == f"https://{tenant['name']}-admin.sharepoint.localhost"
        assert 0 < tenant["personal_site_count"] < tenant["site_count"]
        for user in tenant["users"]:
            assert set(user) >= USER_KEYS, USER_KEYS - set(user)
        for app in tenant["apps"]:
            assert set(app) >= APP_KEYS, APP_KEYS - set(app)
            assert GUID.fullmatch(app["client_id"])
            if app["certificate"] is not None:
                assert {"pem", "pfx", "thumbprint"} <= set(app["certificate"])
                assert Path(app["certificate"]["pem"]).is_file()
                assert Path(app["certificate"]["pfx"]).is_file()


def test_default_scenario_has_the_principals_the_product_needs(sandbox):
    _, card = sandbox()
    tenant = card_tenant(card)
    assert tenant["site_count"] == 250
    users = tenant["users"]
    enabled = [u for u in users if u["enabled"]]
    assert any("Global Administrator" in u["roles"] and not u["mfa"] for u in enabled)
    assert any("Global Administrator" in u["roles"] and u["mfa"] and u["app_password"] for u in enabled)
    assert any("SharePoint Administrator" in u["roles"] for u in enabled)
    assert any(not u["roles"] for u in enabled)
    assert any(not u["enabled"] for u in users)
    assert all(u["password"] for u in users)

    def full(app: dict) -> bool:
        granted = set(app["granted"])
        return (
            any(g.startswith("Graph/Sites.") for g in granted)
            and "SharePoint/Sites.FullControl.All" in granted
        )

    apps = tenant["apps"]
    assert any(a["client_secret"] and not a["secret_expired"] and full(a) for a in apps)
    assert any(a["certificate"] and full(a) for a in apps)
    assert any(a["client_secret"] and a["secret_expired"] for a in apps)
    assert any(not a["granted"] for a in apps)
    with_certificates = [a for a in apps if a["certificate"]]
    assert with_certificates
    for app in with_certificates:
        thumbprint = app["certificate"]["thumbprint"]
        assert thumbprint == pem_certificate_sha1(Path(app["certificate"]["pem"]))
        assert re.fullmatch(r"[0-9A-F]{40}", thumbprint)


# --- status, a second start, stop --------------------------------------------------------------------


def test_status_says_it_answers_in_text_and_json(sandbox):
    state, card = sandbox()
    done = spkit_cli("sandbox", "status", "--state", str(state))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "answering" in done.stdout and str(card["pid"]) in done.stdout
    done = spkit_cli("sandbox", "status", "--state", str(state), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    info = json.loads(done.stdout)
    assert info["running"] is True and info["answers"] is True and info["pid"] == card["pid"]


def test_a_second_start_on_the_same_state_is_refused_naming_the_running_pid(sandbox):
    state, card = sandbox()
    for detach in (["--detach"], []):
        done = spkit_cli("sandbox", "start", *detach, "--state", str(state), timeout=60)
        assert done.returncode != 0
        first = error_lines(done)[0]
        assert f"pid {card['pid']}" in first and "SANDBOX_RUNNING" in first
    assert read_card(state)["pid"] == card["pid"] and pid_alive(card["pid"])


def test_stop_ends_the_process_and_removes_the_card(sandbox):
    state, card = sandbox()
    done = spkit_cli("sandbox", "stop", "--state", str(state))
    assert done.returncode == 0, done.stderr
    assert str(card["pid"]) in done.stdout
    assert not pid_alive(card["pid"])
    assert not (state / "sandbox.json").exists()
    done = spkit_cli("sandbox", "status", "--state", str(state))
    assert done.returncode == 1
    assert "not answering" in done.stdout
    done = spkit_cli("sandbox", "status", "--state", str(state), "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["running"] is False
    done = spkit_cli("sandbox", "stop", "--state", str(state))  # stopping twice is harmless
    assert done.returncode == 0 and "no sandbox" in done.stdout


def test_a_stale_card_naming_a_reused_pid_never_gets_that_process_killed(sandbox, tmp_path):
    """A sandbox killed hard leaves its card; its pid may belong to an unrelated process since."""
    state, card = sandbox()
    os.kill(card["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid_alive(card["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # as if the sandbox had been killed a minute ago and its pid given to the bystander since
        started = datetime.fromisoformat(card["started_at"]) - timedelta(minutes=1)
        stale = dict(card, pid=bystander.pid, started_at=started.isoformat(timespec="seconds"))
        (state / "sandbox.json").write_text(json.dumps(stale))
        done = spkit_cli("sandbox", "status", "--state", str(state))
        assert done.returncode == 1 and "gone" in done.stdout
        done = spkit_cli("sandbox", "stop", "--state", str(state))
        assert done.returncode == 0 and "no sandbox" in done.stdout
        assert bystander.poll() is None, "stop signalled a process that is not the sandbox"
        assert not (state / "sandbox.json").exists()
        (state / "sandbox.json").write_text(json.dumps(stale))
        _, restarted = sandbox()  # a stale card does not block a new start either
        assert restarted["pid"] != bystander.pid and bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_restart_on_the_same_state_keeps_the_ca_credentials_and_guids(sandbox):
    state, first = sandbox()
    ca = Path(first["ca_bundle"]).read_bytes()
    assert spkit_cli("sandbox", "stop", "--state", str(state)).returncode == 0
    _, second = sandbox()
    assert second["pid"] != first["pid"]
    assert Path(second["ca_bundle"]).read_bytes() == ca

    def identity(card: dict) -> list:
        return [
            (
                t["name"],
                t["tenant_id"],
                [(u["upn"], u["password"], u["app_password"]) for u in t["users"]],
                [
                    (a["client_id"], a["client_secret"], (a["certificate"] or {}).get("thumbprint"))
                    for a in t["apps"]
                ],
            )
            for t in card["tenants"]
        ]

    assert identity(second) == identity(first)
    assert spkit_cli("sandbox", "status", "--state", str(state)).returncode == 0


def test_port_is_honoured(sandbox):
    port = free_port()
    state, card = sandbox("--port", str(port))
    # every :443 host is on that port (a farm's Central Administration has a listener of its own)
    assert {v for k, v in card["connect_to"].items() if k.endswith(":443")} == {f"127.0.0.1:{port}"}
    assert spkit_cli("sandbox", "status", "--state", str(state)).returncode == 0


# --- sizes and scenarios ------------------------------------------------------------------------------


def test_a_thousand_sites_are_listed_by_graph_page_after_page(sandbox):
    _, card = sandbox("--sites", "1000")
    tenant = card_tenant(card)
    assert tenant["site_count"] == 1000
    app = card_app(card, "spkit-certificate")
    with session_for_card(card) as session:
        cloud = sandbox_cloud(card)
        auth = AppAuthenticator(
            cloud=cloud,
            tenant_id=tenant["tenant_id"],
            client_id=app["client_id"],
            credential=certificate_credential(app["certificate"]["pem"]),
            session=session,
        )
        stats = SiteCount()
        sites = list(
            iter_sites(
                session,
                cloud.graph_url,
                lambda: auth.acquire(cloud.graph_url).token,
                onedrive_host=cloud.onedrive_host("contoso"),
                stats=stats,
            )
        )
    assert len(sites) == 1000
    assert len({s.id for s in sites}) == len({s.url for s in sites}) == 1000
    assert sum(s.is_personal for s in sites) == tenant["personal_site_count"]
    assert stats.pages > 1


def test_custom_scenario_tenant_is_on_the_card(sandbox, tmp_path):
    scenario = tmp_path / "fabrikam.yaml"
    scenario.write_text(
        "tenants:\n"
        "  - name: fabrikam\n"
        "    sites: 3\n"
        "    personal_sites: 1\n"
        "    users:\n"
        "      - {upn: admin@fabrikam.onmicrosoft.com, roles: [Global Administrator]}\n"
        "    apps:\n"
        "      - {name: worker, certificate: true, granted: [Graph/Sites.Read.All]}\n"
    )
    state, card = sandbox("--scenario", str(scenario))
    assert [t["name"] for t in card["tenants"]] == ["fabrikam"]
    tenant = card_tenant(card, "fabrikam")
    assert tenant["site_count"] == 3 and tenant["personal_site_count"] == 1
    assert tenant["domains"] == ["fabrikam.onmicrosoft.com"]
    assert [u["upn"] for u in tenant["users"]] == ["admin@fabrikam.onmicrosoft.com"]
    assert tenant["apps"][0]["name"] == "worker" and tenant["apps"][0]["certificate"]
    assert set(card["connect_to"]) >= {
        "fabrikam.sharepoint.localhost:443",
        "fabrikam-admin.sharepoint.localhost:443",
        "fabrikam-my.sharepoint.localhost:443",
    }
    assert not any(h.startswith("contoso") for h in card["connect_to"])


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--port", "70000"], "--port"),
        (["--throttle", "1.5"], "--throttle"),
        (["--throttle", "abc"], "--throttle"),
        (["--sites", "0"], "--sites"),
        (["--latency", "-5"], "--latency"),
        (["--scenario", "missing.yaml"], "missing.yaml"),
        (["--scenario", "UNKNOWN_KEY"], "sitez"),
        (["--scenario", "NOT_YAML"], "not valid YAML"),
    ],
)
@pytest.mark.parametrize("detach", [True, False], ids=["detached", "foreground"])
def test_bad_input_exits_2_with_a_one_line_error(tmp_path, args, mentions, detach):
    unknown_key = tmp_path / "unknown.yaml"
    unknown_key.write_text("tenants:\n  - name: fabrikam\n    sitez: 3\n")
    not_yaml = tmp_path / "broken.yaml"
    not_yaml.write_text("tenants: [\n")
    args = [{"UNKNOWN_KEY": str(unknown_key), "NOT_YAML": str(not_yaml)}.get(a, a) for a in args]
    state = tmp_path / "state"
    done = spkit_cli("sandbox", "start", *(["--detach"] if detach else []), "--state", str(state), *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert mentions in error_lines(done)[0]
    assert not (state / "sandbox.json").exists()


# --- foreground ---------------------------------------------------------------------------------------


def test_foreground_start_ends_with_exit_0_on_sigterm_and_removes_its_card(tmp_path):
    state = tmp_path / "state"
    proc = subprocess.Popen(
        [sys.executable, "-m", "spkit", "sandbox", "start", "--state", str(state)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 60
        while not (state / "sandbox.json").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no card within 60 s"
            time.sleep(0.05)
        assert read_card(state)["pid"] == proc.pid
        assert spkit_cli("sandbox", "status", "--state", str(state)).returncode == 0
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert "listening on https://127.0.0.1:" in out
        assert not (state / "sandbox.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
