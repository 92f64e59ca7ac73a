"""The on-premises wizard: Server address with Central Administration derived, Browse of the farm's
Active Directory (the sandbox's slapd: the farm's domain, a trusted and an untrusted partner), the
password stored encrypted on Save, and `spkit verify --connection` passing."""

from __future__ import annotations

import pytest

from spkit.store import ConnectionStore
from tests.widgets.conftest import verify_connection, widget_texts


def rows(widget):
    """Every row (``spkit-row``) under ``widget``."""
    stack = [widget]
    while stack:
        node = stack.pop()
        if "spkit-row" in getattr(node, "_dom_classes", ()):
            yield node
        stack.extend(getattr(node, "children", ()) or ())


def farm_user(card: dict, sam: str) -> dict:
    return next(u for u in card["farms"][0]["users"] if u["sam_account_name"] == sam)


def to_credentials(wizard, card) -> dict:
    farm = card["farms"][0]
    wizard.choose("On-premises SharePoint Server")
    assert wizard.draft.steps == ("location", "address", "credentials", "configuration", "save")
    wizard.click("Next")
    assert wizard.draft.step == "address"
    wizard.fill("SharePoint server URL", farm["url"])
    wizard.fill("Central Administration port", str(farm["central_admin_port"]))
    assert wizard.control("Central Administration URL").value == farm["central_admin_url"]
    wizard.click("Next")
    assert wizard.draft.step == "credentials"
    return farm


def test_onprem_with_browse_configure_save_and_verify(wizard, card, env):
    directory = card.get("directory") or {}
    if not directory.get("available"):
        pytest.skip(f"the sandbox serves no directory: {directory.get('reason', 'an older sandbox card')}")
    to_credentials(wizard, card)
    upn_row = next(r for r in rows(wizard.widget) if wizard.control("User Principal Name") in r.children)
    assert wizard.control("Browse") in upn_row.children  # Browse stands beside the field it fills
    wizard.click("Browse")
    wizard.wait(30)
    assert "browse" not in wizard.draft.errors, wizard.draft.errors
    admins = dict(wizard.control("Administrators").options)
    assert set(admins.values()) == {"spfarm@fabrikam.local"}  # the farm administrators, enabled
    assert "1 member of SharePoint Farm Admins in fabrikam.local" in wizard.message("browse")
    domains = dict(wizard.control("Domain").options)
    assert domains["contoso.local"] == "contoso.local"
    assert domains["northwind.local (not trusted)"] == "northwind.local"
    # A trusted partner lists its administrators; an untrusted one says to type the UPN.
    wizard.fill("Domain", "contoso.local")
    wizard.wait(30)
    assert {v for _label, v in wizard.control("Administrators").options} == {"alexw@contoso.local"}
    wizard.fill("Domain", "northwind.local")
    wizard.wait(30)
    message = wizard.draft.errors["browse"]
    assert message.code == "AD_DOMAIN_NOT_TRUSTED" and "type the UPN" in message.text
    assert "spkit-field-error" in wizard.pages["credentials"].browse_error._dom_classes
    assert "northwind.local is not trusted" in wizard.pages["credentials"].browse_error.value
    wizard.fill("Domain", "fabrikam.local")
    wizard.wait(30)
    wizard.fill("Administrators", "spfarm@fabrikam.local")  # picked: fills the UPN
    assert wizard.control("User Principal Name").value == "spfarm@fabrikam.local"
    password = farm_user(card, "spfarm")["password"]
    wizard.fill("Password", password)
    wizard.click("Next")
    assert wizard.draft.step == "configuration", wizard.draft.errors
    wizard.click("Configure")
    wizard.wait(60)
    result = wizard.configuring.result
    assert result.passed, result.summary_line()
    page = wizard.pages["configuration"].sites.value
    assert "Admin account requirements" in page and "Member of Farm Administrators" in page
    counts = (
        f"{result.facts['site_collections']} site collections and {result.facts['onedrive_sites']} My Sites"
    )
    assert f"Site collections found: {counts}" in page and f'<a href="{card["farms"][0]["url"]}' in page
    # The steps table counts the requirements (the table under it lists each): no squeezed columns.
    table = wizard.pages["configuration"].table.value
    assert "3 met; 4 cannot be checked from outside the server (each requirement is listed below)" in table
    assert "Member of Farm Administrators" not in table
    wizard.click("Next")
    assert wizard.control("Connection name").value == "sharepoint-fabrikam"
    wizard.fill("Connection name", "wiz-farm")
    wizard.click("Save")
    assert wizard.draft.saved_name == "wiz-farm", wizard.draft.errors
    store = ConnectionStore()
    saved = store.get("wiz-farm")
    assert saved.profile_data["admin_password"] == "store:wiz-farm/admin_password"
    assert password not in store.path.read_text()
    assert not any(password in text for text in widget_texts(wizard.widget))
    code, verified = verify_connection("wiz-farm", env)
    assert code == 0 and verified["passed"], verified
    assert [s["step"] for s in verified["steps"]] == [s.step for s in result.steps]


def test_onprem_without_a_directory_says_so_beside_browse(env, card, tmp_path):
    from spkit.widgets import ConnectionWizard

    wizard = ConnectionWizard(sandbox_card=None, record_dir=tmp_path)  # no sandbox: no directory known
    farm = card["farms"][0]
    wizard.choose("On-premises SharePoint Server")
    wizard.click("Next")
    wizard.fill("SharePoint server URL", farm["url"])
    wizard.fill("Central Administration port", "2016")
    wizard.click("Next")
    wizard.click("Browse")
    wizard.wait(30)
    message = wizard.draft.errors["browse"]
    assert message.code == "AD_NOT_CONFIGURED"
    assert message.text == "no directory configured: type the UPN (user@domain)"
    assert "SPKIT_AD_SERVER" in message.fix and "--server" not in message.fix
    assert "no directory configured" in wizard.pages["credentials"].browse_error.value
