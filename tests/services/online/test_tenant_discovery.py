"""``discover_tenant`` against the sandbox's OpenID Connect metadata: a GUID or any verified domain
names the tenant's GUID and its cloud, without a token; an unknown tenant is its own diagnosis."""

from __future__ import annotations

import pytest

from spkit.errors import DiscoveryError
from spkit.services.online.tenant_discovery import discover_tenant


def test_the_guid_names_the_tenant_its_issuer_token_endpoint_and_cloud(session, cloud, tenant):
    tenant_id = tenant["tenant_id"]
    found = discover_tenant(session, cloud, tenant_id)
    assert found.tenant_id == tenant_id and found.tenant_ref == tenant_id
    assert found.issuer == f"{cloud.authority_host}/{tenant_id}/v2.0"
    assert found.token_endpoint == f"{cloud.authority_host}/{tenant_id}/oauth2/v2.0/token"
    assert found.cloud_instance_name == tenant["cloud_instance_name"]
    assert found.msgraph_host == cloud.graph_url.removeprefix("https://")
    assert found.facts() == {
        "tenant_id": tenant_id,
        "issuer": found.issuer,
        "cloud_instance_name": found.cloud_instance_name,
        "msgraph_host": found.msgraph_host,
        "tenant_region_scope": found.tenant_region_scope,
    }


def test_every_domain_of_the_tenant_leads_to_its_guid(session, cloud, tenant):
    for domain in tenant["domains"]:
        found = discover_tenant(session, cloud, domain)
        assert (found.tenant_ref, found.tenant_id) == (domain, tenant["tenant_id"])


def test_an_upper_case_guid_comes_back_lower_case(session, cloud, tenant):
    assert discover_tenant(session, cloud, tenant["tenant_id"].upper()).tenant_id == tenant["tenant_id"]


def test_an_unknown_tenant_is_tenant_not_found_with_entras_code(session, cloud):
    with pytest.raises(DiscoveryError) as raised:
        discover_tenant(session, cloud, "nobody-here.onmicrosoft.com")
    assert raised.value.code == "TENANT_NOT_FOUND"
    assert "nobody-here.onmicrosoft.com" in raised.value.summary and "AADSTS90002" in raised.value.summary
