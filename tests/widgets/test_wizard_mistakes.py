"""A wrong value on each step: its message stands beside its field (the element with class
``spkit-field-error`` in the field's own row) and Next refuses to leave the step. And leaving unsaved
work (Cancel, New, Edit) asks first."""

from __future__ import annotations

import html

import yaml

from spkit.store import ConnectionStore
from tests.helpers import card_app, card_tenant, write_profile
from tests.widgets.conftest import user


def beside(wizard, label: str):
    """The error widget beside the control labelled ``label``: the first one after it in its row (a row
    may hold a button's messages too, after the field's own, as Browse beside User Principal Name)."""
    control = wizard.control(label)
    for row in _rows(wizard.widget):
        if control in row.children:
            after = row.children[row.children.index(control) :]
            cells = [grand for c in after for grand in (c, *getattr(c, "children", ()))]  # the message column
            errors = [c for c in cells if "spkit-field-error" in c._dom_classes]
            assert errors, f"no message beside {label!r}"
            return errors[0]
    raise AssertionError(f"no row holds {label!r}")


def _rows(widget):
    stack = [widget]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", ()) or ()
        if "spkit-row" in getattr(node, "_dom_classes", ()):
            yield node
        stack.extend(children)


def refuses(wizard, label: str, words: str) -> None:
    step = wizard.draft.step
    wizard.click("Next")
    assert wizard.draft.step == step, f"Next left {step}"
    error = beside(wizard, label)
    assert words in html.unescape(error.value), error.value
    assert error.layout.display != "none"
    column = next(
        (r for r in _rows(wizard.widget) for c in r.children if error in getattr(c, "children", ())), None
    )
    assert column is None or all(  # shown: the column that holds it too
        c.layout.display != "none" for c in column.children if error in getattr(c, "children", ())
    )


def test_a_wrong_value_on_each_online_step(wizard, card, tmp_path):
    tenant = card_tenant(card)
    wizard.click("Next")
    wizard.click("Next")
    # Server address
    wizard.fill("SharePoint server URL", "http://contoso.sharepoint.localhost")
    refuses(wizard, "SharePoint server URL", "only served over https")
    wizard.fill("SharePoint server URL", "contoso")
    assert beside(wizard, "SharePoint server URL").value == ""  # fixed: the message goes at once
    wizard.fill("Admin center URL", "https://fabrikam-admin.sharepoint.localhost")
    refuses(wizard, "Admin center URL", "is not the admin center of the tenant")
    wizard.fill("Admin center URL", "")
    assert wizard.control("Admin center URL").value == tenant["admin_url"]
    wizard.click("Next")
    # Admin credentials: a malformed UPN; then a wrong password is a message beside the button
    wizard.fill("User Principal Name", "admin at contoso")
    refuses(wizard, "User Principal Name", "must be the e-mail (UPN)")
    wizard.fill("User Principal Name", "sp.admin@contoso.com")
    wizard.fill("Password", "not the password")
    wizard.click("Log in as Office 365 admin")
    wizard.wait(30)
    assert wizard.draft.errors["signin"].code == "AUTH_BAD_PASSWORD"
    assert "AUTH_BAD_PASSWORD" in beside(wizard, "Log in as Office 365 admin").value
    # A user without an admin role signs in: a message, not an error dialog
    wizard.fill("User Principal Name", "user@contoso.com")
    wizard.fill("Password", user(card, "user@contoso.com")["password"])
    wizard.click("Log in as Office 365 admin")
    wizard.wait(30)
    status = html.unescape(wizard.pages["credentials"].status.value)
    assert "Roles: no directory role" in status and "Administrator) role is missing" in status
    assert "signin" not in wizard.draft.errors
    # A SharePoint Administrator signs in: roles shown, the missing Global Administrator role is a note
    wizard.fill("User Principal Name", "sp.admin@contoso.com")
    wizard.fill("Password", user(card, "sp.admin@contoso.com")["password"])
    wizard.click("Log in as Office 365 admin")
    wizard.wait(30)
    status = wizard.pages["credentials"].status.value
    assert "SharePoint Administrator" in status and "not a Global Administrator" in status
    assert "signin" not in wizard.draft.errors
    wizard.click("Next")
    # Application registration: automatic needs a Global Administrator
    refuses(wizard, "Automatic registration", "is not a Global Administrator")
    wizard.choose("Manual registration")
    wizard.click("Next")
    # Application details: each field with the profile's own rule
    app = card_app(card, "spkit-certificate")
    wizard.fill("Client ID", "7669b23b-2619-500f-b454")
    refuses(wizard, "Client ID", "is not a GUID")
    wizard.fill("Client ID", app["client_id"])
    wizard.fill("Tenant ID", "contoso")
    refuses(wizard, "Tenant ID", "is not a GUID")
    wizard.fill("Tenant ID", tenant["tenant_id"])
    assert wizard.control("Dedicated application account").value == "sp.admin@contoso.com"
    wizard.fill("Certificate thumbprint", app["certificate"]["thumbprint"])  # not imported here
    refuses(wizard, "Certificate thumbprint", "is not in the certificate store")
    wizard.control("Certificate file").value = [
        {
            "name": "notes.txt",
            "type": "text/plain",
            "size": 2,
            "content": memoryview(b"hi"),
            "last_modified": _now(),
        }
    ]
    wizard.click("Import")
    assert "not a certificate file" in beside(wizard, "Import").value
    wizard.choose("Use a client secret")
    refuses(wizard, "Client secret", "is required")
    wizard.fill("Client secret", card_app(card, "spkit-secret")["client_secret"])
    wizard.fill("Client ID", card_app(card, "spkit-secret")["client_id"])
    wizard.click("Next")
    # Configuration: Next needs Configure first
    refuses(wizard, "Configure", "click Configure")
    wizard.click("Configure")
    wizard.wait(60)
    wizard.click("Back")  # changed after Configure: configure again
    wizard.fill("Client ID", card_app(card, "spkit-expired-secret")["client_id"])
    wizard.click("Next")
    refuses(wizard, "Configure", "has not been tried yet")
    assert "changed since" in wizard.pages["configuration"].summary.value
    wizard.click("Configure")
    wizard.wait(60)
    wizard.click("Next")
    # Save: a name the store refuses
    wizard.fill("Connection name", "a/b")
    wizard.click("Save")
    assert wizard.draft.saved_name is None
    assert "letters, digits, spaces" in beside(wizard, "Connection name").value


def _now():
    import datetime

    return datetime.datetime.now(datetime.UTC)


def test_a_wrong_value_on_each_onprem_step(wizard, card):
    farm = card["farms"][0]
    wizard.choose("On-premises SharePoint Server")
    wizard.click("Next")
    wizard.fill("SharePoint server URL", "sharepoint.fabrikam.localhost")
    refuses(wizard, "SharePoint server URL", "has no scheme")
    wizard.fill("SharePoint server URL", "https://sharepoint")
    refuses(wizard, "SharePoint server URL", "not a fully qualified domain name")
    wizard.fill("SharePoint server URL", farm["url"])
    wizard.fill("Central Administration port", "two thousand")
    refuses(wizard, "Central Administration port", "must be a number from 1 to 65535")
    wizard.fill("Central Administration port", "2016")
    wizard.fill("Central Administration URL", "https://ca.fabrikam.localhost:2016")
    refuses(wizard, "Central Administration URL", "server's own host")
    wizard.fill("Central Administration URL", f"https://{farm['host']}:2016")
    wizard.click("Next")
    wizard.fill("User Principal Name", "FABRIKAM\\sp|farm")
    refuses(wizard, "User Principal Name", "characters Windows forbids")
    wizard.fill("User Principal Name", "spfarm@fabrikam.local")
    refuses(wizard, "Password", "is required")
    wizard.fill("Password", "wrong password")
    wizard.click("Next")
    wizard.click("Configure")
    wizard.wait(60)
    result = wizard.configuring.result
    assert not result.passed and result.failed_steps[0].title == "Sign in to the farm (NTLM)"
    assert result.failed_steps[0].diagnosis.code in wizard.pages["configuration"].failures.value
    assert "troubleshoot_connection.ipynb" in wizard.pages["configuration"].failures.value


def test_unsaved_work_is_not_lost_without_a_warning(wizard, card, card_path, tmp_path):
    # Nothing typed: Cancel and New need no confirmation.
    wizard.click("Cancel")
    assert wizard.pending is None
    wizard.click("Next")
    wizard.click("Next")
    wizard.fill("SharePoint server URL", "contoso")
    draft = wizard.draft
    for leave in ("Cancel", "New"):
        wizard.click(leave)
        assert wizard.frame.confirm.layout.display != "none"
        assert "Discard unsaved connection?" in wizard.frame.question.value
        wizard.click("Keep editing")
        assert wizard.draft is draft and wizard.draft["sharepoint_url"] == "contoso"
        assert wizard.frame.confirm.layout.display == "none"
    wizard.click("Cancel")
    wizard.click("Discard")
    assert (
        wizard.draft is not draft and wizard.draft["sharepoint_url"] == "" and wizard.draft.step == "location"
    )
    assert not wizard.draft.has_unsaved_work
    # Edit another connection while this one is unsaved: asked first, then opened filled in.
    saved = ConnectionStore().add(
        yaml.safe_load(write_profile(tmp_path, card_path, card, "spkit-certificate").read_text())
    )
    wizard.card.reload()
    wizard.choose("On-premises SharePoint Server")  # a choice made, not saved
    wizard.card.list.value = saved.name
    wizard.click("Edit")
    assert wizard.draft.editing is None and wizard.pending is not None
    wizard.click("Discard")
    assert wizard.draft.editing == saved.name and wizard.draft["client_id"] == saved.profile_data["client_id"]
    assert wizard.draft.kind == "online" and not wizard.draft.has_unsaved_work
