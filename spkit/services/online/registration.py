"""Automatic app registration (wizard step 5): preview, create or reuse, consent, wait, unregister.

spkit marks its apps (tag ``spkit``), so a second run finds and reuses the app instead of leaving a
duplicate behind as the vendor does; certificates are made in the local certificate store.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msal

from ... import __version__
from ...errors import AuthenticationError, CheckError, InputError
from ...http.session import SpkitSession
from ...models.app_ownership import CREATED_BY, SPKIT_TAG, is_spkit_app
from ...models.cert_store import CertificateStore
from ...models.clouds import Cloud
from ...models.permissions import APP_ROLES, AppRole, preset_roles, required_resource_access
from .app_tokens import AppAuthenticator, certificate_credential
from .graph_client import GraphClient, odata_quote, path_segment

DEFAULT_DISPLAY_NAME = "spkit SharePoint"


@dataclass
class RegistrationPlan:
    """What a registration will do, shown before anything is created (``--dry-run``)."""

    action: str  # "create" | "reuse" | "rotate"
    display_name: str
    tenant_id: str
    preset: str
    roles: list[AppRole]
    certificate_subject: str
    certificate_days: int
    existing: dict[str, Any] | None = None  # the Graph application object when reusing
    reuse_thumbprint: str | None = None  # the stored certificate that stays in use (action "reuse")

    @property
    def certificate_expires(self) -> datetime:
        return datetime.now(UTC) + timedelta(days=self.certificate_days)

    def lines(self) -> list[str]:
        """The preview a person reads before consenting."""
        verb = {"create": "Create", "reuse": "Reuse", "rotate": "Reuse (with a new certificate)"}[self.action]
        lines = [f"{verb} the application '{self.display_name}' in tenant {self.tenant_id}"]
        if self.existing:
            lines.append(
                f"  existing app: client ID {self.existing.get('appId')} (object {self.existing.get('id')})"
            )
        else:
            lines.append(f"  tagged '{SPKIT_TAG}' so spkit can find it again; plus its service principal")
        if self.action == "reuse" and self.reuse_thumbprint:
            lines.append(f"  certificate: keep {self.reuse_thumbprint} from the local certificate store")
        else:
            lines.append(
                f"  certificate: new self-signed RSA 2048 / SHA-256, subject CN={self.certificate_subject}, "
                f"expires {self.certificate_expires:%Y-%m-%d} (kept in the local certificate store)"
            )
        lines.append(f"  application permissions ({self.preset}), granted with admin consent:")
        lines += [f"    {r.resource:<10} {r.name:<24} {r.id}" for r in self.roles]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "display_name": self.display_name,
            "tenant_id": self.tenant_id,
            "preset": self.preset,
            "permissions": [{"resource": r.resource, "name": r.name, "id": r.id} for r in self.roles],
            "certificate_subject": self.certificate_subject,
            "certificate_expires": self.certificate_expires.date().isoformat(),
            "existing_client_id": (self.existing or {}).get("appId"),
        }


@dataclass
class RegistrationResult:
    client_id: str
    object_id: str
    tenant_id: str
    thumbprint: str
    display_name: str
    action: str
    certificate_expires: datetime
    roles: list[str] = field(default_factory=list)
    consent_wait_s: float = 0.0
    preset: str | None = None
    consent_confirmed: bool = False  # set by wait_for_consent once tokens carry every granted role
    registered_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def registration_record(self) -> dict[str, Any]:
        """What a saved connection keeps so editing it reuses this app, and what its onboarding record
        reports: what was done (created, reused, rotated), the permissions by name and GUID, consent."""
        return {
            "created_by": CREATED_BY,
            "app_object_id": self.object_id,
            "client_id": self.client_id,
            "tenant_id": self.tenant_id,
            "display_name": self.display_name,
            "certificate_thumbprint": self.thumbprint,
            "certificate_expires": self.certificate_expires.date().isoformat(),
            "action": self.action,
            "preset": self.preset,
            "permissions": [
                {"resource": role.resource, "name": role.name, "id": role.id}
                for role in (APP_ROLES[label] for label in self.roles if label in APP_ROLES)
            ],
            "consent": "in_effect" if self.consent_confirmed else "not_confirmed",
            "consent_wait_s": round(self.consent_wait_s, 1),
            "registered_at": self.registered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def key_thumbprints(app: dict[str, Any]) -> set[str]:
    """SHA-1 thumbprints (upper hex) of an application's certificates, from ``customKeyIdentifier``."""
    found = set()
    for key in app.get("keyCredentials") or []:
        ident = str(key.get("customKeyIdentifier") or "")
        if len(ident) == 40 and all(c in "0123456789abcdefABCDEF" for c in ident):
            found.add(ident.upper())
            continue
        try:
            raw = base64.b64decode(ident, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == 20:
            found.add(raw.hex().upper())
        elif len(raw) == 40:
            found.add(raw.decode("ascii", "replace").upper())
    return found


def find_spkit_apps(graph: GraphClient, display_name: str) -> list[dict[str, Any]]:
    """spkit's own applications with this display name (other apps of that name are not ours)."""
    apps = graph.values(
        "/applications",
        "looking for existing spkit apps",
        params={"$filter": f"displayName eq {odata_quote(display_name)}"},
    )
    return [a for a in apps if is_spkit_app(a)]


def app_by_client_id(graph: GraphClient, client_id: str) -> dict[str, Any] | None:
    apps = list(
        graph.values(
            "/applications",
            "looking up the application",
            params={"$filter": f"appId eq {odata_quote(client_id)}"},
        )
    )
    return apps[0] if apps else None


def plan_registration(
    graph: GraphClient,
    *,
    tenant_id: str,
    store: CertificateStore,
    display_name: str = DEFAULT_DISPLAY_NAME,
    preset: str = "full",
    days: int = 730,
    existing_client_id: str | None = None,
    rotate: bool = False,
    new: bool = False,
) -> RegistrationPlan:
    """Decide create / reuse / rotate, so the preview says exactly what will happen."""
    if not 1 <= days <= 3650:
        raise InputError(f"certificate validity must be 1..3650 days, not {days}", code="REGISTRATION_DAYS")
    roles = preset_roles(preset)
    plan = RegistrationPlan("create", display_name, tenant_id, preset, roles, display_name, days)
    if new:
        return plan
    if existing_client_id:
        app = app_by_client_id(graph, existing_client_id)
        if app is None:
            raise CheckError(
                f"the connection's application {existing_client_id} no longer exists in the tenant",
                code="REGISTRATION_APP_GONE",
                fix="register again with --new to create a fresh app for this connection",
            )
        candidates = [app]
    else:
        candidates = find_spkit_apps(graph, display_name)
    if not candidates:
        return plan
    app = candidates[0]
    plan.existing = app
    in_store = sorted(t for t in key_thumbprints(app) if t in store)
    if rotate or not in_store:
        if not rotate and not existing_client_id:
            raise InputError(
                f"an spkit app named '{display_name}' already exists (client ID {app.get('appId')}), "
                "but none of its certificates is in the local certificate store",
                code="REGISTRATION_EXISTS",
                fix="reuse it with --rotate-certificate (a new certificate replaces the old one), or create a "
                "second app with --new",
            )
        plan.action = "rotate"
    else:
        plan.action = "reuse"
        plan.reuse_thumbprint = in_store[0]
    return plan


class _Registrar:
    """Carries out a plan through Graph; each method one directory change."""

    def __init__(self, graph: GraphClient, progress: Callable[[str], None]) -> None:
        self.graph = graph
        self.progress = progress
        self._resource_sps: dict[str, dict] = {}

    def resource_sp(self, app_id: str) -> dict[str, Any]:
        if app_id not in self._resource_sps:
            found = list(
                self.graph.values(
                    "/servicePrincipals",
                    "finding the resource's service principal",
                    params={"$filter": f"appId eq {odata_quote(app_id)}"},
                )
            )
            if not found:
                raise CheckError(
                    f"the tenant has no service principal for resource {app_id}",
                    code="REGISTRATION_RESOURCE_MISSING",
                    fix="the tenant must have Microsoft Graph and SharePoint Online enabled",
                )
            self._resource_sps[app_id] = found[0]
        return self._resource_sps[app_id]

    def service_principal(self, client_id: str) -> dict[str, Any]:
        found = list(
            self.graph.values(
                "/servicePrincipals",
                "finding the app's service principal",
                params={"$filter": f"appId eq {odata_quote(client_id)}"},
            )
        )
        if found:
            return found[0]
        self.progress("creating the service principal")
        return self.graph.post("/servicePrincipals", "creating the service principal", {"appId": client_id})

    def consent(self, sp: dict[str, Any], roles: list[AppRole]) -> None:
        """Application consent for each role the service principal does not hold yet."""
        held = {
            (a.get("resourceId"), a.get("appRoleId"))
            for a in self.graph.values(
                f"/servicePrincipals/{sp['id']}/appRoleAssignments", "reading the app's consented permissions"
            )
        }
        for role in roles:
            resource = self.resource_sp(role.resource_app_id)
            if (resource["id"], role.id) in held:
                continue
            self.progress(f"granting {role.label} (admin consent)")
            self.graph.post(
                f"/servicePrincipals/{resource['id']}/appRoleAssignedTo",
                f"granting {role.label}",
                {"principalId": sp["id"], "resourceId": resource["id"], "appRoleId": role.id},
            )


def _key_credential(cert) -> dict[str, Any]:
    return {
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        "key": cert.public_der_b64(),
        "displayName": f"CN={cert.subject.removeprefix('CN=')}",
        "startDateTime": cert.not_before.isoformat().replace("+00:00", "Z"),
        "endDateTime": cert.not_after.isoformat().replace("+00:00", "Z"),
    }


def apply_registration(
    plan: RegistrationPlan,
    graph: GraphClient,
    store: CertificateStore,
    *,
    connection_name: str | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> RegistrationResult:
    """Create or reuse the app, its certificate, service principal and consents, as planned."""
    registrar = _Registrar(graph, progress)
    if plan.action == "reuse" and plan.reuse_thumbprint:
        cert = store.get(plan.reuse_thumbprint)
    else:
        progress("creating the certificate in the local certificate store")
        cert = store.create(plan.certificate_subject, days=plan.certificate_days)
    if plan.existing is None:
        progress(f"creating the application '{plan.display_name}'")
        note = f"Created by spkit {__version__}" + (
            f" for connection '{connection_name}'" if connection_name else ""
        )
        app = graph.post(
            "/applications",
            "creating the application",
            {
                "displayName": plan.display_name,
                "signInAudience": "AzureADMyOrg",
                "requiredResourceAccess": required_resource_access(plan.roles),
                "keyCredentials": [_key_credential(cert)],
                "tags": [SPKIT_TAG],
                "notes": note + ". Remove it with 'spkit unregister'.",
            },
        )
    else:
        app = plan.existing
        if plan.action == "rotate":
            progress("replacing the application's certificate")
            graph.patch(
                f"/applications/{app['id']}",
                "rotating the certificate",
                {"keyCredentials": [_key_credential(cert)]},
            )
        declared = {
            (r["resourceAppId"], a["id"])
            for r in app.get("requiredResourceAccess") or []
            for a in r.get("resourceAccess") or []
        }
        if any((role.resource_app_id, role.id) not in declared for role in plan.roles):
            graph.patch(
                f"/applications/{app['id']}",
                "declaring the permissions",
                {"requiredResourceAccess": required_resource_access(plan.roles)},
            )
    sp = registrar.service_principal(app["appId"])
    registrar.consent(sp, plan.roles)
    return RegistrationResult(
        client_id=app["appId"],
        object_id=app["id"],
        tenant_id=plan.tenant_id,
        thumbprint=cert.thumbprint,
        display_name=plan.display_name,
        action=plan.action,
        certificate_expires=cert.not_after,
        roles=[r.label for r in plan.roles],
        preset=plan.preset,
    )


def wait_for_consent(
    result: RegistrationResult,
    *,
    cloud: Cloud,
    session: SpkitSession,
    store: CertificateStore,
    sharepoint_url: str,
    timeout_s: float = 180.0,
    progress: Callable[[str], None] = lambda _msg: None,
) -> float:
    """Poll for app-only tokens that carry the granted roles (consent propagates with a delay)."""
    wanted: dict[str, set[str]] = {}
    for label in result.roles:
        resource, name = APP_ROLES[label].resource, APP_ROLES[label].name
        wanted.setdefault(resource, set()).add(name)
    resources = {"Graph": cloud.graph_url, "SharePoint": sharepoint_url}
    credential = certificate_credential(str(store.entry_path(result.thumbprint)))
    started, delay, attempt = time.monotonic(), 1.0, 0
    while True:
        attempt += 1
        missing = []
        for resource, names in wanted.items():
            authenticator = AppAuthenticator(
                cloud=cloud,
                tenant_id=result.tenant_id,
                client_id=result.client_id,
                credential=credential,
                session=session,
                token_cache=msal.TokenCache(),
            )  # never a cached, stale token
            try:
                roles = set(authenticator.acquire(resources[resource], f"{resource} token").roles)
            except AuthenticationError as error:
                if error.aadsts not in (700016, 700027, 7000229):  # app or key not replicated yet
                    raise
                roles = set()
            missing += [f"{resource}/{n}" for n in sorted(names - roles)]
        elapsed = time.monotonic() - started
        if not missing:
            progress(f"consent in effect after {elapsed:.1f} s ({attempt} checks)")
            result.consent_wait_s = elapsed
            result.consent_confirmed = True
            return elapsed
        if elapsed + delay > timeout_s:
            raise CheckError(
                f"the admin consent did not show in tokens within {timeout_s:.0f} s",
                code="CONSENT_NOT_EFFECTIVE",
                evidence="still missing: " + ", ".join(missing),
                fix="wait a few minutes and run 'spkit verify'; Entra can take longer to propagate consent",
            )
        progress(f"waiting for consent to take effect ({elapsed:.0f} s, missing {', '.join(missing)})")
        time.sleep(delay)
        delay = min(delay * 1.5, 5.0)


def unregister_app(
    graph: GraphClient,
    client_id: str,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any] | None:
    """Delete the application and its service principal; refuse apps spkit did not create unless forced."""
    app = app_by_client_id(graph, client_id)
    if app is None:
        return None
    if not is_spkit_app(app) and not force:
        raise InputError(
            f"application {client_id} ('{app.get('displayName')}') was not created by spkit",
            code="UNREGISTER_NOT_SPKIT",
            fix="delete it in the Entra admin center, or pass --force if you are sure",
        )
    for sp in graph.values(
        "/servicePrincipals",
        "finding the app's service principal",
        params={"$filter": f"appId eq {odata_quote(client_id)}"},
    ):
        progress("deleting the service principal")
        graph.delete(f"/servicePrincipals/{path_segment(sp['id'])}", "deleting the service principal")
    progress(f"deleting the application '{app.get('displayName')}'")
    graph.delete(f"/applications/{path_segment(app['id'])}", "deleting the application")
    return app


SITE_ROLES = ("read", "write", "manage", "fullcontrol")


def grant_site(
    graph: GraphClient,
    site_url: str,
    client_id: str,
    *,
    role: str = "read",
    display_name: str = DEFAULT_DISPLAY_NAME,
) -> dict[str, Any]:
    """Sites.Selected: let the app open one site (``POST /sites/{id}/permissions``)."""
    from urllib.parse import urlsplit

    if role not in SITE_ROLES:
        raise InputError(
            f"unknown site role '{role}'", code="USAGE", fix=f"choose one of: {', '.join(SITE_ROLES)}"
        )
    parts = urlsplit(site_url)
    if parts.scheme != "https" or not parts.hostname:
        raise InputError(
            f"'{site_url}' is not a site URL",
            code="USAGE",
            fix="give the site's full address, e.g. https://contoso.sharepoint.com/sites/finance",
        )
    path = parts.path.rstrip("/")
    ref = f"{parts.hostname}:{path}:" if path else parts.hostname
    site = graph.get(f"/sites/{ref}", f"finding the site {site_url}", params={"$select": "id,webUrl"})
    return graph.post(
        f"/sites/{site['id']}/permissions",
        f"granting {role} on {site_url}",
        {
            "roles": [role],
            "grantedToIdentities": [{"application": {"id": client_id, "displayName": display_name}}],
        },
    )
