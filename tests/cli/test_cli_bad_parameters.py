"""Bad parameters files: each gives one line naming the file and the field, exit 2, no traceback."""

from __future__ import annotations

import pytest

from tests.conftest import spkit_cli

GOOD = """\
name: good
kind: online
cloud: global
sharepoint_url: https://contoso.sharepoint.com
tenant_id: 44c2af92-e54c-55d6-a951-4f53ad54109f
client_id: 7669b23b-2619-500f-b454-08fd60391a23
application_account: admin@contoso.onmicrosoft.com
client_secret: env:SPKIT_TEST_SECRET
"""


def _replace(text: str, key: str, value: str | None) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            if value is not None:
                lines.append(f"{key}: {value}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


CASES = {
    "not-a-mapping": ("- just\n- a list\n", None),
    "not-yaml": ("name: [unclosed\n", None),
    "empty": ("", None),
    "unknown-key": (GOOD + "client_secrte: env:X\n", "client_secrte"),
    "missing-client-id": (_replace(GOOD, "client_id", None), "client_id"),
    "malformed-client-id": (_replace(GOOD, "client_id", "7669b23b-2619-500f-b454"), "client_id"),
    "malformed-tenant-id": (_replace(GOOD, "tenant_id", "44c2af92-e54c-55d6-a951-zzzzzzzzzzzz"), "tenant_id"),
    "inline-secret": (
        _replace(GOOD, "client_secret", "Abc8Q~s3cr3tValueThatWasPasted0123456789"),
        "client_secret",
    ),
    "both-credentials": (GOOD + "certificate:\n  path: app.pem\n", "credential"),
    "no-credential": (_replace(GOOD, "client_secret", None), "credential"),
    "unknown-cloud": (_replace(GOOD, "cloud", "mars"), "cloud"),
    "bad-sharepoint-url": (
        _replace(GOOD, "sharepoint_url", "http://contoso.sharepoint.com"),
        "sharepoint_url",
    ),
    "account-not-email": (_replace(GOOD, "application_account", "admin"), "application_account"),
    "certificate-wrong-extension": (
        _replace(GOOD, "client_secret", None) + "certificate:\n  path: app.txt\n",
        "certificate",
    ),
    "certificate-unknown-key": (
        _replace(GOOD, "client_secret", None) + "certificate:\n  path: app.pem\n  pasword: env:X\n",
        "certificate",
    ),
    "wrong-type": (_replace(GOOD, "name", "[a, b]"), "name"),
    "sandbox-without-card": (_replace(GOOD, "cloud", "sandbox"), "sandbox"),
    "sandbox-card-missing": (
        _replace(GOOD, "cloud", "sandbox") + "sandbox: nowhere/card.json\n",  # sandbox.json: not running
        "sandbox",
    ),
    "bad-thumbprint": (
        _replace(GOOD, "client_secret", None) + "certificate:\n  thumbprint: XYZ\n",
        "thumbprint",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_parameters_file_gives_one_line_naming_the_field(tmp_path, case):
    text, field = CASES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    done = spkit_cli("verify", str(path))
    assert done.returncode == 2, (case, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    first = done.stderr.strip().splitlines()[0]
    assert first.startswith("spkit: error [")
    assert f"{case}.yaml" in first
    if field:
        assert field in first, first
    assert len(done.stderr.strip().splitlines()) <= 2  # the message, and at most the fix
    assert "s3cr3tValue" not in done.stderr  # a pasted secret is never echoed


def test_the_same_checks_guard_spkit_sites(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(_replace(GOOD, "client_id", "not-a-guid"))
    done = spkit_cli("sites", str(path))
    assert done.returncode == 2
    assert "client_id" in done.stderr


def test_unknown_command_and_missing_argument_are_usage_errors():
    assert spkit_cli("verfy").returncode == 2
    done = spkit_cli("verify")
    assert done.returncode == 2
    assert "PARAMS.yaml" in done.stderr
