"""``spkit ad users|trusts`` through the real CLI against a real OpenLDAP slapd started for the session.

The directory is fabrikam.local shaped like Active Directory (the sandbox's ad-lite.schema, and
tests/ldap/: fabrikam.ldif, 1,200 generated users). One slapd serves every pytest-xdist worker; the last
worker to finish stops it. If slapd is missing the tests FAIL (make test installs it: make system-deps):
they never skip silently.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from tests.conftest import _shared_root, spkit_cli
from tests.ldap import slapd as launcher

PASSWORD_VAR = "SPKIT_TEST_AD_PASSWORD"
# The environment the CLI falls back on is cleared so the host's settings cannot leak into a test.
CLEAN_ENV = {
    name: ""
    for name in (
        "SPKIT_AD_SERVER",
        "SPKIT_AD_BASE",
        "SPKIT_AD_USER",
        "SPKIT_AD_PASSWORD",
        "SPKIT_AD_CA_BUNDLE",
    )
}
ADMINS = {"spfarm@fabrikam.local", "spadmin@fabrikam.local"}


@pytest.fixture(scope="session")
def slapd(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[launcher.SlapdInstance]:
    root = _shared_root(tmp_path_factory, request.config)
    state = root / "shared-slapd"
    lock = FileLock(str(root / "shared-slapd.lock"))
    # pytest's own process: the xdist controller for a worker, else this process. If it dies without
    # tearing down, the launcher's guardian stops slapd.
    watch = os.getppid() if hasattr(request.config, "workerinput") else os.getpid()
    problem = None
    try:
        with lock:
            instance = launcher.acquire(state, watch_pid=watch)
    except launcher.SlapdUnavailable as exc:
        problem = str(exc)
    if problem:  # fail (never skip): CI installs slapd, so its absence is a broken setup
        pytest.fail(problem, pytrace=False)
    yield instance
    with lock:
        launcher.release(state)


def ad(
    instance: launcher.SlapdInstance,
    *args: str,
    tls: str = "ldaps",
    password: str | None = None,
    env: dict | None = None,
    input: str | None = None,
    connection: bool = True,
):
    """Run ``spkit ad ...`` bound as spadmin; ``tls``: ldaps (with the CA), starttls, plain, none.

    A ``--server`` or ``--user`` among ``args`` replaces the default one.
    """
    options: list[str] = []
    if connection:
        if "--server" in args or tls == "none":
            pass
        elif tls == "ldaps":
            options += ["--server", instance.ldaps_url, "--ca-bundle", instance.ca_pem]
        elif tls == "starttls":
            options += ["--server", instance.ldap_url, "--starttls", "--ca-bundle", instance.ca_pem]
        elif tls == "plain":
            options += ["--server", instance.ldap_url]
        if "--user" not in args:
            options += ["--user", instance.bind_dn]
        if input is None and "--password" not in args:
            options += ["--password", f"env:{PASSWORD_VAR}"]
    full_env = {**CLEAN_ENV, PASSWORD_VAR: instance.password if password is None else password, **(env or {})}
    return spkit_cli("ad", *args, *options, env=full_env, input=input)


def rows(done) -> list[dict]:
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def error_lines(done) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


# --- listing ------------------------------------------------------------------------------------


def test_users_lists_every_seeded_user_across_pages(slapd):
    done = ad(slapd, "users", "--format", "csv", "--page-size", "500")
    users = rows(done)
    upns = [u["upn"] for u in users]
    assert len(upns) == slapd.users == 1204
    assert len(set(upns)) == len(upns)
    assert set(launcher.NAMED_UPNS) <= set(upns)
    # the computer (objectCategory=computer) and krbtgt (no UPN) are left out by the filter
    assert not [u for u in upns if u.startswith("host/")]
    farm = next(u for u in users if u["upn"] == "spfarm@fabrikam.local")
    assert (farm["display_name"], farm["sam_account_name"], farm["disabled"]) == (
        "SharePoint Farm",
        "spfarm",
        "false",
    )
    assert next(u for u in users if u["upn"] == "disabled@fabrikam.local")["disabled"] == "true"
    assert "1204 user(s) in 3 page(s)" in done.stderr  # 500 + 500 + 204: it really paged
    assert "continuation reference(s) not followed" in done.stderr  # DomainDnsZones, as on AD
    assert "warning" not in done.stderr  # LDAPS: nothing sent in the clear


def test_users_json_keeps_utf8_and_escaped_dns(slapd):
    done = ad(slapd, "users", "--format", "json", "--page-size", "300")
    users = json.loads(done.stdout)
    assert len(users) == 1204
    jurgen = next(u for u in users if u["display_name"] == "Jürgen Müller, Jr.")
    assert jurgen["dn"].lower().startswith("cn=jürgen müller\\2c jr.,ou=staff,")
    assert "in 5 page(s)" in done.stderr


def test_users_table_over_starttls(slapd):
    done = ad(slapd, "users", tls="starttls")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["UPN", "DISPLAY", "NAME", "SAMACCOUNTNAME", "STATUS"]
    assert len(lines) == 1 + 1204
    assert any(line.startswith("disabled@fabrikam.local") and line.endswith("disabled") for line in lines)
    assert "warning" not in done.stderr


def test_plain_ldap_warns_that_the_password_is_sent_in_the_clear(slapd):
    done = ad(slapd, "users", "--group", "SharePoint Farm Admins", tls="plain")
    assert done.returncode == 0, done.stderr
    assert "warning:" in done.stderr and "in the clear" in done.stderr and "--starttls" in done.stderr


def test_enabled_only_leaves_out_the_disabled_account(slapd):
    upns = {u["upn"] for u in rows(ad(slapd, "users", "--enabled-only", "--format", "csv"))}
    assert len(upns) == 1203 and "disabled@fabrikam.local" not in upns


def test_global_catalog_searches_from_the_forest_root(slapd):
    done = ad(slapd, "users", "--global-catalog", "--format", "csv")
    assert len(rows(done)) == 1204
    assert "base ''" in done.stderr


# --- administrators: a group's members --------------------------------------------------------


def test_group_by_name_lists_exactly_the_two_admins(slapd):
    done = ad(slapd, "users", "--group", "SharePoint Farm Admins", "--format", "csv")
    assert {u["upn"] for u in rows(done)} == ADMINS
    assert len(rows(done)) == 2
    assert "direct members only" in done.stderr


def test_group_by_dn_lists_exactly_the_two_admins(slapd):
    done = ad(slapd, "users", "--group", launcher.ADMINS_GROUP_DN, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert {u["upn"] for u in json.loads(done.stdout)} == ADMINS


def test_nested_groups_are_not_asked_of_a_server_that_is_not_ad(slapd):
    # OpenLDAP answers the in-chain rule with *no entries*, so spkit must not send it there.
    auto = ad(slapd, "users", "--group", "All SharePoint Staff", "--format", "csv")
    assert [u["upn"] for u in rows(auto)] == ["reader@fabrikam.local"]
    assert "the server is not Active Directory" in auto.stderr
    forced = ad(slapd, "users", "--group", "All SharePoint Staff", "--nested", "yes")
    assert forced.returncode == 2
    assert "[AD_NESTED_UNSUPPORTED]" in forced.stderr and "1.2.840.113556.1.4.1941" in forced.stderr


def test_unknown_group_is_a_failed_check(slapd):
    done = ad(slapd, "users", "--group", "Farm Admins That Do Not Exist")
    assert done.returncode == 1
    assert "[AD_GROUP_NOT_FOUND]" in done.stderr and len(error_lines(done)) == 2
    missing_dn = ad(slapd, "users", "--group", "CN=Nope,OU=Groups,DC=fabrikam,DC=local")
    assert missing_dn.returncode == 1 and "[AD_GROUP_NOT_FOUND]" in missing_dn.stderr
    not_a_group = ad(slapd, "users", "--group", "CN=Reader,CN=Users,DC=fabrikam,DC=local")
    assert not_a_group.returncode == 2 and "[AD_GROUP_INVALID]" in not_a_group.stderr


# --- trusts -------------------------------------------------------------------------------------


def test_trusts_lists_contoso(slapd):
    table = ad(slapd, "trusts")
    assert table.returncode == 0, table.stderr
    contoso = next(line for line in table.stdout.splitlines() if line.startswith("contoso.local"))
    assert "CONTOSO" in contoso and "bidirectional" in contoso and "its own query" in contoso
    trusts = {t["partner"]: t for t in json.loads(ad(slapd, "trusts", "--format", "json").stdout)}
    assert set(trusts) == {"contoso.local", "northwind.local", "emea.fabrikam.local"}
    assert trusts["contoso.local"]["trusted"] is True and trusts["contoso.local"]["kind"] == "forest"
    assert trusts["emea.fabrikam.local"]["kind"] == "within-forest"
    assert trusts["northwind.local"]["trusted"] is False
    assert trusts["northwind.local"]["browse"] == (
        "northwind.local is not trusted by fabrikam.local: type the UPN, or browse it with its own credentials"
    )


def test_browsing_another_domain_follows_the_trusts(slapd):
    untrusted = ad(slapd, "users", "--domain", "northwind.local")
    assert untrusted.returncode == 1
    assert "[AD_DOMAIN_NOT_TRUSTED]" in untrusted.stderr
    assert (
        "northwind.local is not trusted by fabrikam.local: type the UPN, or browse it with its own credentials"
        in untrusted.stderr
    )
    unknown = ad(slapd, "users", "--domain", "tailspin.example")
    assert unknown.returncode == 1 and "no trust with tailspin.example" in unknown.stderr
    other_forest = ad(slapd, "users", "--domain", "contoso.local")
    assert other_forest.returncode == 2 and "[AD_TRUST_NEEDS_OWN_QUERY]" in other_forest.stderr
    assert "--server ldaps://<a DC of contoso.local>" in other_forest.stderr
    own = ad(
        slapd, "users", "--domain", "FABRIKAM.local", "--group", "SharePoint Farm Admins", "--format", "csv"
    )
    assert {u["upn"] for u in rows(own)} == ADMINS


# --- what goes wrong, and what spkit says ---------------------------------------------------------


def test_wrong_password_is_refused_without_echoing_it(slapd):
    wrong = "Not-The-Password-7f3a9"
    done = ad(slapd, "users", password=wrong)
    assert done.returncode == 1
    lines = error_lines(done)
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("spkit: error [AD_BIND_REFUSED]:") and "invalid credentials (49)" in lines[0]
    assert lines[1].startswith("  fix:")
    assert done.stdout == ""
    for secret in (wrong, slapd.password):
        assert secret not in done.stdout + done.stderr


def test_upn_bind_name_on_a_dn_only_server_is_explained(slapd):
    done = ad(slapd, "users", "--user", "spadmin@fabrikam.local")
    assert done.returncode == 1
    assert "[AD_BIND_NAME_REJECTED]" in done.stderr and "not Active Directory" in done.stderr


def test_untrusted_certificate_needs_the_ca_bundle(slapd):
    done = spkit_cli(
        "ad", "users", "--server", slapd.ldaps_url, "--user", slapd.bind_dn, "--password", f"env:{PASSWORD_VAR}",
        env={**CLEAN_ENV, PASSWORD_VAR: slapd.password},
    )  # fmt: skip
    assert done.returncode == 1
    assert "[TLS_UNTRUSTED]" in done.stderr and "--ca-bundle" in done.stderr


def test_server_refusing_the_connection(slapd):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = ad(slapd, "users", "--server", f"ldap://127.0.0.1:{port}", tls="none")
    assert done.returncode == 1 and "[NETWORK_REFUSED]" in done.stderr


def test_server_name_that_does_not_resolve(slapd):
    done = ad(slapd, "users", "--server", "ldaps://dc01.fabrikam.invalid", tls="none")
    assert done.returncode == 1 and "[NETWORK_DNS]" in done.stderr and "dc01.fabrikam.invalid" in done.stderr


def test_server_that_never_answers_times_out(slapd):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held: list = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    try:
        url = f"ldap://127.0.0.1:{listener.getsockname()[1]}"
        done = ad(slapd, "users", "--server", url, "--timeout", "1", tls="none")
    finally:
        listener.close()
    assert (
        done.returncode == 1
        and "[NETWORK_TIMEOUT]" in done.stderr
        and "did not answer in time" in done.stderr
    )


def test_base_dn_that_does_not_exist(slapd):
    done = ad(slapd, "users", "--base", "OU=Nowhere,DC=fabrikam,DC=local")
    assert done.returncode == 1
    assert "[AD_BASE_NOT_FOUND]" in done.stderr and "no such object 32" in done.stderr
    assert "nearest entry that exists is 'dc=fabrikam,dc=local'" in done.stderr
    malformed = ad(slapd, "users", "--base", "DC=fabrikam,,DC")
    assert malformed.returncode == 2 and "[AD_BASE_INVALID]" in malformed.stderr


def test_base_of_another_domain_is_a_referral(slapd):
    done = ad(slapd, "users", "--base", "contoso.local")
    assert done.returncode == 1
    assert "[AD_REFERRAL]" in done.stderr and "ldap://dc01.contoso.local/" in done.stderr


def test_unpaged_search_stops_at_the_server_size_limit(slapd):
    done = ad(slapd, "users", "--page-size", "0", "--format", "csv")
    assert done.returncode == 1
    assert "[AD_SIZE_LIMIT]" in done.stderr and "--page-size 500" in done.stderr
    assert len(done.stdout.splitlines()) == 1 + launcher.SERVER_SIZE_LIMIT  # what came before the limit


def test_no_directory_configured_says_type_the_upn(slapd):
    done = ad(slapd, "users", "--group", "SharePoint Farm Admins", connection=False)
    assert done.returncode == 2
    assert (
        error_lines(done)[0]
        == "spkit: error [AD_NOT_CONFIGURED]: no directory configured: type the UPN (user@domain)"
    )
    assert len(error_lines(done)) == 2
    trusts = ad(slapd, "trusts", "--password-stdin", connection=False, input="never read")
    assert trusts.returncode == 2 and "type the UPN (user@domain)" in trusts.stderr


# --- how the password and the settings arrive ---------------------------------------------------


def test_password_from_stdin_file_and_environment_settings(slapd, tmp_path: Path):
    piped = ad(
        slapd,
        "users",
        "--group",
        "SharePoint Farm Admins",
        "--password-stdin",
        "--format",
        "csv",
        input=slapd.password + "\n",
    )
    assert {u["upn"] for u in rows(piped)} == ADMINS
    secret_file = tmp_path / "ad.pw"
    secret_file.write_text(slapd.password + "\n")
    secret_file.chmod(0o600)
    from_file = ad(slapd, "users", "--group", "SharePoint Farm Admins", "--password", f"file:{secret_file}")
    assert from_file.returncode == 0, from_file.stderr
    env_only = spkit_cli(
        "ad", "trusts", "--format", "json",
        env={
            **CLEAN_ENV,
            "SPKIT_AD_SERVER": slapd.ldaps_url,
            "SPKIT_AD_CA_BUNDLE": slapd.ca_pem,
            "SPKIT_AD_USER": slapd.bind_dn,
            "SPKIT_AD_PASSWORD": f"env:{PASSWORD_VAR}",
            "SPKIT_AD_BASE": "fabrikam.local",
            PASSWORD_VAR: slapd.password,
        },
    )  # fmt: skip
    assert env_only.returncode == 0, env_only.stderr
    assert "contoso.local" in {t["partner"] for t in json.loads(env_only.stdout)}


def test_password_mistakes_are_bad_input(slapd):
    inline = ad(slapd, "users", "--password", "Hunter2-inline-secret")
    assert inline.returncode == 2 and "[SECRET_INLINE]" in inline.stderr
    assert "Hunter2-inline-secret" not in inline.stdout + inline.stderr
    unset = ad(slapd, "users", "--password", "env:SPKIT_TEST_AD_NOT_SET")
    assert unset.returncode == 2 and "SPKIT_TEST_AD_NOT_SET is not set" in unset.stderr
    empty = ad(slapd, "users", "--password-stdin", input="\n")
    assert empty.returncode == 2 and "[AD_PASSWORD_EMPTY]" in empty.stderr
    no_user = spkit_cli("ad", "users", "--server", slapd.ldap_url, env=CLEAN_ENV)
    assert no_user.returncode == 2 and "no account to bind with" in no_user.stderr


def test_connection_option_mistakes_are_bad_input(slapd):
    bare = ad(slapd, "users", "--server", "dc01.fabrikam.local", tls="none")
    assert bare.returncode == 2 and "[AD_SERVER_INVALID]" in bare.stderr and "ldaps://" in bare.stderr
    both = ad(slapd, "users", "--starttls")  # ldaps:// is already TLS
    assert both.returncode == 2 and "--starttls is for ldap://" in both.stderr
    ca_without_tls = ad(slapd, "users", "--server", slapd.ldap_url, "--ca-bundle", slapd.ca_pem, tls="none")
    assert ca_without_tls.returncode == 2 and "not encrypted" in ca_without_tls.stderr
