"""Microsoft clouds and their endpoints, so no other module hard-codes ``login.microsoftonline.com``.

Endpoints follow docs/protocols.md#national-clouds. The sandbox is one more cloud, built from the
sandbox card, so that every code path runs unchanged against it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from spkit.errors import CloudError

GERMANY_ADVICE = (
    "Microsoft Cloud Deutschland was retired; use the global cloud. A tenant moved from Germany "
    "(.de domains) connects through the global cloud with manual application registration."
)


@dataclass(frozen=True)
class Cloud:
    """One cloud: where to sign in, where Graph is, and how SharePoint hosts are named."""

    name: str
    display_name: str
    authority_host: str
    graph_url: str | None
    sharepoint_suffix: str
    retired_on: datetime.date | None = None
    advice: str = ""
    instance_discovery: bool = True
    is_sandbox: bool = False
    # Suffixes of the tenant's initial domain, the cloud's own first (``contoso.onmicrosoft.us``).
    initial_domain_suffixes: tuple[str, ...] = ("onmicrosoft.com",)

    @property
    def graph_scope(self) -> str:
        """The app-only scope for Graph (``<graph_url>/.default``)."""
        if self.graph_url is None:
            raise CloudError(
                f"the {self.display_name} cloud has no Microsoft Graph endpoint",
                code="CLOUD_NO_GRAPH",
                fix=self.advice or "choose another cloud",
            )
        return f"{self.graph_url}/.default"

    def sharepoint_host(self, tenant: str) -> str:
        """``<tenant>.<suffix>``: the tenant's SharePoint host."""
        return f"{tenant}.{self.sharepoint_suffix}"

    def admin_host(self, tenant: str) -> str:
        """``<tenant>-admin.<suffix>``: the SharePoint admin center host."""
        return f"{tenant}-admin.{self.sharepoint_suffix}"

    def onedrive_host(self, tenant: str) -> str:
        """``<tenant>-my.<suffix>``: the OneDrive (personal sites) host."""
        return f"{tenant}-my.{self.sharepoint_suffix}"

    def initial_domain(self, tenant: str) -> str:
        """The tenant's initial domain in this cloud, e.g. ``contoso.onmicrosoft.com``."""
        return f"{tenant}.{self.initial_domain_suffixes[0]}"

    def authority(self, tenant_ref: str) -> str:
        """The MSAL authority ``<authority_host>/<tenant>`` for a tenant GUID or domain."""
        ref = tenant_ref.strip().strip("/")
        if not ref:
            raise CloudError("an authority needs a tenant ID or domain", code="CLOUD_NO_TENANT")
        return f"{self.authority_host}/{ref}"

    @property
    def warning(self) -> str | None:
        """Why this cloud should not be used, or None."""
        if self.retired_on is None:
            return None
        return f"{self.display_name} was retired on {self.retired_on.isoformat()}. {self.advice}".strip()

    @classmethod
    def from_card(cls, card: dict[str, Any], card_path: object = "<card>") -> Cloud:
        """Build the sandbox cloud from a sandbox card's ``cloud`` object."""
        spec = card.get("cloud") if isinstance(card, dict) else None
        if not isinstance(spec, dict):
            raise CloudError(f"sandbox card {card_path}: has no 'cloud' object", code="CLOUD_CARD_INVALID")
        values = {}
        for key in ("authority_host", "graph_url"):
            values[key] = _https_origin(spec.get(key), key, card_path)
        suffix = spec.get("sharepoint_suffix")
        if not isinstance(suffix, str) or not suffix.strip(". ") or "/" in suffix or ":" in suffix:
            raise CloudError(
                f"sandbox card {card_path}: 'cloud.sharepoint_suffix' must be a host suffix "
                "like sharepoint.localhost",
                code="CLOUD_CARD_INVALID",
            )
        return cls(
            name="sandbox",
            display_name="spkit sandbox",
            authority_host=values["authority_host"],
            graph_url=values["graph_url"],
            sharepoint_suffix=suffix.strip(". ").lower(),
            instance_discovery=False,
            is_sandbox=True,
        )


def _https_origin(value: object, key: str, card_path: object) -> str:
    if not isinstance(value, str):
        raise CloudError(f"sandbox card {card_path}: 'cloud.{key}' is missing", code="CLOUD_CARD_INVALID")
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/"):
        raise CloudError(
            f"sandbox card {card_path}: 'cloud.{key}' must be an https origin like https://login.localhost",
            code="CLOUD_CARD_INVALID",
        )
    return f"https://{parts.netloc.lower()}"


def sandbox_cloud(card: dict[str, Any]) -> Cloud:
    """The sandbox cloud described by a sandbox card (no instance discovery)."""
    return Cloud.from_card(card)


GLOBAL = Cloud(
    name="global",
    display_name="Microsoft global cloud",
    authority_host="https://login.microsoftonline.com",
    graph_url="https://graph.microsoft.com",
    sharepoint_suffix="sharepoint.com",
)
USGOV_HIGH = Cloud(
    name="usgov-high",
    display_name="US Government GCC High",
    authority_host="https://login.microsoftonline.us",
    graph_url="https://graph.microsoft.us",
    sharepoint_suffix="sharepoint.us",
    initial_domain_suffixes=("onmicrosoft.us", "onmicrosoft.com"),
)
USGOV_DOD = Cloud(
    name="usgov-dod",
    display_name="US Government DoD",
    authority_host="https://login.microsoftonline.us",
    graph_url="https://dod-graph.microsoft.us",
    sharepoint_suffix="sharepoint-mil.us",
    initial_domain_suffixes=("onmicrosoft.us", "onmicrosoft.com"),
)
CHINA = Cloud(
    name="china",
    display_name="Microsoft 365 operated by 21Vianet (China)",
    authority_host="https://login.partner.microsoftonline.cn",
    graph_url="https://microsoftgraph.chinacloudapi.cn",
    sharepoint_suffix="sharepoint.cn",
    initial_domain_suffixes=("partner.onmschina.cn", "onmicrosoft.com"),
)
GERMANY = Cloud(
    name="germany",
    display_name="Microsoft Cloud Deutschland",
    authority_host="https://login.microsoftonline.de",
    graph_url=None,
    sharepoint_suffix="sharepoint.de",
    retired_on=datetime.date(2021, 10, 29),
    advice=GERMANY_ADVICE,
    initial_domain_suffixes=("onmicrosoft.de", "onmicrosoft.com"),
)

CLOUDS: dict[str, Cloud] = {c.name: c for c in (GLOBAL, USGOV_HIGH, USGOV_DOD, CHINA, GERMANY)}

# Spellings people use, after lower-casing and turning "_" and " " into "-".
# "gcc" (GCC moderate) uses the global endpoints (docs/protocols.md#gcc-moderate): an alias of global.
ALIASES: dict[str, str] = {
    "public": "global",
    "commercial": "global",
    "worldwide": "global",
    "azurecloud": "global",
    "gcc": "global",
    "gcc-high": "usgov-high",
    "gcchigh": "usgov-high",
    "usgovhigh": "usgov-high",
    "dod": "usgov-dod",
    "usgovdod": "usgov-dod",
    "gcc-dod": "usgov-dod",
    "21vianet": "china",
    "azurechinacloud": "china",
    "deutschland": "germany",
    "azuregermancloud": "germany",
}


def cloud_names() -> list[str]:
    """The canonical names of the built-in clouds (the sandbox comes from a card)."""
    return list(CLOUDS)


def canonical_cloud_name(name: str) -> str:
    """The canonical name for ``name`` or an alias; ``sandbox`` passes through."""
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = ALIASES.get(key, key)
    if key in CLOUDS or key == "sandbox":
        return key
    raise CloudError(
        f"unknown cloud '{name.strip()}'",
        fix=f"use one of: {', '.join(cloud_names())} (or sandbox with a sandbox card)",
    )


def get_cloud(name: str) -> Cloud:
    """The built-in cloud called ``name`` (aliases and any case accepted)."""
    key = canonical_cloud_name(name)
    if key == "sandbox":
        raise CloudError(
            "the sandbox cloud is described by a sandbox card",
            code="CLOUD_NEEDS_CARD",
            fix="build it with sandbox_cloud(load_card(path)), or set sandbox: in the profile",
        )
    return CLOUDS[key]


def cloud_for_sharepoint_host(host: str) -> Cloud | None:
    """The built-in cloud whose SharePoint suffix ``host`` ends with, or None."""
    host = host.lower().rstrip(".")
    for cloud in CLOUDS.values():
        if host.endswith("." + cloud.sharepoint_suffix):
            return cloud
    return None


def clouds_for_initial_domain(domain: str) -> list[Cloud]:
    """The built-in clouds whose *own* initial-domain suffix ``domain`` ends with."""
    domain = domain.lower().rstrip(".")
    return [c for c in CLOUDS.values() if domain.endswith("." + c.initial_domain_suffixes[0])]
