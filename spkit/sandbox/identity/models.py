"""The identity platform's rules, without HTTP: tenant discovery, signing keys, user realm, token grants.

``IdentityBackend`` answers with plain dicts or raises ``AadstsError``; ``responses.py`` turns either into
the HTTP answer. Checks run in the order Entra runs them, so a request with two mistakes gets the error a
user of the real service would get first.

Grants are looked up in ``GRANT_HANDLERS``. Client credentials is the app-only grant; the device code flow,
ROPC (``password``) and ``refresh_token`` sign users in (delegated), for the first-party public client
"Microsoft Graph Command Line Tools" (``first_party.py``) or, with their credential, a tenant's apps. The
device codes, the verification page's flows and the refresh tokens live here (``delegated.py`` stores).
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
from ..state import CLOUDS, GRAPH_APP_ID, SHAREPOINT_APP_ID, App, NationalCloud, SandboxState, Tenant, User
from . import client_assertions
from . import delegated as dlg
from . import exceptions as aad
from .first_party import public_client

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# A DNS name as Entra accepts it in the tenant segment. Underscores and single labels pass: Entra answers
# 'tenant_id' and 'secrets' with 90002 (not found), not 900023 (not a name).
_DNS_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
MULTI_TENANT = ("common", "organizations")
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# How long one browser may take over the verification pages (each step's nonce lives this long).
WEB_FLOW_LIFETIME_S = 900.0

# Grants Entra has that this sandbox does not emulate yet: 70003 with a note, not Entra's plain refusal.
KNOWN_GRANTS = frozenset(
    {
        "password",
        "refresh_token",
        "authorization_code",
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
        self.device_codes = dlg.DeviceCodeStore()
        self.refresh_tokens = dlg.RefreshTokenStore()

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
        return self._v2_document(
            tenant.tenant_id, tenant.tenant_id, region="NA", cloud=CLOUDS.get(tenant.cloud)
        )

    def _v2_document(
        self, segment: str, issuer_id: str, region: str | None, cloud: NationalCloud | None = None
    ) -> dict:
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
            **self._cloud_fields(region, cloud),
        }

    def _cloud_fields(self, region: str | None, cloud: NationalCloud | None = None) -> dict:
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
            "cloud_instance_name": self.state.suffix,
            "cloud_graph_host_name": self.state.graph_host,
            "msgraph_host": self.state.graph_host,
            "rbac_url": f"https://pas.{self.state.suffix}",
        }

    def openid_configuration_v1(self, ref: str) -> dict:
        """The v1 document (``/{tenant}/.well-known/openid-configuration``). [unsure] the v1 issuer: Entra's
        is ``https://sts.windows.net/<tid>/``; the sandbox says ``https://sts.<suffix>/<tid>/``."""
        cloud: NationalCloud | None = None
        if ref.lower() in MULTI_TENANT:
            segment, issuer_id, region = ref.lower(), "{tenantid}", None
        else:
            tenant = self.resolve_tenant(ref)
            segment, issuer_id, region = tenant.tenant_id, tenant.tenant_id, "NA"
            cloud = CLOUDS.get(tenant.cloud)
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
            **self._cloud_fields(region, cloud),
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

    def user_realm_v1(self, login: str) -> dict:
        """``GET /common/userrealm/<login>?api-version=1.0``, which MSAL asks before ROPC: "Managed" for a
        tenant's domain, else "Unknown" (MSAL then goes on with plain ROPC either way; only "Federated"
        would send it to a WS-Trust endpoint). [unsure] the exact fields of the "Unknown" answer."""
        tenant = dlg.tenant_for_login(self.state, login)
        if tenant is None:
            return {"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": self.state.suffix}
        domain = login.strip().rpartition("@")[2].lower()
        return {
            "ver": "1.0",
            "account_type": "Managed",
            "domain_name": next(d for d in tenant.domains if d.lower() == domain),
            "cloud_instance_name": self.state.suffix,
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }

    # --- token endpoint --------------------------------------------------------------------------

    GRANT_HANDLERS: Mapping[str, str] = {
        "client_credentials": "_grant_client_credentials",
        DEVICE_CODE_GRANT: "_grant_device_code",
        "password": "_grant_password",
        "refresh_token": "_grant_refresh_token",
    }

    def token(self, request: TokenRequest) -> dict:
        """``POST /{tenant}/oauth2/v2.0/token``: the token response, or the first AADSTS error in Entra's
        order (tenant, grant_type, then the grant's own rules)."""
        if request.tenant_ref.lower() not in (*MULTI_TENANT, "consumers"):
            self._same_cloud(self.resolve_tenant(request.tenant_ref), request.form)
        grant_type = (request.form.get("grant_type") or "").strip()
        if not grant_type:
            raise aad.missing_parameter("grant_type")
        handler_name = self.GRANT_HANDLERS.get(grant_type)
        if handler_name is None:
            raise aad.unsupported_grant_type(grant_type, sandbox_gap=grant_type in KNOWN_GRANTS)
        handler: Callable[[TokenRequest], dict] = getattr(self, handler_name)
        return handler(request)

    def _same_cloud(self, tenant: Tenant, form: Mapping[str, str]) -> None:
        """A tenant of a national cloud asked for tokens here, the global cloud: a confidential client is
        refused with 900382 (as Entra answers, e.g. for a GCC High tenant at login.microsoftonline.com);
        a public client with 90002. [unsure] the public client's code, and the status of both (400)."""
        if tenant.cloud == "global":
            return
        confidential = any(
            form.get(f) for f in ("client_secret", "client_assertion", "client_assertion_type")
        )
        if confidential or (form.get("grant_type") or "").strip() == "client_credentials":
            raise aad.cross_cloud_confidential_client()
        raise aad.tenant_not_found(tenant.tenant_id)

    def _grant_client_credentials(self, request: TokenRequest) -> dict:
        """App-only token: client, its service principal, scope, then credential, then the app's
        Conditional Access, each failing as Entra fails."""
        tenant = self._single_tenant(request.tenant_ref)
        app = self._client_app(request, tenant)
        if app.service_principal_id is None:
            # [unsure] where Entra checks this (before or after the credential); the sandbox: first.
            raise aad.missing_service_principal(app.client_id, tenant.tenant_id)
        if not app.sign_in_enabled:  # [unsure] the order of this check in Entra's; the sandbox: next
            raise aad.app_disabled(app.client_id, app.name)
        resource = self._client_credentials_resource(request.form.get("scope"), tenant)
        acr = self.authenticate_client(request, tenant, app)
        if app.blocked_by_conditional_access:
            raise aad.app_blocked_by_conditional_access()
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

    # --- delegated sign-in: clients, users, tokens -------------------------------------------------

    @property
    def verification_uri(self) -> str:
        return f"{self.authority}/devicelogin"

    def _request_tenant(self, ref: str) -> Tenant | None:
        """The tenant a path segment names; None for /common and /organizations (the user's decides)."""
        return None if ref.lower() in MULTI_TENANT else self.resolve_tenant(ref)

    def delegated_client(self, request: TokenRequest, tenant: Tenant | None) -> dlg.DelegatedClient:
        """The first-party public client (in every tenant), or an app registration of this tenant (of any,
        over /common); 900144 without ``client_id``, 700016 for anything else."""
        client_id = (request.form.get("client_id") or "").strip()
        if not client_id:
            raise aad.missing_parameter("client_id")
        if is_guid(client_id):
            first_party = public_client(client_id)
            if first_party is not None:
                return dlg.DelegatedClient.first_party(first_party)
            if tenant is not None:
                app = tenant.app(client_id)
                if app is not None:
                    return dlg.DelegatedClient.registered(app, tenant)
            else:
                hit = self.state.find_app(client_id)
                if hit is not None:
                    return dlg.DelegatedClient.registered(hit[1], hit[0])
        raise aad.app_not_found(client_id, request.tenant_ref)

    def authenticate_delegated_client(self, request: TokenRequest, client: dlg.DelegatedClient) -> str:
        """``appidacr`` for a user token: "0" for a public client (which must send no credential: 700025),
        else the confidential app's own credential, checked as for client credentials (none: 7000218)."""
        form = request.form
        if client.public:
            if form.get("client_secret") or form.get("client_assertion") or form.get("client_assertion_type"):
                raise aad.public_client_with_credential()
            return "0"
        home = self.state.tenant_by_id(client.home_tenant_id or "")
        if home is None or client.app is None:
            raise aad.app_not_found(client.client_id, request.tenant_ref)
        return self.authenticate_client(request, home, client.app)

    def _scopes(
        self, raw: str | None, client: dlg.DelegatedClient, tenant: Tenant | None, ref: str
    ) -> dlg.ScopeRequest:
        directory = tenant.display_name if tenant is not None else ref
        return dlg.parse_scopes(raw, self.state, client.name, directory)

    def sign_in_user(
        self, tenant: Tenant | None, directory: str, login: str, password: str, *, app_password_ok: bool
    ) -> tuple[Tenant, User, bool]:
        """Primary authentication, in Entra's order: the user must exist in the tenant (50034), the password
        be right (50126), then the account be enabled (50057) and no Conditional Access policy block it
        (53003). Returns (tenant, user, whether the app password was used). Over /common and
        /organizations (``tenant`` None) the UPN's domain picks the tenant.

        App passwords: the vendor's specification accepts a user's app password wherever a password
        grant would otherwise need MFA, and the sandbox follows it (``app_password_ok``, ROPC only; the
        browser pages refuse it like a wrong password). [sandbox follows the product spec, not Entra]
        Real Entra no longer accepts app passwords for modern authentication: expect 50126 there."""
        login = login.strip()
        home = tenant or dlg.tenant_for_login(self.state, login)
        user = home.user(login) if home is not None and login else None
        if user is None or home is None:
            shown = directory if tenant is not None else (login.rpartition("@")[2] or directory)
            raise aad.user_not_found(shown)
        given = password.encode("utf-8")
        via_app_password = False
        if not hmac.compare_digest(user.password.encode("utf-8"), given):
            app_password = (user.app_password or "").encode("utf-8")
            if app_password_ok and app_password and hmac.compare_digest(app_password, given):
                via_app_password = True
            else:
                raise aad.invalid_username_or_password()
        if not user.enabled:
            raise aad.user_disabled()
        if user.blocked_by_conditional_access:
            raise aad.blocked_by_conditional_access()
        return home, user, via_app_password

    @staticmethod
    def _check_consent(client: dlg.DelegatedClient, scopes: dlg.ScopeRequest) -> None:
        """65001 unless every permission the token would carry is consented for the client."""
        wanted = set(scopes.granted(client.consented))
        if not client.consented or not wanted <= client.consented:
            raise aad.consent_required(client.client_id, client.name)

    def _user_tokens(
        self,
        tenant: Tenant,
        user: User,
        client: dlg.DelegatedClient,
        scopes: dlg.ScopeRequest,
        form: Mapping[str, str],
        acr: str,
        *,
        refresh: bool = False,
    ) -> dict:
        """The token response for a signed-in user: a Graph access token whose ``scp`` holds the granted
        permissions, an ID token (with ``openid``), a refresh token (with ``offline_access``, and always when
        refreshing) and ``client_info`` (when the client asks with ``client_info=1``, as MSAL does)."""
        now = self.clock()
        access_token = self.tokens.issue(
            tenant_id=tenant.tenant_id,
            audience=self.state.graph_url,
            client_id=client.client_id,
            app_display_name=client.name,
            acr=acr,
            scopes=list(scopes.granted(client.consented)),
            subject_oid=user.object_id,
            upn=user.upn,
            now=now,
        )
        body: dict = {
            "token_type": "Bearer",
            "scope": scopes.response_scope(client.consented),
            "expires_in": self.tokens.lifetime_s,
            "ext_expires_in": self.tokens.lifetime_s,
            "access_token": access_token,
        }
        if refresh or "offline_access" in scopes.reserved:
            grant = dlg.RefreshGrant(
                tenant.tenant_id, client.client_id, user.upn, user.object_id, scopes, now
            )
            body["refresh_token"] = self.refresh_tokens.issue(grant)
        if "openid" in scopes.reserved:
            body["id_token"] = dlg.id_token(
                self.tokens, tenant=tenant, user=user, client_id=client.client_id, now=now
            )
        if str(form.get("client_info", "")).strip() == "1":
            body["client_info"] = dlg.client_info(user, tenant)
        return body

    # --- the device code flow ----------------------------------------------------------------------

    def device_authorization(self, tenant_ref: str, form: Mapping[str, str]) -> dict:
        """``POST /{tenant}/oauth2/v2.0/devicecode``: a device code and the user code to type at
        ``verification_uri``. Interval and lifetime come from the state (Entra's 5 s and 900 s by default)."""
        tenant = self._request_tenant(tenant_ref)
        if tenant is not None:
            self._same_cloud(tenant, form)
        client = self.delegated_client(TokenRequest(tenant_ref=tenant_ref, form=form), tenant)
        scopes = self._scopes(form.get("scope"), client, tenant, tenant_ref)
        interval = max(1, int(self.state.device_code_interval_s))
        lifetime = max(1, int(self.state.device_code_lifetime_s))
        code = self.device_codes.create(
            now=self.clock(),
            lifetime_s=lifetime,
            interval_s=interval,
            tenant_ref=tenant_ref,
            tenant_id=tenant.tenant_id if tenant is not None else None,
            client=client,
            scopes=scopes,
        )
        uri = self.verification_uri
        return {
            "user_code": code.user_code,
            "device_code": code.device_code,
            "verification_uri": uri,
            "expires_in": lifetime,
            "interval": interval,
            "message": (
                f"To sign in, use a web browser to open the page {uri} and enter the code {code.user_code} "
                "to authenticate."
            ),
        }

    def _grant_device_code(self, request: TokenRequest) -> dict:
        """Polling: client, ``device_code``, the client's credential (if confidential), then the code's state:
        used or unknown (bad_verification_code), expired (70020), declined, failed at sign-in (the page's
        error, e.g. 53003 / 50057), pending (70016, or slow_down when polled within ``interval``)."""
        tenant = self._request_tenant(request.tenant_ref)
        client = self.delegated_client(request, tenant)
        device_code = (request.form.get("device_code") or "").strip()
        if not device_code:
            raise aad.missing_parameter("device_code")
        acr = self.authenticate_delegated_client(request, client)
        tenant_id = tenant.tenant_id if tenant is not None else None
        code = self.device_codes.poll(device_code, client.client_id, self.clock(), tenant_id)
        home = self.state.tenant_by_id(code.user_tenant_id or "")
        user = home.user(code.user_upn or "") if home is not None else None
        if home is None or user is None:
            raise aad.bad_verification_code()
        return self._user_tokens(home, user, client, code.scopes, request.form, acr)

    # --- resource owner password credentials (ROPC) ------------------------------------------------

    def _grant_password(self, request: TokenRequest) -> dict:
        """ROPC: client, username and password fields, scope, the client's credential, then the user
        (50034 / 50126 / 50057 / 53003), then MFA (50076 unless the app password was used), then consent.
        Not over /common or /consumers (9001023), as Entra's ROPC documentation says."""
        ref = request.tenant_ref
        if ref.lower() in ("common", "consumers"):
            raise aad.grant_not_on_common(ref)
        tenant = self._request_tenant(ref)
        client = self.delegated_client(request, tenant)
        form = request.form
        for name in ("username", "password"):
            if not form.get(name):
                raise aad.missing_parameter(name)
        scopes = self._scopes(form.get("scope"), client, tenant, ref)
        acr = self.authenticate_delegated_client(request, client)
        home, user, via_app_password = self.sign_in_user(
            tenant, ref, form.get("username", ""), form.get("password", ""), app_password_ok=True
        )
        if user.mfa and not via_app_password:
            raise aad.mfa_required()
        self._check_consent(client, scopes)
        return self._user_tokens(home, user, client, scopes, form, acr)

    # --- refresh tokens ------------------------------------------------------------------------------

    def _grant_refresh_token(self, request: TokenRequest) -> dict:
        """A refresh token of this client and tenant (70000 otherwise), for a user who may still sign in
        (50057 / 53003 if that changed); ``scope`` may name other consented Graph scopes."""
        tenant = self._request_tenant(request.tenant_ref)
        client = self.delegated_client(request, tenant)
        token = (request.form.get("refresh_token") or "").strip()
        if not token:
            raise aad.missing_parameter("refresh_token")
        acr = self.authenticate_delegated_client(request, client)
        grant = self.refresh_tokens.get(token)
        if grant is None or grant.client_id != client.client_id:
            raise aad.invalid_grant()
        if tenant is not None and tenant.tenant_id != grant.tenant_id:
            raise aad.invalid_grant()
        home = self.state.tenant_by_id(grant.tenant_id)
        user = home.user(grant.user_upn) if home is not None else None
        if home is None or user is None or user.object_id != grant.user_oid:
            raise aad.invalid_grant()
        if not user.enabled:
            raise aad.user_disabled()
        if user.blocked_by_conditional_access:
            raise aad.blocked_by_conditional_access()
        raw_scope = request.form.get("scope")
        scopes = self._scopes(raw_scope, client, home, request.tenant_ref) if raw_scope else grant.scopes
        self._check_consent(client, scopes)
        return self._user_tokens(home, user, client, scopes, request.form, acr, refresh=True)

    # --- the verification pages (login.<suffix>/devicelogin) and the test hook ------------------------

    def _code_tenant(self, code: dlg.DeviceCode) -> Tenant | None:
        return self.state.tenant_by_id(code.tenant_id) if code.tenant_id else None

    def _take_flow(self, nonce: str | None, *stages: str) -> dlg.WebFlow:
        now = self.clock()
        for stage in stages:
            flow = self.device_codes.take_flow(nonce, stage, now)
            if flow is not None:
                return flow
        raise dlg.FlowRejected()

    def _next_flow(self, stage: str, **fields: str) -> str:
        return self.device_codes.start_flow(self.clock(), WEB_FLOW_LIFETIME_S, stage=stage, **fields)

    def begin_device_login(self) -> dlg.PageStep:
        """``GET /devicelogin``: the code-entry form, with a fresh flow."""
        return dlg.PageStep("code", nonce=self._next_flow("code"))

    def submit_user_code(self, nonce: str | None, user_code: str) -> dlg.PageStep:
        """The code form: a pending code leads to the sign-in form; any other code shows its error
        (70018 unknown, 70019 expired, 90120 already used, 90119 empty) on the code form again."""
        self._take_flow(nonce, "code")
        try:
            code = self.device_codes.pending(user_code, self.clock())
        except aad.AadstsError as err:
            return dlg.PageStep("code", nonce=self._next_flow("code"), error=err, login=user_code)
        return dlg.PageStep("signin", code, nonce=self._next_flow("signin", user_code=code.user_code))

    def submit_credentials(self, nonce: str | None, login: str, password: str) -> dlg.PageStep:
        """The sign-in form. Unknown user (50034) or wrong password (50126): the form again, the code still
        pending. Disabled (50057), blocked by Conditional Access (53003) or no consent (65001): the error
        page, and the device code fails with that error, which the device's next poll receives. An MFA
        user goes on to the approval page; anyone else approves the code here."""
        flow = self._take_flow(nonce, "signin")
        try:
            code = self.device_codes.pending(flow.user_code or "", self.clock())
        except aad.AadstsError as err:
            return dlg.PageStep("error", error=err)
        try:
            home, user, _ = self.sign_in_user(
                self._code_tenant(code), code.tenant_ref, login, password, app_password_ok=False
            )
            self._check_consent(code.client, code.scopes)
        except aad.AadstsError as err:
            if err.code in (50034, 50126):
                retry = self._next_flow("signin", user_code=code.user_code)
                return dlg.PageStep("signin", code, nonce=retry, error=err, login=login)
            return self._fail(code, err)
        if user.mfa:
            nonce = self._next_flow(
                "mfa", user_code=code.user_code, user_tenant_id=home.tenant_id, user_upn=user.upn
            )
            return dlg.PageStep("mfa", code, nonce=nonce, login=user.upn)
        return self._approve(code.user_code, home, user)

    def approve_sign_in(self, nonce: str | None) -> dlg.PageStep:
        """The "Approve sign in request" page's button: the sandbox's stand-in for the authenticator app."""
        flow = self._take_flow(nonce, "mfa")
        home = self.state.tenant_by_id(flow.user_tenant_id or "")
        user = home.user(flow.user_upn or "") if home is not None else None
        if home is None or user is None:
            raise dlg.FlowRejected()
        return self._approve(flow.user_code or "", home, user)

    def cancel_sign_in(self, nonce: str | None) -> dlg.PageStep:
        """The pages' Cancel button: the user declines; the device's next poll gets authorization_declined."""
        flow = self._take_flow(nonce, "signin", "mfa")
        try:
            code = self.device_codes.decide(flow.user_code or "", self.clock(), status=dlg.DECLINED)
        except aad.AadstsError as err:
            return dlg.PageStep("error", error=err)
        return dlg.PageStep("declined", code)

    def _approve(self, user_code: str, home: Tenant, user: User) -> dlg.PageStep:
        try:
            code = self.device_codes.decide(
                user_code, self.clock(), status=dlg.APPROVED, user=(home.tenant_id, user.upn)
            )
        except aad.AadstsError as err:
            return dlg.PageStep("error", error=err)
        return dlg.PageStep("done", code, login=user.upn)

    def _fail(self, code: dlg.DeviceCode, err: aad.AadstsError) -> dlg.PageStep:
        try:
            self.device_codes.decide(code.user_code, self.clock(), status=dlg.FAILED, failure=err)
        except aad.AadstsError as late:  # expired or decided meanwhile: show that instead
            return dlg.PageStep("error", code, error=late)
        return dlg.PageStep("error", code, error=err)

    def hook_device_code(self, form: Mapping[str, str]) -> dict:
        """``POST /_sandbox/devicecode`` (tests only): decide a user code without a browser. ``decline``
        needs only the code (the pages' Cancel comes before sign-in); ``approve`` applies the sign-in
        form's rules to ``upn`` and ``password``, and approves an MFA user as if they approved in the
        app. Errors raise; 50057 / 53003 / 65001 also fail the code, as the page does."""
        user_code = form.get("user_code") or ""
        action = (form.get("action") or "approve").strip().lower()
        now = self.clock()
        if action == "decline":
            code = self.device_codes.decide(user_code, now, status=dlg.DECLINED)
            return {"user_code": code.user_code, "status": "declined"}
        if action != "approve":
            raise aad.AadstsError(
                90100, "invalid_request", f"The parameter 'action' is not valid: '{action}'."
            )
        code = self.device_codes.pending(user_code, now)
        try:
            home, user, _ = self.sign_in_user(
                self._code_tenant(code),
                code.tenant_ref,
                form.get("upn") or "",
                form.get("password") or "",
                app_password_ok=False,
            )
            self._check_consent(code.client, code.scopes)
        except aad.AadstsError as err:
            if err.code not in (50034, 50126):
                self.device_codes.decide(code.user_code, now, status=dlg.FAILED, failure=err)
            raise
        self.device_codes.decide(code.user_code, now, status=dlg.APPROVED, user=(home.tenant_id, user.upn))
        return {"user_code": code.user_code, "status": "approved", "upn": user.upn}


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
