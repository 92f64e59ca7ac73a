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
from ..models.app_ownership import was_created_by_spkit
from ..models.cert_store import CertificateStore
from ..models.profile import Profile, load_profile, profile_from_dict, read_profile_mapping
from ..models.profile_fields import ProfileFieldError
from ..models.results import StepResult, VerificationResult
from .online.admin_session import ShowCode, sign_in_admin
from .online.admin_signin import AdminSignIn, require_admin
from .online.graph_client import GraphClient
from .online.registration import (
    DEFAULT_DISPLAY_NAME,
    RegistrationPlan,
    RegistrationResult,
    apply_registration,
    plan_registration,
    unregister_app,
    wait_for_consent,
)
from .online.tenant_discovery import TenantDiscovery
from .online.tenant_target import Target, target_from_profile
from .verification import verify_profile

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
    registration: Mapping[str, Any] | None = None,
    rotate: bool = False,
    new: bool = False,
    store: CertificateStore | None = None,
) -> RegistrationPlan:
    """What an automatic registration will create or reuse, before anything changes. ``registration``
    is the record of the connection being registered again: the app spkit made for it is reused."""
    if new and rotate:
        raise InputError("a new app and a certificate rotation exclude each other", code="USAGE")
    return plan_registration(
        ctx.graph,
        tenant_id=ctx.tenant.tenant_id,
        store=store or CertificateStore(),
        display_name=display_name,
        preset=preset,
        days=days,
        existing_client_id=reused_app_id(registration),
        rotate=rotate,
        new=new,
    )


def reused_app_id(registration: Mapping[str, Any] | None) -> str | None:
    """The client ID of the app spkit registered for a connection (None: nothing of spkit's to reuse)."""
    return registration.get("client_id") if registration and was_created_by_spkit(registration) else None


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


def add_connection(
    path: str | Path,
    *,
    name: str | None = None,
    client_secret: Callable[[], str] | None = None,
    replace: bool = False,
    warn: Progress | None = None,
    store: Any = None,
):
    """Save a parameters file as a connection (``spkit connections add``); returns the ``SavedConnection``.

    With ``client_secret`` the file names no secret: the value (asked for only once the file is known to
    be right) is kept encrypted in the store and the saved profile refers to ``store:NAME/client_secret``.
    The profile's warnings go to ``warn`` before anything is saved."""
    from ..store.connections import ConnectionStore, store_ref

    warn = warn or (lambda _text: None)
    connections = store or ConnectionStore()
    path = Path(path)
    if client_secret is None:
        profile = load_profile(path)
    else:
        data = read_profile_mapping(path)
        if "certificate" in data:
            raise ProfileFieldError(
                "certificate",
                "the profile uses a certificate; --client-secret-stdin is for a profile with a client secret",
                source=str(path),
                fix="remove --client-secret-stdin, or replace certificate: with client_secret:",
                code="PROFILE_CREDENTIAL_BOTH",
            )
        saved_as = name if name is not None else data.get("name")
        if isinstance(saved_as, str):
            data["client_secret"] = store_ref(saved_as, "client_secret")
        if name is not None:
            data["name"] = name
        profile = profile_from_dict(data, source=str(path), base_dir=path.expanduser().absolute().parent)
    for warning in profile.warnings:
        warn(warning)
    if client_secret is None:
        return connections.add(profile, replace=replace, name=name)
    secrets = {"client_secret": client_secret()}
    return connections.add(profile.to_dict(), secrets=secrets, replace=replace, name=name)


@dataclass
class RemovedConnection:
    name: str
    registration: dict[str, Any] | None
    unregistered: dict[str, Any] | None  # the deleted app, when it was deleted
    app_left_behind: bool  # an app spkit created still exists in Entra ID


# How a face signs a Global Administrator in for a saved connection (its password source, its way of
# showing a device code): called with the connection's tenant and the connection, only when needed.
AdminFor = Callable[[Target, Any], AdminContext]


def remove_connection(
    name: str,
    *,
    unregister: AdminFor | None = None,
    store: Any = None,
    progress: Progress | None = None,
) -> RemovedConnection:
    """Delete a saved connection. With ``unregister`` the app spkit created for it goes first: a
    connection whose app is not spkit's is refused before anyone signs in, then ``unregister`` signs a
    Global Administrator in (their session ends with this call), and the connection goes only once its
    app is gone."""
    from ..store.connections import ConnectionStore

    connections = store or ConnectionStore()
    saved = connections.get(name)
    ours = was_created_by_spkit(saved.registration)
    deleted = None
    if unregister is not None:
        if not ours:
            raise InputError(
                f"connection '{saved.name}' has no app registration made by spkit to unregister",
                code="UNREGISTER_NOTHING",
                fix="remove it without unregistering; an app an administrator registered is theirs to delete",
            )
        client_id = saved.registration.get("client_id")
        ctx = unregister(target_from_profile(saved.profile), saved)
        try:
            require_admin(ctx.signin, for_registration=True)
            deleted = unregister_app(
                ctx.graph, client_id, force=False, progress=progress or (lambda _t: None)
            )
        finally:
            ctx.close()
        deleted = deleted or {"appId": client_id, "displayName": None, "already_gone": True}
    connections.remove(saved.name)
    return RemovedConnection(
        name=saved.name,
        registration=saved.registration,
        unregistered=deleted,
        app_left_behind=ours and unregister is None,
    )


def delete_app(ctx: AdminContext, client_id: str, *, force: bool = False, progress: Progress | None = None):
    """``spkit unregister``: delete an app (and its service principal); None when it does not exist."""
    return unregister_app(ctx.graph, client_id, force=force, progress=progress or (lambda _text: None))


@dataclass
class CompletedRegistration:
    result: RegistrationResult
    profile_data: dict[str, Any]
    profile: Profile  # the registered connection, to verify
    saved: Any  # the SavedConnection, when it was saved
    written_to: Path | None
    verification: VerificationResult | None = None  # with ``verify``: the registered connection, tried

    @property
    def registration(self) -> dict[str, Any]:
        """The registration record a saved connection keeps (what spkit made, to reuse or remove)."""
        return self.result.registration_record()


def complete_registration(
    ctx: AdminContext,
    plan: RegistrationPlan,
    *,
    save_as: str | None = None,
    connection: Any = None,
    save: bool = True,
    profile_out: Path | None = None,
    verify: bool = False,
    on_step: Callable[[StepResult], None] | None = None,
    on_registered: Callable[[RegistrationResult, dict[str, Any]], None] | None = None,
    consent_timeout_s: float = 180.0,
    progress: Progress | None = None,
    store: Any = None,
    certificates: CertificateStore | None = None,
) -> CompletedRegistration:
    """Register (plan → apply → consent), then build the profile, write it to ``profile_out`` if given,
    and save it: as ``save_as``, else as ``connection`` (the saved connection registered again, which the
    result replaces); nothing is saved when neither is given, or with ``save=False`` (the wizard saves
    only on Save: the profile is still named ``save_as``). ``on_registered(result, profile_data)`` hears
    the applied registration before anything else can fail, so a face keeps it; with ``verify`` the
    profile is verified, each step reported to ``on_step``."""
    connection_name = save_as or (connection.name if connection is not None else None)
    replace = connection is not None and connection_name == connection.name  # only itself, registered again
    if connection_name and save and not replace:
        _refuse_taken_name(connection_name, store)  # before an app exists that nothing would refer to
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
    if on_registered is not None:
        on_registered(result, data)
    if profile_out is not None:
        write_profile_yaml(data, profile_out)
    saved = None
    if connection_name and save:
        saved = save_connection(
            data,
            name=connection_name,
            registration=result.registration_record(),
            replace=replace,
            store=store,
        )
    profile = profile_from_dict(data, source="registration result")
    done = CompletedRegistration(result, data, profile, saved, profile_out)
    if verify:
        (progress or (lambda _text: None))("verifying the connection")
        done.verification = verify_profile(profile, progress=on_step)
    return done


def _refuse_taken_name(name: str, store: Any) -> None:
    from ..store.connections import ConnectionStore
    from ..store.errors import ConnectionExistsError

    connections = store or ConnectionStore()
    if name in connections.names():
        raise ConnectionExistsError(
            f"a connection named '{name}' is already saved in {connections.path}; nothing was registered",
            fix=f"save under another name, or register '{name}' itself again (--connection {name})",
        )


def write_profile_yaml(data: Mapping[str, Any], path: Path) -> Path:
    """Write a parameters file (references only, never a secret) atomically."""
    import yaml

    from ..fileio import atomic_write

    atomic_write(path, yaml.safe_dump(dict(data), sort_keys=False).encode("utf-8"), mode=0o644)
    return path
