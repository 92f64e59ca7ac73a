"""`notebooks/connect_sharepoint.ipynb`: one short cell that shows the wizard, committed without outputs,
runs under papermill on a real kernel (the wizard shown once, the sandbox offered from the card named by
``SPKIT_SANDBOX_CARD``)."""

from __future__ import annotations

import json

import nbformat
import papermill as pm
import pytest

from spkit.services.wizard_app import WIZARD_NOTEBOOK

pytestmark = pytest.mark.notebook
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_the_wizard_notebook_is_one_short_cell_without_outputs():
    nb = nbformat.read(str(WIZARD_NOTEBOOK), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.cell_type for c in nb.cells] == ["markdown", "code"]
    assert code[0].source.strip() == "from spkit.widgets import show_wizard\n\nshow_wizard()"
    assert not code[0].get("outputs") and code[0].get("execution_count") is None


def test_the_wizard_notebook_runs_under_papermill_and_shows_the_wizard_once(
    env, card_path, tmp_path, monkeypatch
):
    monkeypatch.setenv("SPKIT_SANDBOX_CARD", str(card_path))
    out = tmp_path / "wizard.ipynb"
    pm.execute_notebook(
        str(WIZARD_NOTEBOOK), str(out), cwd=str(tmp_path), progress_bar=False, kernel_name="python3"
    )
    executed = nbformat.read(str(out), as_version=4)
    outputs = executed.cells[1].outputs
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 1, json.dumps(outputs)[:500]  # displayed once, not again as the cell's value
    assert not [o for o in outputs if o.get("output_type") == "error" or o.get("name") == "stderr"]


def test_show_wizard_offers_and_preselects_the_sandbox_of_the_environment(env, card_path, monkeypatch):
    from spkit.widgets.app import ConnectionWizard, sandbox_card_from_env

    monkeypatch.setenv("SPKIT_SANDBOX_CARD", str(card_path))
    assert sandbox_card_from_env() == card_path
    wizard = ConnectionWizard(sandbox_card=sandbox_card_from_env())
    wizard.click("Next")
    assert wizard.control("Sandbox (local)").value == "sandbox"
    monkeypatch.delenv("SPKIT_SANDBOX_CARD")
    plain = ConnectionWizard(sandbox_card=sandbox_card_from_env())
    plain.click("Next")
    assert plain.control("Office 365 global").value == "global"
    assert "Sandbox (local)" not in [label for label, _ in plain.control("Office 365 global").options]
