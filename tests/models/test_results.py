import datetime
import json
from pathlib import Path

import pytest

from spkit.errors import AuthenticationError, Diagnosis
from spkit.models.results import StepResult, StepStatus, VerificationResult

STARTED = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def _result():
    diag = AuthenticationError(
        "invalid client secret", code="AADSTS7000215", fix="paste the secret value"
    ).diagnosis
    return VerificationResult(
        profile_name="contoso-prod",
        kind="online",
        started_at=STARTED,
        steps=[
            StepResult(
                "discovery",
                "Tenant discovery",
                StepStatus.PASSED,
                "tenant found",
                0.25,
                facts={"tenant_id": "abc"},
            ),
            StepResult("token", "Get a token", "failed", "refused", 1.5, diagnosis=diag),
            StepResult("graph", "Microsoft Graph", StepStatus.SKIPPED, "no token"),
            StepResult("cert", "Certificate", StepStatus.WARNING, "expires soon", 0.01),
        ],
        facts={"cloud": "global"},
    )


def test_status_values_are_stable_strings():
    assert [s.value for s in StepStatus] == ["passed", "failed", "warning", "skipped"]
    assert StepStatus("failed") is StepStatus.FAILED
    assert StepStatus.PASSED == "passed"


def test_status_text_is_coerced_and_bad_status_refused():
    assert StepResult("x", "X", "warning").status is StepStatus.WARNING
    with pytest.raises(ValueError):
        StepResult("x", "X", "broken")


def test_failed_step_fails_the_verification():
    result = _result()
    assert result.passed is False
    assert [s.step for s in result.failed_steps] == ["token"]


def test_warnings_and_skips_do_not_fail():
    result = VerificationResult("p", "online", STARTED)
    result.add(StepResult("a", "A", StepStatus.WARNING))
    result.add(StepResult("b", "B", StepStatus.SKIPPED))
    assert result.passed is True
    assert result.failed_steps == []


def test_json_round_trip_keeps_everything():
    result = _result()
    again = VerificationResult.from_json(result.to_json())
    assert again == result
    assert again.steps[1].diagnosis == Diagnosis(
        "AADSTS7000215", "invalid client secret", "", "paste the secret value"
    )
    assert again.started_at == STARTED


def test_to_dict_is_plain_json_with_the_verdict():
    data = json.loads(_result().to_json())
    assert data["passed"] is False
    assert data["steps"][1]["status"] == "failed"
    assert data["steps"][1]["diagnosis"]["code"] == "AADSTS7000215"
    assert data["steps"][0]["diagnosis"] is None


def test_from_dict_recomputes_passed_instead_of_trusting_it():
    data = _result().to_dict()
    data["passed"] = True
    assert VerificationResult.from_dict(data).passed is False


def test_odd_fact_values_do_not_break_json():
    result = VerificationResult(
        "p",
        "online",
        STARTED,
        facts={"when": STARTED, "path": Path("/tmp/x"), "roles": {"b", "a"}, "status": StepStatus.PASSED},
    )
    data = json.loads(result.to_json())
    assert data["facts"] == {
        "when": STARTED.isoformat(),
        "path": "/tmp/x",
        "roles": ["a", "b"],
        "status": "passed",
    }


def test_dataframe_has_one_row_per_step_with_code_and_fix():
    frame = _result().to_dataframe()
    assert list(frame.columns) == ["step", "title", "status", "detail", "duration_s", "code", "fix"]
    assert list(frame["status"]) == ["passed", "failed", "skipped", "warning"]
    token = frame[frame["step"] == "token"].iloc[0]
    assert token["code"] == "AADSTS7000215"
    assert token["fix"] == "paste the secret value"
    assert frame[frame["step"] == "discovery"].iloc[0]["code"] == ""


def test_empty_result_dataframe_still_has_columns():
    frame = VerificationResult("p", "online", STARTED).to_dataframe()
    assert len(frame) == 0
    assert "code" in frame.columns


def test_summary_line():
    line = _result().summary_line()
    assert line.startswith("contoso-prod (online): FAILED")
    assert "1 passed, 1 failed, 1 warning, 1 skipped" in line
    assert "failed: token" in line
    assert "1.8 s" in line
    ok = VerificationResult("p", "online", STARTED, [StepResult("a", "A", "passed", duration_s=0.5)])
    assert ok.summary_line() == "p (online): PASSED - 1 passed, 0 failed, 0 warning, 0 skipped in 0.5 s"


def test_html_shows_the_table_and_escapes_text():
    result = _result()
    result.steps[0].detail = "<script>alert(1)</script>"
    html = result._repr_html_()
    assert "<table" in html
    assert "AADSTS7000215" in html
    assert "<script>" not in html
    assert "FAILED" in html
