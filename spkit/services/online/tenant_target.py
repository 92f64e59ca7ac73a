"""The tenant a command works on before a full profile exists (sign-in, registration): cloud, address,
tenant reference and the session to reach them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...http.session import SpkitSession, session_for
from ...models.address import SharePointAddress, parse_sharepoint_address
from ...models.card import load_running_card
from ...models.clouds import Cloud, get_cloud, sandbox_cloud
from ...models.online_profile import OnlineProfile
from .tenant_discovery import TenantDiscovery, discover_tenant


@dataclass
class Target:
    cloud: Cloud
    address: SharePointAddress
    tenant_ref: str
    card: dict[str, Any] | None = None
    card_path: Path | None = None
    ca_bundle: Path | None = None

    def session(self) -> SpkitSession:
        return session_for(self.card, self.ca_bundle)

    def discover(self, session: SpkitSession) -> TenantDiscovery:
        return discover_tenant(session, self.cloud, self.tenant_ref)


def target_from_options(
    *,
    cloud: str,
    sharepoint_url: str | None,
    tenant: str | None = None,
    sandbox: Path | None = None,
    ca_bundle: Path | None = None,
) -> Target:
    """Build a target from command-line options, with the same checks a profile gets."""
    if not sharepoint_url:
        raise InputError(
            "--sharepoint-url is required (or give a profile / --connection)",
            code="USAGE",
            fix="e.g. --sharepoint-url contoso or --sharepoint-url https://contoso.sharepoint.com",
        )
    card = None
    if cloud == "sandbox" or sandbox is not None:
        if sandbox is None:
            raise InputError(
                "--cloud sandbox needs --sandbox CARD (the sandbox.json a sandbox wrote)", code="USAGE"
            )
        card = load_running_card(sandbox)
        cloud_obj = sandbox_cloud(card)
    else:
        cloud_obj = get_cloud(cloud)
    address = parse_sharepoint_address(sharepoint_url, cloud_obj)
    return Target(
        cloud_obj, address, tenant or cloud_obj.initial_domain(address.tenant), card, sandbox, ca_bundle
    )


def target_from_profile(profile: OnlineProfile) -> Target:
    return Target(
        profile.cloud_obj,
        profile.address,
        profile.tenant_id or profile.cloud_obj.initial_domain(profile.address.tenant),
        profile.card,
        profile.sandbox,
        profile.ca_bundle,
    )
