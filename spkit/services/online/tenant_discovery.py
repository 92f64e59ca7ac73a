"""Tenant discovery without a token: OpenID Connect metadata names the tenant's GUID and cloud."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ...errors import DiscoveryError
from ...http.session import SpkitSession
from ...models.clouds import Cloud
from ..http_errors import call, json_body
from .aadsts import auth_error


@dataclass(frozen=True)
class TenantDiscovery:
    tenant_ref: str
    tenant_id: str
    issuer: str
    token_endpoint: str
    cloud_instance_name: str | None
    msgraph_host: str | None
    tenant_region_scope: str | None

    def facts(self) -> dict:
        return {
            "tenant_id": self.tenant_id,
            "issuer": self.issuer,
            "cloud_instance_name": self.cloud_instance_name,
            "msgraph_host": self.msgraph_host,
            "tenant_region_scope": self.tenant_region_scope,
        }


# What the discovery document says about the tenant's cloud → the profile's cloud names for it.
INSTANCE_CLOUDS = {
    "microsoftonline.com": "global",
    "microsoftonline.us": "usgov-high (or usgov-dod)",
    "partner.microsoftonline.cn": "china",
    "chinacloudapi.cn": "china",
    "microsoftonline.de": "germany (retired: the tenant moved to global)",
}
US_GOVERNMENT_REGIONS = {"usgov", "usg"}
US_GOVERNMENT_SUB_SCOPES = {"DODCON": "usgov-high", "DOD": "usgov-dod"}  # GCC High, DoD


def other_cloud(cloud: Cloud, payload: dict) -> str | None:
    """Why the discovery document places the tenant outside ``cloud`` (instance name, region scope, or
    token endpoint on another host), or None when it is at home there."""
    instance = payload.get("cloud_instance_name")
    expected = cloud.authority_host.split("//", 1)[-1].removeprefix("login.")
    if instance and instance != expected and not expected.endswith(instance):
        return f"cloud_instance_name {instance}"
    region = str(payload.get("tenant_region_scope") or "").lower()
    in_us_government = cloud.name in ("usgov-high", "usgov-dod")
    if region in US_GOVERNMENT_REGIONS and not in_us_government:
        return f"tenant_region_scope {payload.get('tenant_region_scope')}"
    sub = str(payload.get("tenant_region_sub_scope") or "").upper()
    if in_us_government and US_GOVERNMENT_SUB_SCOPES.get(sub, cloud.name) != cloud.name:
        return f"tenant_region_sub_scope {sub}"
    token_host = urlsplit(str(payload.get("token_endpoint", ""))).hostname
    if token_host and token_host != urlsplit(cloud.authority_host).hostname:
        return f"token endpoint on {token_host}"
    return None


def _cloud_named(payload: dict) -> str:
    instance = str(payload.get("cloud_instance_name") or "")
    if str(payload.get("tenant_region_scope") or "").lower() in US_GOVERNMENT_REGIONS:
        sub = str(payload.get("tenant_region_sub_scope") or "").upper()
        return US_GOVERNMENT_SUB_SCOPES.get(sub, INSTANCE_CLOUDS["microsoftonline.us"])
    return INSTANCE_CLOUDS.get(instance, f"the cloud of '{instance}'")


def discover_tenant(session: SpkitSession, cloud: Cloud, tenant_ref: str) -> TenantDiscovery:
    """The tenant behind a GUID or domain, as the identity platform of ``cloud`` knows it."""
    url = f"{cloud.authority_host}/{tenant_ref}/v2.0/.well-known/openid-configuration"
    response = call(session.get, url, "tenant discovery")
    payload = json_body(response, "tenant discovery")
    if response.status_code != 200:
        raise auth_error(payload, f"tenant discovery for '{tenant_ref}'")
    token_endpoint = str(payload.get("token_endpoint", ""))
    issuer = str(payload.get("issuer", ""))
    try:
        tenant_id = token_endpoint.split("/")[3]
    except IndexError as exc:
        raise DiscoveryError(
            f"tenant discovery for '{tenant_ref}': the metadata has no usable token_endpoint",
            code="TENANT_METADATA_INVALID",
            evidence=token_endpoint[:200],
            fix="the authority host may not be a Microsoft identity platform",
        ) from exc
    instance = payload.get("cloud_instance_name")
    problem = other_cloud(cloud, payload)
    if problem:
        region = payload.get("tenant_region_scope")
        sub = payload.get("tenant_region_sub_scope")
        raise DiscoveryError(
            f"tenant '{tenant_ref}' lives in another cloud ({problem}), not in {cloud.display_name}",
            code="TENANT_WRONG_CLOUD",
            evidence=f"cloud_instance_name={instance}, tenant_region_scope={region}, "
            f"tenant_region_sub_scope={sub}, token_endpoint={token_endpoint[:120]}; the profile's cloud: "
            f"{cloud.name} ({cloud.authority_host})",
            fix=f"set cloud: {_cloud_named(payload)} in the profile (the cloud the tenant belongs to)",
        )
    return TenantDiscovery(
        tenant_ref=tenant_ref,
        tenant_id=tenant_id.lower(),
        issuer=issuer,
        token_endpoint=token_endpoint,
        cloud_instance_name=instance,
        msgraph_host=payload.get("msgraph_host"),
        tenant_region_scope=payload.get("tenant_region_scope"),
    )
