"""Issue 3 from the CLI alone, against the shared sandbox: device-code sign-in approved by the sandbox's
test hook, automatic registration (preview, create, reuse, rotate, new), verify, unregister; and every
admin sign-in failure with its own diagnosis."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from spkit.http.session import session_for_card
from tests.conftest import REPO, spkit_cli
from tests.helpers import card_tenant

ADMIN = "admin@contoso.onmicrosoft.com"


def _user(card: dict, upn: str) -> dict:
    return next(u for u in card_tenant(card)["users"] if u["upn"] == upn)


@pytest.fixture
def env(tmp_path):
    """Each test its own token cache, certificate store and connections store."""
    return {
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CERT_STORE": str(tmp_path / "certs"),
        "SPKIT_KEYRING": "off",
    }


def target(card_path: Path) -> list[str]:
    return ["--cloud", "sandbox", "--sandbox", str(card_path), "--sharepoint-url", "contoso"]


def approve(card: dict, user_code: str, upn: str, password: str, action: str = "approve") -> None:
    with session_for_card(card) as session:
        answer = session.post(
            f"{card['cloud']['authority_host']}/_sandbox/devicecode",
            data={"user_code": user_code, "upn": upn, "password": password, "action": action},
        )
    assert answer.status_code == 200, answer.text


def run_with_device_code(args: list[str], env: dict, card: dict, upn: str = ADMIN, action: str = "approve"):
    """Run the CLI, read the user code it shows, approve it through the sandbox hook, wait for the end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spkit", *args],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    shown = []
    assert proc.stderr is not None
    for line in proc.stderr:
        shown.append(line)
        match = re.search(r"user code: (\S+)", line)
        if match:
            approve(card, match.group(1), upn, _user(card, upn)["password"], action)
            break
    out, err = proc.communicate(timeout=240)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(shown) + err)


def test_device_code_register_verify_reuse_unregister(tmp_path, env, card, card_path):
    name = f"spkit e2e {uuid.uuid4().hex[:8]}"
    profile = tmp_path / "auto.yaml"
    done = run_with_device_code(
        ["register", *target(card_path), "--admin", ADMIN, "--name", name, "--out", str(profile)], env, card
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "To sign in, use a web browser" in done.stderr
    assert "Create the application" in done.stdout
    assert "Sites.FullControl.All" in done.stdout and "678536fe-1083-478a-9c59-b99265e6b0d3" in done.stdout
    assert "waiting for consent to take effect" in done.stderr  # the propagation delay was polled through
    data = yaml.safe_load(profile.read_text())
    assert set(data["certificate"]) == {"thumbprint"}

    verified = spkit_cli("verify", str(profile), "--json", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert all(s["status"] == "passed" for s in json.loads(verified.stdout)["steps"])

    # A second registration reuses the app: the sign-in comes from the persisted cache, no new code.
    again = spkit_cli(
        "register",
        *target(card_path),
        "--admin",
        ADMIN,
        "--name",
        name,
        "--out",
        str(tmp_path / "again.yaml"),
        env=env,
        timeout=240,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Reuse the application" in again.stdout
    assert "user code" not in again.stderr
    assert yaml.safe_load((tmp_path / "again.yaml").read_text())["client_id"] == data["client_id"]

    gone = spkit_cli("unregister", str(profile), "--admin", ADMIN, env=env)
    assert gone.returncode == 0, gone.stderr
    assert "deleted the application" in gone.stdout
    after = spkit_cli("verify", str(profile), "--json", env=env)
    steps = {s["step"]: s for s in json.loads(after.stdout)["steps"]}
    assert steps["token"]["diagnosis"]["code"] == "AUTH_APP_NOT_FOUND"
    preview = spkit_cli(
        "register", *target(card_path), "--admin", ADMIN, "--name", name, "--dry-run", env=env
    )
    assert "Create the application" in preview.stdout


def test_dry_run_previews_and_changes_nothing(tmp_path, env, card, card_path):
    name = f"spkit preview {uuid.uuid4().hex[:8]}"
    password = _user(card, ADMIN)["password"]
    args = ["register", *target(card_path), "--admin", ADMIN, "--password-stdin", "--name", name, "--dry-run"]
    done = spkit_cli(*args, "--json", "--preset", "read", env=env, input=password + "\n")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout.split("dry run")[0])
    assert plan["action"] == "create" and plan["preset"] == "read"
    assert {p["name"] for p in plan["permissions"]} == {"Sites.Read.All", "User.Read.All", "Group.Read.All"}
    assert {"name": "Sites.Read.All", "resource": "Graph", "id": "332a536c-c7ef-4017-ab91-336970924f0d"} in (
        plan["permissions"]
    )
    assert plan["certificate_subject"] == name
    again = spkit_cli(*args, env=env, input=password + "\n")
    assert "Create the application" in again.stdout  # nothing was created by the first preview
    assert not Path(env["SPKIT_CERT_STORE"]).exists()  # no certificate made: the store was not even created


def test_rotate_and_new(tmp_path, env, card, card_path):
    name = f"spkit rotate {uuid.uuid4().hex[:8]}"
    password = _user(card, ADMIN)["password"]
    base = ["register", *target(card_path), "--admin", ADMIN, "--password-stdin", "--name", name]
    first = spkit_cli(*base, "--out", str(tmp_path / "a.yaml"), env=env, input=password + "\n", timeout=240)
    assert first.returncode == 0, first.stderr
    first_profile = yaml.safe_load((tmp_path / "a.yaml").read_text())
    # Without its certificate in the store, spkit will not silently make a second app of the same name.
    thumbprint = first_profile["certificate"]["thumbprint"]
    assert spkit_cli("certs", "remove", thumbprint, env=env).returncode == 0
    refused = spkit_cli(*base, env=env, input=password + "\n")
    assert refused.returncode == 2
    assert "[REGISTRATION_EXISTS]" in refused.stderr
    rotated = spkit_cli(
        *base,
        "--rotate-certificate",
        "--out",
        str(tmp_path / "b.yaml"),
        env=env,
        input=password + "\n",
        timeout=240,
    )
    assert rotated.returncode == 0, rotated.stderr
    second_profile = yaml.safe_load((tmp_path / "b.yaml").read_text())
    assert second_profile["client_id"] == first_profile["client_id"]
    assert second_profile["certificate"]["thumbprint"] != thumbprint
    assert spkit_cli("verify", str(tmp_path / "b.yaml"), env=env).returncode == 0
    fresh = spkit_cli(
        *base, "--new", "--out", str(tmp_path / "c.yaml"), env=env, input=password + "\n", timeout=240
    )
    assert fresh.returncode == 0, fresh.stderr
    assert yaml.safe_load((tmp_path / "c.yaml").read_text())["client_id"] != first_profile["client_id"]
    for path in ("b.yaml", "c.yaml"):
        assert spkit_cli("unregister", str(tmp_path / path), "--admin", ADMIN, env=env).returncode == 0


def test_saved_connection_register_edit_reuse_and_remove_unregister(tmp_path, env, card, card_path):
    name = f"conn-{uuid.uuid4().hex[:8]}"
    password = _user(card, ADMIN)["password"]
    base = ["--admin", ADMIN, "--password-stdin"]
    done = spkit_cli(
        "register",
        *target(card_path),
        *base,
        "--name",
        name,
        "--save",
        name,
        env=env,
        input=password + "\n",
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(spkit_cli("connections", "show", name, "--json", env=env).stdout)
    client_id = shown["profile"]["client_id"]
    assert spkit_cli("verify", "--connection", name, env=env).returncode == 0
    # Registering again for the connection reuses its app (no duplicate).
    again = spkit_cli("register", "--connection", name, *base, env=env, input=password + "\n", timeout=240)
    assert again.returncode == 0, again.stderr
    assert f"client ID {client_id}" in again.stdout
    removed = spkit_cli("connections", "remove", name, "--unregister", "--admin", ADMIN, env=env)
    assert removed.returncode == 0, removed.stderr
    assert "deleted the application" in removed.stdout
    assert name not in spkit_cli("connections", "list", env=env).stdout


@pytest.mark.parametrize(
    ("upn", "password_from", "code"),
    [
        ("mfa.admin@contoso.com", "password", "AUTH_MFA_REQUIRED"),
        ("disabled@contoso.com", "password", "AUTH_USER_DISABLED"),
        ("nobody@contoso.com", "wrong", "AUTH_USER_UNKNOWN"),
        (ADMIN, "wrong", "AUTH_BAD_PASSWORD"),
        ("blocked@contoso.com", "password", "AUTH_CONDITIONAL_ACCESS"),
        ("user@contoso.com", "password", "ADMIN_ROLE_MISSING"),
    ],
)
def test_each_sign_in_failure_has_its_own_diagnosis(env, card, card_path, upn, password_from, code):
    password = _user(card, upn)["password"] if password_from == "password" else "Wrong-Password-1"
    done = spkit_cli(
        "signin", *target(card_path), "--admin", upn, "--password-stdin", env=env, input=password + "\n"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"[{code}]" in done.stderr
    assert "Traceback" not in done.stderr
    assert password not in done.stderr + done.stdout
    if code == "AUTH_MFA_REQUIRED":
        assert "app password" in done.stderr and "device code" in done.stderr


def test_mfa_admin_signs_in_with_the_app_password(env, card, card_path):
    mfa = _user(card, "mfa.admin@contoso.com")
    done = spkit_cli(
        "signin",
        *target(card_path),
        "--admin",
        mfa["upn"],
        "--password-stdin",
        "--json",
        env=env,
        input=mfa["app_password"] + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Global Administrator" in json.loads(done.stdout)["roles"]


def test_sharepoint_admin_may_sign_in_but_not_register(env, card, card_path):
    sp = _user(card, "sp.admin@contoso.com")
    ok = spkit_cli(
        "signin",
        *target(card_path),
        "--admin",
        sp["upn"],
        "--password-stdin",
        "--json",
        env=env,
        input=sp["password"] + "\n",
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["can_register_automatically"] is False
    refused = spkit_cli(
        "register",
        *target(card_path),
        "--admin",
        sp["upn"],
        "--password-stdin",
        env=env,
        input=sp["password"] + "\n",
    )
    assert refused.returncode == 1
    assert "[ADMIN_NOT_GLOBAL_ADMIN]" in refused.stderr


def test_declined_device_code_is_its_own_diagnosis(env, card, card_path):
    done = run_with_device_code(["signin", *target(card_path), "--admin", ADMIN], env, card, action="decline")
    assert done.returncode == 1
    assert "[AUTH_DECLINED]" in done.stderr


def test_device_code_not_completed_in_time_is_its_own_diagnosis(env, card, card_path):
    done = spkit_cli("signin", *target(card_path), "--admin", ADMIN, "--timeout", "2", env=env, timeout=60)
    assert done.returncode == 1
    assert "[AUTH_SIGNIN_TIMEOUT]" in done.stderr
    assert "user code:" in done.stderr


def test_consent_that_does_not_propagate_in_time_is_reported(tmp_path, env):
    from spkit.sandbox.runner import RunningSandbox, SandboxOptions

    with RunningSandbox(SandboxOptions(state_dir=tmp_path / "slow", consent_delay_s=120)) as sandbox:
        password = _user(sandbox.card, ADMIN)["password"]
        done = spkit_cli(
            "register",
            *target(sandbox.card_path),
            "--admin",
            ADMIN,
            "--password-stdin",
            "--consent-timeout",
            "3",
            env=env,
            input=password + "\n",
            timeout=120,
        )
    assert done.returncode == 1
    assert "[CONSENT_NOT_EFFECTIVE]" in done.stderr


def test_graph_refusal_without_global_admin_becomes_a_clear_diagnosis(card):
    """Even past spkit's own role check, Graph's 403 Authorization_RequestDenied says what is missing."""
    from spkit.errors import AuthorizationError
    from spkit.http.session import session_for_card
    from spkit.models.cert_store import CertificateStore
    from spkit.models.clouds import sandbox_cloud
    from spkit.services.online.admin_signin import AdminAuthenticator
    from spkit.services.online.graph_client import GraphClient
    from spkit.services.online.registration import apply_registration, plan_registration

    sp = _user(card, "sp.admin@contoso.com")
    cloud = sandbox_cloud(card)
    tenant_id = card_tenant(card)["tenant_id"]
    with session_for_card(card) as session:
        signin = AdminAuthenticator(cloud=cloud, tenant_id=tenant_id, session=session).password(
            sp["upn"], sp["password"]
        )
        graph = GraphClient(session, cloud.graph_url, signin.token)
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            store = CertificateStore(folder)
            plan = plan_registration(
                graph, tenant_id=tenant_id, store=store, display_name=f"x {uuid.uuid4()}"
            )
            with pytest.raises(AuthorizationError) as info:
                apply_registration(plan, graph, store)
    assert info.value.code == "GRAPH_INSUFFICIENT_PRIVILEGES"
    assert "Global Administrator" in info.value.fix
    assert "Insufficient privileges" in info.value.evidence
