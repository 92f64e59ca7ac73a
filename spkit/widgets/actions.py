"""What the wizard's buttons do, as calls into ``spkit.services`` (and the local stores): one method per
action, no widget in sight. The widgets run these in a background thread and render what comes back;
tests call them directly. Every outcome is also handed to the draft, which keeps the wizard's state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AuthorizationError, InputError, SpkitError
from ..models.app_ownership import was_created_by_spkit
from ..models.cert_store import CertificateStore, StoredCertificate, StoreEntry
from ..models.results import StepResult, VerificationResult
from ..services.ad.browse import browse_administrators
from ..services.certificate_uploads import Upload, import_uploaded_certificate
from ..services.onboarding import (
    AdminContext,
    admin_context,
    complete_registration,
    preview_registration,
    remove_connection,
    save_connection,
)
from ..services.online.admin_signin import DeviceCode, require_admin
from ..services.online.registration import DEFAULT_DISPLAY_NAME, RegistrationResult
from ..services.online.tenant_target import Target, target_from_options
from ..services.transient_secrets import verify_with_typed_secrets
from ..store import ConnectionStore, SavedConnection, store_ref
from .draft import AUTOMATIC, ONLINE, ONPREM, Draft, SignedIn

ShowCode = Callable[[DeviceCode], None]
Say = Callable[[str], None]


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

        def admin(target: Target, saved: SavedConnection) -> AdminContext:
            who = (upn or saved.profile_data.get("application_account") or "").strip()
            return admin_context(target, who, show_code=show_code, require="global")

        try:
            return remove_connection(
                name,
                unregister=admin if unregister else None,
                store=self.store,
                progress=say or (lambda _t: None),
            )
        except InputError as error:
            if error.code == "UNREGISTER_NOTHING":  # in the card's words: its Remove-only button
                error.fix = "remove it only; an app an administrator registered is theirs to delete"
            raise

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
            try:
                plan = preview_registration(
                    self.admin,
                    display_name=draft["app_name"].strip() or DEFAULT_DISPLAY_NAME,
                    registration=draft.registration_record,
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
        local store (``services.certificate_uploads``)."""
        return import_uploaded_certificate(self.certificates, uploads, password)

    # --- Admin credentials (on-premises): Browse ------------------------------------------------------

    def browse(self, draft: Draft, domain: str | None = None) -> BrowseResult:
        """Administrators' UPNs from Active Directory: the farm's domain, or a domain it trusts (an
        untrusted one is refused with "type the UPN", as the guide says)."""
        found = browse_administrators(draft.card, domain)
        domains = [(name if trusted else f"{name} (not trusted)", name) for name, trusted in found.domains]
        count = len(found.users)
        group = found.group
        who = f"member{'s' * (count != 1)} of {group.name}" if group else f"user{'s' * (count != 1)}"
        note = f"{count} {who} in {found.domain}" + (" (the first ones)" if found.truncated else "")
        return BrowseResult(found.users, found.domain, domains, note)

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

            def registered(result: RegistrationResult, data: dict[str, Any]) -> None:
                """Kept in the draft as soon as it is applied, even when the verification fails."""
                draft.registration_record = result.registration_record()
                draft.registered_profile = data
                draft.plan = None  # applied: a second Configure plans again (and reuses this app)
                draft.plan_confirmed = False

            done = complete_registration(
                self.admin,
                draft.plan,
                save_as=name,
                save=False,
                verify=True,
                on_step=on_step,
                on_registered=registered,
                consent_timeout_s=consent_timeout_s,
                progress=say,
            )
            verified, data, registration = done.verification, done.profile_data, done.registration
        else:
            kept, typed = self._kept_refs(draft), draft.secrets_to_store()
            verified = verify_with_typed_secrets(
                lambda refs: draft.profile_data(name, refs), typed, kept=kept, on_step=on_step, progress=say
            )
            data = draft.profile_data(name, {key: store_ref(name, key) for key in {**kept, **typed}})
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


def error_text(error: BaseException) -> str:
    """One line for an error shown in the wizard: the diagnosis' summary and fix, never a traceback."""
    if isinstance(error, SpkitError):
        return f"{error.summary}" + (f" — fix: {error.fix}" if error.fix else "")
    return f"unexpected {type(error).__name__}: report this as a bug in spkit"
