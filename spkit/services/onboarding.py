"""The onboarding workflow, once for every face: sign the admin in, preview and apply an automatic
registration, turn it into a connection profile, save it, and remove a connection with its app.

The CLI (``spkit signin|register|unregister``, ``spkit connections``), the wizard and the notebooks call
these functions; each face only gathers input and renders what comes back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..http.session import SpkitSession
from ..models.cert_store import CertificateStore
from ..models.profile import Profile
from .admin_session import ShowCode, sign_in_admin
from .admin_signin import AdminSignIn, require_admin
from .discovery import TenantDiscovery
from .graph_client import GraphClient
from .registration import (
    DEFAULT_DISPLAY_NAME,
    RegistrationPlan,
    RegistrationResult,
    apply_registration,
    plan_registration,
    unregister_app,
    wait_for_consent,
)
from .target import Target

Progress = Callable[[str], None]
# Which admin role a step needs: any SharePoint/Global Administrator, a Global Administrator, or none.
ROLE_REQUIREMENTS = ("any", "global", None)


@dataclass
class AdminContext:
    """A signed-in admin and everything needed to act for them: the tenant, the session, Graph."""

    target: Target
    session: SpkitSession
    tenant: TenantDiscovery
    signin: AdminSignIn
    graph: GraphClient

    def close(self) -> None:
        self.session.close()


def admin_context(
    target: Target,
    upn: str,
    *,
    password: str | None = None,
    show_code: ShowCode | None = None,
    client_id: str | None = None,
    timeout_s: float | None = None,
    require: str | None = "any",
    session: SpkitSession | None = None,
    cancel: threading.Event | None = None,
) -> AdminContext:
    """Discover the tenant, sign ``upn`` in and check their role (``require``: ``"any"`` admin role,
    ``"global"`` for automatic registration, None to let the caller judge ``signin.roles``); setting
    ``cancel`` ends a pending device-code sign-in (``AUTH_CANCELLED``)."""
    if require not in ROLE_REQUIREMENTS:
        raise ValueError(f"require must be one of {ROLE_REQUIREMENTS}, not {require!r}")
    session = session or target.session()
    try:
        tenant = target.discover(session)
        signin = sign_in_admin(
            target,
            session,
            tenant.tenant_id,
            upn,
            password=password,
            show_code=show_code,
            client_id=client_id,
            timeout_s=timeout_s,
            cancel=cancel,
        )
        if require is not None:
            require_admin(signin, for_registration=require == "global")
    except BaseException:
        session.close()
        raise
    graph = GraphClient(session, target.cloud.graph_url, signin.token)
    return AdminContext(target, session, tenant, signin, graph)


def preview_registration(
    ctx: AdminContext,
    *,
    preset: str = "full",
    display_name: str = DEFAULT_DISPLAY_NAME,
    days: int = 730,
    existing_client_id: str | None = None,
    rotate: bool = False,
    new: bool = False,
    store: CertificateStore | None = None,
) -> RegistrationPlan:
    """What an automatic registration will create or reuse, before anything changes."""
    if new and rotate:
        raise InputError("a new app and a certificate rotation exclude each other", code="USAGE")
    return plan_registration(
        ctx.graph,
        tenant_id=ctx.tenant.tenant_id,
        store=store or CertificateStore(),
        display_name=display_name,
        preset=preset,
        days=days,
        existing_client_id=existing_client_id,
        rotate=rotate,
        new=new,
    )


def register_app(
    ctx: AdminContext,
    plan: RegistrationPlan,
    *,
    connection_name: str | None = None,
    consent_timeout_s: float = 180.0,
    progress: Progress | None = None,
    store: CertificateStore | None = None,
) -> RegistrationResult:
    """Apply the plan (certificate, app, service principal, consent), then poll until tokens carry the
    consented roles: consent propagates with a delay, and no fixed sleep is right for every tenant."""
    store = store or CertificateStore()
    say = progress or (lambda _text: None)
    result = apply_registration(plan, ctx.graph, store, connection_name=connection_name, progress=say)
    wait_for_consent(
        result,
        cloud=ctx.target.cloud,
        session=ctx.session,
        store=store,
        sharepoint_url=ctx.target.address.sharepoint_url,
        timeout_s=consent_timeout_s,
        progress=say,
    )
    return result


def registered_profile_data(
    result: RegistrationResult, target: Target, admin_upn: str, name: str
) -> dict[str, Any]:
    """The connection profile (plain data) for an app spkit registered: its certificate by thumbprint."""
    data: dict[str, Any] = {
        "name": name,
        "kind": "online",
        "cloud": target.cloud.name,
        "sharepoint_url": target.address.sharepoint_url,
        "tenant_id": result.tenant_id,
        "client_id": result.client_id,
        "application_account": admin_upn,
        "certificate": {"thumbprint": result.thumbprint},
    }
    if target.card_path:
        data["sandbox"] = str(Path(target.card_path).resolve())
    if target.ca_bundle:
        data["ca_bundle"] = str(Path(target.ca_bundle).resolve())
    return data


def default_connection_name(target: Target) -> str:
    return f"{target.address.tenant}-spkit"


def save_connection(
    profile: Profile | Mapping[str, Any],
    *,
    name: str | None = None,
    secrets: Mapping[str, str] | None = None,
    registration: Mapping[str, Any] | None = None,
    replace: bool = False,
    store: Any = None,
):
    """Save a connection in the defined-connections store (validated like a parameters file; secrets
    encrypted, the profile keeping ``store:`` references). Returns the ``SavedConnection``."""
    from ..store.connections import ConnectionStore

    connections = store or ConnectionStore()
    return connections.add(profile, secrets=secrets, registration=registration, replace=replace, name=name)


def was_created_by_spkit(registration: Mapping[str, Any] | None) -> bool:
    """The one rule for "this app is ours to delete": the registration record says spkit created it."""
    return bool(registration and registration.get("created_by") == "spkit")


@dataclass
class RemovedConnection:
    name: str
    registration: dict[str, Any] | None
    unregistered: dict[str, Any] | None  # the deleted app, when it was deleted
    app_left_behind: bool  # an app spkit created still exists in Entra ID


def remove_connection(
    name: str,
    *,
    unregister_with: AdminContext | None = None,
    store: Any = None,
    progress: Progress | None = None,
) -> RemovedConnection:
    """Delete a saved connection; with ``unregister_with`` (a signed-in Global Administrator) first
    delete the app spkit created for it, so the connection goes only once its app is gone."""
    from ..store.connections import ConnectionStore

    connections = store or ConnectionStore()
    saved = connections.get(name)
    ours = was_created_by_spkit(saved.registration)
    deleted = None
    if unregister_with is not None:
        if not ours:
            raise InputError(
                f"connection '{saved.name}' has no app registration made by spkit to unregister",
                code="UNREGISTER_NOTHING",
                fix="remove it without unregistering; an app an administrator registered is theirs to delete",
            )
        client_id = saved.registration.get("client_id") if saved.registration else None
        deleted = unregister_app(
            unregister_with.graph, client_id, force=False, progress=progress or (lambda _text: None)
        )
        deleted = deleted or {"appId": client_id, "displayName": None, "already_gone": True}
    connections.remove(saved.name)
    return RemovedConnection(
        name=saved.name,
        registration=saved.registration,
        unregistered=deleted,
        app_left_behind=ours and unregister_with is None,
    )


def delete_app(ctx: AdminContext, client_id: str, *, force: bool = False, progress: Progress | None = None):
    """``spkit unregister``: delete an app (and its service principal); None when it does not exist."""
    return unregister_app(ctx.graph, client_id, force=force, progress=progress or (lambda _text: None))


@dataclass
class CompletedRegistration:
    result: RegistrationResult
    profile_data: dict[str, Any]
    saved: Any  # the SavedConnection, when it was saved
    written_to: Path | None


def complete_registration(
    ctx: AdminContext,
    plan: RegistrationPlan,
    *,
    connection_name: str | None = None,
    replace: bool = False,
    profile_out: Path | None = None,
    consent_timeout_s: float = 180.0,
    progress: Progress | None = None,
    store: Any = None,
    certificates: CertificateStore | None = None,
) -> CompletedRegistration:
    """Register (plan → apply → consent), then build the profile, write it to ``profile_out`` if given,
    and save it as ``connection_name`` if given (``replace``: the connection being edited)."""
    result = register_app(
        ctx,
        plan,
        connection_name=connection_name,
        consent_timeout_s=consent_timeout_s,
        progress=progress,
        store=certificates,
    )
    name = connection_name or default_connection_name(ctx.target)
    data = registered_profile_data(result, ctx.target, ctx.signin.upn, name)
    if profile_out is not None:
        write_profile_yaml(data, profile_out)
    saved = None
    if connection_name:
        saved = save_connection(
            data,
            name=connection_name,
            registration=result.registration_record(),
            replace=replace,
            store=store,
        )
    return CompletedRegistration(result, data, saved, profile_out)


def write_profile_yaml(data: Mapping[str, Any], path: Path) -> Path:
    """Write a parameters file (references only, never a secret) atomically."""
    import yaml

    from ..fileio import atomic_write

    atomic_write(path, yaml.safe_dump(dict(data), sort_keys=False).encode("utf-8"), mode=0o644)
    return path
