"""Every fault in ``scenarios/`` diagnosed from the outside: a sandbox started by the real CLI with the
fault's scenario, then ``spkit diagnose PROFILE --json`` and ``spkit diagnose PROFILE`` on the profile
that meets it — the first broken rung, its code, its fix shown in both outputs, what to tell the
customer, and no traceback anywhere.

Scenarios whose faults belong to their own principals or hosts (an app, a tenant's SharePoint host, a
farm) share one sandbox started from the union of their scenario files; one whose fault changes every
host (the cloud's clock, throttling Graph) gets a sandbox of its own. Each pytest worker starts the
sandboxes it needs once (module fixture) and stops them at the end."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from spkit.diagnosis import CATALOG
from spkit.sandbox.scenario import load_scenario
from tests.conftest import REPO, spkit_cli

SCENARIOS = REPO / "scenarios"
STATE = "../../.sandbox/scenarios/{fault}"  # where a profile finds its sandbox when run by hand
GLOBAL_FAULTS = {"clock_skew_s", "consent_delay_s"}  # faults: keys that change every host of a sandbox
SHARED_HOSTS = {"login.localhost", "graph.localhost"}  # hosts every tenant of a sandbox uses
ADMIN = "admin@contoso.onmicrosoft.com"  # the scenarios' Global Administrator
NO_PROXY_ENV = {name: "" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")}


@dataclass(frozen=True)
class Expect:
    """What ``spkit diagnose`` must say for a scenario: the broken rung and its code (exit 1), healthy
    (exit 0, ``rung`` and ``code`` None), or bad input (exit 2 with ``code``)."""

    rung: str | None
    code: str | None
    exit: int = 1
    offline: bool = False  # run without a network (it would leave this machine otherwise)
    needs_absent: str | None = None  # a module whose absence the fault is (it is installed: skipped)
    gap: str | None = None  # a known gap in spkit: the test is a strict xfail until it is closed
    admin: str | None = None  # diagnose with '--admin UPN --password-stdin' (the password from the card)
    evidence: tuple[str, ...] = ()  # patterns (regular expressions) the broken rung's evidence must match
    warning: tuple[str, str] | None = None  # (rung, code) of a healthy ladder's warning, which says why


EXPECTED: dict[str, Expect] = {
    # network
    "dns_failure": Expect("dns", "NETWORK_DNS"),
    "tcp_refused": Expect("tcp", "NETWORK_REFUSED"),
    "tls_untrusted_ca": Expect("tls", "TLS_UNTRUSTED"),
    "tls_name_mismatch": Expect("tls", "TLS_NAME_MISMATCH"),
    "tls_expired_certificate": Expect("tls", "TLS_CERT_EXPIRED"),
    "tls_not_yet_valid_certificate": Expect(
        "tls",
        "TLS_CERT_NOT_YET_VALID",
        evidence=(
            r"tlsnotyet\.sharepoint\.localhost:443 \(SharePoint\): failed \[TLS_CERT_NOT_YET_VALID\]",
            r"certificate is not yet valid; .* valid \d{4}-\d\d-\d\d \d\d:\d\d UTC to",
        ),
    ),
    "tls_plain_http_port": Expect("tls", "TLS_HANDSHAKE_FAILED"),
    # discovery and input
    "tenant_not_found": Expect("discovery", "TENANT_NOT_FOUND"),
    "tenant_invalid_identifier": Expect(None, "PROFILE_TENANT_INVALID", exit=2),
    "tenant_mismatch": Expect("discovery", "TENANT_MISMATCH"),
    "tenant_other_cloud": Expect("discovery", "TENANT_WRONG_CLOUD"),
    "germany_retired": Expect("dns", "CLOUD_RETIRED", offline=True),  # the address only warns
    # token
    "invalid_secret": Expect("token", "AUTH_INVALID_SECRET"),
    "secret_id_pasted": Expect("token", "AUTH_SECRET_ID_PASTED"),
    "expired_secret": Expect("token", "AUTH_SECRET_EXPIRED"),
    "app_not_in_tenant": Expect("token", "AUTH_APP_NOT_FOUND"),
    "service_principal_deleted": Expect("token", "AUTH_SP_MISSING"),
    "app_disabled": Expect("token", "AUTH_APP_DISABLED", evidence=(r"AADSTS7000112", r"is disabled")),
    "certificate_not_registered": Expect("token", "AUTH_CERT_NOT_REGISTERED"),
    "certificate_not_registered_admin": Expect(
        "token",
        "AUTH_CERT_NOT_REGISTERED",
        admin=ADMIN,
        evidence=(r"thumbprint sent: [0-9A-F]{40}; registered: [0-9A-F]{40} \(", rf"read as {ADMIN}"),
    ),
    "certificate_key_expired": Expect("token", "AUTH_CERT_KEY_EXPIRED"),
    "certificate_expired": Expect(
        "token", "CERT_EXPIRED", evidence=(r"notAfter \d{4}-\d\d-\d\d", r"expired \d+ days? ago", "clock")
    ),
    "certificate_not_yet_valid": Expect(
        "token", "CERT_NOT_YET_VALID", evidence=(r"notBefore \d{4}-\d\d-\d\d", r"valid in \d+\.\d hours")
    ),
    "certificate_key_too_small": Expect("token", "CERT_KEY_TOO_SMALL", evidence=(r"\b1024-bit key",)),
    "clock_skew": Expect("token", "AUTH_ASSERTION_TIME"),
    "conditional_access_app": Expect("token", "AUTH_CONDITIONAL_ACCESS"),
    # claims
    "consent_missing": Expect("claims", "TOKEN_NO_ROLES"),
    "consent_missing_admin": Expect(
        "claims",
        "TOKEN_NO_ROLES",
        admin=ADMIN,
        evidence=(r"app role assignments of service principal .*: none",),
    ),
    "consent_not_propagated": Expect(
        "claims",
        "CONSENT_NOT_EFFECTIVE",
        admin=ADMIN,  # an app-only token cannot read its own appRoleAssignments: the admin reads them
        evidence=(r"Graph token roles: none", r"Microsoft Graph/Sites\.Read\.All \(granted \d{4}-"),
    ),
    # Graph
    "graph_role_missing": Expect("sites", "GRAPH_ROLE_MISSING"),
    "application_account_unknown": Expect("account", "APPLICATION_ACCOUNT_UNKNOWN"),
    "graph_throttled": Expect("sites", "GRAPH_THROTTLED"),
    "graph_server_error": Expect(
        "graph", "GRAPH_ERROR", evidence=(r"^HTTP 500 generalException", r"request-id: [0-9a-f-]{36}$")
    ),
    # SharePoint Online
    "secret_token_refused": Expect("sharepoint", "SPO_SECRET_TOKEN_REFUSED"),
    "sites_selected_not_granted": Expect("sharepoint", "SPO_SITE_NOT_GRANTED"),
    "sharepoint_access_denied": Expect("sharepoint", "SPO_ACCESS_DENIED"),
    "sharepoint_permission_missing": Expect("sharepoint", "SPO_ACCESS_DENIED"),
    "sharepoint_site_not_found": Expect("sharepoint", "SPO_SITE_NOT_FOUND"),
    "sharepoint_throttled": Expect("sharepoint", "SPO_THROTTLED"),
    "sharepoint_server_error": Expect(
        "sharepoint", "SPO_ERROR", evidence=(r"^HTTP 502\b", r"SPRequestGuid: [0-9a-f-]{36}")
    ),
    # the farm
    "farm_not_sharepoint": Expect("http", "ONPREM_NOT_SHAREPOINT"),
    "farm_basic_only": Expect("ntlm", "ONPREM_BASIC_ONLY"),
    "farm_kerberos_only": Expect("ntlm", "ONPREM_KERBEROS_ONLY"),
    "farm_forms_only": Expect(
        "ntlm",
        "ONPREM_AUTH_UNSUPPORTED",
        evidence=(
            r"HTTP 403, WWW-Authenticate: \(none\)",
            r"X-Forms_Based_Auth_Required: https://\S+/_login/",
        ),
    ),
    "farm_kerberos_unavailable": Expect(
        "ntlm", "ONPREM_KERBEROS_UNAVAILABLE", needs_absent="requests_kerberos"
    ),
    "farm_extended_protection": Expect(None, None, exit=0),
    "farm_extended_protection_offload": Expect(
        "ntlm",
        "ONPREM_EPA_CHANNEL_MISMATCH",
        evidence=(
            r"_api/web: HTTP 401 \(with a channel binding\)",
            r"tls-server-end-point ([0-9A-F]{2}:){31}[0-9A-F]{2}\)",
            r":2016/_api/web: HTTP 200 \(with a channel binding\)",
        ),
    ),
    "farm_wrong_password": Expect("ntlm", "ONPREM_AUTH_FAILED"),
    "farm_wrong_aam": Expect("web", "ONPREM_AAM_MISMATCH"),
    "farm_site_not_found": Expect("web", "ONPREM_NOT_FOUND"),
    "farm_access_denied": Expect("web", "ONPREM_ACCESS_DENIED"),
    "farm_throttled": Expect("search", "ONPREM_THROTTLED"),
    "farm_server_error": Expect(
        "web",
        "ONPREM_ERROR",
        evidence=(r"^HTTP 500\b", r"SPRequestGuid \(ULS correlation ID\): [0-9a-f-]{36}"),
    ),
    "farm_search_empty": Expect(None, None, exit=0, warning=("search", "ONPREM_SEARCH_EMPTY")),
    "farm_central_admin_closed": Expect("tcp", "ONPREM_CA_UNREACHABLE"),
    "farm_central_admin_elsewhere": Expect("central_admin", "ONPREM_NOT_SHAREPOINT"),
    "farm_not_central_admin": Expect("central_admin", "ONPREM_NOT_CENTRAL_ADMIN"),
    "farm_not_farm_admin": Expect("central_admin", "ONPREM_NOT_FARM_ADMIN"),
}

# Catalog codes of a ladder rung that no scenario produces on this machine, and why.
UNREPRODUCIBLE: dict[str, str] = {
    "ADDRESS_TENANT_UNKNOWN": "the sandbox serves a SharePoint host only for a tenant (named after its initial "
    "domain), so the host of a tenant that does not exist fails name resolution first (dns)",
    "AUTH_ASSERTION_SIGNATURE_INVALID": "needs a certificate with a registered thumbprint but another key "
    "(a forged certificate)",
    "AUTH_CONFIG": "MSAL refuses only configurations the profile's validation already refuses (exit 2)",
    "AUTH_FAILED": "the fallback for an AADSTS code spkit does not map; the sandbox answers only codes it maps",
    "AUTH_INVALID_SCOPE": "spkit always asks for '<resource>/.default', which the sandbox accepts",
    "AUTH_NO_CREDENTIAL": "spkit always sends the profile's credential (a profile without one is bad input)",
    "AUTH_RESOURCE_NOT_FOUND": "spkit asks tokens only for its cloud's Graph and the tenant's SharePoint hosts; "
    "another tenant's address is caught at discovery first (TENANT_MISMATCH)",
    "CLOUD_NO_GRAPH": "only the retired Germany cloud has no Graph, and its ladder cannot reach the token rung "
    "on this machine (its hosts are not on loopback)",
    "GRAPH_ACCESS_DENIED": "every Graph call of the ladder knows the token's roles, so a 403 is diagnosed as "
    "GRAPH_ROLE_MISSING (or a warning for Sites.Selected)",
    "GRAPH_INSUFFICIENT_PRIVILEGES": "a delegated (signed-in admin) error; the ladder calls Graph app-only",
    "GRAPH_NOT_FOUND": "the ladder's only Graph lookup that can miss (the application account) has its own code, "
    "APPLICATION_ACCOUNT_UNKNOWN",
    "GRAPH_SITE_NOT_GRANTED": "the graph rung reads the root site, which Sites.Selected refuses as a warning; the "
    "sharepoint rung reports the missing grant (SPO_SITE_NOT_GRANTED, scenario sites_selected_not_granted)",
    "GRAPH_TOKEN_REJECTED": "the sandbox's Graph accepts every unexpired token its login host issues for it; a "
    "token from another cloud or tenant needs a second identity provider",
    "NETWORK_PROXY": "needs an HTTP proxy on the way: spkit takes it from the environment only (HTTPS_PROXY), "
    "never for a host of the sandbox's connect-to map, and the sandbox runs no proxy listener",
    "NETWORK_PROXY_AUTH": "needs an HTTP proxy that answers CONNECT with 407; the sandbox runs no proxy listener "
    "(and spkit sends no sandbox host through a proxy)",
    "NETWORK_RESET": "no sandbox fault closes connections in the middle of a request",
    "NETWORK_TIMEOUT": "a loopback port either refuses at once or accepts: a listener that accepts and holds "
    "passes the tcp rung and fails the tls rung (TLS_HANDSHAKE_FAILED after 10 s); one that holds after TLS "
    "waits out spkit's 60 s read timeout, which no profile setting shortens (too slow for a scenario)",
    "NETWORK_UNREACHABLE": "needs a missing network route; loopback is always routed",
    "ONPREM_EPA_REQUIRED": "spkit always sends the TLS channel binding over https, so its authenticate "
    "message never lacks one (scenario farm_extended_protection is healthy); Extended Protection failing "
    "through a TLS offload, where the binding names another certificate, is ONPREM_EPA_CHANNEL_MISMATCH "
    "(scenario farm_extended_protection_offload)",
    "ONPREM_NO_SITE_ACCESS": "the sandbox's search is security-trimmed like SharePoint's, so every site it "
    "returns opens for the account",
    "ONPREM_NTLM_REFUSED": "no sandbox farm offers NTLM and then refuses its negotiate message (Kerberos-only "
    "farms have their own code)",
    "ONPREM_SEARCH_RUNAWAY": "the sandbox's search always pages to its end",
    "SPO_TOKEN_REJECTED": "needs a token of another audience, tenant or cloud (a second identity provider); "
    "the sandbox's 401 to a token without SharePoint roles is a missing permission "
    "(scenario sharepoint_permission_missing)",
    "TENANT_INVALID": "the profile refuses such a tenant_id before the ladder runs (PROFILE_TENANT_INVALID, "
    "exit 2: scenario tenant_invalid_identifier)",
    "TENANT_METADATA_INVALID": "the sandbox's discovery documents are always well formed",
}


def fault_names() -> list[str]:
    return sorted(p.name for p in SCENARIOS.iterdir() if (p / "profile.yaml").is_file())


def faults() -> list:
    """The scenarios as test parameters; a known gap is a strict xfail, so closing it shows."""
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=gap))
        if (gap := getattr(EXPECTED.get(name), "gap", None))
        else name
        for name in fault_names()
    ]


def scenario_of(fault: str) -> dict | None:
    path = SCENARIOS / fault / "scenario.yaml"
    return yaml.safe_load(path.read_text("utf-8")) if path.is_file() else None


def changes_every_host(scenario: dict) -> bool:
    """A fault of the whole sandbox (its clock) or of a host every tenant uses (login, Graph)."""
    section = scenario.get("faults") or {}
    if GLOBAL_FAULTS & set(section):
        return True
    hosts = {str(entry).rpartition(":")[0] or str(entry) for entry in section.get("closed_ports") or []}
    for key in ("throttle", "server_errors"):
        hosts |= {str(entry.get("host")) for entry in section.get(key) or []}
    for entry in section.get("server_certificates") or []:
        hosts |= {str(h) for h in [entry.get("host"), *(entry.get("hosts") or [])] if h}
    return bool(hosts & SHARED_HOSTS)


def world_of(fault: str) -> str | None:
    """The sandbox a fault's scenario runs in: its own, the shared one, or none (no scenario file)."""
    scenario = scenario_of(fault)
    if scenario is None:
        return None
    return fault if changes_every_host(scenario) else "shared"


def _join(into: dict[str, dict], item: dict, lists: dict[str, str], what: str) -> None:
    """Add a tenant or farm to ``into``: the same name must say the same, its lists are united."""
    head = {k: v for k, v in item.items() if k not in lists}
    known = into.setdefault(item["name"].lower(), {**head, **{key: [] for key in lists}})
    assert {k: v for k, v in known.items() if k not in lists} == head, f"{what} {item['name']} differs"
    for key, by in lists.items():
        for member in item.get(key) or []:
            same = next((m for m in known[key] if str(m[by]).lower() == str(member[by]).lower()), None)
            assert same in (None, member), f"{what} {item['name']}: {member[by]} is described two ways"
            if same is None:
                known[key].append(member)


def merge(scenarios: list[dict]) -> dict:
    """One scenario holding every tenant, farm and host fault of ``scenarios``."""
    tenants: dict[str, dict] = {}
    farms: dict[str, dict] = {}
    section: dict[str, list] = {}
    for scenario in scenarios:
        for tenant in scenario["tenants"]:
            _join(tenants, tenant, {"users": "upn", "apps": "name"}, "tenant")
        for farm in scenario.get("farms") or []:
            _join(farms, farm, {"users": "sam_account_name"}, "farm")
        for key, entries in (scenario.get("faults") or {}).items():
            section.setdefault(key, []).extend(entries)
    merged: dict = {"tenants": list(tenants.values())}
    if farms:
        merged["farms"] = list(farms.values())
    if section:
        merged["faults"] = section
    return merged


def world_scenario(world: str) -> dict:
    members = [scenario_of(f) for f in fault_names() if world_of(f) == world]
    return members[0] if world != "shared" else merge(members)  # type: ignore[return-value]


class Worlds:
    """The sandboxes of this worker, each started by the real CLI on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: dict[str, Path] = {}

    def state_dir(self, world: str) -> Path:
        if world not in self.started:
            scenario = self.root / f"{world}.yaml"
            scenario.write_text(yaml.safe_dump(world_scenario(world), sort_keys=False), "utf-8")
            state = self.root / world
            done = spkit_cli(
                "sandbox",
                "start",
                "--detach",
                "--no-directory",
                "--state",
                str(state),
                "--scenario",
                str(scenario),
            )
            assert done.returncode == 0, done.stdout + done.stderr
            self.started[world] = state
        return self.started[world]

    def stop(self) -> None:
        for state in self.started.values():
            spkit_cli("sandbox", "stop", "--state", str(state))


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory):
    started = Worlds(tmp_path_factory.mktemp("scenario-worlds"))
    yield started
    started.stop()


def place_profile(fault: str, state_dir: Path | None, folder: Path) -> Path:
    """The fault's folder copied to ``folder``, its profile pointing at ``state_dir`` (the sandbox's)."""
    for item in (SCENARIOS / fault).iterdir():
        if item.name != "scenario.yaml":
            shutil.copy(item, folder / item.name)
    text = (SCENARIOS / fault / "profile.yaml").read_text("utf-8")
    if state_dir is not None:
        text = text.replace(STATE.format(fault=fault), str(state_dir))
    profile = folder / "profile.yaml"
    profile.write_text(text, "utf-8")
    return profile


def offline_prefix() -> list[str] | None:
    """``unshare -rn``: a network namespace with loopback only, when this machine allows one."""
    if not shutil.which("unshare"):
        return None
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10)
    return ["unshare", "-rn"] if probe.returncode == 0 else None


def run_cli(
    *args: str, cwd: Path, prefix: list[str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """The real ``spkit`` command line, without proxies, caches or keyring of the user's own."""
    env = {
        **os.environ,
        **NO_PROXY_ENV,
        "XDG_CACHE_HOME": str(cwd / "cache"),
        "XDG_CONFIG_HOME": str(cwd / "config"),
        "SPKIT_KEYRING": "off",
    }
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "spkit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        input=stdin,
    )


def squash(text: str) -> str:
    """Text without its whitespace: the same words however the terminal output wrapped them."""
    return re.sub(r"\s+", "", text)


def secrets_of(card: dict) -> set[str]:
    found = set()
    for tenant in card.get("tenants", []):
        found |= {a["client_secret"] for a in tenant.get("apps", []) if a.get("client_secret")}
        found |= {u["password"] for u in tenant.get("users", []) if u.get("password")}
    for farm in card.get("farms", []):
        found |= {u["password"] for u in farm.get("users", []) if u.get("password")}
    return found


def admin_password(state: Path | None, upn: str) -> str:
    """The admin's password from the sandbox's card, as an operator would pipe it to --password-stdin."""
    assert state is not None, "an admin sign-in needs the scenario's sandbox"
    card = json.loads((state / "sandbox.json").read_text("utf-8"))
    users = [u for t in card["tenants"] for u in t.get("users", [])]
    return next(u["password"] for u in users if u["upn"].lower() == upn.lower()) + "\n"


def ladder_of(found: dict) -> str:
    return ", ".join(
        f"{r['rung']}={r['status']}{'/' + r['code'] if r['code'] else ''}" for r in found["rungs"]
    )


@pytest.mark.parametrize("fault", faults())
def test_diagnose_names_the_broken_rung_of_each_scenario(fault, worlds, tmp_path):
    expect = EXPECTED[fault]
    if expect.needs_absent and importlib.util.find_spec(expect.needs_absent):
        pytest.skip(f"{expect.needs_absent} is installed here: its absence is this fault")
    prefix = offline_prefix() if expect.offline else None
    if expect.offline and prefix is None:
        pytest.skip(
            "needs 'unshare -rn' (a namespace without network): this profile's hosts are not on loopback"
        )
    world = world_of(fault)
    state = worlds.state_dir(world) if world else None
    profile = place_profile(fault, state, tmp_path)
    admin: list[str] = ["--admin", expect.admin, "--password-stdin"] if expect.admin else []
    password = admin_password(state, expect.admin) if expect.admin else None
    with ThreadPoolExecutor(2) as pool:
        run = functools.partial(run_cli, cwd=tmp_path, prefix=prefix, stdin=password)
        as_json = pool.submit(run, "diagnose", str(profile), "--json", *admin)
        as_text = pool.submit(run, "diagnose", str(profile), *admin)
        json_run, text_run = as_json.result(), as_text.result()
    outputs = json_run.stdout + json_run.stderr + text_run.stdout + text_run.stderr
    assert "Traceback" not in outputs, outputs
    if state is not None:
        card = json.loads((state / "sandbox.json").read_text("utf-8"))
        leaked = [s for s in secrets_of(card) if s in outputs or s in profile.read_text("utf-8")]
        assert not leaked, "a secret of the card is in the profile or the output"

    if expect.exit == 2:  # bad input: one or two lines, nothing on stdout for --json
        for run in (json_run, text_run):
            assert run.returncode == 2, run.stdout + run.stderr
            lines = run.stderr.splitlines()
            assert lines and lines[0].startswith(f"spkit: error [{expect.code}]"), run.stderr
            assert len(lines) == 2 and lines[1].strip().startswith("fix: ") and lines[1].strip() != "fix:"
        assert json_run.stdout == ""
        return

    found = json.loads(json_run.stdout)  # exactly one JSON object
    assert (json_run.returncode, found["broken"], found["code"]) == (expect.exit, expect.rung, expect.code), (
        f"{fault}: expected {expect.rung}/{expect.code} (exit {expect.exit}), got {found['broken']}/{found['code']} "
        f"(exit {json_run.returncode}); ladder: {ladder_of(found)}"
    )
    assert text_run.returncode == expect.exit, text_run.stdout + text_run.stderr
    assert found["healthy"] is (expect.exit == 0)
    assert found["tell_customer"].strip()
    assert squash(found["tell_customer"]) in squash(text_run.stdout)
    if expect.exit == 0:
        assert all(r["status"] in ("passed", "warning") for r in found["rungs"]), ladder_of(found)
        assert "Healthy: no rung failed." in text_run.stdout
        if expect.warning:
            warned = next(r for r in found["rungs"] if r["rung"] == expect.warning[0])
            assert (warned["status"], warned["code"]) == ("warning", expect.warning[1]), warned
            assert warned["fix"].strip() and warned["evidence"].strip(), warned
        return
    broken = next(r for r in found["rungs"] if r["rung"] == expect.rung)
    assert broken["status"] == "failed" and broken["code"] == expect.code
    assert broken["fix"].strip() and broken["summary"].strip()
    heading = next(line for line in text_run.stdout.splitlines() if line.startswith("Broken: "))
    assert heading.startswith(f"Broken: {expect.rung} — ") and heading.endswith(f"[{expect.code}]"), heading
    shown = squash(text_run.stdout.split(heading, 1)[1])
    assert squash(broken["fix"]) in shown, "the fix of the JSON output is not in the text output"
    for pattern in expect.evidence:
        assert re.search(pattern, broken["evidence"]), (
            f"{fault}: evidence lacks {pattern!r}: {broken['evidence']}"
        )
    if fault == "certificate_not_registered_admin":  # sent: spkit-second's; registered: spkit-certificate's
        card = json.loads((state / "sandbox.json").read_text("utf-8"))
        apps = next(t["apps"] for t in card["tenants"] if t["name"] == "contoso")
        thumbs = {a["name"]: a["certificate"]["thumbprint"] for a in apps if a["certificate"]}
        assert (
            f"thumbprint sent: {thumbs['spkit-second']}; registered: {thumbs['spkit-certificate']}"
            in broken["evidence"]
        )
        assert thumbs["spkit-certificate"] in shown, "the registered thumbprint is not in the text output"
    if fault == "farm_wrong_aam":  # the sign-in never follows search to the other zone's host
        search = next(r for r in found["rungs"] if r["rung"] == "search")
        assert search["status"] == "warning" and "not opened" in search["summary"], search


def test_every_scenario_folder_has_an_expectation_and_a_profile_by_reference(tmp_path):
    assert sorted(EXPECTED) == fault_names()
    for fault in fault_names():
        profile = yaml.safe_load((SCENARIOS / fault / "profile.yaml").read_text("utf-8"))
        if scenario_of(fault) is not None:
            load_scenario(SCENARIOS / fault / "scenario.yaml")  # each stands alone for 'sandbox start'
            state = STATE.format(fault=fault)
            assert profile["sandbox"] == f"{state}/sandbox.json", fault
            certificate = (profile.get("certificate") or {}).get("path")
            assert certificate is None or certificate.startswith(f"{state}/tenants/"), fault
        for key in ("client_secret", "admin_password"):
            if key in profile:
                assert re.fullmatch(r"(sandbox|env|file):\S+", profile[key]), (
                    f"{fault}: {key} is no reference"
                )
    for world in {world_of(f) for f in fault_names()} - {None}:
        path = tmp_path / f"{world}.yaml"
        path.write_text(yaml.safe_dump(world_scenario(world), sort_keys=False), "utf-8")
        load_scenario(path)  # the shared sandbox's union is a valid scenario too


def test_every_ladder_code_of_the_catalog_has_a_scenario_or_a_reason():
    ladder_codes = {code for code, entry in CATALOG.items() if entry.rung is not None}
    covered = {e.code for e in EXPECTED.values() if e.code} | {
        e.warning[1] for e in EXPECTED.values() if e.warning
    }
    assert not covered - set(CATALOG), "a scenario expects a code the catalog does not have"
    assert not sorted(ladder_codes - covered - set(UNREPRODUCIBLE)), (
        "ladder codes without a scenario or reason"
    )
    assert not set(UNREPRODUCIBLE) - ladder_codes, "UNREPRODUCIBLE lists a code that is not a ladder rung's"
    assert not set(UNREPRODUCIBLE) & covered, "UNREPRODUCIBLE lists a code that a scenario produces"


def test_the_readme_lists_every_scenario_with_its_expectation_and_every_unreproducible_code():
    readme = (SCENARIOS / "README.md").read_text("utf-8")
    rows = {m.group(1): line for line in readme.splitlines() if (m := re.match(r"\| \[`(\w+)`\]", line))}
    assert sorted(rows) == fault_names()
    for fault, expect in EXPECTED.items():
        row = rows[fault]
        if expect.exit == 0:
            assert "healthy" in row, row
        else:
            assert f"`{expect.code}`" in row, row
            assert (f"`{expect.rung}`" if expect.rung else "exit 2") in row, row
    for code in UNREPRODUCIBLE:
        assert f"`{code}`" in readme, code
