"""Tenant discovery without a token: OpenID Connect metadata names the tenant's GUID and cloud."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DiscoveryError
from ..http.session import SpkitSession
from ..models.clouds import Cloud
from .aadsts import auth_error
from .http_errors import call, json_body


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
    expected = cloud.authority_host.split("//", 1)[-1].removeprefix("login.")
    if instance and not cloud.is_sandbox and instance != expected and not expected.endswith(instance):
        raise DiscoveryError(
            f"tenant '{tenant_ref}' lives in the '{instance}' cloud, not in {cloud.display_name}",
            code="TENANT_WRONG_CLOUD",
            evidence=f"cloud_instance_name={instance}",
            fix="choose the cloud the tenant belongs to",
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
