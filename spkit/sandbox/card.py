"""The sandbox card (``sandbox.json``): the public contract other tools read to use a running sandbox.

Version 1. Keys may be added, never renamed or removed. Every principal and credential is on it (it is
a local sandbox; the file is mode 0600).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..fileio import atomic_write_json as write_json
from .clouds import CLOUDS
from .farm.state import ALL, Farm, FarmUser
from .identity.first_party import card_entries as public_client_entries
from .state import App, SandboxState, Tenant

# Farms with more site collections than this list only counts per user on the card, not every URL.
CARD_SITE_URLS_MAX = 1000

CARD_VERSION = 1
CARD_NAME = "sandbox.json"


def _app_entry(app: App, tenant: Tenant, state_dir: Path) -> dict[str, Any]:
    now = datetime.now(UTC)
    secret = app.secrets[0] if app.secrets else None
    cert = None
    if app.key_credentials:
        folder = state_dir / "tenants" / tenant.name / "apps"
        key = app.key_credentials[0]
        cert = {
            "pem": str((folder / f"{app.name}.pem").resolve()),
            "pfx": str((folder / f"{app.name}.pfx").resolve()),
            "pfx_password": None,
            "thumbprint": key.thumbprint,
            # The registered keyCredential's endDateTime is past (the file itself is still valid).
            "key_expired": (key.end or key.certificate.not_valid_after_utc) <= now,
        }
    return {
        "name": app.name,
        "client_id": app.client_id,
        "client_secret": secret.value if secret else None,
        "secret_expired": bool(app.secrets) and all(s.expired(now) for s in app.secrets),
        "certificate": cert,
        "granted": list(app.granted),
        "service_principal": (
            ("present" if app.sign_in_enabled else "disabled") if app.service_principal_id else "deleted"
        ),
        "service_principal_id": app.service_principal_id,
        "conditional_access": "block" if app.blocked_by_conditional_access else "allow",
        # When the consented permissions show in tokens (ISO 8601), for a consent still propagating.
        "consent_effective_at": (
            max(app.granted_at.values()).isoformat(timespec="seconds") if app.granted_at else None
        ),
    }


def _tenant_entry(tenant: Tenant, state: SandboxState, state_dir: Path) -> dict[str, Any]:
    suffix = state.sharepoint_suffix
    cloud = CLOUDS.get(tenant.cloud)
    return {
        "name": tenant.name,
        # The national cloud the tenant is in (global, usgov, usgovdod, china); the sandbox serves only the
        # global cloud's hosts: a tenant of another answers discovery with that cloud's fields.
        "cloud": tenant.cloud,
        "cloud_instance_name": cloud.instance_name if cloud else state.suffix,
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


def _farm_user_entry(farm: Farm, user: FarmUser) -> dict[str, Any]:
    from .farm.models import can_read, is_site_admin

    admin = [farm.site_url(s) for s in farm.sites if is_site_admin(user, s)]
    readable = [farm.site_url(s) for s in farm.sites if can_read(user, s)]
    listed = len(farm.sites) <= CARD_SITE_URLS_MAX
    return {
        "upn": user.upn,
        "domain": farm.netbios_domain,
        "sam_account_name": user.sam_account_name,
        "logon": farm.logon_name(user),  # DOMAIN\user
        "display_name": user.display_name,
        "password": user.password,
        "enabled": user.enabled,
        "farm_admin": user.farm_admin,
        # "all", "some" or "none" of the web application's site collections
        "site_collection_admin": (
            "all" if ALL in user.admin_of or len(admin) == len(farm.sites) else "some" if admin else "none"
        ),
        "web_application_policy": user.web_application_policy,  # none | full_read | full_control
        "admin_site_count": len(admin),
        "readable_site_count": len(readable),  # what search returns to the user (0 when disabled)
        "admin_site_urls": admin if listed else None,
        "readable_site_urls": readable if listed else None,
    }


def _farm_entry(farm: Farm) -> dict[str, Any]:
    return {
        "name": farm.name,
        "url": farm.url,
        "central_admin_url": farm.central_admin_url,
        "central_admin_port": farm.central_admin_port,
        "central_admin": farm.central_admin,  # open | closed (connection refused)
        "scheme": farm.scheme,
        "host": farm.host,
        "netbios_domain": farm.netbios_domain,
        "dns_domain": farm.dns_domain,
        "version": farm.version,
        "build": farm.build,
        "team_services_version": farm.team_services_version,
        # What the web application offers: ["Negotiate", "NTLM"], ["Negotiate"], ["Basic"] or [] (forms only,
        # no WWW-Authenticate; Central Administration then offers Negotiate and NTLM).
        "authentication": [] if farm.authentication == "forms" else farm.authentication_schemes,
        # The default zone's URL the farm writes into its answers when its alternate access mappings miss
        # the URL clients use (null: they match).
        "alternate_access_mapping": farm.alternate_access_mapping,
        # Other ports of the host: IIS's default site (not_sharepoint) or closed (connection refused).
        "other_ports": [{"port": port, "answer": answer} for port, answer in farm.other_ports],
        "extended_protection": farm.extended_protection,  # off | required
        "search": "crawled" if farm.search_crawled else "not_crawled",
        "tls_offload": farm.tls_offload,  # a load balancer terminates TLS in front of the web application
        "site_count": len(farm.sites),
        "personal_site_count": farm.sites.personal_count,
        "users": [_farm_user_entry(farm, u) for u in farm.users.values()],
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
    directory: dict[str, Any] | None = None,
    faults: dict[str, Any] | None = None,
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
        # The fault knobs, and the scenario's faults (runner.py): clock_skew_s, consent_delay_s,
        # server_certificates [{host, certificate, pem, issuer_ca, names}], closed_ports ["host:port"],
        # throttle_rules [{host, path, count, retry_after_s}].
        "faults": {
            "throttle": state.faults.throttle_rate,
            "latency_ms": state.faults.latency_ms,
            **(faults or {}),
        },
        "tenants": [_tenant_entry(t, state, state_dir) for t in state.tenants.values()],
        # Microsoft's first-party public clients, present in every tenant (device code flow, ROPC).
        "public_clients": public_client_entries(),
        # On-premises SharePoint Server farms; their host:port entries are in connect_to (extra_hosts).
        "farms": [_farm_entry(f) for f in state.farms.values()],
        # The farms' Active Directory domains over LDAPS (slapd), or why they are not served:
        # {"available": false, "reason": ..., "fix": ...}. See spkit/sandbox/directory/.
        "directory": directory or {"available": False, "reason": "not started", "fix": ""},
    }


def write_card(state_dir: Path, card: dict[str, Any]) -> Path:
    path = state_dir / CARD_NAME
    write_json(path, card, mode=0o600)
    return path
