"""The sandbox's fault knobs (``faults.py``), called directly: a rule answers its count of matching
requests and then lets them through; the throttle rate is exact and evenly spread, not a coin toss."""

from __future__ import annotations

from spkit.sandbox.faults import Faults, ServerErrorRule, ThrottleRule

HOST = "contoso.sharepoint.localhost"


def test_a_throttle_rule_answers_its_count_of_matching_requests_then_serves():
    faults = Faults(throttle_rules=[ThrottleRule(HOST, r"/sites/.*", count=2, retry_after_s=7)])
    assert faults.throttle(HOST, "/_api/web", by_rate=True) is None  # the path does not match
    assert faults.throttle("graph.localhost", "/sites/x", by_rate=True) is None  # nor the host
    assert [faults.throttle(HOST, "/SITES/x", by_rate=False) for _ in range(3)] == [7, 7, None]


def test_a_rule_without_a_count_answers_every_matching_request():
    faults = Faults(throttle_rules=[ThrottleRule(HOST)])
    assert all(faults.throttle(HOST, f"/p{i}", by_rate=False) == 1 for i in range(50))


def test_the_throttle_rate_is_exact_and_only_where_the_service_throttles_by_rate():
    faults = Faults(throttle_rate=0.25, retry_after_s=3)
    answers = [faults.throttle(HOST, "/_api/web", by_rate=True) for _ in range(100)]
    assert answers.count(3) == 25 and answers[3::4] == [3] * 25  # every fourth, exactly
    assert all(faults.throttle(HOST, "/_api/web", by_rate=False) is None for _ in range(10))


def test_server_error_rules_give_their_status_for_their_count():
    faults = Faults(server_error_rules=[ServerErrorRule(HOST, r"/_api/site", status=502, count=1)])
    assert faults.server_error(HOST, "/_api/web") is None
    assert [faults.server_error(HOST, "/_api/site") for _ in range(2)] == [502, None]
