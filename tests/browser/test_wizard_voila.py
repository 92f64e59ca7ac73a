"""The wizard served by `spkit wizard` (Voilà), driven in Debian's chromium as a consultant would, with
the guide's words: the Online manual-certificate path (a .pfx imported through the file chooser) and the
on-premises path end in the success table and a saved connection `spkit verify --connection` passes; a
wrong Client ID is refused beside its field and Next stays on the step."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_pem_x509_certificate
from playwright.sync_api import expect

from tests.browser.wizard_page import WizardPage
from tests.conftest import spkit_cli
from tests.helpers import card_app, card_tenant

PFX_PASSWORD = "Browser-Test-Pfx-1!"


def make_pfx(pem_path: str, out: Path, password: str) -> Path:
    """A password-protected .pfx of the sandbox app's certificate and key, as a customer would hand it."""
    data = Path(pem_path).read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    cert = load_pem_x509_certificate(data)
    out.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"spkit-browser", key, cert, None, serialization.BestAvailableEncryption(password.encode())
        )
    )
    return out


def open_wizard(page, url: str, screenshots: Path, prefix: str) -> WizardPage:
    wizard = WizardPage(page, screenshots, prefix)
    page.goto(url)
    wizard.wait_ready()
    wizard.expect_step("Server location")
    return wizard


def import_certificate(wizard: WizardPage, pfx: Path, password: str) -> None:
    """*Import a certificate*: the file picked in the browser's file chooser, its password, ``Import``."""
    upload = wizard.page.get_by_role("button", name=re.compile(r"^\W*Certificate file\b")).filter(
        visible=True
    )
    with wizard.page.expect_file_chooser() as chooser:
        upload.click()
    chooser.value.set_files(str(pfx))
    expect(upload).to_contain_text("(1)")  # the upload widget counts the file it holds
    wizard.fill("Certificate password", password)
    wizard.click("Import")


def expect_success_table(wizard: WizardPage) -> None:
    """Configure ran every step for real: the table lists them, none failed, and the wizard may go on."""
    table = wizard.page.locator("table").filter(visible=True).filter(has_text="Step").first
    expect(table).to_be_visible(timeout=90_000)
    expect(wizard.button("Next")).to_be_enabled(timeout=90_000)  # the run is over, not only begun
    expect(table).to_contain_text("passed")
    expect(table).not_to_contain_text("failed")


def save_as(wizard: WizardPage, name: str) -> None:
    """*Save*: the connection name, ``Save``, and the wizard says where it went."""
    wizard.expect_step("Save")
    wizard.fill("Connection name", name)
    wizard.click("Save")
    expect(wizard.page.get_by_text(f"Saved as '{name}'")).to_be_visible()


def test_online_manual_certificate_path_ends_in_a_saved_connection_that_verifies(
    wizard_server, page, screenshots, card, store_env, tmp_path
):
    app = card_app(card, "spkit-certificate")
    tenant = card_tenant(card)
    pfx = make_pfx(app["certificate"]["pem"], tmp_path / "contoso-app.pfx", PFX_PASSWORD)
    wizard = open_wizard(page, wizard_server.url, screenshots, "voila-online-manual")

    wizard.choose("SharePoint Online (Office 365)")
    wizard.shot("server-location")
    wizard.next()

    wizard.expect_step("Office 365 cloud")
    expect(wizard.choice("Sandbox (local)")).to_be_checked()  # offered and preselected: a card is known
    wizard.choose("Sandbox (local)")
    wizard.shot("cloud")
    wizard.next()

    wizard.expect_step("Server address")
    wizard.fill("SharePoint server URL", "contoso")
    expect(wizard.field("Admin center URL")).to_have_value(re.compile(r"contoso-admin\.sharepoint"))
    wizard.shot("server-address")
    wizard.next()

    wizard.expect_step("Admin credentials")  # optional for a manual registration: skipped
    expect(wizard.button("Log in as Office 365 admin")).to_be_visible()
    wizard.shot("admin-credentials")
    wizard.next()

    wizard.expect_step("Application registration")
    wizard.choose("Manual registration")
    wizard.shot("registration")
    wizard.next()

    wizard.expect_step("Application details")
    wizard.fill("Dedicated application account", tenant["users"][0]["upn"])
    wizard.fill("Client ID", app["client_id"])
    wizard.fill("Tenant ID", tenant["tenant_id"])
    wizard.choose("Use a certificate")
    import_certificate(wizard, pfx, PFX_PASSWORD)
    expect(wizard.field("Certificate thumbprint")).to_have_value(app["certificate"]["thumbprint"])
    wizard.shot("application-details")
    wizard.next()

    wizard.expect_step("Configuration")
    wizard.click("Configure")
    expect_success_table(wizard)
    wizard.shot("configured")
    wizard.next()

    save_as(wizard, "browser-online")
    wizard.shot("saved")
    verified = spkit_cli("verify", "--connection", "browser-online", env=store_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert PFX_PASSWORD not in page.content()


def test_onprem_path_ends_in_a_saved_connection_that_verifies(
    wizard_server, page, screenshots, card, store_env
):
    farm = card["farms"][0]
    admin = next(user for user in farm["users"] if user["farm_admin"])
    wizard = open_wizard(page, wizard_server.url, screenshots, "voila-onprem")

    wizard.choose("On-premises SharePoint Server")
    wizard.shot("server-location")
    wizard.next()

    wizard.expect_step("Server address")
    wizard.fill("SharePoint server URL", farm["url"])
    wizard.fill("Central Administration port", str(farm["central_admin_port"]))
    expect(wizard.field("Central Administration URL")).to_have_value(farm["central_admin_url"])
    wizard.shot("server-address")
    wizard.next()

    wizard.expect_step("Admin credentials")
    wizard.fill("User Principal Name", admin["upn"])
    wizard.fill("Password", admin["password"])
    wizard.shot("admin-credentials")
    wizard.next()

    wizard.expect_step("Configuration")
    wizard.click("Configure")
    expect_success_table(wizard)
    wizard.shot("configured")
    wizard.next()

    save_as(wizard, "browser-onprem")
    wizard.shot("saved")
    assert admin["password"] not in page.content()
    verified = spkit_cli("verify", "--connection", "browser-onprem", env=store_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_wrong_client_id_is_shown_beside_the_field_and_next_stays(wizard_server, page, screenshots, card):
    tenant = card_tenant(card)
    wizard = open_wizard(page, wizard_server.url, screenshots, "voila-wrong-client-id")
    wizard.choose("SharePoint Online (Office 365)")
    wizard.next()
    wizard.choose("Sandbox (local)")
    wizard.next()
    wizard.fill("SharePoint server URL", "contoso")
    wizard.next()
    wizard.next()  # Admin credentials: optional for manual
    wizard.choose("Manual registration")
    wizard.next()

    wizard.expect_step("Application details")
    wizard.fill("Dedicated application account", tenant["users"][0]["upn"])
    wizard.fill("Tenant ID", tenant["tenant_id"])
    wizard.fill("Client ID", "not-a-guid")
    wizard.choose("Use a certificate")
    wizard.next()  # refused: the step stays, the message stands beside the Client ID
    wizard.expect_step("Application details")
    error = wizard.error_beside("Client ID")
    expect(error).to_have_count(1)
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile("GUID", re.IGNORECASE))
    expect(wizard.error_beside("Tenant ID")).to_be_empty()  # only the wrong field speaks
    wizard.shot("wrong-client-id")

    wizard.fill("Client ID", card_app(card, "spkit-certificate")["client_id"])
    wizard.next()
    expect(error).not_to_contain_text(re.compile("GUID", re.IGNORECASE))
