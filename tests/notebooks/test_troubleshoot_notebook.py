"""The troubleshooting notebook under papermill, on a real kernel, against the shared sandbox: a failing
profile shows its broken rung (table, evidence, fix, what to tell the customer), each rung's evidence in
an Accordion, and `Run again` re-runs the ladder for what the parameters name now."""

from __future__ import annotations

import json

import nbformat
import pytest

from spkit.services.diagnose import TROUBLESHOOT_NOTEBOOK
from tests.helpers import card_app, write_profile

pytestmark = pytest.mark.notebook
DIAGNOSIS_MIME = "application/vnd.spkit.diagnosis+json"


def test_committed_notebook_has_no_outputs_and_takes_a_profile_or_a_connection():
    nb = nbformat.read(str(TROUBLESHOOT_NOTEBOOK), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "profile_path" in tagged[0].source and "connection" in tagged[0].source


def _widgets(nb) -> list[dict]:
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return [model for model in state.values()]


def test_a_failing_profile_shows_its_broken_rung_and_run_again_reruns(tmp_path, card, card_path):
    import papermill as pm

    failing = write_profile(tmp_path, card_path, card, "spkit-secret")
    healthy = write_profile(tmp_path, card_path, card, "spkit-certificate")
    nb = nbformat.read(str(TROUBLESHOOT_NOTEBOOK), as_version=4)
    # What a person does next: fix the profile (here: point at a healthy one) and press `Run again`.
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "print('open:', evidence.titles[evidence.selected_index])\n"
            f"profile_path = {str(healthy)!r}\nagain.click()\nprint('again:', verdict.value)"
        )
    )
    source, output = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, str(source))
    pm.execute_notebook(
        str(source),
        str(output),
        parameters={"profile_path": str(failing)},
        cwd=str(TROUBLESHOOT_NOTEBOOK.parent),
        progress_bar=False,
    )
    executed = nbformat.read(str(output), as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    page = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "broken at <code>sharepoint</code>" in page and "SPO_SECRET_TOKEN_REFUSED" in page
    assert "<b>Evidence</b>" in page and "<b>Fix</b>" in page and "What to tell the customer" in page
    assert page.count("<tr><td") == 13  # the ladder as a table, one row per rung
    published = next(o["data"][DIAGNOSIS_MIME] for o in outputs if DIAGNOSIS_MIME in o.get("data", {}))
    assert (published["broken"], published["code"]) == ("sharepoint", "SPO_SECRET_TOKEN_REFUSED")

    models = _widgets(executed)
    accordion = next(m["state"] for m in models if m["model_name"] == "AccordionModel")
    assert len(accordion["titles"]) == 13 and len(accordion["children"]) == 13
    buttons = [m["state"]["description"] for m in models if m["model_name"] == "ButtonModel"]
    assert buttons == ["Run again"]
    printed = "".join("".join(o.get("text", "")) for o in outputs if o.get("output_type") == "stream")
    assert "open: sharepoint — ✘ failed [SPO_SECRET_TOKEN_REFUSED]" in printed  # its evidence expanded
    assert "again:" in printed and "healthy" in printed.split("again:", 1)[1]  # the re-run saw the fix
    assert accordion["selected_index"] is None  # re-rendered: nothing broken to open

    text = output.read_text()
    assert card_app(card, "spkit-secret")["client_secret"] not in text
    assert "eyJ0eXAi" not in text and "PRIVATE KEY" not in text
    json.loads(text)
