"""``refine_with_admin``: what a Global Administrator's sign-in adds to a broken rung, read from the
sandbox's Graph: consent never granted (no app role assignments), or a certificate that is not the one
registered on the app. The sign-in happens only when the broken rung needs it; its failure is noted."""

from __future__ import annotations

import pytest

from spkit.models.results import StepStatus
from spkit.services.onboarding import admin_context
from spkit.services.online.admin_evidence import refine_with_admin
from spkit.services.online.tenant_target import target_from_profile
from spkit.services.verification import verify_profile
from tests.helpers import card_app

from .conftest import ADMIN, card_user


@pytest.fixture
def sign_in(monkeypatch, tmp_path, card):
    """``sign_in(profile, password=None)``: the sign-in ``spkit diagnose --admin`` makes, counted."""
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    calls: list[str] = []

    def make(profile, password: str | None = None):
        def signed_in():
            calls.append(ADMIN)
            return admin_context(
                target_from_profile(profile),
                ADMIN,
                password=password or card_user(card, ADMIN)["password"],
                require=None,
            )

        return signed_in

    make.calls = calls
    return make


def broken(result):
    return next(s for s in result.steps if s.status is StepStatus.FAILED)


def test_a_passing_verification_signs_nobody_in(online_profile, sign_in):
    profile = online_profile("spkit-certificate")
    result = verify_profile(profile)
    assert result.passed
    assert refine_with_admin(result, profile, sign_in(profile)) is result
    assert sign_in.calls == [] and "admin" not in result.facts


def test_consent_never_granted_is_read_from_the_apps_assignments(online_profile, sign_in, card):
    profile = online_profile("spkit-unconsented", credential="pem")
    result = verify_profile(profile)
    assert (broken(result).step, broken(result).diagnosis.code) == ("claims", "TOKEN_NO_ROLES")
    refined = broken(refine_with_admin(result, profile, sign_in(profile)))
    assert sign_in.calls == [ADMIN] and result.facts["admin"] == ADMIN
    assert refined.diagnosis.code == "TOKEN_NO_ROLES"
    assert "the app's service principal holds no app role assignments" in refined.diagnosis.summary
    service_principal = card_app(card, "spkit-unconsented")["service_principal_id"]
    assert (
        f"app role assignments of service principal {service_principal} (read as {ADMIN}): none"
        in refined.evidence
    )


def test_a_certificate_that_is_not_the_apps_is_named_with_the_keys_registered(online_profile, sign_in, card):
    other = card_app(card, "spkit-certificate")["certificate"]
    profile = online_profile("spkit-unconsented", name="wrong-cert", certificate={"path": other["pem"]})
    result = verify_profile(profile)
    assert (broken(result).step, broken(result).diagnosis.code) == ("token", "AUTH_CERT_NOT_REGISTERED")
    refined = broken(refine_with_admin(result, profile, sign_in(profile)))
    registered = card_app(card, "spkit-unconsented")["certificate"]["thumbprint"]
    assert refined.diagnosis.code == "AUTH_CERT_NOT_REGISTERED"
    assert f"thumbprint sent: {other['thumbprint']}; registered: {registered}" in refined.evidence
    assert f"(read as {ADMIN})" in refined.evidence and "Entra answered:" in refined.evidence


def test_a_failed_admin_sign_in_is_noted_on_the_rung_not_raised(online_profile, sign_in):
    profile = online_profile("spkit-unconsented", credential="pem")
    result = verify_profile(profile)
    before = broken(result)
    refined = broken(refine_with_admin(result, profile, sign_in(profile, password="Wrong-Password-1")))
    assert refined.diagnosis.code == before.diagnosis.code == "TOKEN_NO_ROLES"
    assert "admin sign-in failed [AUTH_BAD_PASSWORD]" in refined.evidence
    assert "Wrong-Password-1" not in refined.evidence
