"""Read the sandbox card (``sandbox.json``): the one file that tells every tool where the sandbox is.

The sandbox writes the card; profiles, secret references and the HTTP layer read it. Validation lives
here so that a stale or hand-edited card fails with one clear message instead of a ``KeyError`` deep in
some other layer.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from spkit.errors import InputError, SandboxError

CARD_VERSION = 1
CARD_NAME = "sandbox.json"  # what a sandbox writes in its state directory, and removes when it stops
REQUIRED_KEYS = ("version", "ca_bundle", "connect_to", "cloud", "tenants")
CLOUD_KEYS = ("authority_host", "graph_url", "sharepoint_suffix")
TENANT_KEYS = ("name", "tenant_id")

_START_FIX = "start the sandbox (spkit sandbox) and point to the sandbox.json it writes"


def _card_error(
    path: object, problem: str, *, code: str = "CARD_INVALID", fix: str = _START_FIX
) -> InputError:
    return InputError(f"sandbox card {path}: {problem}", code=code, fix=fix)


def load_card(path: str | Path) -> dict[str, Any]:
    """Load and validate a sandbox card; raise ``InputError`` naming the file and the problem.

    The parsed card is kept while the file is unchanged (a fleet's card is ~1 MB and every profile of
    the fleet names it); callers treat it as read-only."""
    card_path = Path(path).expanduser()
    try:
        stat = card_path.stat()
    except OSError:
        stat = None
    if stat is not None and not card_path.is_dir():
        key = (str(card_path.resolve()), stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with _CACHE_LOCK:
            cached = _CARD_CACHE.get(key)
        if cached is not None:
            return cached
        card = _read_card(card_path)
        with _CACHE_LOCK:
            _CARD_CACHE.clear()  # one card at a time is the common case; never grow without bound
            _CARD_CACHE[key] = card
        return card
    return _read_card(card_path)


_CARD_CACHE: dict[tuple, dict[str, Any]] = {}
_CACHE_LOCK = threading.Lock()


def _read_card(card_path: Path) -> dict[str, Any]:
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


def sandbox_not_running(card_path: Path, why: str) -> SandboxError:
    """``SANDBOX_NOT_RUNNING``: the sandbox a profile names is stopped; the fix says how to start it."""
    state = card_path.parent
    return SandboxError(
        f"the sandbox is not running: {why}",
        code="SANDBOX_NOT_RUNNING",
        fix=f"start it with 'make sandbox-start' (in the spkit checkout, for its .sandbox/) or "
        f"'spkit sandbox start --detach --state {state}'",
    )


def resolve_card_path(text: str | Path, base_dir: Path | None = None) -> Path:
    """A card path as a profile writes it: relative paths start at the profile's directory."""
    path = Path(text).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path.resolve()


def load_running_card(path: str | Path) -> dict[str, Any]:
    """``load_card`` for a sandbox that must be running: a missing ``sandbox.json`` (a stopped sandbox
    removes it) or a card whose process has ended is ``SANDBOX_NOT_RUNNING`` (a ``SandboxError``, exit
    1). A missing file of another name was never a sandbox's card: that path is wrong."""
    card_path = Path(path).expanduser()
    if not card_path.exists():
        if card_path.name == CARD_NAME:
            raise sandbox_not_running(card_path, f"there is no sandbox card at {card_path}")
        raise _card_error(
            card_path,
            "does not exist",
            code="CARD_NOT_FOUND",
            fix=f"check the path: a sandbox writes its card as {CARD_NAME} in its state directory",
        )
    card = load_card(card_path)
    if not card_process_running(card):
        raise sandbox_not_running(
            card_path, f"its card {card_path} names process {card.get('pid')}, which has ended"
        )
    return card


def card_process_running(card: dict[str, Any]) -> bool:
    """Whether the process that wrote the card still runs; True when the card cannot tell.

    A sandbox's card carries its ``pid`` and ``started_at``. A process with that pid that started
    after the card was written is another process that was given the pid since (Linux ``/proc``).
    """
    pid, written = card.get("pid"), card.get("started_at")
    if not isinstance(pid, int) or pid <= 0 or not isinstance(written, str):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text("ascii", "replace").rpartition(")")[2].split()
        if stat[0] in ("Z", "X"):
            return False  # ended; its parent has not reaped it yet
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text("ascii").splitlines()
            if line.startswith("btime ")
        )
        began = boot + int(stat[19]) / os.sysconf("SC_CLK_TCK")
        if began <= datetime.fromisoformat(written).timestamp() + 2:  # started_at has whole seconds
            return True
    except (OSError, ValueError, IndexError, StopIteration):
        return True  # no procfs (macOS), or no usable date: trust the pid
    try:  # started later, but its command line names the card's state directory: the clock moved
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(card.get("state_dir")) and str(card["state_dir"]).encode() in command


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
