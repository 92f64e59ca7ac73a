"""*Application registration* (automatic, with the preview to confirm; or manual) and, for manual,
*Application details*: the four fields, certificate or client secret, the local certificate store and
Import."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from . import labels
from .draft import AUTOMATIC, CERTIFICATE, IMPORT, PLAN, Draft
from .form import (
    FieldRow,
    box_message,
    button,
    html_block,
    message_html,
    panel,
    radios,
    set_message,
    show,
    text,
    toggles,
)
from .steps_credentials import signin_status
from .style import FIELD_STYLE, message_layout

if TYPE_CHECKING:
    from .app import ConnectionWizard

L = labels.FIELD_LABELS
UPLOAD_TYPES = ".pfx,.p12,.pem,.cer,.crt,.key"


def preview_html(plan: Any) -> str:
    """The registration preview: what is created or reused, the certificate, every permission by name
    and GUID (from ``RegistrationPlan.to_dict`` and ``lines``)."""
    data = plan.to_dict()
    lines = plan.lines()
    head = html.escape(lines[0])
    details = [
        line.strip() for line in lines[1:] if not line.startswith("    ") and "permissions" not in line
    ]
    rows = "".join(
        f"<tr><td>{html.escape(p['resource'])}</td><td>{html.escape(p['name'])}</td>"
        f"<td><code>{html.escape(p['id'])}</code></td></tr>"
        for p in data["permissions"]
    )
    items = "".join(f"<li>{html.escape(d)}</li>" for d in details)
    return (
        f'<div class="spkit-message spkit-info"><b>{head}</b><ul>{items}</ul>'
        f"Application permissions ({html.escape(data['preset'])}), granted with admin consent:"
        '<table class="spkit-table"><thead><tr><th>API</th><th>Permission</th><th>GUID</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


class RegistrationStep:
    step = "registration"

    def __init__(self, wizard: ConnectionWizard) -> None:
        self.wizard = wizard
        self.mode = FieldRow(wizard, "registration", toggles(labels.REGISTRATION_CHOICES))
        self.app_name = FieldRow(wizard, "app_name", text(L["app_name"], "spkit SharePoint"))
        self.app_name.widget.continuous_update = False  # a new preview when the name is complete
        self.signin = html_block()
        self.progress = html_block(css="spkit-progress")
        self.preview = html_block()
        self.existing = radios(labels.EXISTING_APP_CHOICES, "spkit's application exists:")
        self.existing.value = None
        self.existing.observe(self._existing_chosen, "value")
        wizard.register(self.existing)
        self.confirm = w.Checkbox(
            description=labels.CONFIRM_PLAN, indent=False, layout=w.Layout(width="auto")
        )
        self.confirm.observe(self._confirmed, "value")
        wizard.register(self.confirm)
        self.plan_error = w.HTML(layout=message_layout())
        self.plan_error.add_class("spkit-field-error")
        confirm_row = w.HBox([self.confirm, self.plan_error])
        confirm_row.add_class("spkit-row")
        self.automatic = w.VBox(
            [
                w.HTML(
                    box_message(
                        "spkit registers its application in Entra ID signed with a new certificate (RSA 2048) "
                        "kept in the local certificate store, after you confirm the preview below. Unlike a new "
                        "entry on every run, spkit reuses the app of the connection you edit, or its own app of "
                        "the same name, and asks before making a second one.",
                        "info",
                    )
                ),
                self.signin,
                self.app_name.row,
                self.progress,
                self.preview,
                self.existing,
                confirm_row,
            ]
        )
        self.manual = w.HTML(
            box_message(
                "Register the application yourself in the Microsoft Entra admin center (App registrations), "
                "give it the application permissions it needs and grant admin consent, then click Next: "
                "Application details asks for its IDs and its certificate or client secret. A tenant moved "
                "from Office 365 Germany (.de domains) connects this way through the global cloud.",
                "info",
            )
        )
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "spkit connects through an OAuth 2.0 app registered in the tenant's Entra ID (Azure Active "
            "Directory). Choose how it is registered.",
            [self.mode.row, self.automatic, self.manual],
        )

    def _existing_chosen(self, change: dict) -> None:
        if not self.wizard.syncing and change["new"]:
            self.wizard.choose_existing_app(change["new"])

    def _confirmed(self, change: dict) -> None:
        if not self.wizard.syncing:
            self.wizard.confirm_plan(bool(change["new"]))

    def refresh(self, draft: Draft) -> None:
        self.mode.refresh(draft)
        automatic = draft["registration"] == AUTOMATIC
        show(self.automatic, automatic)
        show(self.manual, not automatic)
        if not automatic:
            return
        status = signin_status(self.wizard)
        if not status and "registration" not in draft.errors:  # else the message beside the choice says it
            status = box_message(
                f"Automatic registration needs an Office 365 Global Administrator signed in: go Back to Admin "
                f"credentials and click {labels.LOG_IN} (or choose Manual registration).",
                "warn",
            )
        self.signin.value = status
        self.app_name.refresh(draft)
        previewing = self.wizard.tasks.running("preview")
        set_message(
            self.progress, "Reading the tenant's applications to prepare the preview…" if previewing else ""
        )
        self.preview.value = preview_html(draft.plan) if draft.plan is not None else ""
        exists = self.wizard.plan_exists_error
        show(self.existing, bool(exists) or bool(draft.plan_choice))
        with self.wizard.sync():
            self.existing.value = draft.plan_choice or None
            self.confirm.value = draft.plan_confirmed
        show(self.confirm, draft.plan is not None)
        set_message(self.plan_error, message_html(draft.errors.get(PLAN)))

    def enter(self) -> None:
        self.wizard.preview_if_ready()


class DetailsStep:
    step = "details"

    def __init__(self, wizard: ConnectionWizard) -> None:
        self.wizard = wizard
        self.account = FieldRow(
            wizard, "application_account", text(L["application_account"], "user@<mycompany>.onmicrosoft.com")
        )
        self.client_id = FieldRow(
            wizard,
            "client_id",
            text(L["client_id"], "00000000-0000-0000-0000-000000000000"),
        )
        self.tenant_id = FieldRow(
            wizard,
            "tenant_id",
            text(L["tenant_id"], "00000000-0000-0000-0000-000000000000 or contoso.onmicrosoft.com"),
        )
        self.credential = FieldRow(wizard, "credential", toggles(labels.CREDENTIAL_CHOICES, indent=True))
        # Certificate
        self.stored = w.Dropdown(
            description=labels.CERTIFICATES_IN_STORE,
            style=FIELD_STYLE,
            layout=w.Layout(width="900px", max_width="100%", flex="0 1 auto"),
        )
        self.stored.observe(self._stored_picked, "value")
        wizard.register(self.stored)
        self.thumbprint = FieldRow(
            wizard,
            "thumbprint",
            text(L["thumbprint"], "40 hexadecimal characters (spaces and colons are fine)"),
        )
        self.upload = w.FileUpload(
            accept=UPLOAD_TYPES,
            multiple=True,
            description=labels.CERTIFICATE_FILE,
            layout=w.Layout(width="auto", align_self="flex-start"),
        )
        self.upload.add_class("spkit-indent")  # in line with the inputs: pick the file, then its password
        wizard.register(self.upload)
        self.cert_password = text(
            L["certificate_password"], "only for a protected .pfx or key", password=True
        )
        wizard.register(self.cert_password)
        self.import_button = button(labels.IMPORT, wizard.import_certificate, icon="upload")
        wizard.register(self.import_button)
        self.import_error = w.HTML(layout=message_layout())
        self.import_error.add_class("spkit-field-error")
        self.import_note = w.HTML(layout=message_layout())
        self.import_note.add_class("spkit-field-note")
        import_row = w.HBox([self.cert_password, self.import_button, self.import_error, self.import_note])
        import_row.add_class("spkit-row")
        import_row.add_class("spkit-field-row-wide")
        self.cert_box = w.VBox(
            [
                self.stored,
                self.thumbprint.row,
                w.HTML(
                    '<div class="spkit-sub">Import a certificate</div><p class="spkit-intro">A .pfx/.p12, a .pem '
                    "that holds the certificate and its key, or a .cer/.crt together with its .key. It is "
                    "installed in the local certificate store (the counterpart of the service account's "
                    "CurrentUser\\My) and its thumbprint is filled in. The key must have at least 2048 bits.</p>"
                ),
                self.upload,
                import_row,
            ]
        )
        # Client secret
        self.secret = FieldRow(
            wizard,
            "client_secret",
            text(L["client_secret"], "paste the secret's Value", password=True),
            secret=True,
        )
        self.secret_box = w.VBox(
            [
                self.secret.row,
                w.HTML(
                    box_message(
                        "Copy the secret's Value from Certificates & secrets when it is created: it is shown "
                        "only once. On Save it is kept encrypted in the saved-connections store, never in a "
                        "notebook or a profile. Note that SharePoint REST refuses app-only tokens obtained "
                        "with a client secret: Configure will say so; a certificate avoids it.",
                        "info",
                    )
                ),
            ]
        )
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "Provide the details of the application registered in the Entra admin center: the e-mail of any "
            "user of the tenant (used to read the tenant's name and domain), the Application (client) ID and "
            "Directory (tenant) ID from the app's Overview page, and one credential — a certificate "
            "thumbprint or a client secret from its Certificates &amp; secrets page.",
            [
                self.account.row,
                self.client_id.row,
                self.tenant_id.row,
                self.credential.row,
                self.cert_box,
                self.secret_box,
            ],
        )

    def _stored_picked(self, change: dict) -> None:
        if not self.wizard.syncing and change["new"]:
            self.wizard.field_changed("thumbprint", change["new"])

    def refresh(self, draft: Draft) -> None:
        for row in (
            self.account,
            self.client_id,
            self.tenant_id,
            self.credential,
            self.thumbprint,
            self.secret,
        ):
            row.refresh(draft)
        certificate = draft["credential"] == CERTIFICATE
        show(self.cert_box, certificate)
        show(self.secret_box, not certificate)
        entries = self.wizard.certificates
        options = [("— choose an installed certificate —", "")] + [
            (
                f"{e.subject}  ·  {e.thumbprint}  ·  expires {e.not_after:%Y-%m-%d}"
                if e.not_after
                else e.thumbprint,
                e.thumbprint,
            )
            for e in entries
        ]
        with self.wizard.sync():
            if list(self.stored.options) != options:
                self.stored.options = options
            thumbprint = draft["thumbprint"].strip().upper()
            self.stored.value = thumbprint if thumbprint in {e.thumbprint for e in entries} else ""
        set_message(self.import_error, message_html(draft.errors.get(IMPORT)))
        set_message(
            self.import_note, "" if draft.errors.get(IMPORT) else message_html(draft.notes.get(IMPORT))
        )
        self.import_button.disabled = self.wizard.tasks.busy

    def enter(self) -> None:
        self.wizard.reload_certificates()
