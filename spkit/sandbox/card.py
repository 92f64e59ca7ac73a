"""The sandbox card (``sandbox.json``): the public contract other tools read to use a running sandbox.

Version 1. Keys may be added, never renamed or removed. Every principal and credential is on it (it is
a local sandbox; the file is mode 0600).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..fileio import atomic_write_json as write_json
from .identity.first_party import card_entries as public_client_entries
from .state import App, SandboxState, Tenant

CARD_VERSION = 1
CARD_NAME = "sandbox.json"


def _app_entry(app: App, tenant: Tenant, state_dir: Path) -> dict[str, Any]:
    now = datetime.now(UTC)
    secret = app.secrets[0] if app.secrets else None
    cert = None
    if app.key_credentials:
        folder = state_dir / "tenants" / tenant.name / "apps"
        cert = {
            "pem": str((folder / f"{app.name}.pem").resolve()),
            "pfx": str((folder / f"{app.name}.pfx").resolve()),
            "pfx_password": None,
            "thumbprint": app.key_credentials[0].thumbprint,
        }
    return {
        "name": app.name,
        "client_id": app.client_id,
        "client_secret": secret.value if secret else None,
        "secret_expired": bool(app.secrets) and all(s.expired(now) for s in app.secrets),
        "certificate": cert,
        "granted": list(app.granted),
    }


def _tenant_entry(tenant: Tenant, state: SandboxState, state_dir: Path) -> dict[str, Any]:
    suffix = state.sharepoint_suffix
    return {
        "name": tenant.name,
        "tenant_id": tenant.tenant_id,
        "display_name": tenant.display_name,
        "domains": list(tenant.domains),
        "sharepoint_url": f"https://{tenant.name}.{suffix}",
        "admin_url": f"https://{tenant.name}-admin.{suffix}",
        "onedrive_url": f"https://{tenant.name}-my.{suffix}",
        "site_count": len(tenant.sites),
        "personal_site_count": tenant.sites.personal_count,
        "users": [
            {
                "upn": u.upn,
                "display_name": u.display_name,
                "password": u.password,
                "roles": list(u.roles),
                "mfa": u.mfa,
                "app_password": u.app_password,
                "enabled": u.enabled,
                "conditional_access": "block" if u.blocked_by_conditional_access else "allow",
            }
            for u in tenant.users.values()
        ],
        "apps": [_app_entry(a, tenant, state_dir) for a in tenant.apps.values()],
    }


def build_card(
    state: SandboxState,
    *,
    state_dir: Path,
    ca_bundle: Path,
    address: str,
    port: int,
    pid: int,
    extra_hosts: dict[str, str] | None = None,
) -> dict[str, Any]:
    connect_to = {f"{h}:443": f"{address}:{port}" for h in state.hostnames()}
    connect_to.update(extra_hosts or {})
    return {
        "version": CARD_VERSION,
        "pid": pid,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "state_dir": str(state_dir.resolve()),
        "ca_bundle": str(ca_bundle.resolve()),
        "connect_to": connect_to,
        "cloud": {
            "authority_host": state.authority_host,
            "graph_url": state.graph_url,
            "sharepoint_suffix": state.sharepoint_suffix,
        },
        "faults": {
            "throttle": state.faults.throttle_rate,
            "latency_ms": state.faults.latency_ms,
        },
        "tenants": [_tenant_entry(t, state, state_dir) for t in state.tenants.values()],
        # Microsoft's first-party public clients, present in every tenant (device code flow, ROPC).
        "public_clients": public_client_entries(),
        "farms": [],
    }


def write_card(state_dir: Path, card: dict[str, Any]) -> Path:
    path = state_dir / CARD_NAME
    write_json(path, card, mode=0o600)
    return path
