"""The identity platform's rules without HTTP: discovery, keys, realm, client credentials and every AADSTS
refusal, in Entra's order; the error body's exact shape."""

from __future__ import annotations

import re
import time

import jwt
import pytest

from spkit.sandbox.identity import discovery, token_endpoint
from spkit.sandbox.identity import exceptions as aad
from spkit.sandbox.identity.client_auth import basic_credentials
from spkit.sandbox.identity.context import IdentityContext
from spkit.sandbox.identity.models import TokenRequest
from spkit.sandbox.identity.tenants import resolve_tenant
from spkit.sandbox.state import GRAPH_APP_ID, SHAREPOINT_APP_ID
from tests.sandbox.identity_world import World, assertion, b64url, build_world, make_cert, token_url

GRAPH = "https://graph.localhost/.default"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture()
def ctx(world: World) -> IdentityContext:
    return IdentityContext(world.state, world.tokens)


def secret_form(world: World, app: str = "secret-app", scope: str = GRAPH, **extra: str) -> dict:
    form = {
        "grant_type": "client_credentials",
        "client_id": world.apps[app].client_id,
        "scope": scope,
        "client_secret": world.secrets.get(app, ""),
    }
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}


def cert_form(world: World, jwt_text: str, app: str = "cert-app", scope: str = GRAPH) -> dict:
    return {
        "grant_type": "client_credentials",
        "client_id": world.apps[app].client_id,
        "scope": scope,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": jwt_text,
    }


def refused(ctx: IdentityContext, form: dict, tenant: str = "contoso.onmicrosoft.com") -> aad.AadstsError:
    with pytest.raises(aad.AadstsError) as caught:
        token_endpoint.token(ctx, TokenRequest(tenant, form))
    return caught.value


def claims_of(world: World, result: dict, audience: str) -> dict:
    return world.tokens.validate(result["access_token"], audiences={audience})


# --- discovery, keys, realm ----------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["contoso.onmicrosoft.com", "CONTOSO.COM", "tenant-guid"])
def test_discovery_resolves_guid_and_any_domain(ctx: IdentityContext, world: World, ref: str) -> None:
    tid = world.contoso.tenant_id
    doc = discovery.openid_configuration(ctx.state, tid if ref == "tenant-guid" else ref)
    assert doc["token_endpoint"] == f"https://login.localhost/{tid}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"https://login.localhost/{tid}/oauth2/v2.0/authorize"
    assert doc["device_authorization_endpoint"] == f"https://login.localhost/{tid}/oauth2/v2.0/devicecode"
    assert doc["jwks_uri"] == f"https://login.localhost/{tid}/discovery/v2.0/keys"
    assert doc["issuer"] == f"https://login.localhost/{tid}/v2.0"
    assert doc["cloud_instance_name"] == "localhost" and doc["msgraph_host"] == "graph.localhost"
    assert doc["tenant_region_scope"] == "NA" and "rbac_url" in doc and "cloud_graph_host_name" in doc
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]


@pytest.mark.parametrize("ref", ["common", "organizations", "Common"])
def test_discovery_multi_tenant_keeps_tenantid_placeholder(ctx: IdentityContext, ref: str) -> None:
    doc = discovery.openid_configuration(ctx.state, ref)
    assert doc["issuer"] == "https://login.localhost/{tenantid}/v2.0"
    assert doc["token_endpoint"] == f"https://login.localhost/{ref.lower()}/oauth2/v2.0/token"
    assert doc["tenant_region_scope"] is None


@pytest.mark.parametrize(
    ("ref", "code", "error"),
    [
        ("nowhere.example.com", 90002, "invalid_tenant"),
        ("00000000-0000-0000-0000-000000000000", 90002, "invalid_tenant"),
        ("tenant_id", 90002, "invalid_tenant"),  # Entra: a single label with '_' is a name, just not found
        ("not_a_tenant!", 900023, "invalid_request"),
        ("two words", 900023, "invalid_request"),
        ("{tenantid}", 900023, "invalid_request"),
    ],
)
def test_discovery_unknown_or_invalid_tenant(ctx: IdentityContext, ref: str, code: int, error: str) -> None:
    with pytest.raises(aad.AadstsError) as caught:
        discovery.openid_configuration(ctx.state, ref)
    assert (caught.value.code, caught.value.error, caught.value.status) == (code, error, 400)
    assert f"'{ref}'" in caught.value.description


def test_tenant_not_found_wording(ctx: IdentityContext) -> None:
    with pytest.raises(aad.AadstsError) as caught:
        resolve_tenant(ctx.state, "nowhere.example.com")
    assert caught.value.description.startswith(
        "Tenant 'nowhere.example.com' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud."
    )


def test_v1_discovery(ctx: IdentityContext, world: World) -> None:
    tid = world.contoso.tenant_id
    doc = discovery.openid_configuration_v1(world.state, "contoso.com")
    assert doc["issuer"] == f"https://sts.localhost/{tid}/"
    assert doc["token_endpoint"] == f"https://login.localhost/{tid}/oauth2/token"


def test_jwks_for_tenant_and_common(ctx: IdentityContext, world: World) -> None:
    assert (
        discovery.jwks(ctx.state, ctx.tokens, "contoso.com")
        == world.tokens.jwks()
        == discovery.jwks(ctx.state, ctx.tokens, "common")
    )
    with pytest.raises(aad.AadstsError) as caught:
        discovery.jwks(ctx.state, ctx.tokens, "nowhere.example.com")
    assert caught.value.code == 90002


def test_user_realm_managed_and_unknown(ctx: IdentityContext) -> None:
    realm = discovery.user_realm(ctx.state, "Admin@Contoso.com")
    assert realm == {
        "State": 4,
        "UserState": 1,
        "Login": "Admin@Contoso.com",
        "NameSpaceType": "Managed",
        "DomainName": "contoso.com",
        "FederationBrandName": "Contoso",
        "CloudInstanceName": "localhost",
        "CloudInstanceIssuerUri": "urn:federation:MicrosoftOnline",
    }
    assert discovery.user_realm(ctx.state, "fabrikam.onmicrosoft.com")["NameSpaceType"] == "Managed"
    assert discovery.user_realm(ctx.state, "someone@gmail.example") == {
        "State": 4,
        "UserState": 1,
        "Login": "someone@gmail.example",
        "NameSpaceType": "Unknown",
    }


# --- client credentials: success -----------------------------------------------------------------


def test_secret_grant_issues_graph_token_with_roles(ctx: IdentityContext, world: World) -> None:
    result = token_endpoint.token(ctx, TokenRequest("contoso.onmicrosoft.com", secret_form(world)))
    assert set(result) == {"token_type", "expires_in", "ext_expires_in", "access_token"}
    assert (result["token_type"], result["expires_in"], result["ext_expires_in"]) == ("Bearer", 3599, 3599)
    claims = claims_of(world, result, "https://graph.localhost")
    app = world.apps["secret-app"]
    assert claims["tid"] == world.contoso.tenant_id and claims["appid"] == app.client_id
    assert claims["appidacr"] == "1" and claims["app_displayname"] == "secret-app"
    assert claims["roles"] == ["Sites.Read.All", "User.Read.All"]


@pytest.mark.parametrize(
    ("scope", "audience", "roles"),
    [
        (f"{GRAPH_APP_ID}/.default", "https://graph.localhost", ["Sites.Read.All", "User.Read.All"]),
        ("https://graph.localhost//.default", "https://graph.localhost", ["Sites.Read.All", "User.Read.All"]),
        (
            "https://contoso.sharepoint.localhost/.default",
            "https://contoso.sharepoint.localhost",
            ["Sites.FullControl.All"],
        ),
        (
            "https://contoso-admin.sharepoint.localhost/.default",
            "https://contoso-admin.sharepoint.localhost",
            ["Sites.FullControl.All"],
        ),
        (
            "https://CONTOSO-my.sharepoint.localhost/.default",
            "https://contoso-my.sharepoint.localhost",
            ["Sites.FullControl.All"],
        ),
        (f"{SHAREPOINT_APP_ID}/.default", "https://contoso.sharepoint.localhost", ["Sites.FullControl.All"]),
    ],
)
def test_resources_and_audiences(
    ctx: IdentityContext, world: World, scope: str, audience: str, roles: list[str]
) -> None:
    result = token_endpoint.token(ctx, TokenRequest("contoso.com", secret_form(world, scope=scope)))
    assert claims_of(world, result, audience)["roles"] == roles


def test_no_consented_roles_means_no_roles_claim(ctx: IdentityContext, world: World) -> None:
    result = token_endpoint.token(ctx, TokenRequest("contoso.com", secret_form(world, "noroles-app")))
    assert "roles" not in claims_of(world, result, "https://graph.localhost")


@pytest.mark.parametrize(
    ("alg", "padded"), [("RS256", True), ("RS256", False), ("PS256", True), ("PS256", False)]
)
def test_certificate_assertion_both_msal_shapes(
    ctx: IdentityContext, world: World, alg: str, padded: bool
) -> None:
    app = world.apps["cert-app"]
    signed = assertion(
        world.certs["cert-app"], app.client_id, token_url(world.contoso.tenant_id), alg=alg, padded=padded
    )
    result = token_endpoint.token(ctx, TokenRequest(world.contoso.tenant_id, cert_form(world, signed)))
    claims = claims_of(world, result, "https://graph.localhost")
    assert claims["appidacr"] == "2" and claims["azpacr"] == "2"


@pytest.mark.parametrize("aud_tenant", ["path", "guid", "v1"])
def test_assertion_audience_may_name_tenant_as_given_or_guid(
    ctx: IdentityContext, world: World, aud_tenant: str
) -> None:
    tid, path = world.contoso.tenant_id, "contoso.onmicrosoft.com"
    aud = {"path": token_url(path), "guid": token_url(tid), "v1": token_url(tid, v1=True)}[aud_tenant]
    signed = assertion(world.certs["cert-app"], world.apps["cert-app"].client_id, aud)
    assert token_endpoint.token(ctx, TokenRequest(path, cert_form(world, signed)))["access_token"]


def test_assertion_without_nbf_or_jti_and_within_skew_passes(ctx: IdentityContext, world: World) -> None:
    app = world.apps["cert-app"]
    signed = assertion(
        world.certs["cert-app"],
        app.client_id,
        token_url(world.contoso.tenant_id),
        jti=None,
        exp=time.time() - 200,
    )  # expired 200 s ago: inside Entra's 5-minute skew
    assert token_endpoint.token(ctx, TokenRequest(world.contoso.tenant_id, cert_form(world, signed)))[
        "access_token"
    ]


def test_client_secret_basic(ctx: IdentityContext, world: World) -> None:
    import base64

    app = world.apps["secret-app"]
    header = "Basic " + base64.b64encode(f"{app.client_id}:{world.secrets['secret-app']}".encode()).decode()
    assert basic_credentials(header) == (app.client_id, world.secrets["secret-app"])
    assert basic_credentials("Bearer x") is None and basic_credentials("Basic !!") is None


# --- client credentials: refusals in Entra's order -----------------------------------------------


def test_order_tenant_before_everything(ctx: IdentityContext) -> None:
    assert refused(ctx, {}, tenant="nowhere.example.com").code == 90002
    assert refused(ctx, {}, tenant="bad tenant").code == 900023


def test_grant_type_missing_and_unsupported(ctx: IdentityContext, world: World) -> None:
    assert refused(ctx, {"client_id": "x"}).description == (
        "The request body must contain the following parameter: 'grant_type'."
    )
    err = refused(ctx, {"grant_type": "magic"})
    assert (err.code, err.error) == (70003, "unsupported_grant_type")
    assert err.description == "The app requested an unsupported grant type 'magic'."
    gap = refused(ctx, {"grant_type": "authorization_code"})
    assert "not supported by this sandbox yet" in gap.description


def test_client_credentials_need_one_tenant(ctx: IdentityContext, world: World) -> None:
    assert refused(ctx, secret_form(world), tenant="common").code == 9001023
    assert refused(ctx, secret_form(world), tenant="organizations").code == 50059


@pytest.mark.parametrize(
    ("client_id", "code"),
    [
        (None, 900144),
        ("", 900144),
        ("not-a-guid", 700016),
        ("11111111-2222-3333-4444-555555555555", 700016),
    ],
)
def test_client_id_rules(ctx: IdentityContext, world: World, client_id: str | None, code: int) -> None:
    form = secret_form(world)
    if client_id is None:
        del form["client_id"]
    else:
        form["client_id"] = client_id
    err = refused(ctx, form)
    assert err.code == code
    if code == 700016:
        assert err.error == "unauthorized_client" and err.status == 400
        assert err.description.startswith(
            f"Application with identifier '{client_id}' was not found in the "
            "directory 'contoso.onmicrosoft.com'."
        )


def test_app_of_another_tenant_is_not_found_here(ctx: IdentityContext, world: World) -> None:
    assert refused(ctx, secret_form(world, "fab-app")).code == 700016
    assert token_endpoint.token(ctx, TokenRequest("fabrikam.onmicrosoft.com", secret_form(world, "fab-app")))


@pytest.mark.parametrize(
    ("scope", "code", "error"),
    [
        (None, 90014, "invalid_request"),
        ("", 90014, "invalid_request"),
        ("https://graph.localhost/Sites.Read.All", 1002012, "invalid_scope"),
        ("openid", 1002012, "invalid_scope"),
        (f"{GRAPH} offline_access", 1002012, "invalid_scope"),
        (f"{GRAPH} https://contoso.sharepoint.localhost/.default", 700022, "invalid_scope"),
        ("https://graph.microsoft.com/.default", 500011, "invalid_resource"),
        ("https://fabrikam.sharepoint.localhost/.default", 500011, "invalid_resource"),
        ("https://contoso.sharepoint.localhost/sites/x/.default", 500011, "invalid_resource"),
        ("api://00000000-0000-0000-0000-000000000001/.default", 500011, "invalid_resource"),
    ],
)
def test_scope_rules(ctx: IdentityContext, world: World, scope: str | None, code: int, error: str) -> None:
    err = refused(ctx, secret_form(world, scope=scope))
    assert (err.code, err.error) == (code, error)


def test_scope_wording(ctx: IdentityContext, world: World) -> None:
    err = refused(ctx, secret_form(world, scope="User.Read"))
    assert err.description == (
        "The provided value for scope User.Read is not valid. Client credential flows "
        "must have a scope value with /.default suffixed to the resource identifier "
        "(application ID URI)."
    )
    err = refused(ctx, secret_form(world, scope="https://fabrikam.sharepoint.localhost/.default"))
    assert err.description.startswith(
        "The resource principal named https://fabrikam.sharepoint.localhost "
        "was not found in the tenant named Contoso."
    )


def test_scope_checked_before_credential(ctx: IdentityContext, world: World) -> None:
    assert refused(ctx, secret_form(world, scope="User.Read", client_secret="wrong")).code == 1002012


def test_credential_presence(ctx: IdentityContext, world: World) -> None:
    err = refused(ctx, secret_form(world, client_secret=None))
    assert (err.code, err.error, err.status) == (7000218, "invalid_client", 401)
    both = secret_form(world, client_assertion_type=JWT_BEARER, client_assertion="a.b.c")
    assert refused(ctx, both).code == 90023
    assert refused(ctx, cert_form(world, "")).code == 900144
    bad_type = cert_form(world, "a.b.c")
    bad_type["client_assertion_type"] = "jwt"
    assert refused(ctx, bad_type).code == 90100


@pytest.mark.parametrize("case", ["wrong", "key_id", "other_app"])
def test_invalid_secret_7000215(ctx: IdentityContext, world: World, case: str) -> None:
    app = world.apps["secret-app"]
    value = {"wrong": "nope", "key_id": app.secrets[0].key_id, "other_app": world.secrets["noroles-app"]}[
        case
    ]
    err = refused(ctx, secret_form(world, client_secret=value))
    assert (err.code, err.error, err.status) == (7000215, "invalid_client", 401)
    assert err.description == (
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        f"value, not the client secret ID, for a secret added to app '{app.client_id}'."
    )


def test_expired_secret_7000222(ctx: IdentityContext, world: World) -> None:
    err = refused(ctx, secret_form(world, "expired-app"))
    assert (err.code, err.status) == (7000222, 401)
    assert (
        f"The provided client secret keys for app '{world.apps['expired-app'].client_id}' are expired"
        in err.description
    )


def _cert_refusal(ctx: IdentityContext, world: World, app: str = "cert-app", **kwargs: object):
    cert = kwargs.pop("cert", world.certs.get(app))
    aud = kwargs.pop("aud", token_url(world.contoso.tenant_id))
    signed = assertion(cert, world.apps[app].client_id, aud, **kwargs)  # type: ignore[arg-type]
    return refused(ctx, cert_form(world, signed, app=app), tenant=world.contoso.tenant_id)


def test_unregistered_certificate_700027_quotes_thumbprint(ctx: IdentityContext, world: World) -> None:
    stranger = make_cert("stranger")
    err = _cert_refusal(ctx, world, cert=stranger)
    assert (err.code, err.error, err.status) == (700027, "invalid_client", 401)
    assert "[Reason - The key was not found., " in err.description
    assert f"Thumbprint of key used by client: '{stranger.sha1.hex().upper()}'" in err.description
    err = _cert_refusal(ctx, world, cert=stranger, alg="PS256")
    assert f"'{stranger.sha256.hex().upper()}'" in err.description


def test_undecodable_thumbprint_700027_without_thumbprint(ctx: IdentityContext, world: World) -> None:
    app = world.apps["cert-app"]
    claims = {
        "aud": token_url(world.contoso.tenant_id),
        "iss": app.client_id,
        "sub": app.client_id,
        "exp": time.time() + 600,
    }
    signed = jwt.encode(
        claims, world.certs["cert-app"].key, algorithm="RS256", headers={"x5t": "a+b/c="}
    )  # plain base64, not base64url
    err = refused(ctx, cert_form(world, signed), tenant=world.contoso.tenant_id)
    assert err.code == 700027 and "Thumbprint of key used by client" not in err.description


def test_bad_signature_700027(ctx: IdentityContext, world: World) -> None:
    registered, other = world.certs["cert-app"], make_cert("impostor")
    app = world.apps["cert-app"]
    claims = {
        "aud": token_url(world.contoso.tenant_id),
        "iss": app.client_id,
        "sub": app.client_id,
        "exp": time.time() + 600,
    }
    forged = jwt.encode(claims, other.key, algorithm="RS256", headers={"x5t": b64url(registered.sha1)})
    err = refused(ctx, cert_form(world, forged), tenant=world.contoso.tenant_id)
    assert err.code == 700027
    assert err.description.startswith(
        "Client assertion failed signature validation. [Reason - Key was "
        "found, but use of the key to verify the signature failed."
    )
    assert f"'{registered.sha1.hex().upper()}', Found key 'Start=" in err.description


def test_expired_registered_certificate_700027(ctx: IdentityContext, world: World) -> None:
    err = _cert_refusal(ctx, world, app="oldcert-app")
    assert err.code == 700027 and "The key used is expired." in err.description


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"aud": "https://login.localhost/fabrikam.onmicrosoft.com/oauth2/v2.0/token"}, 50027),
        ({"aud": "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"}, 50027),
        ({"aud": ["https://login.localhost/x/oauth2/v2.0/token", "https://login.localhost/y"]}, 5002741),
        ({"sub": "someone-else"}, 50048),
        (
            {"iss": "11111111-2222-3333-4444-555555555555", "sub": "11111111-2222-3333-4444-555555555555"},
            700021,
        ),
        ({"exp": None}, 90014),
        ({"aud": None}, 90014),
        ({"exp": time.time() - 3600}, 700024),
        ({"nbf": time.time() + 3600}, 700024),
        ({"exp": "tomorrow"}, 50027),
    ],
)
def test_assertion_claim_rules(ctx: IdentityContext, world: World, kwargs: dict, code: int) -> None:
    assert _cert_refusal(ctx, world, **kwargs).code == code


def test_assertion_time_range_wording(ctx: IdentityContext, world: World) -> None:
    err = _cert_refusal(ctx, world, exp=1_700_000_000.0)
    assert re.fullmatch(
        r"Client assertion is not within its valid time range\. Current time: "
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from 1970-01-01T00:00:00\.0000000Z, "
        r"expiry time of assertion "
        r"2023-11-14T22:13:20\.0000000Z\. Review the documentation at "
        r"https://learn\.microsoft\.com/entra/identity-platform/certificate-credentials \.",
        err.description,
    )


def test_malformed_assertion_50027(ctx: IdentityContext, world: World) -> None:
    for text in ("not-a-jwt", "a.b.c", "e30.e30"):
        assert refused(ctx, cert_form(world, text)).code == 50027


def test_certificate_checked_against_this_apps_keys(ctx: IdentityContext, world: World) -> None:
    """noroles-app's certificate does not authenticate cert-app."""
    err = _cert_refusal(ctx, world, cert=world.certs["noroles-app"])
    assert err.code == 700027


# --- the error body ------------------------------------------------------------------------------


def test_error_body_shape() -> None:
    err = aad.invalid_client_secret("abc")
    cid = "c0ffee00-0000-0000-0000-000000000000"
    body = aad.error_body(err, "https://login.localhost", correlation_id=cid)
    assert list(body) == [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ]
    assert body["error_codes"] == [7000215] and body["error"] == "invalid_client"
    assert body["error_uri"] == "https://login.localhost/error?code=7000215"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", body["timestamp"])
    assert body["error_description"] == (
        f"AADSTS7000215: {err.description}\r\nTrace ID: {body['trace_id']}\r\nCorrelation ID: "
        f"c0ffee00-0000-0000-0000-000000000000\r\nTimestamp: {body['timestamp']}"
    )
    again = aad.error_body(err, "https://login.localhost")
    assert again["trace_id"] != body["trace_id"] and again["correlation_id"] != body["correlation_id"]


def test_statuses_and_suberror() -> None:
    assert aad.AadstsError(1, "invalid_client", "x").status == 401
    assert aad.AadstsError(1, "invalid_grant", "x").status == 400
    body = aad.error_body(
        aad.AadstsError(53003, "interaction_required", "x", suberror="message_only"),
        "https://login.localhost",
    )
    assert body["suberror"] == "message_only"
