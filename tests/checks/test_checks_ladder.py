"""The ladder engine at the service layer: the rungs of each kind in order, each need naming an earlier
rung, a failed rung skipping exactly what needs it (with the reason), host-level needs, and the on-prem
renames — against the shared sandbox where it takes a real run."""

from __future__ import annotations

from pathlib import Path

from spkit.checks import ONLINE, ONPREM, CheckContext, Endpoint, Warn, run_ladder, rung
from spkit.errors import SpkitError
from spkit.models.profile import load_profile
from spkit.models.results import StepStatus, VerificationResult
from spkit.services.verification import verify_profile
from tests.cli.test_cli_onprem import write_onprem

ONLINE_ORDER = [
    "address",
    "dns",
    "tcp",
    "tls",
    "discovery",
    "token",
    "claims",
    "graph",
    "tenant_name",
    "account",
    "sites",
    "sharepoint",
    "admin_center",
]
ONPREM_ORDER = [
    "address",
    "dns",
    "tcp",
    "tls",
    "http",
    "ntlm",
    "web",
    "search",
    "central_admin",
    "requirements",
]


def test_each_kind_has_its_ladder_in_the_order_of_the_network_up():
    assert [r.name for r in ONLINE] == ONLINE_ORDER
    assert [r.name for r in ONPREM] == ONPREM_ORDER


def test_every_need_names_an_earlier_rung_or_a_host_of_a_network_rung():
    roles = {"login", "graph", "sharepoint", "admin", "farm", "central_admin"}
    for ladder in (ONLINE, ONPREM):
        seen: set[str] = set()
        for step in ladder:
            for need in step.needs:
                name, _, role = need.partition(":")
                assert name in seen, f"{step.name} needs {need}, which does not come before it"
                assert not role or (name in ("dns", "tcp", "tls") and role in roles), need
            seen.add(step.name)


def _context(endpoints: list[Endpoint] | None = None) -> CheckContext:
    return CheckContext(None, VerificationResult("t", "online"), None, endpoints or [])  # type: ignore[arg-type]


def test_a_failed_rung_skips_the_rungs_that_need_it_with_the_reason_and_not_the_others():
    @rung("base", "Base")
    def base(_):
        raise SpkitError("it broke", code="BASE_BROKEN", evidence="seen", fix="mend it")

    @rung("upper", "Upper", needs=("base",))
    def upper(_):
        raise AssertionError("never runs")

    @rung("aside", "Aside")
    def aside(_):
        raise Warn("works, with a remark", {"x": 1})

    @rung("above_aside", "Above aside", needs=("aside",))
    def above_aside(_):
        return "fine", {"y": 2}, None

    @rung("top", "Top", needs=("upper", "aside"))
    def top(_):
        raise AssertionError("never runs")

    @rung("buggy", "Buggy")
    def buggy(_):
        raise ValueError("a bug")

    seen = []
    result = run_ladder([base, upper, aside, above_aside, top, buggy], _context(), seen.append)
    steps = {s.step: s for s in result.steps}
    assert [s.step for s in seen] == ["base", "upper", "aside", "above_aside", "top", "buggy"]
    assert steps["base"].status is StepStatus.FAILED and steps["base"].diagnosis.code == "BASE_BROKEN"
    assert steps["base"].evidence == "seen"
    assert steps["upper"].status is StepStatus.SKIPPED and steps["upper"].detail == "skipped: needs base"
    assert steps["aside"].status is StepStatus.WARNING and steps["aside"].facts == {"x": 1}
    assert steps["above_aside"].status is StepStatus.PASSED  # a warning is usable
    assert steps["top"].detail == "skipped: needs upper"
    assert steps["buggy"].diagnosis.code == "INTERNAL_ERROR" and "a bug" in steps["buggy"].diagnosis.evidence
    assert result.summary_line().startswith("t (online): FAILED - 1 passed, 2 failed, 1 warning, 2 skipped")


def test_a_host_need_waits_for_that_host_only():
    login = Endpoint.of("login", "sign-in", "https://login.example")
    graph = Endpoint.of("graph", "Graph", "https://graph.example")

    @rung("to_login", "Login", needs=("tls:login",))
    def to_login(_):
        return "ok", {}, None

    @rung("to_graph", "Graph", needs=("tls:graph",))
    def to_graph(_):
        raise AssertionError("never runs")

    @rung("to_farm", "Farm", needs=("tls:farm",))  # a host this profile does not use needs nothing
    def to_farm(_):
        return "ok", {}, None

    context = _context([login, graph])
    context.parts.add("tls:login")
    steps = {s.step: s for s in run_ladder([to_login, to_graph, to_farm], context).steps}
    assert steps["to_login"].status is StepStatus.PASSED
    assert steps["to_graph"].detail == "skipped: needs tls for graph.example:443"
    assert steps["to_farm"].status is StepStatus.PASSED


def test_onprem_rungs_carry_their_new_names_in_every_step(tmp_path: Path, card, card_path):
    result = verify_profile(load_profile(write_onprem(tmp_path, card_path, card, "spfarm")))
    assert [s.step for s in result.steps] == ONPREM_ORDER
    assert all(s.status is StepStatus.PASSED for s in result.steps), result.summary_line()
    steps = {s.step: s for s in result.steps}
    assert "signed in (NTLM)" in steps["ntlm"].detail
    assert steps["http"].facts["version"] == card["farms"][0]["team_services_version"]
    assert {"NTLM", "Negotiate"} <= set(steps["http"].facts["offered"])
    assert steps["web"].facts["reported"].rstrip("/") == card["farms"][0]["url"]
    assert result.enumeration_step is steps["search"]
    assert steps["search"].facts["reachable"] and steps["search"].facts["sample"]
