"""``verify_onprem`` called directly: the farm's ladder in order, first without credentials, then over
the NTLM session; a refused sign-in stops the rungs that need it."""

from __future__ import annotations

from spkit.checks import ladder_for
from spkit.models.results import StepStatus
from spkit.services.onprem.verification import verify_onprem

FARM_RUNGS = [r.name for r in ladder_for("onprem")]


def test_the_farm_account_passes_every_rung_in_order(farm_profile, farm):
    profile = farm_profile("spfarm")
    heard, counts = [], []
    result = verify_onprem(profile, progress=heard.append, sample_size=2, on_sites=counts.append)
    assert result.passed and [s.step for s in result.steps] == FARM_RUNGS and heard == result.steps
    assert result.facts["sharepoint_url"] == farm["url"] and result.facts["account"] == profile.account.text
    assert result.facts["central_admin_url"] == farm["central_admin_url"]
    assert result.facts["version"] == farm["team_services_version"]
    search = result.enumeration_step
    assert search.step == "search" and len(search.facts["sample"]) == 2
    assert search.facts["site_collections"] == farm["site_count"] - farm["personal_site_count"]
    assert search.facts["personal_sites"] == farm["personal_site_count"]
    assert counts and counts[-1] == farm["site_count"]


def test_a_wrong_password_fails_the_sign_in_rung_and_skips_what_needs_it(farm_profile):
    result = verify_onprem(farm_profile("spfarm", wrong_password=True))
    assert [s.step for s in result.failed_steps] == ["ntlm"]
    assert result.failed_steps[0].diagnosis.code == "ONPREM_AUTH_FAILED"
    statuses = {s.step: s.status for s in result.steps}
    assert statuses["http"] is StepStatus.PASSED  # SharePoint answered before any credential
    assert all(statuses[name] is StepStatus.SKIPPED for name in ("web", "search"))
