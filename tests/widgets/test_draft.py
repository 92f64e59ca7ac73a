"""The wizard's state machine without any widget: steps and their order, Next refusing a wrong step with
the profile's own message on the field, derived fields, pasted values cleaned, unsaved work, editing."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from spkit.models.online_fields import parse_client_id
from spkit.models.profile import load_profile, profile_from_dict
from spkit.widgets.draft import MANUAL, ONLINE_STEPS, ONPREM_STEPS, SECRET, Draft, SignedIn
from tests.conftest import REPO
from tests.helpers import card_app, card_tenant

GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def test_the_draft_and_the_actions_import_no_widgets():
    code = "import sys, spkit.widgets, spkit.widgets.draft, spkit.widgets.actions; print('ipywidgets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_steps_follow_the_guide_for_each_kind_and_mode():
    draft = Draft()
    assert draft.steps == tuple(s for s in ONLINE_STEPS if s != "details")  # automatic: no details
    draft.set("registration", MANUAL)
    assert draft.steps == ONLINE_STEPS
    assert draft.steps.index("details") == draft.steps.index("registration") + 1
    draft.set("kind", "onprem")
    assert draft.steps == ONPREM_STEPS == ("location", "address", "credentials", "configuration", "save")


def test_next_refuses_a_wrong_step_and_the_message_is_the_profiles():
    draft = Draft()
    assert draft.next() and draft.step == "cloud"
    assert draft.next() and draft.step == "address"
    draft.set("sharepoint_url", "https://contoso.sharepoint.com:8443")
    assert not draft.next()
    assert draft.step == "address"
    message = draft.errors["sharepoint_url"]
    assert message.code == "ADDRESS_PORT" and "carry no port" in message.text
    draft.set("sharepoint_url", "contoso")  # the message follows the fix at once
    assert "sharepoint_url" not in draft.errors
    assert draft.next() and draft.step == "credentials"
    assert draft.back() and draft.step == "address"


def test_admin_center_is_derived_and_stays_editable():
    draft = Draft()
    draft.set("sharepoint_url", "contoso.onmicrosoft.com")
    assert draft["admin_url"] == "https://contoso-admin.sharepoint.com"
    draft.set("admin_url", "https://fabrikam-admin.sharepoint.com")  # typed by hand: kept, but checked
    draft.set("sharepoint_url", "https://contoso.sharepoint.com/sites/finance")
    assert draft["admin_url"] == "https://fabrikam-admin.sharepoint.com"
    assert draft.check_field("admin_url").code == "ADDRESS_ADMIN_MISMATCH"
    draft.set("admin_url", "")  # emptied: derived again
    assert draft["admin_url"] == "https://contoso-admin.sharepoint.com"
    draft.set("cloud", "usgov-high")  # that URL is not a GCC High one: no admin center to derive
    assert draft["admin_url"] == "" and draft.check_field("sharepoint_url").code == "ADDRESS_WRONG_CLOUD"
    draft.set("sharepoint_url", "contoso")
    assert draft["admin_url"] == "https://contoso-admin.sharepoint.us"


def test_germany_warns_with_the_retirement_date_and_refuses_automatic_registration():
    draft = Draft()
    draft.set("cloud", "germany")
    assert draft.check_field("cloud") is None  # a warning, not an error
    note = draft.notes["cloud"]
    assert note.level == "warning" and "2021-10-29" in note.text and "Office 365 global" in note.text
    draft.set("sharepoint_url", "contoso")
    assert draft.check_field("registration").code == "CLOUD_NO_GRAPH"
    draft.set("cloud", "global")
    draft.set("sharepoint_url", "contoso.onmicrosoft.de")  # a tenant moved from Germany
    draft.set("registration", MANUAL)
    draft.check_field("registration")
    assert "manual" in draft.notes["registration"].text


def test_central_administration_url_follows_the_server_and_the_port_both_ways():
    draft = Draft()
    draft.set("kind", "onprem")
    draft.set("sharepoint_url", "https://SharePoint.Fabrikam.com/")
    draft.set("central_admin_port", "2016")
    assert draft["central_admin_url"] == "https://sharepoint.fabrikam.com:2016"
    draft.set("central_admin_url", "https://sharepoint.fabrikam.com:8080")  # edited: the port follows
    assert draft["central_admin_port"] == "8080"
    draft.set("central_admin_url", "https://ca.fabrikam.com:8080")
    assert draft.check_field("central_admin_url").code == "ADDRESS_CENTRAL_ADMIN_MISMATCH"
    draft.set("central_admin_port", "70000")
    assert draft.check_field("central_admin_port").code == "ADDRESS_PORT_INVALID"
    draft.set("central_admin_port", "")
    assert draft.check_field("central_admin_port").code == "ADDRESS_PORT_MISSING"


def test_pasted_ids_thumbprints_and_secrets_are_cleaned_like_the_cli(tmp_path, monkeypatch):
    from spkit.models.cert_store import CertificateStore

    monkeypatch.setenv("SPKIT_CERT_STORE", str(tmp_path / "certs"))
    stored = CertificateStore().create("spkit-draft-test")
    draft = Draft()
    draft.set("registration", MANUAL)
    draft.set("sharepoint_url", "contoso")
    draft.set("application_account", " admin@contoso.onmicrosoft.com ")
    draft.set("client_id", "{\ufeff" + GUID.upper().replace("-", "") + "}\u200b ")
    draft.set("tenant_id", " Contoso.OnMicrosoft.com. ")
    spaced = " ".join(stored.thumbprint[i : i + 2] for i in range(0, 40, 2)).lower()
    draft.set("thumbprint", f"\u200e{spaced}")
    assert draft.check_step("details") == {}
    data = draft.profile_data("draft-test")
    assert data["client_id"] == GUID == parse_client_id(draft["client_id"])
    assert data["tenant_id"] == "contoso.onmicrosoft.com"
    assert data["certificate"] == {"thumbprint": stored.thumbprint}
    assert profile_from_dict(data).client_id == GUID  # the same data a YAML profile would be
    draft.set("credential", SECRET)
    draft.set("client_secret", "  s3cret~value\n")
    assert draft.secrets_to_store() == {"client_secret": "s3cret~value"}
    draft.set("client_secret", "env:MY_SECRET")
    assert draft.check_field("client_secret").code == "SECRET_VALUE_IS_REFERENCE"
    assert "MY_SECRET" not in repr(draft)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("client_id", "00000003-0000-0000-c000-000000000000", "PROFILE_GUID_INVALID"),  # Graph's own ID
        ("client_id", "not-a-guid", "PROFILE_GUID_INVALID"),
        ("tenant_id", "contoso", "PROFILE_GUID_INVALID"),
        ("tenant_id", "-bad-.com", "PROFILE_TENANT_INVALID"),
        ("application_account", "admin", "PROFILE_ACCOUNT_INVALID"),
        ("thumbprint", "A94A8FE5", "CERT_THUMBPRINT_INVALID"),
        ("thumbprint", "A" * 40, "CERT_NOT_IN_STORE"),
    ],
)
def test_each_details_field_refuses_what_a_profile_refuses(key, value, code, tmp_path, monkeypatch):
    monkeypatch.setenv("SPKIT_CERT_STORE", str(tmp_path / "certs"))
    draft = Draft()
    draft.set("registration", MANUAL)
    draft.set(key, value)
    assert draft.check_field(key).code == code


def test_the_yaml_profile_and_the_wizard_word_a_wrong_client_id_alike(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "name: x\nkind: online\nsharepoint_url: contoso\nclient_id: nope\napplication_account: a@b.com\n"
        "client_secret: env:X\n"
    )
    with pytest.raises(Exception) as raised:
        load_profile(tmp_path / "p.yaml")
    draft = Draft()
    draft.set("client_id", "nope")
    message = draft.check_field("client_id")
    assert message.text in str(raised.value) and message.fix in str(raised.value)


def test_automatic_registration_needs_a_global_administrator():
    draft = Draft()
    draft.set("sharepoint_url", "contoso")
    assert draft.check_field("registration").code == "ADMIN_SIGNIN_NEEDED"
    draft.set("admin_upn", "sp.admin@contoso.com")
    draft.set_signed_in(SignedIn("sp.admin@contoso.com", "password", ("SharePoint Administrator",), GUID))
    assert draft.check_field("registration").code == "ADMIN_NOT_GLOBAL_ADMIN"
    assert draft["application_account"] == "sp.admin@contoso.com"  # the signed-in admin, editable
    draft.set_signed_in(SignedIn("sp.admin@contoso.com", "password", ("Global Administrator",), GUID))
    assert draft.check_field("registration") is None
    assert draft.check_field("plan").code == "PLAN_NEEDED"
    draft.set_plan(object())
    assert draft.check_field("plan").code == "PLAN_NOT_CONFIRMED"
    draft.confirm_plan()
    assert draft.check_step("registration") == {}
    draft.set("admin_upn", "someone.else@contoso.com")  # another admin: the sign-in no longer counts
    assert draft.signed_in is None and draft.plan is None


def test_configuration_must_run_for_what_the_form_holds_now():
    draft = Draft()
    draft.set("sharepoint_url", "contoso")
    draft.step_index = draft.steps.index("configuration")
    assert not draft.next() and draft.errors["configure"].code == "CONFIGURE_NEEDED"
    draft.set_configured(object())
    assert draft.next() and draft.step == "save"
    assert draft["name"] == "contoso"  # a default name, free in the store
    draft.set("sharepoint_url", "contoso.com")
    assert not draft.is_configured


def test_unsaved_work_and_names():
    draft = Draft(known_names=frozenset({"contoso", "contoso-2"}))
    assert not draft.has_unsaved_work
    draft.set("sharepoint_url", "contoso")
    assert draft.has_unsaved_work
    assert draft.default_name() == "contoso-3"
    draft.set("name", "contoso")
    assert draft.check_field("name").code == "CONNECTION_EXISTS"
    draft.set("name", "bad/name")
    assert draft.check_field("name").code == "PROFILE_NAME_INVALID"
    draft.mark_saved("contoso-3")
    assert not draft.has_unsaved_work


@dataclass
class _Saved:
    name: str
    profile_data: dict
    registration: dict | None
    secret_keys: tuple = ()


def test_editing_an_automatic_connection_reuses_it_and_manual_fills_the_details(card, card_path: Path):
    tenant = card_tenant(card)
    app = card_app(card, "spkit-certificate")
    data = {
        "name": "auto",
        "kind": "online",
        "cloud": "sandbox",
        "sandbox": str(card_path),
        "sharepoint_url": tenant["sharepoint_url"],
        "tenant_id": tenant["tenant_id"],
        "client_id": app["client_id"],
        "application_account": "admin@contoso.onmicrosoft.com",
        "certificate": {"thumbprint": app["certificate"]["thumbprint"]},
    }
    registration = {
        "created_by": "spkit",
        "client_id": app["client_id"],
        "tenant_id": tenant["tenant_id"],
        "display_name": "spkit SharePoint",
        "certificate_thumbprint": app["certificate"]["thumbprint"],
    }
    draft = Draft.from_saved(_Saved("auto", data, registration), known_names={"auto"})
    assert not draft.has_unsaved_work and draft.editing == "auto"
    assert draft["registration"] == "automatic" and draft["cloud"] == "sandbox"
    assert draft["admin_url"] == tenant["admin_url"]
    assert draft.check_field("name") is None  # its own name is not a clash
    assert draft.profile_data("auto") == data  # until Configure registers again, the saved profile
    for key in ("client_id", "tenant_id", "thumbprint"):
        draft.values[key] = ""
    draft.set("registration", MANUAL)
    assert draft["client_id"] == app["client_id"] and draft["tenant_id"] == tenant["tenant_id"]
    assert draft["thumbprint"] == app["certificate"]["thumbprint"] and draft["credential"] == "certificate"


def test_an_onprem_draft_names_the_sandbox_card_only_for_a_host_the_sandbox_serves(card, card_path: Path):
    farm = card["farms"][0]
    draft = Draft(sandbox_card=card_path)
    draft.set("kind", "onprem")
    draft.set("sharepoint_url", farm["url"])
    draft.set("central_admin_port", str(farm["central_admin_port"]))
    draft.set("admin_upn", "fabrikam\\spfarm")
    data = draft.profile_data("farm", {"admin_password": "env:FARM_PASSWORD"})
    assert data["sandbox"] == str(card_path.resolve()) and data["admin_upn"] == "FABRIKAM\\spfarm"
    assert profile_from_dict(data).central_admin_url == farm["central_admin_url"]
    draft.set("sharepoint_url", "https://sharepoint.example.com")
    assert "sandbox" not in draft.profile_data("farm", {"admin_password": "env:FARM_PASSWORD"})
