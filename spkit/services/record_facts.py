"""What an onboarding record states about a saved connection, gathered for real: the verification is run
now, the certificate is read from the store or its file, the registration comes from the saved record.

The result is plain JSON data (the notebook lays it out, the wizard may show it). Credentials are
described, never read into it: a secret is "stored, not shown", a certificate is its public facts.
"""

from __future__ import annotations

import getpass
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .. import __version__
from ..errors import SpkitError
from ..models.app_ownership import was_created_by_spkit
from ..models.cert_store import CertificateStore
from ..models.certificates import load_certificate
from ..models.online_profile import (
    CertificateFileCredential,
    CertificateThumbprintCredential,
    ClientSecretCredential,
    OnlineProfile,
)
from ..models.onprem_profile import OnpremProfile
from ..models.permissions import APP_ROLES, RESOURCE_NAMES
from ..models.results import StepStatus, VerificationResult
from ..models.secrets import SecretRef
from ..store import ConnectionStore, SavedConnection
from .kinds import services_for
from .secret_values import secret_value, secrets_from
from .verification import verify_profile

KIND_LABELS = {"online": "SharePoint Online (Office 365)", "onprem": "On-premises SharePoint Server"}
ACTION_LABELS = {
    "create": "created by spkit (automatic registration)",
    "reuse": "reused: the spkit app already registered (automatic registration)",
    "rotate": "reused with a new certificate (automatic registration)",
}
# SharePoint Server builds (MicrosoftSharePointTeamServices), oldest first: (major, first build, product).
_FARM_PRODUCTS = (
    (15, 0, "SharePoint Server 2013"),
    (16, 0, "SharePoint Server 2016"),
    (16, 10000, "SharePoint Server 2019"),
    (16, 14000, "SharePoint Server Subscription Edition"),
)


def record_facts(
    name: str,
    *,
    store_path: str | Path | None = None,
    run_at: str | datetime | None = None,
    sample_size: int = 10,
) -> dict[str, Any]:
    """Everything the onboarding record of connection ``name`` shows; runs the verification now."""
    store = ConnectionStore(store_path) if store_path else ConnectionStore()
    with secrets_from(store):  # its store: references read from this store
        saved = store.get(name)
        profile = saved.profile
        result = verify_profile(profile, sample_size=sample_size)  # a farm keeps its own sample
    facts: dict[str, Any] = {
        "name": saved.name,
        "kind": profile.kind,
        "kind_label": KIND_LABELS.get(profile.kind, profile.kind),
        "saved_at": saved.saved_at,
        "run": who_and_when(run_at),
        "summary": result.summary_line(),
        "passed": result.passed,
        "verification": result.to_dict(),
        "sites": _sites(result),
    }
    if isinstance(profile, OnpremProfile):
        facts.update(_onprem(profile, saved, result))
    else:
        facts.update(_online(profile, saved, result))
    return facts


def who_and_when(run_at: str | datetime | None = None) -> dict[str, str]:
    """The OS user and machine writing the record, and when (UTC)."""
    when = run_at if isinstance(run_at, datetime) else None
    if isinstance(run_at, str) and run_at:
        when = datetime.fromisoformat(run_at)
    when = (when or datetime.now(UTC)).astimezone(UTC)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = os.environ.get("USER") or f"uid {os.getuid()}"
    return {
        "user": user,
        "machine": socket.gethostname(),
        "at": when.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "at_iso": when.isoformat(timespec="seconds"),
        "spkit_version": __version__,
    }


# --- Online ---------------------------------------------------------------------------------------


def _online(profile: OnlineProfile, saved: SavedConnection, result: VerificationResult) -> dict[str, Any]:
    steps = {s.step: s for s in result.steps}
    address = profile.address
    assert address is not None
    confirmed = steps.get("tenant_name")
    tenant_name = (confirmed.facts.get("tenant_name") if confirmed else None) or address.tenant
    if confirmed and confirmed.status is StepStatus.PASSED:
        how = "confirmed by the tenant's root site"
    elif confirmed and confirmed.status is StepStatus.WARNING:
        how = confirmed.detail
    else:
        how = "taken from the SharePoint address (not confirmed: the app could not read the root site)"
    tenant_id = result.facts.get("tenant_id") or profile.tenant_id or ""
    return {
        "connection": {
            "name": saved.name,
            "kind": KIND_LABELS["online"],
            "cloud": profile.cloud_obj.display_name,
            "sharepoint_url": result.facts.get("sharepoint_url") or address.sharepoint_url,
            "admin_url": result.facts.get("admin_url") or address.admin_url,
            "application_account": profile.application_account,
            "saved_at": _saved_at(saved.saved_at),
        },
        "tenant": {
            "name": tenant_name,
            "id": tenant_id,
            "id_source": "tenant discovery" if result.facts.get("tenant_id") else "the connection profile",
            "initial_domain": profile.cloud_obj.initial_domain(tenant_name),
            "confirmed": how,
        },
        "registration": _registration(profile, saved.registration, result),
        "credential": _online_credential(profile),
    }


def _token_app_name(result: VerificationResult | None) -> str | None:
    """The app's display name as today's Graph token names it (``app_displayname``)."""
    claims = {s.step: s for s in result.steps}.get("claims") if result is not None else None
    return (claims.facts.get("app_displayname") if claims is not None else None) or None


def _token_roles(result: VerificationResult) -> dict[str, list[str]]:
    """The application roles seen in today's tokens, per resource (Graph, SharePoint)."""
    steps = {s.step: s for s in result.steps}
    roles: dict[str, list[str]] = {}
    claims = steps.get("claims")
    if claims and claims.status is not StepStatus.SKIPPED:
        roles["Graph"] = list(claims.facts.get("roles") or [])
    sharepoint = steps.get("sharepoint")
    if sharepoint and isinstance(sharepoint.facts.get("token"), dict):
        roles["SharePoint"] = list(sharepoint.facts["token"].get("roles") or [])
    return roles


def _registration(
    profile: OnlineProfile, record: dict[str, Any] | None, result: VerificationResult
) -> dict[str, Any]:
    seen = _token_roles(result)
    graph_seen = seen.get("Graph")
    if graph_seen is None:
        today = "not checked today: no Graph token was obtained (see the verification)"
    elif graph_seen:
        today = f"in effect: today's Graph token carries {len(graph_seen)} application role(s)"
    else:
        today = "missing: today's Graph token carries no application role (nobody granted admin consent)"

    def in_token(resource: str, name: str) -> str:
        if resource not in seen:
            return "not checked"
        return "yes" if name in seen[resource] else "no"

    if was_created_by_spkit(record):
        listed = record.get("permissions") or []
        permissions = [
            {
                "resource": RESOURCE_NAMES.get(p.get("resource"), p.get("resource")),
                "name": p.get("name"),
                "id": p.get("id"),
                "in_token": in_token(p.get("resource"), p.get("name")),
            }
            for p in listed
        ]
        consent = {"in_effect": "granted by the administrator; in effect"}.get(
            record.get("consent"), "granted by the administrator"
        )
        wait = record.get("consent_wait_s")
        if record.get("consent") == "in_effect" and wait is not None:
            consent += f" after {human_duration(float(wait))} (at registration)"
        return {
            "mode": "automatic",
            "how": ACTION_LABELS.get(record.get("action"), "registered by spkit (automatic registration)"),
            "app_name": record.get("display_name") or "",
            "client_id": record.get("client_id") or profile.client_id,
            "object_id": record.get("app_object_id") or "",
            "preset": record.get("preset") or "",
            "registered_at": _saved_at(record.get("registered_at") or ""),
            "consent": consent,
            "consent_today": today,
            "permissions": permissions,
            "permissions_source": "as registered by spkit",
        }
    # Manual registration: the app is the administrator's; its permissions are what tokens carry.
    permissions = [
        {
            "resource": RESOURCE_NAMES.get(resource, resource),
            "name": name,
            "id": role.id if (role := APP_ROLES.get(f"{resource}/{name}")) else "(not in spkit's catalogue)",
            "in_token": "yes",
        }
        for resource, names in seen.items()
        for name in names
    ]
    return {
        "mode": "manual",
        "how": "registered by an administrator (manual registration)",
        "app_name": _token_app_name(result) or "not recorded (registered by an administrator)",
        "client_id": profile.client_id,
        "object_id": "",
        "preset": "",
        "registered_at": "",
        "consent": today,
        "consent_today": today,
        "permissions": permissions,
        "permissions_source": "as seen in today's tokens",
    }


def _online_credential(profile: OnlineProfile) -> dict[str, Any]:
    credential = profile.credential
    if isinstance(credential, ClientSecretCredential):
        return {"type": "client_secret", "text": _hidden("client secret", credential.secret)}
    try:
        if isinstance(credential, CertificateThumbprintCredential):
            store = CertificateStore()
            cert = store.get(credential.thumbprint)
            location = f"the local certificate store ({store.root})"
        else:
            assert isinstance(credential, CertificateFileCredential)
            password = secret_value(credential.password, profile.card) if credential.password else None
            cert = load_certificate(credential.path, password, key_path=credential.key_path)
            location = f"the file {credential.path}"
    except SpkitError as error:  # the verification's token step says the same, with its fix
        thumbprint = getattr(credential, "thumbprint", "")
        return {"type": "certificate", "thumbprint": thumbprint, "problem": error.summary}
    days_left = (cert.not_after - datetime.now(UTC)).days
    return {
        "type": "certificate",
        "thumbprint": cert.thumbprint,
        "subject": cert.subject,
        "expires": f"{cert.not_after:%Y-%m-%d %H:%M} UTC ({days_left} days left)",
        "key_size": f"{cert.key_size} bits ({_key_type(cert.certificate)})" if cert.key_size else "unknown",
        "location": location,
        "problem": "",
    }


def _key_type(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    return "elliptic curve" if isinstance(key, ec.EllipticCurvePublicKey) else type(key).__name__


def _saved_at(text: str) -> str:
    """The store's ``2026-12-01T08:14:36Z`` as people read it, like the record's other times."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return text


def _hidden(what: str, ref: SecretRef) -> str:
    if ref.kind == "store":
        return f"{what} (stored, not shown)"
    return f"{what} (read from {ref.text}, not shown)"


# --- on-premises ----------------------------------------------------------------------------------


def _onprem(profile: OnpremProfile, saved: SavedConnection, result: VerificationResult) -> dict[str, Any]:
    steps = {s.step: s for s in result.steps}
    version = result.facts.get("version") or ""
    requirements = steps.get("requirements")
    return {
        "connection": {
            "name": saved.name,
            "kind": KIND_LABELS["onprem"],
            "credential": _hidden("password", profile.admin_password),
            "saved_at": _saved_at(saved.saved_at),
        },
        "farm": {
            "url": profile.server.url if profile.server else profile.sharepoint_url,
            "central_admin_url": profile.central_admin_url
            or "not configured (no Central Administration port)",
            "account": profile.account.text if profile.account else profile.admin_upn,
            "authentication": profile.auth.upper() if profile.auth == "ntlm" else profile.auth.capitalize(),
            "version": f"{version} ({farm_product(version)})" if version else "not read (sign-in failed)",
            "web_title": result.facts.get("web_title") or "",
        },
        "requirements": list(requirements.facts.get("requirements") or []) if requirements else [],
    }


def farm_product(version: str) -> str:
    """The SharePoint Server product of a build number (``16.0.0.10337`` → SharePoint Server 2019)."""
    parts = [int(p) for p in version.split(".") if p.isdigit()]
    if not parts:
        return "unknown version"
    build = max(parts[2:] or [0])  # 16.0.0.10337 and 16.0.10337.12109 both carry the build
    product = "unknown version"
    for major, first_build, name in _FARM_PRODUCTS:
        if parts[0] == major and build >= first_build:
            product = name
    return product


# --- both -----------------------------------------------------------------------------------------


def _sites(result: VerificationResult) -> dict[str, Any]:
    step = result.enumeration_step  # "sites" Online, "search" on a farm
    facts = step.facts if step else {}
    return {
        "status": step.status.value if step else "skipped",
        "detail": step.detail if step else "",
        "site_collections": result.facts.get("site_collections"),
        "personal_sites": result.facts.get("onedrive_sites"),
        "personal_label": services_for(result).personal_sites,
        "sample": list(facts.get("sample") or []),
    }


def human_duration(value: float) -> str:
    """A duration for people: milliseconds under a second, else seconds with one decimal."""
    if value < 0.001:
        return "<1 ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"
