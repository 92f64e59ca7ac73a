"""*Admin credentials*: Online, the Office 365 admin (device-code sign-in, or a password with the MFA /
app-password advice) and their roles; on-premises, the server administrator's UPN (typed, or picked
with *Browse* from Active Directory) and password."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from . import labels
from .draft import BROWSE, MFA_ADVICE, ONPREM, SIGNIN, Draft
from .form import FieldRow, box_message, button, html_block, message_html, panel, set_message, show, text
from .style import FIELD_STYLE, field_layout, message_layout

if TYPE_CHECKING:
    from .app import ConnectionWizard

L = labels.FIELD_LABELS


def signin_status(wizard: ConnectionWizard) -> str:
    """The sign-in as the admin sees it: the code and a link to open, then who signed in and their roles."""
    state = wizard.signin
    draft = wizard.draft
    if state.waiting and state.code is not None:
        code = state.code
        link = html.escape(code.verification_uri)
        return (
            '<div class="spkit-message spkit-info">'
            f'To sign in, open <a href="{link}" target="_blank" rel="noopener">{link}</a> in a browser and '
            f'enter the code <span class="spkit-code">{html.escape(code.user_code)}</span>.'
            "<br>Sign in there as the Office 365 admin; this page goes on when you are done.</div>"
        )
    if state.waiting:
        return '<div class="spkit-progress">Signing in…</div>'
    signed = draft.signed_in
    if signed is None:
        return ""
    roles = ", ".join(signed.roles) or "no directory role"
    text_ = (
        f"Signed in as <b>{html.escape(signed.upn)}</b> ({html.escape(signed.method)}) to tenant "
        f"{html.escape(signed.tenant_id)}. Roles: {html.escape(roles)}."
    )
    kind = "ok"
    if state.role_note:
        kind = "warn"
        text_ += f"<br>{html.escape(state.role_note)}"
    return f'<div class="spkit-message spkit-{kind}">{text_}</div>'


class CredentialsStep:
    step = "credentials"

    def __init__(self, wizard: ConnectionWizard) -> None:
        self.wizard = wizard
        online = {"when": lambda draft: draft.kind != ONPREM}
        onprem = {"when": lambda draft: draft.kind == ONPREM}
        # On-premises: Browse, beside the User Principal Name it fills in; its messages in the same row.
        self.browse = button(labels.BROWSE, wizard.browse, icon="search")
        wizard.register(self.browse, **onprem)
        self.browse_error = w.HTML()
        self.browse_error.add_class("spkit-field-error")
        self.browse_note = w.HTML()
        self.browse_note.add_class("spkit-field-note")
        self.upn = FieldRow(
            wizard,
            "admin_upn",
            text(L["admin_upn"]),
            extra=[self.browse],
            after=[self.browse_error, self.browse_note],
        )
        self.password = FieldRow(
            wizard, "admin_password", text(L["admin_password"], password=True), secret=True
        )
        self.intro = w.HTML()
        # Online: sign in
        self.advice = w.HTML(box_message(MFA_ADVICE, "info"))
        self.login = button(labels.LOG_IN, wizard.sign_in, style="primary", icon="sign-in")
        wizard.register(self.login, **online)
        self.login_error = w.HTML(layout=message_layout())
        self.login_error.add_class("spkit-field-error")
        self.login_row = w.HBox([self.login, self.login_error])
        self.login_row.add_class("spkit-row")
        self.status = html_block()
        # On-premises: what Browse found, under the field, labelled like the fields.
        self.domain = w.Dropdown(description="Domain", style=FIELD_STYLE, layout=field_layout("560px"))
        self.domain.observe(self._domain_changed, "value")
        wizard.register(self.domain, **onprem)
        self.users = w.Select(description="Administrators", rows=6, style=FIELD_STYLE, layout=field_layout())
        self.users.observe(self._user_picked, "value")
        wizard.register(self.users, **onprem)
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "",
            [
                self.intro,
                self.upn.row,
                self.domain,
                self.users,
                self.password.row,
                self.advice,
                self.login_row,
                self.status,
            ],
        )

    def _domain_changed(self, change: dict) -> None:
        if self.wizard.syncing or not change["new"]:
            return
        self.wizard.browse(domain=change["new"])

    def _user_picked(self, change: dict) -> None:
        if self.wizard.syncing or not change["new"]:
            return
        self.wizard.field_changed("admin_upn", change["new"])

    def refresh(self, draft: Draft) -> None:
        onprem = draft.kind == ONPREM
        self.intro.value = f'<p class="spkit-intro">{ONPREM_INTRO if onprem else ONLINE_INTRO}</p>'
        self.upn.widget.placeholder = ONPREM_UPN if onprem else ONLINE_UPN
        self.password.widget.placeholder = "" if onprem else "optional: leave empty to sign in with a code"
        for widget in (self.advice, self.login_row, self.status):
            show(widget, not onprem)
        show(self.browse, onprem)
        self.upn.refresh(draft)
        self.password.refresh(draft)
        if not onprem:
            show(self.users, False)
            show(self.domain, False)
            set_message(self.browse_error, "")
            set_message(self.browse_note, "")
            self.upn.fit()
            set_message(self.login_error, message_html(draft.errors.get(SIGNIN)))
            self.status.value = signin_status(self.wizard)
            self.login.disabled = self.wizard.tasks.busy
            return
        browse = self.wizard.browsing
        set_message(self.browse_error, message_html(draft.errors.get(BROWSE)))
        set_message(
            self.browse_note, "" if draft.errors.get(BROWSE) else message_html(draft.notes.get(BROWSE))
        )
        self.upn.fit()
        self.browse.disabled = self.wizard.tasks.busy
        with self.wizard.sync():
            options = list(browse.domains)
            if list(self.domain.options) != options:
                self.domain.options = options
            if (
                browse.domain
                and self.domain.value != browse.domain
                and browse.domain in dict(options).values()
            ):
                self.domain.value = browse.domain
            users = [
                (f"{u.upn}  —  {u.display_name}" if u.display_name else u.upn, u.upn) for u in browse.users
            ]
            if list(self.users.options) != users:
                self.users.options = users
                self.users.value = None
                self.users.rows = min(8, max(3, len(users)))
        show(self.domain, bool(browse.domains))
        show(self.users, bool(browse.users))

    def enter(self) -> None:
        pass


ONLINE_UPN = "admin@<mycompany>.onmicrosoft.com"
ONPREM_UPN = "spfarm@fabrikam.com or FABRIKAM\\spfarm"
ONLINE_INTRO = (
    "Enter the Office 365 admin account that will connect to SharePoint: it needs the SharePoint administrator "
    "role (or Global Administrator, which automatic registration requires). Signing in is required for "
    "automatic registration and optional for manual registration."
)
ONPREM_INTRO = (
    "Provide the server administrator's User Principal Name (UPN) and password. Type the UPN (or DOMAIN\\user), "
    "or pick it from Active Directory with <b>Browse</b>: it lists administrators of the same domain or of "
    "trusted domains; for an untrusted domain, type the UPN. The account should be a farm administrator, a local "
    "administrator on the SharePoint server, have shell access to the databases, be site collection "
    "administrator and have full control by web application policy; Configure reports which are met."
)
