"""App registrations and their client secrets, without HTTP.

An application lives in ``tenant.apps`` as a ``state.App`` (``client_id`` = appId, ``object_id`` = id), so
the identity platform issues tokens for it as soon as Graph created it. Who may do what is
``app_permissions``; what a body may say, ``app_bodies``; how Graph renders an app, ``app_resources``.

Deleting an application deletes it for good (Entra keeps it 30 days in ``deletedItems``; the sandbox does
not model restore), with its service principal, its app role assignments, its delegated grants and its
Sites.Selected grants.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from ..callers import Caller
from ..state import App, ClientSecret, SandboxState, Tenant
from . import app_bodies as bodies
from .app_bodies import DEFAULT_SIGN_IN_AUDIENCE
from .app_permissions import owner_id, sees_owned_only
from .app_resources import APPLICATION_WRITABLE
from .exceptions import RequestBadRequest, ResourceNotFound
from .service_principals import remove_service_principal

SECRET_LIFETIME = timedelta(days=730)  # [unsure] addPassword's default endDateTime: two years


def create_application(state: SandboxState, caller: Caller, body: Any, now: datetime) -> App:
    """``POST /applications``, owned by the caller (the user, or the calling app's service principal)."""
    body = bodies.check_properties(body, APPLICATION_WRITABLE, "application")
    if body.get("passwordCredentials"):
        # [unsure] wording; the docs say secrets cannot be added at creation (use addPassword).
        raise RequestBadRequest(
            "Adding passwordCredentials when creating an application is not supported. Use addPassword."
        )
    owner = owner_id(caller)
    app = App(
        name=bodies.display_name(body.get("displayName")),
        client_id=str(uuid.uuid4()),
        object_id=str(uuid.uuid4()),
        service_principal_id=None,
        key_credentials=bodies.parse_key_credentials(body.get("keyCredentials")),
        notes=bodies.notes(body.get("notes")),
        tags=bodies.strings(body.get("tags"), "tags", "Application"),
        sign_in_audience=bodies.sign_in_audience(body.get("signInAudience", DEFAULT_SIGN_IN_AUDIENCE)),
        required_resource_access=bodies.parse_required_resource_access(body.get("requiredResourceAccess")),
        created=now,
        owner_ids=[owner] if owner else [],
    )
    with state.lock:
        caller.tenant.apps[app.client_id] = app
    return app


def update_application(state: SandboxState, app: App, body: Any) -> None:
    """PATCH: the properties sent replace the app's (``keyCredentials`` as a whole: certificate rotation)."""
    body = bodies.check_properties(body, APPLICATION_WRITABLE, "application")
    if "passwordCredentials" in body:
        # [unsure] wording; secrets change through addPassword/removePassword only.
        raise RequestBadRequest(
            "Updates to passwordCredentials are not supported. Use addPassword or removePassword."
        )
    changes: dict[str, Any] = {}
    if "displayName" in body:
        changes["name"] = bodies.display_name(body["displayName"])
    if "keyCredentials" in body:
        changes["key_credentials"] = bodies.parse_key_credentials(body["keyCredentials"], app.key_credentials)
    if "notes" in body:
        changes["notes"] = bodies.notes(body["notes"])
    if "tags" in body:
        changes["tags"] = bodies.strings(body["tags"], "tags", "Application")
    if "signInAudience" in body:
        changes["sign_in_audience"] = bodies.sign_in_audience(body["signInAudience"])
    if "requiredResourceAccess" in body:
        changes["required_resource_access"] = bodies.parse_required_resource_access(
            body["requiredResourceAccess"]
        )
    with state.lock:
        for name, value in changes.items():
            setattr(app, name, value)


def delete_application(state: SandboxState, tenant: Tenant, app: App) -> None:
    with state.lock:
        remove_service_principal(tenant, app)
        tenant.apps.pop(app.client_id, None)
        for grants in tenant.site_grants.values():
            grants.pop(app.client_id, None)


def add_password(state: SandboxState, app: App, body: Any, now: datetime) -> tuple[ClientSecret, str]:
    """A new client secret; its value is shown in this answer only."""
    start, end, display_name = bodies.parse_password_credential(body, now, SECRET_LIFETIME)
    value = _secret_value()
    secret = ClientSecret(str(uuid.uuid4()), value, display_name, start, end)
    with state.lock:
        app.secrets.append(secret)
    return secret, value


def remove_password(state: SandboxState, app: App, body: Any) -> None:
    key_id = bodies.guid(body.get("keyId") if isinstance(body, dict) else None, "keyId", "PasswordCredential")
    with state.lock:
        kept = [s for s in app.secrets if s.key_id != key_id]
        if len(kept) == len(app.secrets):
            # [unsure] Entra's status and wording for an unknown keyId.
            raise RequestBadRequest(f"No password credential found with keyId '{key_id}'.")
        app.secrets = kept


def _secret_value() -> str:
    """Shaped like an Entra client secret: three characters, ``8Q~``, then 34."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~_.-"
    head = "".join(secrets.choice(alphabet[:52]) for _ in range(3))
    return head + "8Q~" + "".join(secrets.choice(alphabet) for _ in range(34))


def application_by_object_id(tenant: Tenant, object_id: str) -> App:
    app = tenant.app_by_object_id(object_id.lower())
    if app is None:
        raise ResourceNotFound.of(object_id)
    return app


def application_by_app_id(tenant: Tenant, app_id: str) -> App:
    app = tenant.app(app_id)
    if app is None:
        raise ResourceNotFound.of(app_id)
    return app


def applications_visible(caller: Caller) -> list[App]:
    """Every app of the tenant, oldest first; an app holding only Application.ReadWrite.OwnedBy sees the
    apps it owns."""
    apps = sorted(caller.tenant.apps.values(), key=lambda a: (a.created, a.object_id))
    if sees_owned_only(caller):
        owner = owner_id(caller)
        apps = [a for a in apps if owner in a.owner_ids]
    return apps
