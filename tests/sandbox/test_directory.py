"""The sandbox's directory: the farm's AD domain and two partners over LDAPS (a real slapd), on the card.

What a consultant does in the demo: ``spkit sandbox start``, then Browse (``spkit ad users --sandbox``)
lists the farm's administrators, the trusts show which partner may be browsed, and a UPN chosen there
signs in to the farm. Without slapd the sandbox says so in one line and serves HTTPS all the same.
Most tests use the session's sandbox; the ones about starting and stopping start their own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import ssl
import time
from pathlib import Path

import pytest
import yaml

from spkit.sandbox.directory import slapd as openldap
from spkit.sandbox.runner import SandboxOptions, pid_alive, start_in_thread
from spkit.services.ad import list_trusts, list_users, open_directory, resolve_group
from spkit.services.ad.sandbox_directory import directory_problem, directory_settings_from_card
from tests.conftest import spkit_cli

# The host's AD settings must not leak into a test.
CLEAN_ENV = {name: "" for name in ("SPKIT_AD_SERVER", "SPKIT_AD_BASE", "SPKIT_AD_USER", "SPKIT_AD_PASSWORD")}
UNTRUSTED = (
    "northwind.local is not trusted by fabrikam.local: type the UPN, or browse it with its own credentials"
)


def farm(card: dict) -> dict:
    return card["farms"][0]


def ad(card_path: Path, *args: str, env: dict | None = None):
    return spkit_cli("ad", *args, "--sandbox", str(card_path), env={**CLEAN_ENV, **(env or {})})


def csv_rows(done) -> list[dict]:
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while openldap.alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not openldap.alive(pid)


# --- on the card ------------------------------------------------------------------------------------


def test_the_card_lists_the_farms_domain_and_two_partners_over_ldaps(card):
    directory = card["directory"]
    assert directory["available"] is True
    assert directory["ldaps_url"].startswith("ldaps://127.0.0.1:")
    assert directory["ca_bundle"] == card["ca_bundle"]  # the sandbox's own CA
    assert (directory["domain"], directory["base"]) == ("fabrikam.local", "DC=fabrikam,DC=local")
    roles = {d["domain"]: (d["role"], d["trusted"]) for d in directory["domains"]}
    assert roles == {
        "fabrikam.local": ("farm", True),
        "contoso.local": ("trusted partner", True),
        "northwind.local": ("untrusted partner", False),
    }
    # The farm's domain holds exactly the farm's accounts, with the passwords its NTLM accepts.
    home = next(d for d in directory["domains"] if d["role"] == "farm")
    accounts = {u["upn"]: u for u in home["users"]}
    assert {u["upn"]: u["password"] for u in farm(card)["users"]} == {
        upn: u["password"] for upn, u in accounts.items()
    }
    assert openldap.is_slapd(directory["pid"])
    # LDAPS from the first byte, with a certificate the card's CA vouches for
    host, port = directory["ldaps_url"].removeprefix("ldaps://").split(":")
    context = ssl.create_default_context(cafile=directory["ca_bundle"])
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with socket.create_connection((host, int(port)), timeout=5) as raw, pytest.raises(ssl.SSLError):
        ssl.create_default_context().wrap_socket(raw, server_hostname=host)


def test_status_shows_the_directory(sandbox_state_dir, card):
    done = spkit_cli("sandbox", "status", "--state", str(sandbox_state_dir))
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("directory:"))
    assert card["directory"]["ldaps_url"] in line and "northwind.local (untrusted partner)" in line
    info = json.loads(spkit_cli("sandbox", "status", "--state", str(sandbox_state_dir), "--json").stdout)
    assert info["directory"]["running"] is True and "bind_password" not in json.dumps(info)


# --- browsing it --------------------------------------------------------------------------------------


def test_ad_users_lists_the_farm_admins(card_path, card):
    admins = ad(card_path, "users", "--group", "SharePoint Farm Admins", "--format", "csv")
    assert {u["upn"] for u in csv_rows(admins)} == {u["upn"] for u in farm(card)["users"] if u["farm_admin"]}
    assert {u["upn"] for u in csv_rows(admins)} == {"spfarm@fabrikam.local"}
    administrators = ad(card_path, "users", "--group", "SharePoint Administrators", "--format", "csv")
    assert {u["upn"] for u in csv_rows(administrators)} == {"spfarm@fabrikam.local", "spadmin@fabrikam.local"}
    everyone = {u["upn"]: u for u in csv_rows(ad(card_path, "users", "--format", "csv"))}
    assert set(everyone) == {u["upn"] for u in farm(card)["users"]}  # no computer, no krbtgt
    assert everyone["olduser@fabrikam.local"]["disabled"] == "true"


def test_trusts_show_the_trusted_and_the_untrusted_partner(card_path):
    done = ad(card_path, "trusts", "--format", "json")
    assert done.returncode == 0, done.stderr
    trusts = {t["partner"]: t for t in json.loads(done.stdout)}
    assert set(trusts) == {"contoso.local", "northwind.local"}
    assert (
        trusts["contoso.local"]["trusted"] is True and trusts["contoso.local"]["direction"] == "bidirectional"
    )
    assert trusts["northwind.local"]["trusted"] is False and trusts["northwind.local"]["browse"] == UNTRUSTED
    refused = ad(card_path, "users", "--domain", "northwind.local")
    assert refused.returncode == 1 and "[AD_DOMAIN_NOT_TRUSTED]" in refused.stderr
    # "browse it with its own credentials": the card has an account of each domain
    own = ad(card_path, "users", "--base", "northwind.local", "--format", "csv")
    assert {u["upn"] for u in csv_rows(own)} == {"nancyd@northwind.local", "andrewf@northwind.local"}
    partner = ad(card_path, "users", "--base", "contoso.local", "--user", "spadmin@fabrikam.local")
    assert partner.returncode == 0 and "alexw@contoso.local" in partner.stdout  # the trust is both ways


def test_a_upn_chosen_in_browse_signs_in_to_the_farm(card_path, card, tmp_path):
    admins = csv_rows(ad(card_path, "users", "--group", "SharePoint Farm Admins", "--format", "csv"))
    chosen = admins[0]["upn"]
    the_farm = farm(card)
    profile = {
        "name": "browsed-farm",
        "kind": "onprem",
        "sandbox": str(card_path),
        "sharepoint_url": the_farm["url"],
        "central_admin_port": the_farm["central_admin_port"],
        "admin_upn": chosen,
        "admin_password": f"sandbox:{the_farm['name']}/{chosen}",
    }
    path = tmp_path / "browsed.yaml"
    path.write_text(yaml.safe_dump(profile))
    done = spkit_cli("verify", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    # and the farm password of that account binds to the directory as it
    bound = ad(
        card_path,
        "users",
        "--user",
        chosen,
        "--password",
        "env:FARM_PW",
        env={"FARM_PW": next(u["password"] for u in the_farm["users"] if u["upn"] == chosen)},
    )
    assert bound.returncode == 0, bound.stderr


@pytest.mark.filterwarnings("ignore:ssl.match_hostname:DeprecationWarning")  # ldap3's own TLS check
def test_the_service_helper_gives_browse_its_settings(card):
    settings = directory_settings_from_card(card)
    assert settings is not None and settings.url == card["directory"]["ldaps_url"]
    assert card["directory"]["bind_password"] not in repr(settings)
    with open_directory(settings) as directory:
        group = resolve_group(directory, "SharePoint Farm Admins")
        assert [u.upn for u in list_users(directory, group=group)] == ["spfarm@fabrikam.local"]
        assert {t.partner: t.trusted for t in list_trusts(directory)} == {
            "contoso.local": True,
            "northwind.local": False,
        }
    contoso = directory_settings_from_card(card, domain="contoso.local")
    assert contoso is not None and contoso.base == "DC=contoso,DC=local"
    without = {
        **card,
        "directory": {"available": False, "reason": "slapd is not installed", "fix": "install"},
    }
    assert directory_settings_from_card(without) is None
    assert directory_problem(without) == ("slapd is not installed", "install")
    assert directory_problem(card) is None


# --- starting and stopping (their own sandboxes) -------------------------------------------------------


def test_without_slapd_the_sandbox_says_so_in_one_line_and_serves_https(tmp_path):
    empty = tmp_path / "no-openldap"
    empty.mkdir()
    state = tmp_path / "state"
    env = {"SPKIT_SLAPD_DIR": str(empty)}
    done = spkit_cli("sandbox", "start", "--detach", "--state", str(state), env=env)
    try:
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines() == [
            f"spkit: warning: directory not served: OpenLDAP's slapd is not installed (not in "
            f"SPKIT_SLAPD_DIR={empty}); install OpenLDAP: sudo apt-get install slapd ldap-utils, "
            "then restart the sandbox"
        ]
        card = json.loads((state / "sandbox.json").read_text())
        assert card["directory"]["available"] is False
        assert "slapd is not installed" in card["directory"]["reason"]
        status = spkit_cli("sandbox", "status", "--state", str(state))
        assert status.returncode == 0 and "answering" in status.stdout  # HTTPS (a JWKS request) answers
        assert "directory not served: OpenLDAP's slapd is not installed" in status.stdout
        browse = ad(state / "sandbox.json", "users")
        assert browse.returncode == 2 and "[SANDBOX_NO_DIRECTORY]" in browse.stderr
        assert "no directory configured" in browse.stderr and "apt-get install slapd" in browse.stderr
    finally:
        spkit_cli("sandbox", "stop", "--state", str(state))


def test_stopping_the_sandbox_stops_slapd_and_passwords_stay(tmp_path):
    options = SandboxOptions(state_dir=tmp_path / "state", sites=5)
    with start_in_thread(options) as sandbox:
        first = sandbox.card["directory"]
        assert first["available"] is True, first
    assert gone(first["pid"], within=0) and not (tmp_path / "state" / "sandbox.json").exists()
    with start_in_thread(options) as sandbox:
        again = sandbox.card["directory"]
    assert gone(again["pid"], within=0)
    passwords = {d["domain"]: d["bind_password"] for d in first["domains"]}
    assert passwords == {d["domain"]: d["bind_password"] for d in again["domains"]}  # one per state dir


def test_a_killed_sandbox_leaves_no_slapd(tmp_path):
    state = tmp_path / "state"
    done = spkit_cli("sandbox", "start", "--detach", "--state", str(state), "--sites", "5")
    assert done.returncode == 0, done.stderr
    card = json.loads((state / "sandbox.json").read_text())
    slapd_pid = card["directory"]["pid"]
    assert openldap.is_slapd(slapd_pid)
    os.kill(card["pid"], signal.SIGKILL)
    assert gone(slapd_pid, within=10), "the guardian did not stop slapd after its sandbox was killed"
    assert not pid_alive(card["pid"])
    stopped = spkit_cli("sandbox", "stop", "--state", str(state))  # the stale card goes
    assert stopped.returncode == 0 and "no sandbox" in stopped.stdout
