"""Diagnoses from the evidence, seen from outside: a request refused for its size says so (not a TLS
or network fault), and a rung never blames something an earlier rung already explained."""

from __future__ import annotations

import json
import re

from tests.conftest import spkit_cli
from tests.helpers import card_app, write_profile

HUGE = 17_000_000  # over the sandbox's 16 MB cap: it answers 413 and closes
CUT_SHORT = 90_000_000  # past what it reads of a refused upload: the connection is closed while sending


def _failed(done) -> list[dict]:
    return [s for s in json.loads(done.stdout)["steps"] if s["status"] == "failed"]


def _huge_secret_profile(tmp_path, card, card_path, size: int):
    secret = tmp_path / f"secret-{size}.txt"
    secret.write_text("x" * size)
    secret.chmod(0o600)
    return write_profile(
        tmp_path, card_path, card, "spkit-secret", name=f"huge-{size}", client_secret=f"file:{secret}"
    )


def test_a_17_mb_secret_is_a_request_too_large_not_a_tls_fault(tmp_path, card, card_path):
    profile = _huge_secret_profile(tmp_path, card, card_path, HUGE)
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1, done.stderr
    (step,) = _failed(done)
    assert (step["step"], step["diagnosis"]["code"]) == ("token", "REQUEST_TOO_LARGE")
    assert "HTTP 413" in step["diagnosis"]["evidence"]
    assert re.search(r"request body 17,0\d\d,\d{3} bytes", step["diagnosis"]["evidence"])  # the size sent
    assert "client secret" in step["diagnosis"]["fix"]
    shown = spkit_cli("diagnose", str(profile))
    assert "[REQUEST_TOO_LARGE]" in shown.stdout and "TLS_" not in shown.stdout


def test_a_body_cut_short_while_sending_is_a_request_too_large_too(tmp_path, card, card_path):
    profile = _huge_secret_profile(tmp_path, card, card_path, CUT_SHORT)
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1, done.stderr
    (step,) = _failed(done)
    assert (step["step"], step["diagnosis"]["code"]) == ("token", "REQUEST_TOO_LARGE"), step


def test_no_consent_is_explained_once_and_sharepoint_is_skipped_with_the_reason(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-unconsented", credential="pem")
    done = spkit_cli("verify", str(profile), "--json")
    assert done.returncode == 1, done.stderr
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert [(s["step"], s["diagnosis"]["code"]) for s in _failed(done)] == [("claims", "TOKEN_NO_ROLES")]
    sharepoint = steps["sharepoint"]
    assert sharepoint["status"] == "skipped"
    assert "no application role" in sharepoint["detail"] and "TOKEN_NO_ROLES" in sharepoint["detail"]
    assert steps["admin_center"]["status"] == "skipped"
    shown = spkit_cli("diagnose", str(profile))
    assert "SPO_" not in shown.stdout, shown.stdout  # no second, different cause
    assert "Broken: claims" in shown.stdout


def test_a_secret_refusal_is_still_reported_after_a_healthy_claims_rung(tmp_path, card, card_path):
    """The skip is only for a refusal the claims rung explained: SharePoint's own refusal stays."""
    assert card_app(card, "spkit-secret")["client_secret"]
    profile = write_profile(tmp_path, card_path, card, "spkit-secret")
    done = spkit_cli("verify", str(profile), "--json")
    assert [(s["step"], s["diagnosis"]["code"]) for s in _failed(done)] == [
        ("sharepoint", "SPO_SECRET_TOKEN_REFUSED")
    ]
