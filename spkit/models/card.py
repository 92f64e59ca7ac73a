"""Read the sandbox card (``sandbox.json``): the one file that tells every tool where the sandbox is.

The sandbox writes the card; profiles, secret references and the HTTP layer read it. Validation lives
here so that a stale or hand-edited card fails with one clear message instead of a ``KeyError`` deep in
some other layer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spkit.errors import InputError

CARD_VERSION = 1
REQUIRED_KEYS = ("version", "ca_bundle", "connect_to", "cloud", "tenants")
CLOUD_KEYS = ("authority_host", "graph_url", "sharepoint_suffix")
TENANT_KEYS = ("name", "tenant_id")

_START_FIX = "start the sandbox (spkit sandbox) and point to the sandbox.json it writes"


def _card_error(
    path: object, problem: str, *, code: str = "CARD_INVALID", fix: str = _START_FIX
) -> InputError:
    return InputError(f"sandbox card {path}: {problem}", code=code, fix=fix)


def load_card(path: str | Path) -> dict[str, Any]:
    """Load and validate a sandbox card; raise ``InputError`` naming the file and the problem."""
    card_path = Path(path).expanduser()
    try:
        text = card_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _card_error(card_path, "file not found", code="CARD_NOT_FOUND") from None
    except IsADirectoryError:
        raise _card_error(card_path, "is a directory, not a file", code="CARD_NOT_FOUND") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _card_error(card_path, f"cannot be read ({exc.__class__.__name__})") from None
    try:
        card = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _card_error(card_path, f"is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    validate_card(card, card_path)
    return card


def validate_card(card: Any, path: object = "<card>") -> None:
    """Check the card's version and the keys other tools rely on."""
    if not isinstance(card, dict):
        raise _card_error(path, "must be a JSON object")
    version = card.get("version")
    if version != CARD_VERSION:
        raise _card_error(
            path,
            f"has version {version!r}; this spkit reads version {CARD_VERSION}",
            code="CARD_VERSION",
            fix="restart the sandbox with this spkit so it writes a current card",
        )
    missing = [key for key in REQUIRED_KEYS if key not in card]
    if missing:
        raise _card_error(path, f"is missing {', '.join(missing)}")
    if not isinstance(card["connect_to"], dict):
        raise _card_error(path, "'connect_to' must be an object of host:port -> address:port")
    if not isinstance(card["ca_bundle"], str) or not card["ca_bundle"]:
        raise _card_error(path, "'ca_bundle' must be a file path")
    cloud = card["cloud"]
    if not isinstance(cloud, dict):
        raise _card_error(path, "'cloud' must be an object")
    missing = [key for key in CLOUD_KEYS if not isinstance(cloud.get(key), str) or not cloud.get(key)]
    if missing:
        raise _card_error(path, f"'cloud' is missing {', '.join(missing)}")
    tenants = card["tenants"]
    if not isinstance(tenants, list):
        raise _card_error(path, "'tenants' must be a list")
    for index, tenant in enumerate(tenants):
        if not isinstance(tenant, dict) or any(not isinstance(tenant.get(k), str) for k in TENANT_KEYS):
            raise _card_error(path, f"tenants[{index}] must be an object with 'name' and 'tenant_id'")


def card_tenant(card: dict[str, Any], ref: str) -> dict[str, Any]:
    """Find a tenant of the card by name, tenant ID, domain or SharePoint host (case-insensitive)."""
    wanted = ref.strip().lower()
    for tenant in card.get("tenants", []):
        names = {str(tenant.get("name", "")).lower(), str(tenant.get("tenant_id", "")).lower()}
        names.update(str(domain).lower() for domain in tenant.get("domains", []))
        sharepoint_url = str(tenant.get("sharepoint_url", "")).lower()
        if sharepoint_url:
            names.add(sharepoint_url.removeprefix("https://").rstrip("/"))
        if wanted in names:
            return tenant
    known = ", ".join(str(t.get("name")) for t in card.get("tenants", [])) or "none"
    raise InputError(
        f"the sandbox has no tenant '{ref}' (tenants: {known})",
        code="CARD_TENANT_UNKNOWN",
        fix="use one of the sandbox's tenants, or start a sandbox scenario that has this one",
    )


def _tenant(card: dict[str, Any], tenant: str | dict[str, Any]) -> dict[str, Any]:
    return tenant if isinstance(tenant, dict) else card_tenant(card, tenant)


def card_app(card: dict[str, Any], tenant: str | dict[str, Any], app_name: str) -> dict[str, Any]:
    """Find an app registration of a sandbox tenant by name or client ID (case-insensitive)."""
    tenant_obj = _tenant(card, tenant)
    wanted = app_name.strip().lower()
    apps = tenant_obj.get("apps", [])
    for app in apps:
        if wanted in (str(app.get("name", "")).lower(), str(app.get("client_id", "")).lower()):
            return app
    known = ", ".join(str(a.get("name")) for a in apps) or "none"
    raise InputError(
        f"sandbox tenant '{tenant_obj.get('name')}' has no app '{app_name}' (apps: {known})",
        code="CARD_APP_UNKNOWN",
        fix="use one of the tenant's app names",
    )


def card_user(card: dict[str, Any], tenant: str | dict[str, Any], upn: str) -> dict[str, Any]:
    """Find a user of a sandbox tenant by UPN (case-insensitive)."""
    tenant_obj = _tenant(card, tenant)
    wanted = upn.strip().lower()
    users = tenant_obj.get("users", [])
    for user in users:
        if str(user.get("upn", "")).lower() == wanted:
            return user
    known = ", ".join(str(u.get("upn")) for u in users) or "none"
    raise InputError(
        f"sandbox tenant '{tenant_obj.get('name')}' has no user '{upn}' (users: {known})",
        code="CARD_USER_UNKNOWN",
        fix="use one of the tenant's user principal names",
    )
