"""The connection wizard as one app: the *Defined server connections* card and the wizard under it.

``ConnectionWizard`` wires the draft (the state), the actions (the services) and the step pages (the
layout); ``show_wizard`` displays it in a notebook or Voilà. Controls are found by their labels
(``control``, ``click``, ``choose``, ``fill``), the same way a person holding the guide finds them.
"""

from __future__ import annotations

import contextlib
import html
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..errors import InputError, ProfileError, SpkitError
from ..models.results import StepResult
from ..services.certificate_uploads import Upload
from ..services.online.admin_signin import DeviceCode
from ..store import ConnectionStore
from . import labels
from .actions import WizardActions, error_text
from .card import ConnectionsCard
from .draft import (
    AUTOMATIC,
    BROWSE,
    CONFIGURE,
    IMPORT,
    ONLINE,
    PLAN,
    REMOVE,
    SAVE,
    SIGNIN,
    Draft,
    Message,
)
from .frame import Frame
from .steps_address import AddressStep
from .steps_credentials import CredentialsStep
from .steps_finish import ConfigurationStep, SaveStep, file_links
from .steps_registration import DetailsStep, RegistrationStep
from .steps_start import CloudStep, LocationStep
from .style import stylesheet
from .tasks import Tasks

SANDBOX_CARD_ENV = "SPKIT_SANDBOX_CARD"
NO_DIRECTORY_FIX = (
    "to browse, start the wizard with SPKIT_AD_SERVER (ldaps://dc.example.com), SPKIT_AD_USER and "
    "SPKIT_AD_PASSWORD (a reference such as env:AD_PASSWORD) set"
)
ALWAYS = "*"


@dataclass
class SigninState:
    waiting: bool = False
    code: DeviceCode | None = None
    role_note: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)  # set: the sign-in stops polling


@dataclass
class BrowseState:
    running: bool = False
    users: list[Any] = field(default_factory=list)
    domains: list[tuple[str, str]] = field(default_factory=list)
    domain: str = ""


@dataclass
class ConfigureState:
    steps: list[StepResult] = field(default_factory=list)
    progress: str = ""
    result: Any = None


@dataclass
class _Control:
    widget: w.Widget
    step: str
    when: Callable[[Draft], bool] | None


def _labels_of(widget: w.Widget) -> list[str]:
    found = []
    description = getattr(widget, "description", "")
    if description:
        found.append(description)
    for option in getattr(widget, "_options_labels", ()) or ():
        found.append(option)
    return found


class ConnectionWizard:
    """The card of defined connections and the wizard that defines (or edits) one."""

    def __init__(
        self,
        sandbox_card: str | Path | None = None,
        store: ConnectionStore | None = None,
        *,
        record_dir: str | Path | None = None,
        draft: Draft | None = None,
    ) -> None:
        self.sandbox_card = Path(sandbox_card).expanduser().resolve() if sandbox_card else None
        self.actions = WizardActions(store=store, record_dir=record_dir)
        self.draft = draft or Draft(sandbox_card=self.sandbox_card)
        self.tasks = Tasks(self.refresh)
        self._lock = threading.RLock()
        self._syncing = 0
        self._controls: list[_Control] = []
        self._building = ALWAYS
        self._shown = False
        self.pending: Callable[[], None] | None = None  # what Discard goes on to do
        self.signin = SigninState()
        self.browsing = BrowseState()
        self.configuring = ConfigureState()
        self.certificates: list[Any] = []
        self.plan_exists_error: Message | None = None
        self.record_links = ""
        self.card_status = ""
        self.busy_text = ""
        self.card = ConnectionsCard(self)
        self.pages: dict[str, Any] = {}
        for page_class in (
            LocationStep,
            CloudStep,
            AddressStep,
            CredentialsStep,
            RegistrationStep,
            DetailsStep,
            ConfigurationStep,
            SaveStep,
        ):
            self._building = page_class.step
            self.pages[page_class.step] = page_class(self)
        self._building = ALWAYS
        self.frame = Frame(self, [page.box for page in self.pages.values()])
        self.widget = w.VBox([stylesheet(), self.card.box, self.frame.box], layout=w.Layout(width="100%"))
        self.widget.add_class("spkit-app")
        self.card.reload()
        self.draft.known_names = self.actions.known_names()
        self.refresh()

    # --- display ------------------------------------------------------------------------------------

    def _ipython_display_(self) -> None:
        """Shown once: ``show_wizard()`` as a cell's last line displays it, and its return value does
        not display it a second time."""
        if self._shown:
            return
        from IPython.display import display

        self._shown = True
        display(self.widget)

    @contextlib.contextmanager
    def sync(self) -> Iterator[None]:
        """Widget values set from the draft do not come back as user input."""
        with self._lock:
            self._syncing += 1
            try:
                yield
            finally:
                self._syncing -= 1

    @property
    def syncing(self) -> bool:
        return self._syncing > 0

    def refresh(self) -> None:
        """Show the draft: the current step's page, its fields and messages, the frame and the card."""
        with self._lock:
            draft = self.draft
            # The frame first: when a task ends, its status line and the buttons change with (not
            # after) what it shows on the page.
            self.busy_text = self._busy_text()
            self.frame.refresh(draft)
            for step, page in self.pages.items():
                page.box.layout.display = "" if step == draft.step else "none"
            self.pages[draft.step].refresh(draft)
            self.card.refresh()

    def _busy_text(self) -> str:
        if not self.tasks.busy and self.tasks.running("signin"):
            return "waiting for the sign-in…"
        return {
            "signin": "waiting for the sign-in…",
            "preview": "preparing the preview…",
            "configure": "configuring…",
            "browse": "reading the directory…",
            "record": "writing the onboarding record…",
            "remove": "removing…",
        }.get(self.tasks.name or "", "")

    # --- finding controls by label (tests, and anyone scripting the wizard) --------------------------

    def register(
        self, widget: w.Widget, *, step: str | None = None, when: Callable[[Draft], bool] | None = None
    ):
        self._controls.append(_Control(widget, step or self._building, when))
        return widget

    def _visible(self, control: _Control) -> bool:
        if control.step not in (ALWAYS, self.draft.step):
            return False
        if control.widget.layout.display == "none":
            return False
        return control.when is None or bool(control.when(self.draft))

    def control(self, label: str) -> w.Widget:
        """The visible control labelled ``label`` (a field's label, a button's text or a choice)."""
        found = [c.widget for c in self._controls if label in _labels_of(c.widget) and self._visible(c)]
        if len(found) != 1:
            shown = sorted({lab for c in self._controls if self._visible(c) for lab in _labels_of(c.widget)})
            raise LookupError(f"{len(found)} visible controls labelled {label!r}; visible: {shown}")
        return found[0]

    def click(self, label: str) -> None:
        widget = self.control(label)
        if widget.disabled:
            raise RuntimeError(f"{label!r} is disabled")
        widget.click()

    def fill(self, label: str, value: Any) -> None:
        self.control(label).value = value

    def choose(self, option: str) -> None:
        """Pick the choice labelled ``option`` (a toggle or radio button)."""
        widget = self.control(option)
        widget.value = dict(widget.options)[option]

    def message(self, key: str) -> str:
        """The message beside a field (its error, else its note), as plain text."""
        found = self.draft.errors.get(key) or self.draft.notes.get(key)
        return f"{found.text} {found.fix}".strip() if found else ""

    def wait(self, timeout: float = 120.0) -> None:
        self.tasks.wait(timeout)

    # --- fields and moving ---------------------------------------------------------------------------

    def field_changed(self, key: str, value: Any) -> None:
        with self._lock:
            try:
                self.draft.set(key, value)
            except (ValueError, KeyError):
                return
            if key == "kind":
                self.browsing = BrowseState()
            if key in ("registration", "kind", "cloud", "sharepoint_url"):
                self.plan_exists_error = None
        if (key == "registration" and value == AUTOMATIC) or key == "app_name":
            self.preview_if_ready()
        self.refresh()

    def next(self) -> None:
        with self._lock:
            if self.tasks.busy:
                return
            moved = self.draft.next()
        if moved:
            self.pages[self.draft.step].enter()
        self.refresh()

    def back(self) -> None:
        with self._lock:
            if self.draft.back():
                if self.draft.step_index < self.draft.steps.index("credentials"):
                    self.cancel_signin()  # back before Admin credentials: the pending code is dropped
                self.pages[self.draft.step].enter()
        self.refresh()

    def cancel_signin(self) -> None:
        """End a pending device-code sign-in (its polling stops within a second; its outcome is
        ignored) and show no code any more."""
        state = self.signin
        if state.waiting:
            state.cancel.set()
            self.signin = SigninState(role_note=state.role_note)

    def cancel(self) -> None:
        """Cancel the wizard: start over with an empty one (after a warning when work is unsaved)."""
        self.guard(self.start_new)

    def new_connection(self) -> None:
        self.guard(self.start_new)

    def edit_connection(self, name: str) -> None:
        self.guard(lambda: self.load(name))

    def guard(self, action: Callable[[], None]) -> None:
        """Do ``action`` now, or, with unsaved work, after the user confirms "Discard"."""
        if self.draft.has_unsaved_work:
            self.pending = action
            self.refresh()
            return
        action()

    def discard(self) -> None:
        action, self.pending = self.pending, None
        if action is not None:
            action()
        else:
            self.refresh()

    def keep_editing(self) -> None:
        self.pending = None
        self.refresh()

    def start_new(self, draft: Draft | None = None) -> None:
        """A fresh draft (or ``draft``, e.g. a saved connection to edit); the old sign-in is dropped."""
        with self._lock:
            self.pending = None
            self.cancel_signin()
            self.actions.close()
            self.draft = draft or Draft(sandbox_card=self.sandbox_card)
            self.draft.known_names = self.actions.known_names()
            self.signin = SigninState()
            self.browsing = BrowseState()
            self.configuring = ConfigureState()
            self.plan_exists_error = None
            self.record_links = ""
            self._clear_typed_secrets()
        self.refresh()

    def load(self, name: str) -> None:
        try:
            draft = self.actions.draft_for(name, self.sandbox_card)
        except SpkitError as error:
            self.card_error(error)
            return
        self.start_new(draft)

    def _clear_typed_secrets(self) -> None:
        with self.sync():
            for page in self.pages.values():
                for attr in ("password", "secret"):
                    row = getattr(page, attr, None)
                    if row is not None:
                        row.widget.value = ""
            details = self.pages["details"]
            details.cert_password.value = ""
            details.upload.value = ()

    def card_error(self, error: BaseException | str) -> None:
        text = error if isinstance(error, str) else error_text(error)
        self.draft.errors[REMOVE] = Message(text)
        self.refresh()

    # --- Admin credentials --------------------------------------------------------------------------

    def sign_in(self) -> None:
        """``Log in as Office 365 admin``: cached sign-in, the Password if one is typed, else a device
        code shown with its link while the sign-in polls in the background."""
        draft = self.draft
        if not draft["admin_upn"].strip():
            draft.errors["admin_upn"] = Message(
                "is required to sign in", "type the admin's sign-in name, e.g. admin@contoso.onmicrosoft.com"
            )
            self.refresh()
            return
        if draft.check_field("admin_upn") or draft.check_field("sharepoint_url"):
            if "sharepoint_url" in draft.errors:
                draft.errors[SIGNIN] = Message(
                    "the SharePoint server URL is not right", "go Back to Server address and correct it"
                )
            self.refresh()
            return
        draft.errors.pop(SIGNIN, None)
        self.cancel_signin()  # a second click starts over: the first code stops polling
        state = self.signin = SigninState(waiting=True)

        def current() -> bool:  # a newer sign-in, or another draft, makes this one moot
            return self.signin is state and self.draft is draft

        def show_code(code: DeviceCode) -> None:
            if current():
                state.code = code
                self.refresh()

        def work():
            signed = self.actions.sign_in(draft, show_code=show_code, keep=current, cancel=state.cancel)
            return signed, self.actions.role_message() if current() else ""

        def done(result) -> None:
            if current():
                self.signin = SigninState(role_note=result[1])
                if draft.step == "registration":
                    self.preview_if_ready()

        def failed(error: BaseException) -> None:
            if current():
                self.signin = SigninState()
                draft.errors[SIGNIN] = _message(error)

        self.tasks.run("signin", work, done, failed, exclusive=False)

    def browse(self, domain: str | None = None) -> None:
        """``Browse``: administrators' UPNs from Active Directory (the farm's domain or a trusted one)."""
        draft = self.draft
        draft.errors.pop(BROWSE, None)
        draft.notes.pop(BROWSE, None)
        self.browsing.running = True

        def done(found) -> None:
            self.browsing = BrowseState(False, found.users, found.domains, found.domain)
            draft.notes[BROWSE] = Message(found.note, level="info")

        def failed(error: BaseException) -> None:
            self.browsing.running = False
            self.browsing.users = []
            if domain:
                self.browsing.domain = domain
            message = _message(error)
            if message.code == "AD_NOT_CONFIGURED":  # the CLI's fix names its options; say the wizard's
                message = Message(message.text, NO_DIRECTORY_FIX, message.code)
            elif message.code == "AD_DOMAIN_NOT_TRUSTED":
                message = Message(
                    message.text,
                    f"type the UPN (user@{domain}) in {labels.FIELD_LABELS['admin_upn']}",
                    message.code,
                )
            draft.errors[BROWSE] = message

        if not self.tasks.run("browse", lambda: self.actions.browse(draft, domain), done, failed):
            self.browsing.running = False

    # --- Application registration -------------------------------------------------------------------

    def preview_if_ready(self) -> None:
        """Automatic registration with a Global Administrator signed in: prepare the preview."""
        draft = self.draft
        signed = draft.signed_in
        if (
            draft.kind != ONLINE
            or draft["registration"] != AUTOMATIC
            or signed is None
            or not signed.is_global_admin
            or draft.plan is not None
            or self.actions.admin is None
        ):
            self.refresh()
            return
        self.plan_exists_error = None
        draft.errors.pop(PLAN, None)

        def failed(error: BaseException) -> None:
            message = _message(error)
            if isinstance(error, SpkitError) and error.code == "REGISTRATION_EXISTS":
                self.plan_exists_error = message
            draft.errors[PLAN] = message

        if not self.tasks.run("preview", lambda: self.actions.preview(draft), None, failed):
            self.refresh()

    def choose_existing_app(self, choice: str) -> None:
        self.draft.set_plan_choice(choice)
        self.preview_if_ready()

    def confirm_plan(self, confirmed: bool) -> None:
        self.draft.confirm_plan(confirmed)
        self.refresh()

    # --- Application details ------------------------------------------------------------------------

    def reload_certificates(self) -> None:
        try:
            self.certificates = self.actions.stored_certificates()
        except SpkitError as error:
            self.certificates = []
            self.draft.errors[IMPORT] = _message(error)

    def import_certificate(self) -> None:
        """``Import``: install the chosen file(s) in the local certificate store; fill the thumbprint."""
        details = self.pages["details"]
        draft = self.draft
        draft.errors.pop(IMPORT, None)
        draft.notes.pop(IMPORT, None)
        uploads = [Upload(f["name"], bytes(f["content"])) for f in details.upload.value]
        try:
            stored = self.actions.import_certificate(uploads, details.cert_password.value or None)
        except SpkitError as error:
            draft.errors[IMPORT] = _message(error)
        else:
            with self.sync():
                details.upload.value = ()
                details.cert_password.value = ""
            self.reload_certificates()
            draft.set("credential", "certificate")
            draft.set("thumbprint", stored.thumbprint)
            draft.check_field("thumbprint")
            again = " (it was already installed)" if stored.already_present else ""
            warnings = f"; {'; '.join(stored.warnings)}" if stored.warnings else ""
            draft.notes[IMPORT] = Message(
                f"Imported {stored.subject}, expires {stored.not_after:%Y-%m-%d}{again}{warnings}",
                level="info",
            )
        self.refresh()

    # --- Configuration, Save, the record --------------------------------------------------------------

    def configure(self) -> None:
        """``Configure``: register (automatic) and verify for real, each step shown as it finishes."""
        draft = self.draft
        draft.errors.pop(CONFIGURE, None)
        self.configuring = ConfigureState(progress="starting…")

        def on_step(step: StepResult) -> None:
            self.configuring.steps.append(step)
            self.configuring.progress = f"{step.title}: {step.status.value}"
            self.refresh()

        def say(text: str) -> None:
            self.configuring.progress = text
            self.refresh()

        def done(configured) -> None:
            self.configuring.result = configured.result
            self.configuring.progress = ""

        def failed(error: BaseException) -> None:
            draft.errors[CONFIGURE] = _message(error)

        self.tasks.run(
            "configure", lambda: self.actions.configure(draft, on_step=on_step, say=say), done, failed
        )

    def save(self) -> None:
        """``Save``: the connection goes into the store ``spkit connections`` reads (secrets encrypted)."""
        draft = self.draft
        draft.errors.pop(SAVE, None)
        try:
            saved = self.actions.save(draft)
        except ProfileError as error:
            key = error.field if error.field in draft.values or error.field in ("name",) else SAVE
            draft.errors[key] = _message(error)
        except SpkitError as error:
            key = "name" if error.code in ("CONNECTION_EXISTS", "CONNECTION_NAME_INVALID") else SAVE
            draft.errors[key] = _message(error)
        else:
            self.card.reload()
            with self.sync():
                self.card.list.value = saved.name
            self.card_status = ""
            self._clear_typed_secrets()
        self.refresh()

    def write_record(self) -> None:
        """``Write onboarding record``: the executed record notebook and its HTML, with links."""
        draft = self.draft
        name = draft.saved_name
        draft.errors.pop("record", None)
        if not name:
            draft.errors["record"] = Message("save the connection first", code="NOT_SAVED")
            self.refresh()
            return
        self.record_links = ""

        def done(files) -> None:
            self.record_links = file_links([Path(files.ipynb), Path(files.html)])

        def failed(error: BaseException) -> None:
            draft.errors["record"] = _message(error)

        self.tasks.run("record", lambda: self.actions.write_record(name), done, failed)

    # --- the card: Remove ---------------------------------------------------------------------------

    def remove_connection(self, name: str | None, unregister: bool) -> None:
        if not name:
            return
        draft = self.draft
        draft.errors.pop(REMOVE, None)
        self.card_status = ""

        def show_code(code: DeviceCode) -> None:
            link = html.escape(code.verification_uri)
            self.card_status = (
                '<div class="spkit-message spkit-info">To unregister the app, a Global Administrator signs in: '
                f'open <a href="{link}" target="_blank" rel="noopener">{link}</a> and enter the code '
                f'<span class="spkit-code">{html.escape(code.user_code)}</span>.</div>'
            )
            self.refresh()

        def done(removed) -> None:
            self.card.confirming = False
            self.card.reload()
            if removed.unregistered:
                what = f"; its app {removed.unregistered.get('appId')} was deleted from Entra ID"
            elif removed.app_left_behind:
                what = "; the app spkit created for it stays in Entra ID (Remove with unregister deletes it)"
            else:
                what = ""
            self.card_status = (
                f"<div class=\"spkit-message spkit-ok\">Removed connection '{html.escape(removed.name)}'"
                f"{html.escape(what)}.</div>"
            )
            if self.draft.editing == removed.name:
                self.draft.editing = None

        def failed(error: BaseException) -> None:
            self.card_status = ""
            draft.errors[REMOVE] = _message(error)

        self.tasks.run(
            "remove",
            lambda: self.actions.remove(name, unregister=unregister, show_code=show_code),
            done,
            failed,
        )


def _message(error: BaseException) -> Message:
    if isinstance(error, SpkitError):
        return Message.from_error(error)
    return Message(f"unexpected {type(error).__name__}", "report this as a bug in spkit", "INTERNAL_ERROR")


def sandbox_card_from_env() -> Path | None:
    """``SPKIT_SANDBOX_CARD`` when it names an existing card (the Voilà app and `make lab` set it)."""
    value = os.environ.get(SANDBOX_CARD_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_file() else None


def show_wizard(
    sandbox_card: str | Path | None = None, store: ConnectionStore | None = None
) -> ConnectionWizard:
    """Display the *Defined server connections* card and the connection wizard; return the app."""
    from IPython.display import display

    card = Path(sandbox_card).expanduser() if sandbox_card else sandbox_card_from_env()
    if card is not None and not card.is_file():
        raise InputError(
            f"sandbox card {card} does not exist",
            code="SANDBOX_NOT_RUNNING",
            fix="start the sandbox (make sandbox-start) or give the card of a running one",
        )
    app = ConnectionWizard(sandbox_card=card, store=store)
    display(app)
    return app


__all__ = ["ConnectionWizard", "labels", "sandbox_card_from_env", "show_wizard"]
