"""On-premises profiles with a bad address or credential form: one line naming the field, exit 2."""

from __future__ import annotations

import pytest

from tests.conftest import spkit_cli

GOOD = {
    "name": "farm",
    "kind": "onprem",
    "sharepoint_url": "https://sharepoint.fabrikam.com",
    "central_admin_port": 2016,
    "admin_upn": "spfarm@fabrikam.com",
    "admin_password": "env:FARM_PASSWORD",
}

CASES = {
    "no-scheme": ("sharepoint_url", "sharepoint.fabrikam.com"),
    "ftp-scheme": ("sharepoint_url", "ftp://sharepoint.fabrikam.com"),
    "single-label": ("sharepoint_url", "https://sharepoint"),
    "bad-host": ("sharepoint_url", "https://share_point.fabrikam.com"),
    "port-zero": ("central_admin_port", "0"),
    "port-too-big": ("central_admin_port", "70000"),
    "port-text": ("central_admin_port", "'2016'"),
    "account-bare": ("admin_upn", "spfarm"),
    "account-two-ats": ("admin_upn", "sp@farm@fabrikam.com"),
    "account-bad-sam": ("admin_upn", "'FABRIKAM\\\\sp:farm'"),
    "account-sam-too-long": ("admin_upn", "'FABRIKAM\\\\abcdefghijklmnopqrstu'"),
    "account-bad-suffix": ("admin_upn", "spfarm@fabrikam_com"),
    "inline-password": ("admin_password", "Summer2026!"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_onprem_input_names_the_field(tmp_path, case):
    field, value = CASES[case]
    lines = [f"{k}: {value if k == field else v}" for k, v in GOOD.items()]
    path = tmp_path / f"{case}.yaml"
    path.write_text("\n".join(lines) + "\n")
    done = spkit_cli("verify", str(path))
    assert done.returncode == 2, (case, done.stdout, done.stderr)
    first = done.stderr.strip().splitlines()[0]
    assert first.startswith("spkit: error [") and f"field '{field}'" in first, first
    assert "Traceback" not in done.stderr
    assert "Summer2026!" not in done.stderr


def test_http_address_is_accepted_with_a_warning_that_credentials_cross_in_the_clear(tmp_path):
    path = tmp_path / "http.yaml"
    lines = [
        f"{k}: {'http://sharepoint.fabrikam.com' if k == 'sharepoint_url' else v}" for k, v in GOOD.items()
    ]
    path.write_text("\n".join(lines).replace("'2016'", "2016") + "\n")
    from spkit.models.profile import load_profile

    profile = load_profile(path)
    assert any("clear" in w for w in profile.warnings)
