"""Which tenant a request names: the path segment (GUID, any of its domains, or a multi-tenant word), the
domain of a user's sign-in name, and the national-cloud check every token request passes first."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..state import SandboxState, Tenant
from . import exceptions as aad

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# A DNS name as Entra accepts it in the tenant segment. Underscores and single labels pass: Entra answers
# 'tenant_id' and 'secrets' with 90002 (not found), not 900023 (not a name).
_DNS_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
MULTI_TENANT = ("common", "organizations")


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


def is_dns_name(value: str) -> bool:
    labels = value.rstrip(".").split(".")
    return 0 < len(value) <= 253 and all(_DNS_LABEL.match(label) for label in labels)


def resolve_tenant(state: SandboxState, ref: str) -> Tenant:
    """The tenant a path segment names (GUID or any of its domains, case-insensitive).

    900023 when the segment cannot be a tenant at all, 90002 when it could be but is not ours."""
    if not (is_guid(ref) or is_dns_name(ref)):
        raise aad.invalid_tenant_identifier(ref)
    tenant = state.tenant_by_ref(ref)
    if tenant is None:
        raise aad.tenant_not_found(ref)
    return tenant


def request_tenant(state: SandboxState, ref: str) -> Tenant | None:
    """The tenant a path segment names; None for /common and /organizations (the user's decides)."""
    return None if ref.lower() in MULTI_TENANT else resolve_tenant(state, ref)


def tenant_for_login(state: SandboxState, login: str) -> Tenant | None:
    """The tenant whose domain the UPN carries."""
    domain = login.strip().rpartition("@")[2].lower()
    if not domain:
        return None
    return next((t for t in state.tenants.values() if domain in (d.lower() for d in t.domains)), None)


def same_cloud(tenant: Tenant, form: Mapping[str, str]) -> None:
    """A tenant of a national cloud asked for tokens here, the global cloud: a confidential client is
    refused with 900382 (as Entra answers, e.g. for a GCC High tenant at login.microsoftonline.com);
    a public client with 90002. [unsure] the public client's code, and the status of both (400)."""
    if tenant.cloud == "global":
        return
    confidential = any(form.get(f) for f in ("client_secret", "client_assertion", "client_assertion_type"))
    if confidential or (form.get("grant_type") or "").strip() == "client_credentials":
        raise aad.cross_cloud_confidential_client()
    raise aad.tenant_not_found(tenant.tenant_id)
