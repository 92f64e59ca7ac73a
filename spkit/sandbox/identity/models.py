"""The identity platform's rules, without HTTP: tenant discovery, signing keys, user realm, token grants.

``IdentityBackend`` answers with plain dicts or raises ``AadstsError``; ``responses.py`` turns either into
the HTTP answer. Checks run in the order Entra runs them, so a request with two mistakes gets the error a
user of the real service would get first.

Grants are looked up in ``GRANT_HANDLERS``; device code and ROPC slot in there as ``_grant_<name>``
methods that reuse ``_client_app`` and ``authenticate_client``.
"""

from __future__ import annotations

import base64
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus, urlsplit

from ..access_tokens import TokenService
from ..state import GRAPH_APP_ID, SHAREPOINT_APP_ID, App, SandboxState, Tenant
from . import client_assertions
from . import exceptions as aad

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# A DNS name as Entra accepts it in the tenant segment. Underscores and single labels pass: Entra answers
# 'tenant_id' and 'secrets' with 90002 (not found), not 900023 (not a name).
_DNS_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
MULTI_TENANT = ("common", "organizations")

# Grants Entra has that this sandbox does not emulate yet: 70003 with a note, not Entra's plain refusal.
KNOWN_GRANTS = frozenset(
    {
        "password",
        "refresh_token",
        "authorization_code",
        "device_code",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "urn:ietf:params:oauth:grant-type:saml1_1-bearer",
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
    }
)


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


def is_dns_name(value: str) -> bool:
    labels = value.rstrip(".").split(".")
    return 0 < len(value) <= 253 and all(_DNS_LABEL.match(label) for label in labels)


@dataclass(frozen=True)
class Resource:
    """What a scope named: ``kind`` is the key of ``App.roles_for`` ("Graph"/"SharePoint")."""

    kind: str
    audience: str


@dataclass(frozen=True)
class TokenRequest:
    """A token request after routing: the tenant as written in the path, and the form fields."""

    tenant_ref: str
    form: Mapping[str, str]


class IdentityBackend:
    """The rules of login.<suffix>. ``clock`` is injectable so time-window rules are testable."""

    def __init__(
        self, state: SandboxState, tokens: TokenService, clock: Callable[[], float] = time.time
    ) -> None:
        self.state = state
        self.tokens = tokens
        self.clock = clock

    @property
    def authority(self) -> str:
        return self.state.authority_host

    # --- tenants ---------------------------------------------------------------------------------

    def resolve_tenant(self, ref: str) -> Tenant:
        """The tenant a path segment names (GUID or any of its domains, case-insensitive).

        900023 when the segment cannot be a tenant at all, 90002 when it could be but is not ours."""
        if not (is_guid(ref) or is_dns_name(ref)):
            raise aad.invalid_tenant_identifier(ref)
        tenant = self.state.tenant_by_ref(ref)
        if tenant is None:
            raise aad.tenant_not_found(ref)
        return tenant

    # --- discovery -------------------------------------------------------------------------------

    def openid_configuration(self, ref: str) -> dict:
        """The v2.0 OIDC discovery document, field for field as Entra's (endpoints on the sandbox hosts).

        For a tenant the endpoints carry its GUID whatever the caller wrote; for ``common`` and
        ``organizations`` they carry that word and the issuer the literal ``{tenantid}``, as Entra does."""
        if ref.lower() in MULTI_TENANT:
            return self._v2_document(ref.lower(), "{tenantid}", region=None)
        tenant = self.resolve_tenant(ref)
        return self._v2_document(tenant.tenant_id, tenant.tenant_id, region="NA")

    def _v2_document(self, segment: str, issuer_id: str, region: str | None) -> dict:
        base = f"{self.authority}/{segment}"
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
            "issuer": f"{self.authority}/{issuer_id}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.state.graph_url}/oidc/userinfo",
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
            **self._cloud_fields(region),
        }

    def _cloud_fields(self, region: str | None) -> dict:
        """The national-cloud fields. [unsure] ``tenant_region_scope`` "NA" for every sandbox tenant;
        ``cloud_graph_host_name`` (AAD Graph, graph.windows.net in the real cloud) points at the sandbox
        Graph host and ``rbac_url`` at a ``pas.`` host the sandbox does not serve."""
        return {
            "tenant_region_scope": region,
            "cloud_instance_name": self.state.suffix,
            "cloud_graph_host_name": self.state.graph_host,
            "msgraph_host": self.state.graph_host,
            "rbac_url": f"https://pas.{self.state.suffix}",
        }

    def openid_configuration_v1(self, ref: str) -> dict:
        """The v1 document (``/{tenant}/.well-known/openid-configuration``). [unsure] the v1 issuer: Entra's
        is ``https://sts.windows.net/<tid>/``; the sandbox says ``https://sts.<suffix>/<tid>/``."""
        if ref.lower() in MULTI_TENANT:
            segment, issuer_id, region = ref.lower(), "{tenantid}", None
        else:
            tenant = self.resolve_tenant(ref)
            segment, issuer_id, region = tenant.tenant_id, tenant.tenant_id, "NA"
        base = f"{self.authority}/{segment}"
        return {
            "token_endpoint": f"{base}/oauth2/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{self.authority}/common/discovery/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": f"https://sts.{self.state.suffix}/{issuer_id}/",
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
            **self._cloud_fields(region),
        }

    def jwks(self, ref: str) -> dict:
        """The signing keys. One key set for every tenant (as Entra's common keys); an unknown tenant
        still fails like everywhere else."""
        if ref.lower() not in MULTI_TENANT:
            self.resolve_tenant(ref)
        return self.tokens.jwks()

    def user_realm(self, login: str | None) -> dict:
        """``getuserrealm.srf?json=1``: whether the login's domain is a (managed) tenant domain here."""
        login = (login or "").strip()
        domain = login.rpartition("@")[2].lower()
        tenant = (
            next((t for t in self.state.tenants.values() if domain in (d.lower() for d in t.domains)), None)
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
                "CloudInstanceName": self.state.suffix,
                # [unsure] the sandbox keeps Entra's public-cloud issuer URI.
                "CloudInstanceIssuerUri": "urn:federation:MicrosoftOnline",
            }
        )
        return realm

    # --- token endpoint --------------------------------------------------------------------------

    GRANT_HANDLERS: Mapping[str, str] = {"client_credentials": "_grant_client_credentials"}

    def token(self, request: TokenRequest) -> dict:
        """``POST /{tenant}/oauth2/v2.0/token``: the token response, or the first AADSTS error in Entra's
        order (tenant, grant_type, then the grant's own rules)."""
        if request.tenant_ref.lower() not in (*MULTI_TENANT, "consumers"):
            self.resolve_tenant(request.tenant_ref)
        grant_type = (request.form.get("grant_type") or "").strip()
        if not grant_type:
            raise aad.missing_parameter("grant_type")
        handler_name = self.GRANT_HANDLERS.get(grant_type)
        if handler_name is None:
            raise aad.unsupported_grant_type(grant_type, sandbox_gap=grant_type in KNOWN_GRANTS)
        handler: Callable[[TokenRequest], dict] = getattr(self, handler_name)
        return handler(request)

    def _grant_client_credentials(self, request: TokenRequest) -> dict:
        """App-only token: client, scope, then credential, each failing as Entra fails."""
        tenant = self._single_tenant(request.tenant_ref)
        app = self._client_app(request, tenant)
        resource = self._client_credentials_resource(request.form.get("scope"), tenant)
        acr = self.authenticate_client(request, tenant, app)
        roles = app.roles_for(resource.kind) or None
        now = self.clock()
        access_token = self.tokens.issue(
            tenant_id=tenant.tenant_id,
            audience=resource.audience,
            client_id=app.client_id,
            app_display_name=app.name,
            acr=acr,
            roles=roles,
            now=now,
        )
        return {
            "token_type": "Bearer",
            "expires_in": self.tokens.lifetime_s,
            "ext_expires_in": self.tokens.lifetime_s,
            "access_token": access_token,
        }

    def _single_tenant(self, ref: str) -> Tenant:
        """Client credentials need one tenant: /common and /consumers refuse the grant (9001023) and
        /organizations cannot tell which tenant (50059)."""
        lowered = ref.lower()
        if lowered in ("common", "consumers"):
            raise aad.grant_not_on_common(ref)
        if lowered == "organizations":
            raise aad.no_tenant_information()
        return self.resolve_tenant(ref)

    def _client_app(self, request: TokenRequest, tenant: Tenant) -> App:
        """The app named by ``client_id`` in *this* tenant: 900144 if absent, 700016 if not a GUID or not
        registered here (Entra answers a non-GUID identifier with 700016 too)."""
        client_id = (request.form.get("client_id") or "").strip()
        if not client_id:
            raise aad.missing_parameter("client_id")
        app = tenant.app(client_id) if is_guid(client_id) else None
        if app is None:
            raise aad.app_not_found(client_id, request.tenant_ref)
        return app

    def _client_credentials_resource(self, scope: str | None, tenant: Tenant) -> Resource:
        """One scope of the form ``<resource>/.default`` naming a resource this tenant has."""
        scopes = (scope or "").split()
        if not scopes:
            raise aad.missing_credential_field("scope")
        wrong = next((s for s in scopes if not s.lower().endswith("/.default")), None)
        if wrong is not None:
            raise aad.scope_needs_default(wrong)
        names = list(dict.fromkeys(s[: -len("/.default")] for s in scopes))
        if len(names) > 1:
            raise aad.scope_multiple_resources(" ".join(scopes))
        return self.resource(names[0], tenant)

    def resource(self, name: str, tenant: Tenant) -> Resource:
        """Graph (URL or app ID) or this tenant's SharePoint (root, -admin, -my host, or the app ID, which
        means the root host); 500011 for anything else, including another tenant's SharePoint.
        One trailing slash is tolerated (``https://graph.microsoft.com//.default`` works against Entra)."""
        key = name.lower().removesuffix("/")
        if key in (self.state.graph_url.lower(), GRAPH_APP_ID):
            return Resource("Graph", self.state.graph_url)
        if key == SHAREPOINT_APP_ID:
            return Resource("SharePoint", f"https://{tenant.name}.{self.state.sharepoint_suffix}")
        url = urlsplit(key)
        if url.scheme == "https" and url.hostname and not url.path and url.port is None:
            hit = self.state.tenant_by_sharepoint_host(url.hostname)
            if hit is not None and hit[0] is tenant:
                return Resource("SharePoint", f"https://{url.hostname}")
        raise aad.resource_not_found(name, tenant.display_name)

    # --- client authentication (shared by every confidential-client grant) -----------------------

    def authenticate_client(self, request: TokenRequest, tenant: Tenant, app: App) -> str:
        """Exactly one credential, verified; returns ``appidacr``: "1" secret, "2" certificate."""
        form = request.form
        secret = form.get("client_secret")
        assertion_type = form.get("client_assertion_type")
        assertion = form.get("client_assertion")
        has_secret = bool(secret)
        has_assertion = bool(assertion_type or assertion)
        if has_secret and has_assertion:
            raise aad.two_client_credentials()
        if has_secret:
            self._check_secret(app, secret or "")
            return "1"
        if not has_assertion:
            raise aad.no_client_credential()
        if assertion_type != client_assertions.JWT_BEARER:
            if not assertion_type:
                raise aad.missing_parameter("client_assertion_type")
            raise aad.bad_assertion_type(assertion_type)
        if not assertion:
            raise aad.missing_parameter("client_assertion")
        client_assertions.verify(
            assertion,
            app,
            audiences=self.token_endpoints(request.tenant_ref, tenant),
            now=self.clock(),
            graph_url=self.state.graph_url,
        )
        return "2"

    def _check_secret(self, app: App, secret: str) -> None:
        """A current secret passes; one that matches only expired keys is 7000222; anything else (the
        secret's ID pasted instead of its value, a typo, another app's secret) is 7000215.
        A secret not yet valid (start in the future) counts as no match. [unsure]"""
        now = datetime.fromtimestamp(self.clock(), UTC)
        given = secret.encode("utf-8")
        matches = [s for s in app.secrets if hmac.compare_digest(s.value.encode("utf-8"), given)]
        if any(s.start <= now < s.end for s in matches):
            return
        if any(s.expired(now) for s in matches):
            raise aad.expired_client_secret(app.client_id)
        raise aad.invalid_client_secret(app.client_id)

    def token_endpoints(self, tenant_ref: str, tenant: Tenant) -> list[str]:
        """The ``aud`` values a client assertion may carry: this token endpoint, with the tenant as written
        in the path or as its GUID, v2.0 or v1."""
        refs = dict.fromkeys((tenant_ref, tenant.tenant_id))
        return [f"{self.authority}/{ref}/oauth2/{v}token" for ref in refs for v in ("v2.0/", "")]


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``client_secret_basic`` (advertised in discovery): (client_id, secret) from an ``Authorization:
    Basic`` header, form-urldecoded per RFC 6749 2.3.1."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None
