"""The wizard in JupyterLab, as a consultant opens it: connect_sharepoint.ipynb, Run All Cells, and the
first steps work in the notebook's output (a wrong address is refused beside its field)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.wizard_page import WizardPage


def test_wizard_runs_in_jupyterlab_and_refuses_a_wrong_address(lab_server, page, screenshots):
    base, _, token = lab_server.url.partition("/lab?token=")
    page.goto(f"{base}/lab/tree/connect_sharepoint.ipynb?token={token}")
    wizard = WizardPage(page, screenshots, "lab")
    expect(page.locator(".jp-Notebook").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=60_000)  # its kernel is up
    wizard.shot("notebook-open")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    wizard.wait_ready()
    wizard.expect_step("Server location")
    wizard.choose("SharePoint Online (Office 365)")
    wizard.shot("server-location")
    wizard.next()

    wizard.expect_step("Office 365 cloud")
    wizard.choose("Sandbox (local)")  # offered: the kernel has the sandbox card
    wizard.next()

    wizard.expect_step("Server address")
    wizard.fill("SharePoint server URL", "con toso")
    wizard.next()  # refused: the step stays, the message stands beside the field
    wizard.expect_step("Server address")
    error = wizard.error_beside("SharePoint server URL")
    expect(error).to_have_count(1)
    expect(error).to_be_visible()
    expect(error).to_contain_text("contains spaces")
    wizard.shot("wrong-address")

    wizard.fill("SharePoint server URL", "contoso")
    wizard.next()
    wizard.expect_step("Admin credentials")
    wizard.shot("admin-credentials")
