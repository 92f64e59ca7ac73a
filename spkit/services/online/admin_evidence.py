"""What a delegated admin sign-in adds to a diagnosis: the app as the tenant holds it, read through Graph.

An app-only token cannot read its own registration, so two failures look alike from the app's side: a
token without roles (consent never granted, or granted and still propagating) and a certificate Entra
does not accept (another certificate registered, or the registered one ended). Signed in as an admin,
``spkit diagnose --admin UPN`` reads the service principal's app role assignments and the application's
keyCredentials and names which it is. The sign-in happens only when the broken rung is one of these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from ...errors import Diagnosis, SpkitError
from ...models.online_profile import CertificateFileCredential, CertificateThumbprintCredential, OnlineProfile
from ...models.permissions import GRAPH_APP_ID
from ...models.results import StepResult, StepStatus, VerificationResult
from .graph_client import GraphClient, odata_quote, path_segment
from .key_credentials import key_thumbprint, registered_key_error

if TYPE_CHECKING:
    from ..onboarding import AdminContext

SignIn = Callable[[], "AdminContext"]
CERTIFICATE_CODES = {"AUTH_CERT_NOT_REGISTERED", "AUTH_CERT_KEY_EXPIRED", "AUTH_ASSERTION_SIGNATURE_INVALID"}


def _needs_admin(step: StepResult, profile: OnlineProfile) -> str | None:
    """Which reading the broken step needs: ``consent``, ``keys`` or None (the admin adds nothing)."""
    diagnosis = step.diagnosis
    if diagnosis is None:
        return None
    if step.step == "claims" and diagnosis.code == "TOKEN_NO_ROLES":
        return "consent"
    certificate = isinstance(profile.credential, CertificateFileCredential | CertificateThumbprintCredential)
    if step.step == "token" and diagnosis.code in CERTIFICATE_CODES and certificate:
        return "keys"
    return None


def _with(step: StepResult, *, code: str, summary: str, evidence: str, fix: str) -> StepResult:
    return replace(
        step,
        detail=summary,
        diagnosis=Diagnosis(code=code, summary=summary, evidence=evidence, fix=fix),
        evidence=evidence,
    )


def _noted(step: StepResult, note: str) -> StepResult:
    """The step as the ladder found it, with what the admin's reading showed appended to its evidence."""
    diagnosis = step.diagnosis
    assert diagnosis is not None
    evidence = "; ".join(part for part in ((step.evidence or diagnosis.evidence), note) if part)
    return _with(step, code=diagnosis.code, summary=step.detail, evidence=evidence, fix=diagnosis.fix)


def _service_principal(graph: GraphClient, client_id: str) -> dict | None:
    found = list(
        graph.values(
            "/servicePrincipals",
            "finding the app's service principal",
            params={"$filter": f"appId eq {odata_quote(client_id)}"},
        )
    )
    return found[0] if found else None


def _role_labels(graph: GraphClient, assignments: list[dict]) -> list[tuple[str, str, str]]:
    """(resource appId, "Resource/Role", granted at) per assignment, role names from the resource's appRoles."""
    resources: dict[str, dict] = {}
    labels = []
    for assignment in assignments:
        resource_id = str(assignment.get("resourceId") or "")
        if resource_id not in resources:
            resources[resource_id] = graph.get(
                f"/servicePrincipals/{path_segment(resource_id)}",
                "reading the permission's resource",
                params={"$select": "appId,displayName,appRoles"},
            )
        resource = resources[resource_id]
        roles = {r.get("id"): r.get("value") for r in resource.get("appRoles") or []}
        name = roles.get(assignment.get("appRoleId")) or assignment.get("appRoleId")
        display = resource.get("displayName") or assignment.get("resourceDisplayName") or resource_id
        labels.append(
            (str(resource.get("appId")), f"{display}/{name}", str(assignment.get("createdDateTime")))
        )
    return labels


def _consent(step: StepResult, profile: OnlineProfile, admin: AdminContext) -> StepResult:
    """Consent granted and propagating (assignments on Graph exist) or never granted (none)."""
    reader = f"read as {admin.signin.upn}"
    sp = _service_principal(admin.graph, profile.client_id)
    if sp is None:
        return _noted(step, f"the tenant has no service principal for {profile.client_id} ({reader})")
    assignments = list(
        admin.graph.values(
            f"/servicePrincipals/{path_segment(str(sp['id']))}/appRoleAssignments",
            "reading the app's app role assignments",
        )
    )
    labels = _role_labels(admin.graph, assignments)
    listed = ", ".join(f"{label} (granted {when})" for _, label, when in labels) or "none"
    on_graph = [label for app_id, label, _ in labels if app_id == GRAPH_APP_ID]
    evidence = (
        f"Graph token roles: none; app role assignments of service principal {sp['id']} ({reader}): {listed}"
    )
    if on_graph:
        return _with(
            step,
            code="CONSENT_NOT_EFFECTIVE",
            summary=f"admin consent is granted ({', '.join(on_graph)}) but the Graph token carries no roles "
            "yet: Entra is still propagating the consent",
            evidence=evidence,
            fix=f"consent was last granted at {max(when for *_, when in labels)}: give Entra a few minutes from "
            "then and run 'spkit diagnose' again (no need to consent again)",
        )
    if labels:
        summary = (
            "nobody granted admin consent for Microsoft Graph: the app holds only other APIs' permissions"
        )
    else:
        summary = "nobody granted admin consent: the app's service principal holds no app role assignments"
    return _with(step, code="TOKEN_NO_ROLES", summary=summary, evidence=evidence, fix=step.diagnosis.fix)  # type: ignore[union-attr]


def _sent_thumbprint(profile: OnlineProfile) -> str | None:
    from .profile_access import app_credential

    try:
        return app_credential(profile).thumbprint
    except SpkitError:
        return None


def _keys(step: StepResult, profile: OnlineProfile, admin: AdminContext) -> StepResult:
    """The thumbprint sent against the application's keyCredentials (and their end dates)."""
    from .registration import app_by_client_id

    reader = f"read as {admin.signin.upn}"
    thumbprint = _sent_thumbprint(profile)
    if thumbprint is None:
        return step
    app = app_by_client_id(admin.graph, profile.client_id)
    if app is None:
        return _noted(step, f"no application {profile.client_id} is registered in this tenant ({reader})")
    keys = list(app.get("keyCredentials") or [])
    found = registered_key_error(thumbprint, keys)
    entra = step.evidence or (step.diagnosis.evidence if step.diagnosis else "")
    if found is None:
        registered = ", ".join(key_thumbprint(k) or "?" for k in keys)
        return _noted(step, f"registered on the app and current ({reader}): {registered}")
    evidence = f"{found.evidence} ({reader})" + (f"; Entra answered: {entra}" if entra else "")
    return _with(step, code=found.code, summary=found.summary, evidence=evidence, fix=found.fix)


def refine_with_admin(
    result: VerificationResult, profile: OnlineProfile, sign_in: SignIn
) -> VerificationResult:
    """``result`` with its broken rung made exact by what the admin can read; the sign-in runs only when
    the broken rung needs it, and a failed sign-in or Graph read is noted on the rung, never raised."""
    index = next((i for i, s in enumerate(result.steps) if s.status is StepStatus.FAILED), None)
    if index is None:
        return result
    step = result.steps[index]
    reading = _needs_admin(step, profile)
    if reading is None:
        return result
    try:
        admin = sign_in()
    except SpkitError as error:
        result.steps[index] = _noted(step, f"admin sign-in failed [{error.code}]: {error.summary}")
        return result
    try:
        result.facts["admin"] = admin.signin.upn
        work = _consent if reading == "consent" else _keys
        result.steps[index] = work(step, profile, admin)
    except SpkitError as error:
        result.steps[index] = _noted(
            step, f"reading the app as {admin.signin.upn} failed [{error.code}]: {error.summary}"
        )
    finally:
        admin.close()
    return result
