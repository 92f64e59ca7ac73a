"""Shared test helpers: profiles written from the running sandbox's card, as a user would write them."""

from __future__ import annotations

from pathlib import Path

import yaml


def card_tenant(card: dict, name: str = "contoso") -> dict:
    return next(t for t in card["tenants"] if t["name"] == name)


def card_app(card: dict, name: str, tenant: str = "contoso") -> dict:
    return next(a for a in card_tenant(card, tenant)["apps"] if a["name"] == name)


def write_profile(
    folder: Path,
    card_path: Path,
    card: dict,
    app: str,
    *,
    name: str | None = None,
    credential: str = "auto",
    **overrides,
) -> Path:
    """A parameters file for one of the sandbox's apps; ``credential`` is secret, pem, pfx or auto."""
    entry = card_app(card, app)
    tenant = card_tenant(card)
    data = {
        "name": name or app,
        "kind": "online",
        "cloud": "sandbox",
        "sandbox": str(card_path),
        "sharepoint_url": tenant["sharepoint_url"],
        "tenant_id": tenant["tenant_id"],
        "client_id": entry["client_id"],
        "application_account": tenant["users"][0]["upn"],
    }
    if credential == "auto":
        credential = "pem" if entry["certificate"] else "secret"
    if credential == "secret":
        data["client_secret"] = f"sandbox:contoso/{app}"
    elif credential == "pem":
        data["certificate"] = {"path": entry["certificate"]["pem"]}
    elif credential == "pfx":
        data["certificate"] = {"path": entry["certificate"]["pfx"]}
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    path = folder / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
