"""Issue 7, part 0, through the CLI: the device-code link opens in a browser on this machine, and an
on-premises profile can be saved, listed, shown, verified by name and removed like an Online one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests
import urllib3
import yaml

from tests.cli.test_cli_registration import ADMIN, approve, target
from tests.conftest import REPO, spkit_cli


@pytest.fixture
def env(tmp_path):
    return {
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CERT_STORE": str(tmp_path / "certs"),
        "SPKIT_KEYRING": "off",
    }


def test_device_code_link_opens_without_the_connect_to_map(env, card, card_path):
    """What a browser does: resolve login.localhost to loopback by itself, no connect-to, port in the URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spkit", "signin", *target(card_path), "--admin", ADMIN, "--timeout", "60"],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    link = code = None
    for line in proc.stderr:
        link = link or (re.search(r"https://\S+/devicelogin", line) or [None])[0]
        found = re.search(r"user code: (\S+)", line)
        if found:
            code = found.group(1)
            break
    try:
        assert link and code, "no link or code shown"
        parts = urlsplit(link)
        sandbox_port = int(card["connect_to"][f"{parts.hostname}:443"].rpartition(":")[2])
        assert parts.hostname == "login.localhost" and parts.port == sandbox_port, link
        # the page itself, fetched as a browser would: the name resolves to loopback, the CA is trusted
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        page = requests.get(
            link.replace(parts.hostname, "127.0.0.1", 1),
            headers={"Host": parts.netloc},
            verify=False,  # noqa: S501 - 127.0.0.1 is not the certificate's name; the Host header is
            timeout=10,
        )
        assert page.status_code == 200 and "code" in page.text.lower()
        approve(
            card, code, ADMIN, next(u for u in card["tenants"][0]["users"] if u["upn"] == ADMIN)["password"]
        )
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
        assert "signed in as admin@contoso.onmicrosoft.com" in out
    finally:
        if proc.poll() is None:
            proc.kill()


def test_onprem_connection_saved_listed_verified_removed(tmp_path, env, card_path):
    data = yaml.safe_load((REPO / "parameters" / "fabrikam-onprem.yaml").read_text())
    data["sandbox"] = str(card_path)
    profile = tmp_path / "farm.yaml"
    profile.write_text(yaml.safe_dump(data))

    added = spkit_cli("connections", "add", str(profile), "--name", "farm", env=env)
    assert added.returncode == 0, added.stderr
    assert "saved connection 'farm'" in added.stdout

    listed = json.loads(spkit_cli("connections", "list", "--json", env=env).stdout)
    assert [(c["name"], c["kind"], c["credential"], c["cloud"]) for c in listed] == [
        ("farm", "onprem", "password", None)
    ]
    shown = json.loads(spkit_cli("connections", "show", "farm", "--json", env=env).stdout)
    assert shown["profile"]["admin_password"] == "sandbox:fabrikam/spfarm@fabrikam.local"

    verified = spkit_cli("verify", "--connection", "farm", "--json", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    removed = spkit_cli("connections", "remove", "farm", env=env)
    assert removed.returncode == 0 and "removed connection 'farm'" in removed.stdout
    assert json.loads(spkit_cli("connections", "list", "--json", env=env).stdout) == []


def test_onprem_password_typed_into_the_store_is_used_and_never_shown(
    tmp_path, env, card, card_path, monkeypatch
):
    """The wizard's path: the typed farm password goes into the store as store:NAME/admin_password."""
    from spkit.store import ConnectionStore

    farm = next(f for f in card["farms"] if f["name"] == "fabrikam")
    account = next(a for a in farm["users"] if a["upn"] == "spfarm@fabrikam.local")
    data = yaml.safe_load((REPO / "parameters" / "fabrikam-onprem.yaml").read_text())
    data.update(sandbox=str(card_path), admin_password="store:farm-typed/admin_password")
    for name, value in env.items():  # this process writes the store the CLI reads: same key source
        monkeypatch.setenv(name, value)
    store = ConnectionStore()
    saved = store.add(data, secrets={"admin_password": account["password"]}, name="farm-typed")
    assert saved.secret_keys == ("admin_password",)
    shown = spkit_cli("connections", "show", "farm-typed", env=env)
    assert account["password"] not in shown.stdout + shown.stderr
    verified = spkit_cli("verify", "--connection", "farm-typed", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert account["password"] not in verified.stdout + verified.stderr
