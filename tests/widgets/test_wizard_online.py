"""The Online wizard driven like a person drives it (values typed, buttons clicked, a .pfx uploaded, a
device code completed on the sandbox's sign-in pages), each path ending in a saved connection that
`spkit verify --connection NAME` judges exactly as the wizard's Configuration did."""

from __future__ import annotations

import datetime
import html
import re
import uuid
from pathlib import Path

from spkit.store import ConnectionStore
from spkit.widgets import ConnectionWizard
from tests.helpers import card_app, card_tenant
from tests.widgets.conftest import (
    ADMIN,
    complete_device_code,
    user,
    verify_connection,
    wait_for,
    widget_texts,
)

NEXT = "Next"


def upload(path: Path, name: str | None = None) -> list[dict]:
    data = path.read_bytes()
    return [
        {
            "name": name or path.name,
            "type": "application/octet-stream",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.datetime.now(datetime.UTC),
        }
    ]


def to_details(wizard, card) -> None:
    """Server location → Office 365 cloud (the sandbox, preselected) → Server address → Admin
    credentials (skipped: optional for manual) → Manual registration → Application details."""
    tenant = card_tenant(card)
    wizard.choose("SharePoint Online (Office 365)")
    wizard.click(NEXT)
    assert wizard.draft.step == "cloud" and wizard.control("Sandbox (local)").value == "sandbox"
    wizard.click(NEXT)
    wizard.fill("SharePoint server URL", tenant["sharepoint_url"])
    assert wizard.control("Admin center URL").value == tenant["admin_url"]
    wizard.click(NEXT)
    wizard.click(NEXT)
    wizard.choose("Manual registration")
    wizard.click(NEXT)
    assert wizard.draft.step == "details"
    wizard.fill("Dedicated application account", ADMIN)
    wizard.fill("Tenant ID", tenant["tenant_id"])


def configure_and_save(wizard, name: str):
    wizard.click(NEXT)
    assert wizard.draft.step == "configuration", wizard.draft.errors
    wizard.click("Configure")
    wizard.wait(120)
    assert "configure" not in wizard.draft.errors, wizard.draft.errors
    result = wizard.configuring.result
    wizard.click(NEXT)
    assert wizard.draft.step == "save"
    wizard.fill("Connection name", name)
    assert name not in ConnectionStore().names()  # nothing saved yet
    wizard.click("Save")
    assert wizard.draft.saved_name == name, wizard.draft.errors
    assert not wizard.draft.has_unsaved_work
    assert name in wizard.card.summaries  # listed on the Defined server connections card
    # The saved name stays the field's value (not emptied to a placeholder), and the command to try
    # it is one unbreakable piece of code.
    assert wizard.control("Connection name").value == name
    quoted = html.escape(f"spkit verify --connection '{name}'")
    assert f'<code class="spkit-cmd">{quoted}</code>' in wizard.pages["save"].status.value
    return result


def test_manual_registration_with_a_certificate_imported_from_a_pfx(wizard, card, env, tmp_path):
    app = card_app(card, "spkit-certificate")
    to_details(wizard, card)
    wizard.fill("Client ID", app["client_id"].upper().replace("-", ""))  # pasted oddly: cleaned
    wizard.choose("Use a certificate")
    wizard.control("Certificate file").value = upload(Path(app["certificate"]["pfx"]))
    wizard.click("Import")
    assert wizard.control("Certificate thumbprint").value == app["certificate"]["thumbprint"]
    assert app["certificate"]["thumbprint"] in wizard.control("Certificates in the local store").value
    assert "Imported" in wizard.message("import")
    shown: list[str] = []
    wizard.pages["configuration"].refresh = _recorder(wizard.pages["configuration"].refresh, shown, wizard)
    # When Configure ends, the status line and Next change before (never after) the outcome shows.
    seen: list[tuple[str, str]] = []
    wizard.frame.busy.observe(lambda c: seen.append(("busy", c["new"])), "value")
    wizard.pages["configuration"].summary.observe(lambda c: seen.append(("summary", c["new"])), "value")
    result = configure_and_save(wizard, "wiz-manual-cert")
    outcome = next(i for i, (what, value) in enumerate(seen) if what == "summary" and value)
    assert ("busy", "") in seen[:outcome] and ("busy", "configuring…") in seen[:outcome], seen
    assert result.passed, result.summary_line()
    # Each step appeared while the others still ran: the table grew one row at a time.
    assert len({n for n in shown}) >= len(result.steps) - 1
    page = wizard.pages["configuration"]
    assert "✔ passed" in page.table.value and "Site collections (Graph)" in page.table.value
    counts = f"{result.facts['site_collections']} site collections and {result.facts['onedrive_sites']} OneDrive sites"
    assert f"Site collections found: {counts}" in page.sites.value
    assert "<a href=" in page.sites.value
    code, verified = verify_connection("wiz-manual-cert", env)
    assert code == 0 and verified["passed"]
    assert [s["step"] for s in verified["steps"]] == [s.step for s in result.steps]
    # After Save: the onboarding record, with links to its two files.
    wizard.click("Write onboarding record")
    wizard.wait(180)
    assert "record" not in wizard.draft.errors, wizard.draft.errors
    links = wizard.record_links
    assert "Onboarding record written" in links
    written = sorted(p.suffix for p in (tmp_path / "records").iterdir())
    assert written == [".html", ".ipynb"]
    assert links.count('download="wiz-manual-cert-') == 2 and "data:text/html;base64," in links


def _recorder(refresh, shown: list, wizard):
    def wrapped(draft):
        shown.append(len(wizard.configuring.steps))
        refresh(draft)

    return wrapped


def test_manual_registration_with_a_client_secret_fails_at_sharepoint_like_the_cli(wizard, card, env):
    app = card_app(card, "spkit-secret")
    secret = app["client_secret"]
    to_details(wizard, card)
    wizard.fill("Client ID", app["client_id"])
    wizard.choose("Use a client secret")
    assert wizard.control("Client secret").__class__.__name__ == "Password"
    wizard.fill("Client secret", f"  {secret}\n")  # pasted with blanks around: cleaned
    result = configure_and_save(wizard, "wiz-secret")
    failed = {s.step: s for s in result.failed_steps}
    assert list(failed) == ["sharepoint"], result.summary_line()
    diagnosis = failed["sharepoint"].diagnosis
    assert diagnosis.code == "SPO_SECRET_TOKEN_REFUSED"
    page = wizard.pages["configuration"]
    assert (
        "SPO_SECRET_TOKEN_REFUSED" in page.failures.value and "register a certificate" in page.failures.value
    )
    # The same verdict from the CLI, with the same diagnosis; the secret went into the store, encrypted.
    code, verified = verify_connection("wiz-secret", env)
    steps = {s["step"]: s for s in verified["steps"]}
    assert code == 1 and steps["sharepoint"]["diagnosis"]["code"] == diagnosis.code
    assert steps["sharepoint"]["diagnosis"]["fix"] == diagnosis.fix
    store = ConnectionStore()
    assert store.secret("wiz-secret", "client_secret") == secret
    assert secret not in store.path.read_text()
    assert store.get("wiz-secret").profile_data["client_secret"] == "store:wiz-secret/client_secret"
    # Never in the page: no widget holds it any more, no message or table shows it.
    assert not any(secret in text for text in widget_texts(wizard.widget))
    # Remove (an app an administrator registered is not spkit's to delete: only Remove is offered).
    wizard.card.list.value = "wiz-secret"
    wizard.click("Remove")
    assert wizard.card.unregister.layout.display == "none"
    wizard.click("Remove only")
    wizard.wait(30)
    assert "wiz-secret" not in ConnectionStore().names() and "Removed connection" in wizard.card_status


def test_automatic_registration_with_a_device_code_then_edit_reuse_manual_and_unregister(
    wizard, card, card_path, env, tmp_path, monkeypatch
):
    tenant = card_tenant(card)
    app_name = f"spkit wizard {uuid.uuid4().hex[:8]}"
    wizard.click(NEXT)
    wizard.click(NEXT)
    wizard.fill("SharePoint server URL", "contoso")
    wizard.click(NEXT)
    assert wizard.draft.step == "credentials"
    wizard.fill("User Principal Name", ADMIN)
    wizard.click("Log in as Office 365 admin")
    wait_for(lambda: wizard.signin.code is not None, what="the device code")
    status = wizard.pages["credentials"].status.value
    link = re.search(r'<a href="([^"]+)"', status).group(1)
    code = wizard.signin.code.user_code
    assert code in status and wizard.tasks.running("signin")  # the page is live while it polls
    heading = complete_device_code(card, link, code, ADMIN, user(card, ADMIN)["password"])
    assert heading == "Microsoft Graph Command Line Tools"
    wizard.wait(60)
    assert wizard.draft.signed_in.upn == ADMIN and wizard.draft.signed_in.is_global_admin
    assert "Global Administrator" in wizard.pages["credentials"].status.value
    wizard.click(NEXT)
    assert wizard.draft.step == "registration"
    wizard.fill("Application name", app_name)
    wizard.wait(60)
    preview = wizard.pages["registration"].preview.value
    assert f"Create the application &#x27;{app_name}&#x27;" in preview
    assert "Sites.FullControl.All" in preview and "678536fe-1083-478a-9c59-b99265e6b0d3" in preview
    assert f"CN={app_name}" in preview
    wizard.click(NEXT)  # not confirmed yet
    assert wizard.draft.step == "registration" and wizard.draft.errors["plan"].code == "PLAN_NOT_CONFIRMED"
    wizard.control("I have read the preview: register this application when I click Configure").value = True
    progress: list[str] = []
    original = wizard.pages["configuration"].refresh

    def watch(draft):
        progress.append(wizard.configuring.progress)
        original(draft)

    wizard.pages["configuration"].refresh = watch
    result = configure_and_save(wizard, "wiz-auto")
    assert result.passed, result.summary_line()
    assert any("creating the application" in p for p in progress)
    assert any("consent in effect" in p or "waiting for consent" in p for p in progress)
    saved = ConnectionStore().get("wiz-auto")
    client_id = saved.registration["client_id"]
    assert saved.registration["created_by"] == "spkit" and saved.profile_data["client_id"] == client_id
    code_, verified = verify_connection("wiz-auto", env)
    assert code_ == 0 and verified["passed"]

    # Edit: the wizard opens filled in; registering again reuses the app (the sign-in is cached).
    wizard.card.list.value = "wiz-auto"
    wizard.click("Edit")
    draft = wizard.draft
    assert draft.editing == "wiz-auto" and not draft.has_unsaved_work
    assert draft["sharepoint_url"] == tenant["sharepoint_url"] and draft["registration"] == "automatic"
    while draft.step != "credentials":
        wizard.click(NEXT)
    wizard.click("Log in as Office 365 admin")
    wizard.wait(60)
    assert wizard.signin.code is None and draft.signed_in is not None  # cached: no new code
    wizard.click(NEXT)
    wizard.wait(60)
    assert f"Reuse the application &#x27;{app_name}&#x27;" in wizard.pages["registration"].preview.value
    assert client_id in wizard.pages["registration"].preview.value
    # Manual registration of that connection: Application details come from its registration.
    wizard.choose("Manual registration")
    wizard.click(NEXT)
    assert draft.step == "details"
    assert wizard.control("Client ID").value == client_id
    assert wizard.control("Tenant ID").value == tenant["tenant_id"]
    assert wizard.control("Certificate thumbprint").value == saved.registration["certificate_thumbprint"]
    assert wizard.control("Dedicated application account").value == ADMIN
    wizard.click(NEXT)
    wizard.click("Configure")
    wizard.wait(60)
    assert wizard.configuring.result.passed
    wizard.click(NEXT)
    assert wizard.control("Connection name").disabled  # editing keeps the name
    wizard.click("Save")
    assert draft.saved_name == "wiz-auto", draft.errors
    again = ConnectionStore().get("wiz-auto")
    assert again.registration["client_id"] == client_id  # no second app, the record kept
    assert verify_connection("wiz-auto", env)[0] == 0

    # Another machine (another certificate store), the same app name: spkit will not silently make a
    # second app; it offers reuse with a new certificate, or a second app. Signed in with a password.
    monkeypatch.setenv("SPKIT_CERT_STORE", str(tmp_path / "other-certs"))
    other = ConnectionWizard(sandbox_card=card_path)
    other.click(NEXT)
    other.click(NEXT)
    other.fill("SharePoint server URL", "contoso")
    other.click(NEXT)
    other.fill("User Principal Name", ADMIN)
    other.fill("Password", user(card, ADMIN)["password"])
    other.click("Log in as Office 365 admin")
    other.wait(60)
    assert other.draft.signed_in.method == "password" and other.signin.code is None
    other.click(NEXT)
    other.fill("Application name", app_name)
    other.wait(60)
    assert other.draft.errors["plan"].code == "REGISTRATION_EXISTS"
    other.choose("Reuse it with a new certificate")
    other.wait(60)
    preview = other.pages["registration"].preview.value
    assert f"Reuse (with a new certificate) the application &#x27;{app_name}&#x27;" in preview
    assert client_id in preview
    other.actions.close()
    monkeypatch.setenv("SPKIT_CERT_STORE", env["SPKIT_CERT_STORE"])

    # Remove offers to unregister the app spkit created; the admin's sign-in is cached.
    wizard.card.list.value = "wiz-auto"
    wizard.click("Remove")
    assert "Remove connection 'wiz-auto'?" in wizard.card.question.value
    wizard.click("Unregister app and remove")
    wizard.wait(60)
    assert "remove" not in wizard.draft.errors, wizard.draft.errors
    assert "wiz-auto" not in ConnectionStore().names()
    assert f"its app {client_id} was deleted" in wizard.card_status
