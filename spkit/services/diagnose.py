"""Diagnose a connection: run the verification ladder and explain it — every rung with its evidence,
the first broken rung with its fix, and what to tell the customer. ``spkit diagnose``, the
troubleshooting notebook and the wizard's hint all come from here.

The fix steps and the customer's paragraph come from the diagnosis catalog (``spkit.diagnosis``); a
code the catalog does not know (or a catalog that cannot be imported) falls back to the diagnosis'
own fix text, so a diagnosis is never lost for want of an entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models.profile import Profile
from ..models.results import StepResult, StepStatus, VerificationResult
from .kinds import services_for
from .verification import Progress, verify_profile

# Next to the other notebooks (spkit.services.batch.NOTEBOOKS_DIR; not imported: it pulls in pandas).
TROUBLESHOOT_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "troubleshoot_connection.ipynb"
EVIDENCE_LIMIT = 1200  # characters of facts shown for a rung that has no evidence text of its own


@dataclass(frozen=True)
class RungReport:
    """One rung as ``spkit diagnose --json`` prints it."""

    rung: str
    title: str
    status: str
    code: str | None
    summary: str
    evidence: str
    fix: str
    duration_s: float
    fix_steps: tuple[str, ...] = ()
    own_fix: str = ""  # the diagnosis' own fix, specific to this run (a site's URL, a host), when it differs

    def to_dict(self) -> dict[str, Any]:
        return {
            "rung": self.rung,
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "summary": self.summary,
            "evidence": self.evidence,
            "fix": self.fix,
            "duration_s": self.duration_s,
        }


@dataclass
class ConnectionDiagnosis:
    """The ladder explained: healthy or the first broken rung, and the words for the customer."""

    profile: str
    kind: str
    rungs: list[RungReport]
    tell_customer: str
    meaning: str = ""  # what the broken rung's code means (the catalog's words), for people
    result: VerificationResult | None = field(default=None, repr=False)

    @property
    def broken_rung(self) -> RungReport | None:
        return next((r for r in self.rungs if r.status == StepStatus.FAILED.value), None)

    @property
    def healthy(self) -> bool:
        return self.broken_rung is None

    @property
    def broken(self) -> str | None:
        return self.broken_rung.rung if self.broken_rung else None

    @property
    def code(self) -> str | None:
        return self.broken_rung.code if self.broken_rung else None

    def to_dict(self) -> dict[str, Any]:
        """Exactly the object ``spkit diagnose --json`` prints."""
        return {
            "profile": self.profile,
            "kind": self.kind,
            "healthy": self.healthy,
            "broken": self.broken,
            "code": self.code,
            "rungs": [r.to_dict() for r in self.rungs],
            "tell_customer": self.tell_customer,
        }


def catalog_entry(code: str | None) -> Any | None:
    """The catalog's entry for ``code`` (``.title``, ``.meaning``, ``.rung``, ``.fix_steps``,
    ``.tell_customer``), or None when it has none (or cannot be imported: the diagnosis' own fix serves)."""
    if not code:
        return None
    try:
        from ..diagnosis.catalog import entry
    except ImportError:
        return None
    try:
        found = entry(code)
    except (KeyError, LookupError, ValueError):
        return None
    return None if getattr(found, "generic", False) else found  # made up for an unknown code: ours is better


def _facts_text(facts: dict[str, Any]) -> str:
    if not facts:
        return ""
    text = "; ".join(
        f"{key}: {value if isinstance(value, str | int | float | bool) or value is None else json.dumps(value, default=str)}"
        for key, value in facts.items()
    )
    return text if len(text) <= EVIDENCE_LIMIT else text[: EVIDENCE_LIMIT - 1] + "…"


def _evidence(step: StepResult) -> str:
    if step.evidence:
        return step.evidence
    if step.diagnosis and step.diagnosis.evidence:
        return step.diagnosis.evidence
    return _facts_text(step.facts)


def _report(step: StepResult) -> RungReport:
    # a failure's diagnosis, or a warning's that has a code of its own (search found nothing)
    diagnosis = step.diagnosis if step.status in (StepStatus.FAILED, StepStatus.WARNING) else None
    entry = catalog_entry(diagnosis.code) if diagnosis else None
    steps = tuple(getattr(entry, "fix_steps", None) or ()) if entry else ()
    if diagnosis and not steps and diagnosis.fix:
        steps = (diagnosis.fix,)
    if len(steps) > 1:
        fix = "\n".join(f"{n}. {text}" for n, text in enumerate(steps, 1))
    else:
        fix = steps[0] if steps else ""
    return RungReport(
        rung=step.step,
        title=step.title,
        status=step.status.value,
        code=diagnosis.code if diagnosis else None,
        summary=step.detail,
        evidence=_evidence(step),
        fix=fix,
        duration_s=round(step.duration_s, 3),
        fix_steps=steps,
        own_fix=diagnosis.fix if diagnosis and diagnosis.fix and diagnosis.fix not in steps else "",
    )


def _tell_customer(result: VerificationResult, broken: RungReport | None) -> tuple[str, str]:
    """The customer's paragraph and the code's meaning: the catalog's words, else plain words of ours."""
    if broken is None:
        warned = [s for s in result.steps if s.status is StepStatus.WARNING]
        if not warned:
            return "The connection works: every check spkit runs passed; nothing needs to change.", ""
        titles = ", ".join(s.title for s in warned)
        text = f"The connection works; nothing needs to change for it. Worth a look, not blocking: {titles}."
        for step in warned:
            entry = catalog_entry(step.diagnosis.code) if step.diagnosis else None
            if entry is not None and getattr(entry, "tell_customer", ""):
                text += " " + entry.tell_customer
        return text, ""
    entry = catalog_entry(broken.code)
    if entry is not None and getattr(entry, "tell_customer", ""):
        return entry.tell_customer, getattr(entry, "meaning", "") or ""
    step = next(s for s in result.steps if s.step == broken.rung)
    fix = step.diagnosis.fix if step.diagnosis else ""
    text = f"The connection does not work yet. {broken.title}: {broken.summary.rstrip('.')}."
    if fix:
        text += f" What needs to change: {fix.rstrip('.')}."
    return text, ""


def diagnose_result(result: VerificationResult) -> ConnectionDiagnosis:
    """Explain a verification that already ran (a notebook's published result, a batch run's)."""
    rungs = [_report(step) for step in result.steps]
    broken = next((r for r in rungs if r.status == StepStatus.FAILED.value), None)
    tell, meaning = _tell_customer(result, broken)
    return ConnectionDiagnosis(result.profile_name, result.kind, rungs, tell, meaning, result)


def diagnose_profile(
    profile: Profile,
    *,
    progress: Progress | None = None,
    admin: Callable[[], Any] | None = None,
    **options: Any,
) -> ConnectionDiagnosis:
    """Run the profile's ladder for real (the one ``spkit verify`` runs) and explain it. ``admin`` signs a
    delegated admin in (an ``AdminContext``), called only when the broken rung needs what the admin can
    read (the app's role assignments, its registered certificates: ``online.admin_evidence``)."""
    result = verify_profile(profile, progress=progress, **options)
    refine = services_for(profile).refine_with_admin  # what an admin can read: Online's app registration
    if admin is not None and refine is not None:
        result = refine(result, profile, admin)
    return diagnose_result(result)


def admin_sign_in(
    profile: Profile,
    upn: str,
    *,
    password: Callable[[Any], str | None] | None = None,
    password_ref: str | None = None,
    show_code: Callable[[Any], None] | None = None,
    client_id: str | None = None,
    timeout_s: float | None = None,
) -> Callable[[], Any]:
    """The ``admin`` of ``diagnose_profile`` for a face: cached sign-in, else the password (``password``
    gets the target, for references that need its card; or ``password_ref``, a reference such as
    ``env:NAME`` or ``sandbox:TENANT/UPN``), else a device code shown by ``show_code``."""

    def sign_in() -> Any:
        from ..models.secrets import parse_secret_ref
        from .onboarding import admin_context
        from .online.tenant_target import target_from_profile

        target = target_from_profile(profile)  # type: ignore[arg-type]
        secret = password(target) if password else None
        if secret is None and password_ref:
            secret = parse_secret_ref(password_ref, field="admin password", base_dir=Path.cwd()).resolve(
                target.card
            )
        return admin_context(
            target,
            upn,
            password=secret,
            show_code=show_code,
            client_id=client_id,
            timeout_s=timeout_s,
            require=None,
        )

    return sign_in


def load_target(profile_path: str | Path | None = None, connection: str | None = None) -> Profile:
    """The profile a face names: a parameters file or a saved connection (exactly one of them)."""
    from ..errors import InputError

    if bool(profile_path) == bool(connection):
        raise InputError(
            "name either a profile file or a saved connection",
            code="USAGE",
            fix="give PARAMS.yaml or --connection NAME (the notebook: profile_path or connection)",
        )
    if connection:
        from ..store import ConnectionStore

        return ConnectionStore().get(connection).profile
    from ..models.profile import load_profile

    return load_profile(profile_path)  # type: ignore[arg-type]


def troubleshoot_hint(*, profile_path: str | Path | None = None, connection: str | None = None) -> str:
    """One line: how to diagnose this profile or connection, and open the troubleshooting notebook for it."""
    if connection:
        command, parameter = f"spkit diagnose --connection '{connection}'", f"connection = '{connection}'"
        papermill = f"-p connection '{connection}'"
    else:
        path = str(Path(str(profile_path)).resolve())
        command, parameter = f"spkit diagnose {path}", f"profile_path = '{path}'"
        papermill = f"-p profile_path {path}"
    return (
        f"troubleshoot: {command}, or open {TROUBLESHOOT_NOTEBOOK} with {parameter} "
        f"(papermill {TROUBLESHOOT_NOTEBOOK.name} OUT.ipynb {papermill})"
    )
