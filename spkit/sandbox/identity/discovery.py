"""What a client reads before it asks for a token: the OIDC discovery documents (v2.0 and v1), the signing
keys (JWKS) and the user realm answers, field for field as Entra's, with endpoints on the sandbox hosts."""

from __future__ import annotations

from ..access_tokens import TokenService
from ..clouds import CLOUDS, NationalCloud
from ..state import SandboxState
from .tenants import MULTI_TENANT, resolve_tenant, tenant_for_login


def openid_configuration(state: SandboxState, ref: str) -> dict:
    """The v2.0 OIDC discovery document, field for field as Entra's (endpoints on the sandbox hosts).

    For a tenant the endpoints carry its GUID whatever the caller wrote; for ``common`` and
    ``organizations`` they carry that word and the issuer the literal ``{tenantid}``, as Entra does."""
    if ref.lower() in MULTI_TENANT:
        return _v2_document(state, ref.lower(), "{tenantid}", region=None)
    tenant = resolve_tenant(state, ref)
    return _v2_document(
        state, tenant.tenant_id, tenant.tenant_id, region="NA", cloud=CLOUDS.get(tenant.cloud)
    )


def _v2_document(
    state: SandboxState, segment: str, issuer_id: str, region: str | None, cloud: NationalCloud | None = None
) -> dict:
    authority = state.authority_host
    base = f"{authority}/{segment}"
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{authority}/{issuer_id}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{state.graph_url}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": [
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "at_hash",
            "c_hash",
            "email",
        ],
        "kerberos_endpoint": f"{base}/kerberos",
        **_cloud_fields(state, region, cloud),
    }


def _cloud_fields(state: SandboxState, region: str | None, cloud: NationalCloud | None = None) -> dict:
    """The national-cloud fields. [unsure] ``tenant_region_scope`` "NA" for every sandbox tenant;
    ``cloud_graph_host_name`` (AAD Graph, graph.windows.net in the real cloud) points at the sandbox
    Graph host and ``rbac_url`` at a ``pas.`` host the sandbox does not serve.

    A tenant of a national cloud (``cloud``) asked through this, the global, login host: Entra answers
    with that cloud's instance name, region and Graph host, which is how a client learns it asked the
    wrong cloud. [sandbox] Entra's endpoints would then name the other cloud's login host; the sandbox
    keeps its own (a client following them must not leave loopback), where token requests fail."""
    if cloud is not None:
        fields = {
            "tenant_region_scope": cloud.region_scope,
            "cloud_instance_name": cloud.instance_name,
            "cloud_graph_host_name": cloud.graph_host,
            "msgraph_host": cloud.graph_host,
            "rbac_url": f"https://pas.{cloud.instance_name}",
        }
        if cloud.region_sub_scope:
            fields["tenant_region_sub_scope"] = cloud.region_sub_scope
        return fields
    return {
        "tenant_region_scope": region,
        "cloud_instance_name": state.suffix,
        "cloud_graph_host_name": state.graph_host,
        "msgraph_host": state.graph_host,
        "rbac_url": f"https://pas.{state.suffix}",
    }


def openid_configuration_v1(state: SandboxState, ref: str) -> dict:
    """The v1 document (``/{tenant}/.well-known/openid-configuration``). [unsure] the v1 issuer: Entra's
    is ``https://sts.windows.net/<tid>/``; the sandbox says ``https://sts.<suffix>/<tid>/``."""
    cloud: NationalCloud | None = None
    if ref.lower() in MULTI_TENANT:
        segment, issuer_id, region = ref.lower(), "{tenantid}", None
    else:
        tenant = resolve_tenant(state, ref)
        segment, issuer_id, region = tenant.tenant_id, tenant.tenant_id, "NA"
        cloud = CLOUDS.get(tenant.cloud)
    authority = state.authority_host
    base = f"{authority}/{segment}"
    return {
        "token_endpoint": f"{base}/oauth2/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{authority}/common/discovery/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": f"https://sts.{state.suffix}/{issuer_id}/",
        "microsoft_multi_refresh_token": True,
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/logout",
        "claims_supported": [
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "amr",
            "nonce",
            "email",
            "given_name",
            "family_name",
            "nickname",
        ],
        "check_session_iframe": f"{base}/oauth2/checksession",
        "userinfo_endpoint": f"{base}/openid/userinfo",
        "kerberos_endpoint": f"{base}/kerberos",
        **_cloud_fields(state, region, cloud),
    }


def jwks(state: SandboxState, tokens: TokenService, ref: str) -> dict:
    """The signing keys. One key set for every tenant (as Entra's common keys); an unknown tenant
    still fails like everywhere else."""
    if ref.lower() not in MULTI_TENANT:
        resolve_tenant(state, ref)
    return tokens.jwks()


def user_realm(state: SandboxState, login: str | None) -> dict:
    """``getuserrealm.srf?json=1``: whether the login's domain is a (managed) tenant domain here."""
    login = (login or "").strip()
    domain = login.rpartition("@")[2].lower()
    tenant = (
        next((t for t in state.tenants.values() if domain in (d.lower() for d in t.domains)), None)
        if domain
        else None
    )
    realm: dict = {"State": 4, "UserState": 1, "Login": login}
    if tenant is None:
        realm["NameSpaceType"] = "Unknown"
        return realm
    canonical = next(d for d in tenant.domains if d.lower() == domain)
    realm.update(
        {
            "NameSpaceType": "Managed",
            "DomainName": canonical,
            "FederationBrandName": tenant.display_name,
            "CloudInstanceName": state.suffix,
            # [unsure] the sandbox keeps Entra's public-cloud issuer URI.
            "CloudInstanceIssuerUri": "urn:federation:MicrosoftOnline",
        }
    )
    return realm


def user_realm_v1(state: SandboxState, login: str) -> dict:
    """``GET /common/userrealm/<login>?api-version=1.0``, which MSAL asks before ROPC: "Managed" for a
    tenant's domain, else "Unknown" (MSAL then goes on with plain ROPC either way; only "Federated"
    would send it to a WS-Trust endpoint). [unsure] the exact fields of the "Unknown" answer."""
    tenant = tenant_for_login(state, login)
    if tenant is None:
        return {"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": state.suffix}
    domain = login.strip().rpartition("@")[2].lower()
    return {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": next(d for d in tenant.domains if d.lower() == domain),
        "cloud_instance_name": state.suffix,
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }
