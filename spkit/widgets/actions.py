"""What the wizard's buttons do, as calls into ``spkit.services`` (and the local stores): one method per
action, no widget in sight. The widgets run these in a background thread and render what comes back;
tests call them directly. Every outcome is also handed to the draft, which keeps the wizard's state.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import AuthorizationError, CertificateError, InputError, SpkitError
from ..models.cert_store import CertificateStore, StoredCertificate, StoreEntry
from ..models.profile import profile_from_dict
from ..models.results import StepResult, VerificationResult
from ..services.admin_signin import DeviceCode, require_admin
from ..services.onboarding import (
    AdminContext,
    admin_context,
    preview_registration,
    register_app,
    registered_profile_data,
    remove_connection,
    save_connection,
    was_created_by_spkit,
)
from ..services.registration import DEFAULT_DISPLAY_NAME
from ..services.target import Target, target_from_options, target_from_profile
from ..services.verification import verify_profile
from ..store import ConnectionStore, SavedConnection, store_ref
from .draft import AUTOMATIC, ONLINE, ONPREM, Draft, SignedIn

ShowCode = Callable[[DeviceCode], None]
Say = Callable[[str], None]
CERT_EXTENSIONS = (".pfx", ".p12", ".pem", ".cer", ".crt")
KEY_EXTENSIONS = (".key", ".pem")
BROWSE_LIMIT = 200  # a picker, not a report: the first page of administrators is what a person reads
ADMIN_GROUP_ENV = "SPKIT_AD_ADMIN_GROUP"  # the group whose members Browse lists (default: all users)
TRANSIENT_PREFIX = "SPKIT_WIZARD_SECRET_"


@dataclass(frozen=True)
class Upload:
    """One file the browser sent (FileUpload): its name and bytes."""

    name: str
    content: bytes = field(repr=False)


@dataclass
class BrowseResult:
    """What Browse found: the UPNs to pick from, the domains it can list, and a line to show."""

    users: list[Any]
    domain: str
    domains: list[tuple[str, str]]  # (label, domain); untrusted ones say so in their label
    note: str = ""


@dataclass
class Configured:
    """The outcome of Configure: the verification, and the registration it made (automatic)."""

    result: VerificationResult
    profile_data: dict[str, Any]
    registration: dict[str, Any] | None = None


class WizardActions:
    """The wizard's service calls. Holds the signed-in admin (``AdminContext``) between steps."""

    def __init__(
        self,
        *,
        store: ConnectionStore | None = None,
        certificates: CertificateStore | None = None,
        record_dir: str | Path | None = None,
    ) -> None:
        self.store = store or ConnectionStore()
        self._certificates = certificates
        self.record_dir = Path(record_dir) if record_dir is not None else None
        self.admin: AdminContext | None = None

    @property
    def certificates(self) -> CertificateStore:
        """The local certificate store (``SPKIT_CERT_STORE`` is read when it is first needed)."""
        return self._certificates or CertificateStore()

    def close(self) -> None:
        """Forget the signed-in admin (its session closes; the token cache keeps the sign-in)."""
        if self.admin is not None:
            self.admin.close()
            self.admin = None

    # --- the card ---------------------------------------------------------------------------------

    def connections(self) -> list[SavedConnection]:
        return self.store.list()

    def known_names(self) -> frozenset[str]:
        return frozenset(self.store.names())

    def saved(self, name: str) -> SavedConnection:
        return self.store.get(name)

    def draft_for(self, name: str, sandbox_card: Path | None) -> Draft:
        """A draft filled in from saved connection ``name`` (Edit)."""
        return Draft.from_saved(self.saved(name), sandbox_card=sandbox_card, known_names=self.known_names())

    def remove(
        self,
        name: str,
        *,
        unregister: bool = False,
        upn: str | None = None,
        show_code: ShowCode | None = None,
        say: Say | None = None,
    ):
        """Remove a saved connection; with ``unregister``, a Global Administrator signs in (cached, else a
        device code) and the app spkit created goes first."""
        ctx = None
        if unregister:
            saved = self.saved(name)
            if not was_created_by_spkit(saved.registration):
                raise InputError(
                    f"connection '{name}' has no app registration made by spkit to unregister",
                    code="UNREGISTER_NOTHING",
                    fix="remove it only; an app an administrator registered is theirs to delete",
                )
            admin = (upn or saved.profile_data.get("application_account") or "").strip()
            ctx = admin_context(
                target_from_profile(saved.profile), admin, show_code=show_code, require="global"
            )
        try:
            return remove_connection(
                name, unregister_with=ctx, store=self.store, progress=say or (lambda _t: None)
            )
        finally:
            if ctx is not None:
                ctx.close()

    # --- Admin credentials --------------------------------------------------------------------------

    def target(self, draft: Draft) -> Target:
        return target_from_options(**draft.target_options())

    def sign_in(
        self,
        draft: Draft,
        *,
        show_code: ShowCode,
        timeout_s: float | None = None,
        keep: Callable[[], bool] = lambda: True,
        cancel: threading.Event | None = None,
    ) -> SignedIn:
        """Sign the admin in (cached sign-in, else the Password typed, else a device code shown through
        ``show_code``; setting ``cancel`` ends it) and read their roles; the draft learns who signed in.
        A missing admin role is not an error here: ``role_message`` words it beside the button."""
        password = draft.secret("admin_password")
        ctx = admin_context(
            self.target(draft),
            draft["admin_upn"],
            password=password.reveal() if password else None,
            show_code=show_code,
            timeout_s=timeout_s,
            require=None,
            cancel=cancel,
        )
        if not keep():  # the wizard moved on while the admin signed in: nothing to keep
            ctx.close()
            raise InputError("the sign-in finished after the wizard moved on", code="SIGNIN_MOOT")
        self.close()
        self.admin = ctx
        signed = SignedIn(
            upn=ctx.signin.upn or draft["admin_upn"].strip(),
            method=ctx.signin.method,
            roles=tuple(ctx.signin.roles),
            tenant_id=ctx.tenant.tenant_id,
        )
        draft.set_signed_in(signed)
        return signed

    def role_message(self) -> str:
        """What the signed-in admin's roles allow, in the words of ``require_admin`` ("" when all is well)."""
        if self.admin is None:
            return ""
        for for_registration in (False, True):  # no admin role at all first, then not a Global Administrator
            try:
                require_admin(self.admin.signin, for_registration=for_registration)
            except AuthorizationError as error:
                return f"{error.summary}. Fix: {error.fix}"
        return ""

    # --- Application registration (automatic) --------------------------------------------------------

    def preview(self, draft: Draft):
        """The registration plan for the draft: reuse the edited connection's app, or spkit's own app of
        that name, or create one; the draft keeps it until the admin confirms."""
        if self.admin is None:
            raise InputError("sign in first", code="ADMIN_SIGNIN_NEEDED")
        for _attempt in range(5):  # the name or the choice changed meanwhile: preview what holds now
            generation = draft.plan_generation
            record = draft.registration_record
            existing = record.get("client_id") if was_created_by_spkit(record) else None
            try:
                plan = preview_registration(
                    self.admin,
                    display_name=draft["app_name"].strip() or DEFAULT_DISPLAY_NAME,
                    existing_client_id=existing,
                    rotate=draft.plan_choice == "rotate",
                    new=draft.plan_choice == "new",
                )
            except SpkitError:
                if generation != draft.plan_generation:
                    continue
                raise
            if generation == draft.plan_generation:
                draft.set_plan(plan)
                return plan
        return None

    # --- Application details (manual): the local certificate store --------------------------------

    def stored_certificates(self) -> list[StoreEntry]:
        return [entry for entry in self.certificates.list() if not entry.damaged]

    def import_certificate(self, uploads: list[Upload], password: str | None) -> StoredCertificate:
        """Install an uploaded .pfx/.p12, .pem (certificate and key) or .cer/.crt with its .key in the
        local store. The files go to a private temporary folder only for the time of the import."""
        if not uploads:
            raise CertificateError(
                "no file chosen",
                code="CERT_NO_FILE",
                fix="choose the certificate file (.pfx, .pem, .cer + .key)",
            )
        certs = [u for u in uploads if Path(u.name).suffix.lower() in CERT_EXTENSIONS]
        keys = [u for u in uploads if Path(u.name).suffix.lower() in KEY_EXTENSIONS and u not in certs[:1]]
        if not certs:
            raise CertificateError(
                f"{', '.join(u.name for u in uploads)}: not a certificate file",
                code="CERT_UNKNOWN_EXTENSION",
                fix="choose a .pfx/.p12, a .pem with the key, or a .cer/.crt together with its .key",
            )
        with _private_folder() as folder:
            cert_path = _write_private(folder, certs[0])
            key_path = _write_private(folder, keys[0]) if keys else None
            try:
                return self.certificates.import_file(cert_path, password or None, key_path=key_path)
            except CertificateError as error:  # name the file the user chose, not the private copy
                hidden = f"{folder}{os.sep}"
                raise CertificateError(
                    error.summary.replace(hidden, ""),
                    code=error.code,
                    evidence=error.evidence.replace(hidden, ""),
                    fix=error.fix.replace(hidden, ""),
                ) from None

    # --- Admin credentials (on-premises): Browse ------------------------------------------------------

    def browse(self, draft: Draft, domain: str | None = None) -> BrowseResult:
        """Administrators' UPNs from Active Directory: the farm's domain, or a domain it trusts (an
        untrusted one is refused with "type the UPN", as the guide says)."""
        from ..services.ad import list_trusts, open_directory, plan_domain

        settings, group = self._directory(draft)
        with open_directory(settings) as directory:
            own = directory.domain
            trusts = list_trusts(directory)
            domains = [(own, own)] + [
                (t.partner if t.trusted else f"{t.partner} (not trusted)", t.partner) for t in trusts
            ]
            wanted = (domain or own).strip().lower()
            if wanted == own:
                return self._admins(directory, group, wanted, domains)
            try:
                base = plan_domain(directory, wanted)  # untrusted: DomainNotTrustedError, "type the UPN"
            except InputError as error:
                if error.code != "AD_TRUST_NEEDS_OWN_QUERY" or draft.card is None:
                    raise
            else:
                return self._admins(directory, group, wanted, domains, base=base)
        # A trusted domain of another forest: its own directory, as the sandbox's card describes it.
        settings, group = self._directory(draft, wanted)
        with open_directory(settings) as partner:
            return self._admins(partner, group, wanted, domains)

    @staticmethod
    def _admins(directory, group_name, domain, domains, base=None) -> BrowseResult:
        from ..services.ad import list_users, resolve_group, use_nested

        group = resolve_group(directory, group_name) if group_name and base is None else None
        users = list(
            islice(
                list_users(
                    directory,
                    group=group,
                    nested=use_nested(directory, "auto") if group else False,
                    enabled_only=True,
                    base=base,
                ),
                BROWSE_LIMIT,
            )
        )
        count = len(users)
        who = f"member{'s' * (count != 1)} of {group.name}" if group else f"user{'s' * (count != 1)}"
        note = f"{count} {who} in {domain}" + (" (the first ones)" if len(users) == BROWSE_LIMIT else "")
        return BrowseResult(users, domain, domains, note)

    def _directory(self, draft: Draft, domain: str | None = None):
        """(settings, administrators' group) for the sandbox's directory when the wizard knows a sandbox
        card that serves one, else for the directory the ``SPKIT_AD_*`` environment names; neither is
        "no directory configured: type the UPN"."""
        from ..services.ad import build_settings

        group = os.environ.get(ADMIN_GROUP_ENV, "").strip() or None
        card = draft.card
        if card is not None and not os.environ.get("SPKIT_AD_SERVER"):
            from ..services.ad.sandbox_directory import (
                card_domain,
                directory_settings_from_card,
                no_directory_error,
            )

            settings = directory_settings_from_card(card, domain=domain)
            if settings is None:
                raise no_directory_error(card)  # says why the sandbox serves none (no slapd, ...)
            return settings, group or card_domain(card, domain).get("admins_group")
        return build_settings(server=None, user=None), group

    # --- Configuration ------------------------------------------------------------------------------

    def configure(
        self,
        draft: Draft,
        *,
        on_step: Callable[[StepResult], None] | None = None,
        say: Say | None = None,
        consent_timeout_s: float = 180.0,
    ) -> Configured:
        """Try the connection for real: register the app (automatic), then verify every step, each one
        reported to ``on_step`` as it finishes. Nothing is saved."""
        say = say or (lambda _text: None)
        name = draft["name"].strip() or draft.default_name()
        registration = None
        revision = draft.revision
        if draft.kind == ONLINE and draft["registration"] == AUTOMATIC:
            if self.admin is None or draft.plan is None or not draft.plan_confirmed:
                raise InputError(
                    "automatic registration needs the signed-in admin and the confirmed preview",
                    code="PLAN_NOT_CONFIRMED",
                    fix="go Back to Application registration and confirm the preview",
                )
            result = register_app(
                self.admin,
                draft.plan,
                connection_name=name,
                consent_timeout_s=consent_timeout_s,
                progress=say,
            )
            registration = result.registration_record()
            data = registered_profile_data(result, self.admin.target, self.admin.signin.upn, name)
            draft.registration_record = registration
            draft.registered_profile = data
            draft.plan = None  # applied: a second Configure plans again (and reuses this app)
            draft.plan_confirmed = False
            profile = profile_from_dict(data, source="the wizard")
            say("verifying the connection")
            verified = verify_profile(profile, progress=on_step)
        else:
            with transient_secrets(draft.secrets_to_store()) as refs:
                refs = {**self._kept_refs(draft), **refs}
                data = draft.profile_data(name, refs)
                profile = profile_from_dict(data, source="the wizard")
                say("verifying the connection")
                verified = verify_profile(profile, progress=on_step)
            data = draft.profile_data(name, {key: store_ref(name, key) for key in refs})
        if draft.revision == revision:
            draft.set_configured(verified, data if registration is not None else draft.registered_profile)
        return Configured(verified, data, registration)

    def _kept_refs(self, draft: Draft) -> dict[str, str]:
        """References to the secrets the edited connection keeps in the store (not typed again)."""
        if not draft.editing:
            return {}
        wanted = ("admin_password",) if draft.kind == ONPREM else ("client_secret",)
        return {key: store_ref(draft.editing, key) for key in wanted if key in draft.stored_secrets}

    # --- Save, and the onboarding record ------------------------------------------------------------

    def save(self, draft: Draft) -> SavedConnection:
        """Save the draft as a connection (the store `spkit connections` reads): the typed secret is
        encrypted in the store and the profile keeps ``store:NAME/KEY``."""
        if draft.check_step("save"):
            raise InputError("the connection name is not right", code="PROFILE_NAME_INVALID")
        name = draft["name"].strip()
        values = draft.secrets_to_store()
        kept = self._kept_refs(draft) if draft.editing == name else {}
        refs = {**kept, **{key: store_ref(name, key) for key in values}}
        data = draft.profile_data(name, refs)
        record = draft.registration_record if was_created_by_spkit(draft.registration_record) else None
        saved = save_connection(
            data,
            name=name,
            secrets=values or None,
            registration=record,
            replace=draft.editing == name,
            store=self.store,
        )
        draft.mark_saved(saved.name)
        draft.known_names = self.known_names()
        return saved

    def write_record(self, name: str):
        """The onboarding record of saved connection ``name`` (.ipynb and .html), by papermill."""
        from ..services.record import DEFAULT_OUT_DIR, write_record

        out_dir = self.record_dir or Path.cwd() / DEFAULT_OUT_DIR
        return write_record(name, out_dir, store=self.store)


@contextlib.contextmanager
def transient_secrets(values: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """References to typed secrets for the time of one verification: ``env:`` variables of this process
    with random names, removed when the block ends, so the profile (and every message or fact shown
    while it is verified) holds a reference, never the value, and nothing is written to disk."""
    names: list[str] = []
    refs: dict[str, str] = {}
    try:
        for key, value in values.items():
            var = f"{TRANSIENT_PREFIX}{key.upper()}_{secrets.token_hex(6).upper()}"
            os.environ[var] = value
            names.append(var)
            refs[key] = f"env:{var}"
        yield refs
    finally:
        for var in names:
            os.environ.pop(var, None)


@contextlib.contextmanager
def _private_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="spkit-import-"))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_private(folder: Path, upload: Upload) -> Path:
    name = Path(upload.name).name or "upload"
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(upload.content)
    return path


def error_text(error: BaseException) -> str:
    """One line for an error shown in the wizard: the diagnosis' summary and fix, never a traceback."""
    if isinstance(error, SpkitError):
        return f"{error.summary}" + (f" — fix: {error.fix}" if error.fix else "")
    return f"unexpected {type(error).__name__}: report this as a bug in spkit"
