"""The verification notebook under papermill, on a real kernel, against the shared sandbox."""

from __future__ import annotations

import json

import nbformat
import pytest

from spkit.services.batch import VERIFY_NOTEBOOK, read_result
from spkit.services.batch.frame import summary_frame
from spkit.services.batch.notebook_run import POOL, run_target
from spkit.services.batch.outcome import BatchOptions
from spkit.services.batch.targets import collect_targets
from tests.helpers import card_app, card_tenant, write_profile

pytestmark = pytest.mark.notebook


def test_committed_notebook_has_no_outputs_and_a_parameters_cell():
    nb = nbformat.read(str(VERIFY_NOTEBOOK), as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "profile_path" in tagged[0].source


def test_batch_runs_the_notebook_per_profile_and_reads_results_back(tmp_path, card, card_path):
    profiles = [
        write_profile(tmp_path, card_path, card, "spkit-certificate", name="nb-certificate"),
        write_profile(tmp_path, card_path, card, "spkit-secret", name="nb-secret"),
    ]
    out = tmp_path / "out"
    try:
        runs = [run_target(target, out, BatchOptions()) for target in collect_targets(profiles)]
    finally:
        POOL.close_all()
    assert [r.notebook.name for r in runs] == ["nb-certificate.ipynb", "nb-secret.ipynb"]
    certificate, secret = runs
    assert certificate.error is None and certificate.passed
    assert not secret.passed
    assert [s.step for s in secret.result.failed_steps] == ["sharepoint"]
    assert secret.result.failed_steps[0].diagnosis.code == "SPO_SECRET_TOKEN_REFUSED"

    # The executed notebook is the record: it shows the steps table and the sample of sites.
    executed = nbformat.read(str(certificate.notebook), as_version=4)
    html = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert "Site collections (Graph)" in html
    tenant = card_tenant(card)
    assert f"{tenant['site_count'] - tenant['personal_site_count']} site collections" in html
    assert read_result(certificate.notebook).to_dict() == certificate.result.to_dict()

    # No secret, password or token in any executed notebook.
    secret_value = card_app(card, "spkit-secret")["client_secret"]
    for run in runs:
        text = run.notebook.read_text()
        assert secret_value not in text
        assert "eyJ0eXAi" not in text and "eyJhbGci" not in text
        assert "PRIVATE KEY" not in text

    frame = summary_frame(runs, out)
    assert list(frame["status"]) == ["passed", "failed"]
    assert list(frame["code"].fillna("")) == ["", "SPO_SECRET_TOKEN_REFUSED"]


def test_a_bad_profile_fails_the_notebook_with_the_diagnosis_and_no_result(tmp_path):
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nkind: online\n")
    output = tmp_path / "bad.ipynb"
    with pytest.raises(PapermillExecutionError) as raised:
        pm.execute_notebook(
            str(VERIFY_NOTEBOOK),
            str(output),
            parameters={"profile_path": str(bad)},
            progress_bar=False,
            cwd=str(VERIFY_NOTEBOOK.parent),
        )
    assert raised.value.ename == "ProfileFieldError"  # the profile's own error, naming the field
    assert f"{bad}: field 'sharepoint_url': is required but missing" in raised.value.evalue
    assert read_result(output) is None
