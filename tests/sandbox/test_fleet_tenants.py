"""`spkit sandbox start --tenants N` and `spkit sandbox profiles`, through the real CLI.

One sandbox of its own (this is about starting one with a fleet), stopped at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from spkit.errors import SandboxInputError
from spkit.http.session import session_for_card
from spkit.sandbox.fleet import with_tenants
from tests.conftest import spkit_cli

APP_NAMES = ["spkit-secret", "spkit-certificate", "spkit-expired-secret", "spkit-unconsented"]


def _credentials(node: object, found: set[str]) -> set[str]:
    """Every password and secret value on the card (any key naming one), wherever it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and ("password" in key or "secret" in key) and len(value) >= 8:
                found.add(value)
            else:
                _credentials(value, found)
    elif isinstance(node, list):
        for value in node:
            _credentials(value, found)
    return found


def test_a_fleet_of_tenants_and_its_profiles(tmp_path: Path) -> None:
    state, out = tmp_path / "state", tmp_path / "profiles"
    done = spkit_cli(
        "sandbox", "start", "--detach", "--no-directory", "--tenants", "3", "--state", str(state)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        card = json.loads((state / "sandbox.json").read_text("utf-8"))
        tenants = {t["name"]: t for t in card["tenants"]}
        assert list(tenants) == ["contoso", "tenant002", "tenant003"]
        assert tenants["contoso"]["domains"][:2] == ["contoso.onmicrosoft.com", "contoso.com"]  # unchanged
        for name in ("tenant002", "tenant003"):
            tenant = tenants[name]
            assert tenant["domains"] == [f"{name}.onmicrosoft.com"]
            assert tenant["sharepoint_url"] == f"https://{name}.sharepoint.localhost"
            assert [a["name"] for a in tenant["apps"]] == APP_NAMES
            assert all(u["password"] for u in tenant["users"])
            assert 25 <= tenant["site_count"] <= 200
            for host in (name, f"{name}-admin", f"{name}-my"):
                assert f"{host}.sharepoint.localhost:443" in card["connect_to"]
        certs = {
            a["certificate"]["thumbprint"] for t in tenants.values() for a in t["apps"] if a["certificate"]
        }
        assert len(certs) == 6, "each certificate app has a certificate of its own"

        # The server certificate covers a generated tenant's hosts (TLS verified against the card's CA).
        with session_for_card(card) as session:
            answer = session.get("https://tenant003-my.sharepoint.localhost/_api/web", timeout=10)
        assert answer.status_code == 401  # reached SharePoint, which asks for a token

        done = spkit_cli("sandbox", "profiles", "--state", str(state), "--out", str(out), "--farms", "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        written = {row["name"]: row for row in json.loads(done.stdout)}
        expected = {f"{t}-{a.removeprefix('spkit-')}" for t in tenants for a in APP_NAMES}
        expected |= {f"fabrikam-{u['sam_account_name'].lower()}" for u in card["farms"][0]["users"]}
        assert set(written) == expected
        assert {p.stem for p in out.glob("*.yaml")} == expected
        assert written["tenant003-certificate"]["expect"] == "pass"
        assert written["tenant002-expired-secret"]["code"] == "AUTH_SECRET_EXPIRED"

        profile = yaml.safe_load((out / "tenant003-certificate.yaml").read_text("utf-8"))
        assert (out / profile["certificate"]["path"]).resolve() == Path(
            tenants["tenant003"]["apps"][1]["certificate"]["pem"]
        )
        assert (out / profile["sandbox"]).resolve() == (state / "sandbox.json").resolve()
        secret = yaml.safe_load((out / "tenant002-secret.yaml").read_text("utf-8"))
        assert secret["client_secret"] == "sandbox:tenant002/spkit-secret"

        ok = spkit_cli("verify", str(out / "tenant003-certificate.yaml"), cwd=tmp_path)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "tenant003-certificate (online): PASSED" in ok.stdout
        bad = spkit_cli("verify", str(out / "tenant002-expired-secret.yaml"), cwd=tmp_path)
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert "[AUTH_SECRET_EXPIRED]" in bad.stdout

        values = _credentials(card, set())
        assert len(values) >= 3 * 3 + 4, "the scan knows the card's passwords and secrets"
        for path in out.rglob("*"):
            text = path.read_text("utf-8")
            assert "PRIVATE KEY" not in text, path
            leaked = [v for v in values if v in text]
            assert not leaked, f"{path.name} holds a credential of the card"
    finally:
        spkit_cli("sandbox", "stop", "--state", str(state))


def test_tenants_out_of_range_is_bad_input(tmp_path: Path) -> None:
    done = spkit_cli("sandbox", "start", "--detach", "--tenants", "0", "--state", str(tmp_path / "s"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--tenants must be between 1 and 5,000, not 0" in done.stderr
    assert not (tmp_path / "s" / "sandbox.json").exists()


def test_tenants_count_the_scenario_s_own() -> None:
    two = {"tenants": [{"name": "contoso"}, {"name": "northwind"}]}
    scenario, generated = with_tenants(two, 4)
    assert [t["name"] for t in scenario["tenants"]] == ["contoso", "northwind", "tenant003", "tenant004"]
    assert generated == {"tenant003", "tenant004"}
    assert with_tenants(two, 2)[1] == frozenset()
    with pytest.raises(SandboxInputError, match="fewer than the scenario's 2 tenants"):
        with_tenants(two, 1)
    with pytest.raises(SandboxInputError, match="already has a tenant named tenant003"):
        with_tenants({"tenants": [{"name": "contoso"}, {"name": "tenant003"}]}, 3)


def test_profiles_without_a_running_sandbox_says_so(tmp_path: Path) -> None:
    done = spkit_cli("sandbox", "profiles", "--state", str(tmp_path / "none"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert "[SANDBOX_NOT_RUNNING]" in done.stderr and "Traceback" not in done.stderr
