"""``verify_online`` called directly: the Online ladder, rung by rung in order, over the profile's session
against the sandbox; its options reach the rungs, its progress hears each rung, its failure is the rung's."""

from __future__ import annotations

import math

from spkit.checks import ladder_for
from spkit.models.results import StepStatus
from spkit.services.online.verification import verify_online
from tests.helpers import card_app

ONLINE_RUNGS = [r.name for r in ladder_for("online")]


def test_a_certificate_profile_passes_every_rung_in_order(online_profile, card, tenant):
    profile = online_profile("spkit-certificate")
    heard, counts = [], []
    result = verify_online(
        profile, progress=heard.append, sample_size=3, page_size=100, on_sites=counts.append
    )
    assert result.passed and [s.step for s in result.steps] == ONLINE_RUNGS
    assert heard == result.steps  # the progress heard each rung as it ended
    assert all(s.status is StepStatus.PASSED for s in result.steps)
    assert result.facts["client_id"] == card_app(card, "spkit-certificate")["client_id"]
    assert result.facts["sharepoint_url"] == tenant["sharepoint_url"] and result.facts["cloud"] == "sandbox"
    sites = result.enumeration_step
    assert sites.step == "sites" and len(sites.facts["sample"]) == 3
    assert sites.facts["pages"] == math.ceil(tenant["site_count"] / 100)
    assert sites.facts["total"] == tenant["site_count"] and counts[-1] == tenant["site_count"]


def test_a_secret_profile_fails_at_sharepoint_with_graph_passing(online_profile):
    result = verify_online(online_profile("spkit-secret", credential="secret"))
    assert [s.step for s in result.failed_steps] == ["sharepoint"]
    assert result.failed_steps[0].diagnosis.code == "SPO_SECRET_TOKEN_REFUSED"
    statuses = {s.step: s.status for s in result.steps}
    assert statuses["graph"] is StepStatus.PASSED and statuses["sites"] is StepStatus.PASSED


def test_a_refused_token_skips_the_rungs_that_need_it(online_profile):
    result = verify_online(online_profile("spkit-expired-secret", credential="secret"))
    assert [s.step for s in result.failed_steps] == ["token"]
    assert result.failed_steps[0].diagnosis.code == "AUTH_SECRET_EXPIRED"
    statuses = {s.step: s.status for s in result.steps}
    assert statuses["discovery"] is StepStatus.PASSED
    assert all(statuses[name] is StepStatus.SKIPPED for name in ("claims", "graph", "sites"))
