"""The wizard's state, apart from any widget: a draft of the one connection profile, the steps of the
chosen kind and registration mode, the current step, a message per field, and the unsaved-work flag.

Every field is checked by the rule the YAML profiles use (``spkit.models``): the same text is refused
with the same words by ``spkit verify PARAMS.yaml`` and beside the wizard's field. Next refuses to leave
a step with a wrong field. The draft never imports ipywidgets, so tests drive it as a plain object, and
it never talks to the network: what needs a service (sign-in, preview, configure, save) is done by
``spkit.widgets.actions`` and its outcome is handed back here (``signed_in``, ``plan``, ``configured``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, ProfileError, SpkitError
from ..models.accounts import parse_account
from ..models.address import GERMANY_MOVED_NOTE, SharePointAddress, parse_sharepoint_address
from ..models.app_ownership import was_created_by_spkit
from ..models.card import load_card
from ..models.cert_store import CertificateStore
from ..models.certificates import normalise_thumbprint
from ..models.clouds import Cloud, get_cloud, sandbox_cloud
from ..models.online_fields import parse_application_account, parse_client_id, parse_tenant_ref
from ..models.permissions import GLOBAL_ADMINISTRATOR, SHAREPOINT_ADMINISTRATOR
from ..models.profile_fields import parse_profile_name
from ..models.secrets import Secret, clean_secret_value
from ..models.server_address import ServerAddress, check_port, parse_server_address
from . import labels

ONLINE, ONPREM = "online", "onprem"
AUTOMATIC, MANUAL = "automatic", "manual"
CERTIFICATE, SECRET = "certificate", "secret"

ONLINE_STEPS = (
    "location",
    "cloud",
    "address",
    "credentials",
    "registration",
    "details",
    "configuration",
    "save",
)
ONPREM_STEPS = ("location", "address", "credentials", "configuration", "save")
SECRET_FIELDS = ("admin_password", "client_secret")
TEXT_FIELDS = (
    "sharepoint_url",
    "admin_url",
    "central_admin_port",
    "central_admin_url",
    "admin_upn",
    "application_account",
    "client_id",
    "tenant_id",
    "thumbprint",
    "name",
    "app_name",
)
CHOICE_FIELDS = {
    "kind": (ONLINE, ONPREM),
    "cloud": tuple(value for _label, value in (*labels.CLOUD_CHOICES, labels.SANDBOX_CHOICE)),
    "registration": (AUTOMATIC, MANUAL),
    "credential": (CERTIFICATE, SECRET),
}
# Pseudo-fields: the messages that stand beside a button or a choice rather than a text field.
SIGNIN, PLAN, CONFIGURE, SAVE, BROWSE, IMPORT, REMOVE = (
    "signin",
    "plan",
    "configure",
    "save",
    "browse",
    "import",
    "remove",
)
ADMIN_ROLES = (GLOBAL_ADMINISTRATOR, SHAREPOINT_ADMINISTRATOR)
MFA_ADVICE = (
    "Leave Password empty to sign in with a code in your browser (works with multi-factor "
    "authentication). With a password: if the account has MFA enabled, use its app password instead of "
    "the regular Office 365 password, or the sign-in is refused."
)


@dataclass(frozen=True)
class Message:
    """One line beside a field: what is wrong (or worth knowing) and what to do."""

    text: str
    fix: str = ""
    code: str = ""
    level: str = "error"  # error | warning | info

    @classmethod
    def from_error(cls, error: SpkitError, level: str = "error") -> Message:
        """The error's own words, without the ``field 'x':`` prefix a file-based message needs."""
        text = error.problem if isinstance(error, ProfileError) else error.summary
        return cls(text, error.fix, error.code, level)

    @property
    def is_error(self) -> bool:
        return self.level == "error"


@dataclass(frozen=True)
class SignedIn:
    """What the wizard keeps of an admin sign-in: who, how, which roles (never a token)."""

    upn: str
    method: str
    roles: tuple[str, ...]
    tenant_id: str

    @property
    def is_global_admin(self) -> bool:
        return GLOBAL_ADMINISTRATOR in self.roles

    @property
    def has_admin_role(self) -> bool:
        return bool(set(ADMIN_ROLES) & set(self.roles))


@dataclass
class Draft:
    """The connection being defined (or edited). ``set`` changes a field; ``next``/``back`` move."""

    sandbox_card: Path | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)
    notes: dict[str, Message] = field(default_factory=dict)
    step_index: int = 0
    dirty: bool = False
    revision: int = 0
    editing: str | None = None  # the saved connection being edited
    registration_record: dict[str, Any] | None = None  # the app spkit registered for this connection
    stored_secrets: tuple[str, ...] = ()  # secrets the edited connection keeps in the store
    known_names: frozenset[str] = frozenset()  # saved connections, so a new name does not clash
    signed_in: SignedIn | None = None
    plan: Any = None  # the RegistrationPlan the admin previewed (spkit.services.online.registration)
    plan_confirmed: bool = False
    plan_generation: int = 0  # bumped whenever what the preview depends on changes
    plan_choice: str = ""  # "", "rotate" or "new": what to do when spkit's app exists already
    configured: Any = None  # the VerificationResult of the last Configure
    configured_revision: int = -1
    registered_profile: dict[str, Any] | None = None  # profile data an automatic registration produced
    saved_name: str | None = None  # the connection this draft was saved as
    _secrets: dict[str, Secret] = field(default_factory=dict, repr=False)
    _derived: dict[str, str] = field(default_factory=dict, repr=False)
    _card: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.sandbox_card is not None:
            self.sandbox_card = Path(self.sandbox_card).expanduser().resolve()
        defaults = {
            "kind": ONLINE,
            "cloud": "sandbox" if self.sandbox_card else "global",
            "registration": AUTOMATIC,
            "credential": CERTIFICATE,
        }
        for key, value in defaults.items():
            self.values.setdefault(key, value)
        for key in TEXT_FIELDS:
            self.values.setdefault(key, "")

    # --- reading ------------------------------------------------------------------------------

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")

    def has_secret(self, key: str) -> bool:
        """A value was typed for ``key`` (or the edited connection keeps one in the store)."""
        return key in self._secrets or key in self.stored_secrets

    def secret(self, key: str) -> Secret | None:
        """The typed secret (wrapped: it prints as ***), or None."""
        return self._secrets.get(key)

    @property
    def kind(self) -> str:
        return self["kind"]

    @property
    def steps(self) -> tuple[str, ...]:
        """The guide's steps for the chosen kind and registration mode, in order."""
        if self.kind == ONPREM:
            return ONPREM_STEPS
        if self["registration"] == AUTOMATIC:
            return tuple(s for s in ONLINE_STEPS if s != "details")
        return ONLINE_STEPS

    @property
    def step(self) -> str:
        return self.steps[min(self.step_index, len(self.steps) - 1)]

    @property
    def step_title(self) -> str:
        return labels.STEP_TITLES[self.step]

    @property
    def card(self) -> dict[str, Any] | None:
        """The sandbox card, read once (None when no sandbox is known)."""
        if self._card is None and self.sandbox_card is not None:
            self._card = load_card(self.sandbox_card)
        return self._card

    @property
    def cloud_obj(self) -> Cloud:
        if self["cloud"] == "sandbox":
            if self.card is None:
                raise InputError(
                    "the sandbox cloud needs a sandbox card",
                    code="CLOUD_NEEDS_CARD",
                    fix="start the sandbox (make sandbox-start) and open the wizard with its card",
                )
            return sandbox_cloud(self.card)
        return get_cloud(self["cloud"])

    @property
    def is_configured(self) -> bool:
        """Configure ran for exactly what the form holds now."""
        return self.configured is not None and self.configured_revision == self.revision

    @property
    def has_unsaved_work(self) -> bool:
        return self.dirty

    def address(self) -> SharePointAddress:
        """The Online address the SharePoint server URL names (raises AddressError)."""
        return parse_sharepoint_address(self["sharepoint_url"], self.cloud_obj)

    def server(self) -> ServerAddress:
        """The on-premises server the SharePoint server URL names (raises AddressError)."""
        return parse_server_address(self["sharepoint_url"])

    # --- changing -----------------------------------------------------------------------------

    def set(self, key: str, value: Any, *, user: bool = True) -> None:
        """Change a field as the user typed or chose it; derived fields follow, the form is dirty."""
        if key in SECRET_FIELDS:
            self.set_secret(key, value, user=user)
            return
        text = "" if value is None else str(value)
        if key in CHOICE_FIELDS and text not in CHOICE_FIELDS[key]:
            raise ValueError(f"{key} must be one of {CHOICE_FIELDS[key]}, not {text!r}")
        if key not in CHOICE_FIELDS and key not in TEXT_FIELDS:
            raise KeyError(key)
        if self.values.get(key, "") == text:
            return
        self.values[key] = text
        self._changed(key, user)
        if key in ("sharepoint_url", "cloud", "kind"):
            self._derive_admin_url()
            self._derive_central_admin_url()
            self._clear_plan()
        elif key == "central_admin_port":
            self._derive_central_admin_url()
        elif key == "central_admin_url":
            self._follow_central_admin_url()
        elif key == "admin_url":
            self._derived.pop("admin_url_edited", None)
            if not text:  # emptied: fill it again from the SharePoint URL
                self._derive_admin_url(force=True)
        elif key == "admin_upn":
            if self.signed_in and self.signed_in.upn.lower() != text.strip().lower():
                self.signed_in = None
                self._clear_plan()
        elif key == "app_name":
            self._clear_plan()
        elif key == "registration" and text == MANUAL:
            self._fill_details_from_registration()
        if key == "kind":
            self.step_index = min(self.step_index, len(self.steps) - 1)
        self._revalidate(key)

    def set_secret(self, key: str, value: Any, *, user: bool = True) -> None:
        """Keep a typed secret in memory only (never in ``values``, a profile or a message)."""
        if key not in SECRET_FIELDS:
            raise KeyError(key)
        text = value.reveal() if isinstance(value, Secret) else ("" if value is None else str(value))
        old = self._secrets.get(key)
        if (old.reveal() if old else "") == text:
            return
        if text:
            self._secrets[key] = Secret(text)
        else:
            self._secrets.pop(key, None)
        self._changed(key, user)
        self._revalidate(key)

    def _changed(self, key: str, user: bool) -> None:
        self.revision += 1
        if user:
            self.dirty = True
        self.errors.pop(SAVE, None)

    def _clear_plan(self) -> None:
        self.plan_generation += 1
        self.plan = None
        self.plan_confirmed = False
        self.errors.pop(PLAN, None)

    def _derive_admin_url(self, force: bool = False) -> None:
        if self.kind != ONLINE:
            return
        try:
            derived = self.address().admin_url
        except SpkitError:
            derived = ""
        previous = self._derived.get("admin_url", "")
        self._derived["admin_url"] = derived
        current = self["admin_url"]
        if force or not current or current == previous:
            self.values["admin_url"] = derived
            self.errors.pop("admin_url", None)

    def _derive_central_admin_url(self) -> None:
        if self.kind != ONPREM:
            return
        try:
            port = self._port()
            derived = self.server().central_admin_url(port) if port is not None else ""
        except SpkitError:
            derived = ""
        previous = self._derived.get("central_admin_url", "")
        self._derived["central_admin_url"] = derived
        current = self["central_admin_url"]
        if not current or current == previous or not derived:
            self.values["central_admin_url"] = derived
            self.errors.pop("central_admin_url", None)

    def _follow_central_admin_url(self) -> None:
        """A Central Administration URL typed on the server's host gives the port (the profile's field)."""
        try:
            typed = parse_server_address(self["central_admin_url"])
            server = self.server()
        except SpkitError:
            return
        if typed.host == server.host and typed.port and str(typed.port) != self["central_admin_port"]:
            self.values["central_admin_port"] = str(typed.port)
            self._derived["central_admin_url"] = self["central_admin_url"]
            self.errors.pop("central_admin_port", None)

    def _fill_details_from_registration(self) -> None:
        """Manual registration of a connection spkit registered: its app fills Application details."""
        record = self.registration_record
        if not was_created_by_spkit(record):
            return
        self.values["client_id"] = str(record.get("client_id") or self["client_id"])
        self.values["tenant_id"] = str(record.get("tenant_id") or self["tenant_id"])
        if record.get("certificate_thumbprint"):
            self.values["credential"] = CERTIFICATE
            self.values["thumbprint"] = str(record["certificate_thumbprint"])
        if not self["application_account"]:
            account = (self.registered_profile or {}).get("application_account") or self._signed_in_upn()
            self.values["application_account"] = account
        for key in ("client_id", "tenant_id", "thumbprint", "application_account"):
            self.errors.pop(key, None)

    def _signed_in_upn(self) -> str:
        return self.signed_in.upn if self.signed_in else self["admin_upn"].strip()

    def _revalidate(self, key: str) -> None:
        """A field that shows a message is checked again as it changes, so a fix clears it at once."""
        if key in self.errors:
            self.check_field(key)
        if key == "credential":
            for other in ("thumbprint", "client_secret"):
                self.errors.pop(other, None)
        if key == "kind":
            self.errors.clear()

    # --- outcomes of services, handed back by the actions ---------------------------------------

    def set_signed_in(self, signed_in: SignedIn | None) -> None:
        self.signed_in = signed_in
        self.errors.pop(SIGNIN, None)
        self._clear_plan()
        # The application account defaults to the admin who signed in (and follows them until edited).
        if signed_in is not None and self["application_account"] in ("", self._derived.get("account")):
            self.values["application_account"] = self._derived["account"] = signed_in.upn

    def set_plan(self, plan: Any) -> None:
        self.plan = plan
        self.plan_confirmed = False
        self.errors.pop(PLAN, None)

    def confirm_plan(self, confirmed: bool = True) -> None:
        self.plan_confirmed = bool(confirmed) and self.plan is not None
        if self.plan_confirmed:
            self.errors.pop(PLAN, None)

    def set_plan_choice(self, choice: str) -> None:
        if choice not in ("", "rotate", "new"):
            raise ValueError(choice)
        self.plan_choice = choice
        self._clear_plan()

    def set_configured(self, result: Any, registered_profile: dict[str, Any] | None = None) -> None:
        self.configured = result
        self.configured_revision = self.revision
        self.registered_profile = registered_profile
        self.errors.pop(CONFIGURE, None)

    def mark_saved(self, name: str) -> None:
        self.saved_name = name
        self.editing = name
        self.dirty = False

    # --- checking -----------------------------------------------------------------------------

    def fields_of(self, step: str) -> tuple[str, ...]:
        """The fields (and pseudo-fields) Next checks on ``step``."""
        if step == "cloud":
            return ("cloud",)
        if step == "address":
            if self.kind == ONPREM:
                return ("sharepoint_url", "central_admin_port", "central_admin_url")
            return ("sharepoint_url", "admin_url")
        if step == "credentials":
            if self.kind == ONPREM:
                return ("admin_upn", "admin_password")
            return ("admin_upn",)
        if step == "registration":
            return ("registration", PLAN) if self["registration"] == AUTOMATIC else ("registration",)
        if step == "details":
            credential = "thumbprint" if self["credential"] == CERTIFICATE else "client_secret"
            return ("application_account", "client_id", "tenant_id", credential)
        if step == "configuration":
            return (CONFIGURE,)
        if step == "save":
            return ("name",)
        return ()

    def check_field(self, key: str) -> Message | None:
        """Check one field with the profile's rule; keep (and return) its message, or clear it."""
        self.notes.pop(key, None)
        try:
            message = self._check(key)
        except SpkitError as error:
            message = Message.from_error(error)
        if message is not None and message.is_error:
            self.errors[key] = message
        else:
            self.errors.pop(key, None)
            if message is not None:
                self.notes[key] = message
        return message if message is not None and message.is_error else None

    def check_step(self, step: str | None = None) -> dict[str, Message]:
        """Every field of the step, checked; the messages of the wrong ones."""
        found = {}
        for key in self.fields_of(step or self.step):
            message = self.check_field(key)
            if message is not None:
                found[key] = message
        return found

    def _check(self, key: str) -> Message | None:  # noqa: C901 - one branch per field, each short
        value = self[key].strip()
        if key == "cloud":
            cloud = self.cloud_obj
            if cloud.retired_on is None:
                return None
            return Message(
                f"{labels.CLOUD_LABELS.get(cloud.name, cloud.display_name)} ({cloud.display_name}) was retired "
                f"on {cloud.retired_on.isoformat()}, so you may not be able to connect to it anymore: choose "
                f"{labels.CLOUD_LABELS['global']} instead. A tenant moved from Germany (.de domains) connects "
                "through the global cloud with Manual registration.",
                code="CLOUD_RETIRED",
                level="warning",
            )
        if key == "sharepoint_url" and self.kind == ONLINE:
            address = self.address()
            if address.note:
                return Message(address.note, level="info")
            return None
        if key == "sharepoint_url":
            server = self.server()
            return Message("; ".join(server.warnings), level="warning") if server.warnings else None
        if key == "admin_url":
            return self._check_admin_url(value)
        if key == "central_admin_port":
            if not value:
                return Message(
                    "is required: the port of the Central Administration web application",
                    "give the port chosen when the farm was deployed (shown in Central Administration's URL)",
                    "ADDRESS_PORT_MISSING",
                )
            self._port()
            return None
        if key == "central_admin_url":
            return self._check_central_admin_url(value)
        if key == "admin_upn":
            return self._check_admin_upn(value)
        if key == "admin_password":
            if self.kind == ONPREM and not self.has_secret("admin_password"):
                return Message("is required", "type the password of the account above", "PASSWORD_MISSING")
            return None
        if key == "registration":
            return self._check_registration()
        if key == PLAN:
            return self._check_plan()
        if key == "application_account":
            parse_application_account(self._required(key, "an e-mail like admin@contoso.onmicrosoft.com"))
            return None
        if key == "client_id":
            parse_client_id(self._required(key, "the Application (client) ID"))
            return None
        if key == "tenant_id":
            parse_tenant_ref(self._required(key, "the Directory (tenant) ID"))
            return None
        if key == "thumbprint":
            thumbprint = normalise_thumbprint(
                self._required(key, "the thumbprint, or Import the certificate")
            )
            stored = CertificateStore().get(thumbprint)  # CERT_NOT_IN_STORE, with how to import it
            if stored.warnings:
                return Message("; ".join(stored.warnings), level="warning")
            return None
        if key == "client_secret":
            if "client_secret" in self._secrets:
                clean_secret_value(self._secrets["client_secret"].reveal(), field=key)
            elif "client_secret" not in self.stored_secrets:
                return Message(
                    "is required", "paste the client secret from Certificates & secrets", "SECRET_EMPTY"
                )
            return None
        if key == CONFIGURE:
            if not self.is_configured:
                return Message(
                    f"the connection has not been tried yet with these settings: click {labels.CONFIGURE}",
                    code="CONFIGURE_NEEDED",
                )
            return None
        if key == "name":
            return self._check_name(value)
        return None

    def _required(self, key: str, what: str) -> str:
        value = self[key].strip()
        if not value:
            raise ProfileError(key, "is required", code="PROFILE_MISSING", fix=f"give {what}")
        return value

    def _port(self) -> int | None:
        text = self["central_admin_port"].strip()
        if not text:
            return None
        return check_port(int(text) if text.isdigit() else text)

    def _check_admin_url(self, value: str) -> Message | None:
        try:
            address = self.address()
        except SpkitError:
            return None  # the SharePoint server URL's own message says what is wrong
        if not value:
            return None  # filled from the SharePoint server URL
        typed = parse_sharepoint_address(value, self.cloud_obj)
        if typed.tenant != address.tenant or typed.source_kind != "admin_url":
            return Message(
                f"is not the admin center of the tenant '{address.tenant}'",
                f"use {address.admin_url} (empty the field to fill it from the SharePoint server URL)",
                "ADDRESS_ADMIN_MISMATCH",
            )
        return None

    def _check_central_admin_url(self, value: str) -> Message | None:
        if not value:
            return None
        typed = parse_server_address(value)
        try:
            server = self.server()
            port = self._port()
        except SpkitError:
            return None  # the server URL's (or the port's) own message says what is wrong
        expected = server.central_admin_url(port) if port else f"{server.scheme}://{server.host}:PORT"
        if typed.host != server.host or typed.scheme != server.scheme or (port and typed.port != port):
            return Message(
                "must be the SharePoint server's own host on the Central Administration port",
                f"use {expected} (change the port above)",
                "ADDRESS_CENTRAL_ADMIN_MISMATCH",
            )
        return None

    def _check_admin_upn(self, value: str) -> Message | None:
        if self.kind == ONPREM:
            if not value:
                raise ProfileError(
                    "admin_upn",
                    "is required",
                    code="ACCOUNT_EMPTY",
                    fix=f"type user@fabrikam.com or FABRIKAM\\user, or click {labels.BROWSE}",
                )
            parse_account(value)
            return None
        if not value:
            if self.has_secret("admin_password"):
                return Message(
                    "is required with a password", "type the admin's sign-in name", "ADMIN_UPN_MISSING"
                )
            return None  # optional for manual registration; automatic asks for the sign-in
        parse_application_account(value, field="admin_upn")
        return None

    def _check_registration(self) -> Message | None:
        if self["registration"] == MANUAL:
            if self["cloud"] == "global" and self._address_note() == GERMANY_MOVED_NOTE:
                return Message(
                    "a tenant moved from Office 365 Germany connects through the global cloud with manual "
                    "registration",
                    level="info",
                )
            return None
        if self["cloud"] == "germany":
            return Message(
                "Office 365 Germany has no Microsoft Graph: automatic registration cannot work there",
                "choose Manual registration (or the Office 365 global cloud for a moved tenant)",
                "CLOUD_NO_GRAPH",
            )
        if self._address_note() == GERMANY_MOVED_NOTE:
            return Message(
                "a tenant moved from Office 365 Germany keeps its .de credentials: automatic registration "
                "may not work",
                "choose Manual registration",
                "GERMANY_MOVED_TENANT",
                level="warning",
            )
        signed = self.signed_in
        if signed is None:
            return Message(
                "automatic registration needs an Office 365 Global Administrator signed in",
                f"go Back to Admin credentials and click {labels.LOG_IN}, or choose Manual registration",
                "ADMIN_SIGNIN_NEEDED",
            )
        if not signed.is_global_admin:
            held = ", ".join(signed.roles) or "no directory role"
            return Message(
                f"{signed.upn} is not a Global Administrator (holds {held}): automatic registration needs one",
                "sign in as a Global Administrator, or choose Manual registration",
                "ADMIN_NOT_GLOBAL_ADMIN",
            )
        return None

    def _check_plan(self) -> Message | None:
        if self.signed_in is None or not self.signed_in.is_global_admin:
            return None  # the registration choice says what is missing
        if self.plan is None:
            return Message("the preview of the registration is not ready yet", code="PLAN_NEEDED")
        if not self.plan_confirmed:
            return Message("confirm the preview above first", code="PLAN_NOT_CONFIRMED")
        return None

    def _check_name(self, value: str) -> Message | None:
        example = "fabrikam-farm" if self.kind == ONPREM else "contoso-prod"
        name = parse_profile_name(self._required("name", f"a name like {example}"), example=example)
        if name != self["name"]:
            raise ProfileError(
                "name",
                "must not start or end with a space",
                code="PROFILE_NAME_INVALID",
                fix="remove the spaces",
            )
        if name in self.known_names and name != self.editing:
            return Message(
                f"a connection named '{name}' is already saved",
                "choose another name, or Edit that connection on the card",
                "CONNECTION_EXISTS",
            )
        return None

    def _address_note(self) -> str:
        try:
            return self.address().note
        except SpkitError:
            return ""

    # --- moving -------------------------------------------------------------------------------

    def next(self) -> bool:
        """Go to the next step when the current one is right; False (with messages) otherwise."""
        if self.check_step():
            return False
        if self.step_index < len(self.steps) - 1:
            self.step_index += 1
            self._on_enter()
        return True

    def back(self) -> bool:
        if self.step_index == 0:
            return False
        self.step_index -= 1
        return True

    def go_to(self, step: str) -> None:
        """Jump to a step already passed (the step indicator); forward only through Next."""
        index = self.steps.index(step)
        if index <= self.step_index:
            self.step_index = index

    @property
    def can_back(self) -> bool:
        return self.step_index > 0

    @property
    def is_last(self) -> bool:
        return self.step_index == len(self.steps) - 1

    def _on_enter(self) -> None:
        if self.step == "save" and not self["name"]:
            self.values["name"] = self.default_name()
        if self.step == "details" and not self["application_account"] and self._signed_in_upn():
            self.values["application_account"] = self._signed_in_upn()

    def default_name(self) -> str:
        """A name for the connection, free in the store: the tenant, or the farm's host."""
        try:
            if self.kind == ONLINE:
                base = self.address().tenant
            else:
                parts = self.server().host.split(".")
                base = "-".join(parts[:2]) if len(parts) > 2 else parts[0]
        except SpkitError:
            base = "connection"
        if base not in self.known_names or base == self.editing:
            return base
        return next(f"{base}-{n}" for n in itertools.count(2) if f"{base}-{n}" not in self.known_names)

    # --- the profile the draft describes ---------------------------------------------------------

    def target_options(self) -> dict[str, Any]:
        """The keywords of ``spkit.services.online.tenant_target.target_from_options`` for this draft."""
        tenant = self["tenant_id"].strip() if self["registration"] == MANUAL else ""
        return {
            "cloud": self["cloud"],
            "sharepoint_url": self["sharepoint_url"].strip(),
            "tenant": parse_tenant_ref(tenant) if tenant else None,
            "sandbox": self.sandbox_card if self["cloud"] == "sandbox" else None,
        }

    def secrets_to_store(self) -> dict[str, str]:
        """The typed secrets the profile needs, by the store's key (``client_secret``, ``admin_password``)."""
        wanted = ("admin_password",) if self.kind == ONPREM else ()
        if self.kind == ONLINE and self["registration"] == MANUAL and self["credential"] == SECRET:
            wanted = ("client_secret",)
        found = {}
        for key in wanted:
            if key in self._secrets:
                value = self._secrets[key].reveal()
                found[key] = clean_secret_value(value, field=key) if key == "client_secret" else value
        return found

    def profile_data(self, name: str | None = None, secret_refs: Mapping[str, str] | None = None) -> dict:
        """Plain profile data (``profile_from_dict`` reads it) with references for the secrets.

        ``secret_refs`` maps ``client_secret`` / ``admin_password`` to the reference the profile holds
        (the store's ``store:NAME/KEY`` on Save; a transient one while Configure runs). For automatic
        registration the data comes from the registration Configure made.
        """
        refs = dict(secret_refs or {})
        name = name or self["name"].strip() or self.default_name()
        if self.kind == ONPREM:
            server = self.server()
            data: dict[str, Any] = {
                "name": name,
                "kind": ONPREM,
                "sharepoint_url": server.url,
                "central_admin_port": self._port(),
                "admin_upn": parse_account(self["admin_upn"]).text,
            }
            if "admin_password" in refs:
                data["admin_password"] = refs["admin_password"]
            if self.sandbox_card is not None and self._card_knows(server):
                data["sandbox"] = str(self.sandbox_card)
            return {k: v for k, v in data.items() if v is not None}
        if self["registration"] == AUTOMATIC:
            if not self.registered_profile:
                raise InputError(
                    "the application is registered when you click Configure",
                    code="CONFIGURE_NEEDED",
                    fix=f"click {labels.CONFIGURE} first",
                )
            data = copy.deepcopy(self.registered_profile)
            data["name"] = name
            return data
        data = {
            "name": name,
            "kind": ONLINE,
            "cloud": self["cloud"],
            "sharepoint_url": self.address().normalised,
            "tenant_id": parse_tenant_ref(self["tenant_id"]),
            "client_id": parse_client_id(self["client_id"]),
            "application_account": self["application_account"].strip(),
        }
        if self["credential"] == CERTIFICATE:
            data["certificate"] = {"thumbprint": normalise_thumbprint(self["thumbprint"])}
        elif "client_secret" in refs:
            data["client_secret"] = refs["client_secret"]
        if self["cloud"] == "sandbox":
            data["sandbox"] = str(self.sandbox_card)
        return data

    def _card_knows(self, server: ServerAddress) -> bool:
        """The sandbox serves this host (its connect-to map names it), so the profile names the card."""
        card = self.card or {}
        hosts = {key.rsplit(":", 1)[0].lower() for key in (card.get("connect_to") or {})}
        return server.host in hosts

    # --- editing a saved connection ----------------------------------------------------------------

    @classmethod
    def from_saved(
        cls,
        saved: Any,
        *,
        sandbox_card: str | Path | None = None,
        known_names: Iterable[str] = (),
    ) -> Draft:
        """A draft filled in from a saved connection (``spkit.store.SavedConnection``): not dirty,
        its registration kept so Configure reuses the app instead of creating a second one."""
        data = dict(saved.profile_data)
        card = data.get("sandbox") or sandbox_card
        draft = cls(sandbox_card=Path(card) if card else None, known_names=frozenset(known_names))
        draft.editing = saved.name
        draft.registration_record = copy.deepcopy(saved.registration)
        draft.stored_secrets = tuple(saved.secret_keys)
        values = draft.values
        values["name"] = saved.name
        values["sharepoint_url"] = str(data.get("sharepoint_url") or "")
        if data.get("kind") == ONPREM:
            values["kind"] = ONPREM
            values["central_admin_port"] = str(data.get("central_admin_port") or "")
            values["admin_upn"] = str(data.get("admin_upn") or "")
        else:
            values["kind"] = ONLINE
            values["cloud"] = str(data.get("cloud") or "global")
            values["tenant_id"] = str(data.get("tenant_id") or "")
            values["client_id"] = str(data.get("client_id") or "")
            values["application_account"] = str(data.get("application_account") or "")
            values["admin_upn"] = values["application_account"]
            cert = data.get("certificate") if isinstance(data.get("certificate"), dict) else {}
            if "client_secret" in data:
                values["credential"] = SECRET
            elif cert.get("thumbprint"):
                values["thumbprint"] = str(cert["thumbprint"])
            spkit_app = was_created_by_spkit(saved.registration)
            values["registration"] = AUTOMATIC if spkit_app else MANUAL
            if spkit_app:
                draft.registered_profile = copy.deepcopy(data)
                values["app_name"] = str(saved.registration.get("display_name") or "")
        draft._derive_admin_url(force=True)
        draft._derive_central_admin_url()
        draft.dirty = False
        return draft
