"""The token endpoint's rules called one module at a time, so a failure names the rule: client
authentication (secret windows, exactly one credential, public clients), the certificate assertion's own
checks, client credentials' tenant and resource, delegated sign-in's order and consent, scopes, and what
MSAL reads from a user token response. The same rules over HTTP are in test_identity_models/_http."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from spkit.sandbox.identity import (
    client_assertions,
    client_auth,
    client_credentials,
    scopes,
    sign_in,
    tenants,
)
from spkit.sandbox.identity import exceptions as aad
from spkit.sandbox.identity.context import IdentityContext
from spkit.sandbox.identity.first_party import GRAPH_COMMAND_LINE_TOOLS
from spkit.sandbox.identity.models import DelegatedClient, ScopeRequest, TokenRequest
from spkit.sandbox.identity.user_tokens import client_info, pairwise_sub
from spkit.sandbox.state import App, ClientSecret, KeyCredential, User
from tests.sandbox.identity_world import World, assertion, build_world, make_cert, token_url

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CLI = GRAPH_COMMAND_LINE_TOOLS.client_id


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture()
def ctx(world: World) -> IdentityContext:
    return IdentityContext(world.state, world.tokens)


def refused(call, *args: object, **kwargs: object) -> aad.AadstsError:
    with pytest.raises(aad.AadstsError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- client secrets: the key's window decides ------------------------------------------------------


def _app_with_secret(value: str, start: datetime, end: datetime) -> App:
    app = App(
        name="windowed",
        client_id="11111111-0000-0000-0000-000000000001",
        object_id="o",
        service_principal_id="sp",
    )
    app.secrets.append(ClientSecret("k1", value, "test", start, end))
    return app


def test_secret_inside_its_window_passes() -> None:
    app = _app_with_secret("s3cret", T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert client_auth.check_secret(app, "s3cret", T0.timestamp()) is None


def test_secret_past_its_end_is_7000222() -> None:
    app = _app_with_secret("s3cret", T0 - timedelta(days=10), T0)
    err = refused(client_auth.check_secret, app, "s3cret", T0.timestamp())  # end is exclusive
    assert (err.code, err.error, err.status) == (7000222, "invalid_client", 401)
    assert err.description.startswith(
        f"The provided client secret keys for app '{app.client_id}' are expired."
    )


def test_secret_not_yet_valid_counts_as_no_match() -> None:
    app = _app_with_secret("s3cret", T0 + timedelta(hours=1), T0 + timedelta(days=1))
    assert refused(client_auth.check_secret, app, "s3cret", T0.timestamp()).code == 7000215


def test_wrong_secret_is_7000215_even_when_the_right_one_expired() -> None:
    app = _app_with_secret("s3cret", T0 - timedelta(days=10), T0 - timedelta(days=1))
    assert refused(client_auth.check_secret, app, "s3cret!", T0.timestamp()).code == 7000215


# --- exactly one credential --------------------------------------------------------------------------


def _request(world: World, **form: str) -> TokenRequest:
    return TokenRequest("contoso.onmicrosoft.com", {"grant_type": "client_credentials", **form})


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({}, 7000218),
        ({"client_secret": "x", "client_assertion": "a.b.c"}, 90023),
        ({"client_secret": "x", "client_assertion_type": client_assertions.JWT_BEARER}, 90023),
        ({"client_assertion": "a.b.c"}, 900144),  # the type is missing
        ({"client_assertion_type": "jwt", "client_assertion": "a.b.c"}, 90100),
        ({"client_assertion_type": client_assertions.JWT_BEARER}, 900144),  # the assertion is missing
    ],
)
def test_credential_shape(ctx: IdentityContext, world: World, form: dict, code: int) -> None:
    app = world.apps["secret-app"]
    assert (
        refused(client_auth.authenticate_client, ctx, _request(world, **form), world.contoso, app).code
        == code
    )


def test_secret_gives_appidacr_1_and_certificate_2(ctx: IdentityContext, world: World) -> None:
    secret = _request(world, client_secret=world.secrets["secret-app"])
    assert client_auth.authenticate_client(ctx, secret, world.contoso, world.apps["secret-app"]) == "1"
    app = world.apps["cert-app"]
    signed = assertion(world.certs["cert-app"], app.client_id, token_url("contoso.onmicrosoft.com"))
    cert = _request(world, client_assertion_type=client_assertions.JWT_BEARER, client_assertion=signed)
    assert client_auth.authenticate_client(ctx, cert, world.contoso, app) == "2"


def test_assertion_audiences_name_the_tenant_as_written_or_by_guid(world: World) -> None:
    tid = world.contoso.tenant_id
    assert client_auth.assertion_audiences("https://login.localhost", "contoso.com", world.contoso) == [
        "https://login.localhost/contoso.com/oauth2/v2.0/token",
        "https://login.localhost/contoso.com/oauth2/token",
        f"https://login.localhost/{tid}/oauth2/v2.0/token",
        f"https://login.localhost/{tid}/oauth2/token",
    ]
    assert len(client_auth.assertion_audiences("https://login.localhost", tid, world.contoso)) == 2


def test_public_client_sends_no_credential(ctx: IdentityContext) -> None:
    client = DelegatedClient.first_party(GRAPH_COMMAND_LINE_TOOLS)
    plain = TokenRequest("organizations", {"client_id": CLI})
    assert client_auth.authenticate_delegated_client(ctx, plain, client) == "0"
    for field in ("client_secret", "client_assertion", "client_assertion_type"):
        with_credential = TokenRequest("organizations", {"client_id": CLI, field: "x"})
        err = refused(client_auth.authenticate_delegated_client, ctx, with_credential, client)
        assert (err.code, err.error) == (700025, "invalid_client"), field


# --- the certificate assertion's own checks ----------------------------------------------------------------


def _verify(world: World, signed: str, *, app: App | None = None, now: float | None = None):
    return client_assertions.verify(
        signed,
        app or world.apps["cert-app"],
        audiences=[token_url("contoso.com")],
        now=time.time() if now is None else now,
        graph_url="https://graph.localhost",
    )


def _registered_for(world: World, start: datetime, end: datetime) -> App:
    """cert-app with its certificate registered for [start, end) (Graph's startDateTime/endDateTime)."""
    cert_app = world.apps["cert-app"]
    app = App(name=cert_app.name, client_id=cert_app.client_id, object_id="o", service_principal_id="sp")
    certificate = world.certs["cert-app"].certificate
    app.key_credentials.append(KeyCredential("k", certificate, "test", start=start, end=end))
    return app


def test_assertion_for_another_token_endpoint_is_50027(world: World) -> None:
    app = world.apps["cert-app"]
    signed = assertion(world.certs["cert-app"], app.client_id, token_url("fabrikam.onmicrosoft.com"))
    err = refused(_verify, world, signed)
    assert (err.code, err.error) == (50027, "invalid_client")
    assert err.description == (
        "JWT token is invalid or malformed. The audience "
        "'https://login.localhost/fabrikam.onmicrosoft.com/oauth2/v2.0/token' of the client assertion is not "
        "this token endpoint."
    )


def test_audience_compares_without_case_and_a_one_item_list_passes(world: World) -> None:
    app, cert = world.apps["cert-app"], world.certs["cert-app"]
    assert _verify(world, assertion(cert, app.client_id, token_url("CONTOSO.COM"))) is not None
    assert _verify(world, assertion(cert, app.client_id, [token_url("contoso.com")])) is not None
    err = refused(_verify, world, assertion(cert, app.client_id, [token_url("contoso.com")] * 2))
    assert err.code == 5002741 and "2 audience values provided" in err.description


def test_assertion_time_window_uses_the_skew_and_prints_ticks(world: World) -> None:
    exp = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    app = _registered_for(world, datetime(2023, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
    signed = assertion(world.certs["cert-app"], app.client_id, token_url("contoso.com"), iat=None, exp=exp)
    assert _verify(world, signed, app=app, now=exp + 300) is not None  # inside the five minutes
    err = refused(_verify, world, signed, app=app, now=exp + 300.5)
    assert (err.code, err.error) == (700024, "invalid_client")
    assert err.description.startswith(
        "Client assertion is not within its valid time range. Current time: 2023-11-14T22:18:20.5000000Z, "
        "assertion valid from 1970-01-01T00:00:00.0000000Z, expiry time of assertion 2023-11-14T22:13:20.0000000Z."
    )


def test_registered_key_window_decides_not_the_certificate(world: World) -> None:
    now = time.time()
    moment = datetime.fromtimestamp(now, UTC)
    app = _registered_for(world, moment + timedelta(hours=1), moment + timedelta(days=1))
    signed = assertion(world.certs["cert-app"], app.client_id, token_url("contoso.com"))
    err = refused(_verify, world, signed, app=app, now=now)
    assert err.code == 700027 and "[Reason - The key used is expired., " in err.description
    start = (moment + timedelta(hours=1)).strftime("%m/%d/%Y %H:%M:%S")
    assert f"Found key 'Start={start}, End=" in err.description


def test_unregistered_certificate_is_700027(world: World) -> None:
    signed = assertion(make_cert("stranger"), world.apps["cert-app"].client_id, token_url("contoso.com"))
    assert refused(_verify, world, signed).code == 700027


@pytest.mark.parametrize("text", ["a", "a+b", "a/b", "abc===", "€", "ab=c"])
def test_strict_b64url_refuses_what_is_not_base64url(text: str) -> None:
    with pytest.raises(ValueError, match="not base64url"):
        client_assertions.strict_b64url(text)


def test_strict_b64url_takes_padded_and_unpadded() -> None:
    data = b"\xfb\xff\x00thumb"
    padded = base64.urlsafe_b64encode(data).decode()
    assert "=" in padded
    assert (
        client_assertions.strict_b64url(padded) == client_assertions.strict_b64url(padded.rstrip("=")) == data
    )


# --- client credentials: one tenant, one resource --------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "code"), [("common", 9001023), ("consumers", 9001023), ("organizations", 50059)]
)
def test_client_credentials_need_a_named_tenant(world: World, ref: str, code: int) -> None:
    assert refused(client_credentials.single_tenant, world.state, ref).code == code


def test_resource_names(world: World) -> None:
    resource = client_credentials.resource
    assert (
        resource(world.state, "https://GRAPH.localhost/", world.contoso).audience == "https://graph.localhost"
    )
    sp = resource(world.state, "00000003-0000-0ff1-ce00-000000000000", world.contoso)
    assert (sp.kind, sp.audience) == ("SharePoint", "https://contoso.sharepoint.localhost")
    assert (
        refused(resource, world.state, "https://fabrikam.sharepoint.localhost", world.contoso).code == 500011
    )
    assert (
        refused(resource, world.state, "https://contoso.sharepoint.localhost:8443", world.contoso).code
        == 500011
    )


def test_requested_resource_needs_one_default_scope(world: World) -> None:
    pick = client_credentials.requested_resource
    assert pick(world.state, "https://graph.localhost/.default", world.contoso).kind == "Graph"
    assert refused(pick, world.state, "", world.contoso).code == 90014
    assert refused(pick, world.state, "User.Read", world.contoso).code == 1002012
    two = "https://graph.localhost/.default https://contoso.sharepoint.localhost/.default"
    assert refused(pick, world.state, two, world.contoso).code == 700022


def test_app_of_another_tenant_is_700016(world: World) -> None:
    request = TokenRequest("contoso.com", {"client_id": world.apps["fab-app"].client_id})
    err = refused(client_credentials.client_app, request, world.contoso)
    assert (err.code, err.error) == (
        700016,
        "unauthorized_client",
    ) and "directory 'contoso.com'" in err.description


# --- tenants -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "code"),
    [("tenant_id", 90002), ("secrets", 90002), ("two words", 900023), ("a" * 64 + ".com", 900023)],
)
def test_tenant_segment_is_a_name_or_not(world: World, ref: str, code: int) -> None:
    assert refused(tenants.resolve_tenant, world.state, ref).code == code


def test_national_cloud_tenant_refuses_here(world: World) -> None:
    tenant = world.contoso
    tenant.cloud = "usgov"
    try:
        assert refused(tenants.same_cloud, tenant, {"grant_type": "client_credentials"}).code == 900382
        assert (
            refused(tenants.same_cloud, tenant, {"grant_type": "password", "client_secret": "x"}).code
            == 900382
        )
        assert refused(tenants.same_cloud, tenant, {"grant_type": "password"}).code == 90002
    finally:
        tenant.cloud = "global"
    assert tenants.same_cloud(tenant, {"grant_type": "client_credentials"}) is None


# --- delegated sign-in ----------------------------------------------------------------------------------------


@pytest.fixture()
def people(world: World):
    added = {
        "on@contoso.com": User("on@contoso.com", "On-pass-1", "On", "oid-on", app_password="apppass"),
        "off@contoso.com": User("off@contoso.com", "Off-pass-1", "Off", "oid-off", enabled=False),
    }
    world.contoso.users.update(added)
    yield added
    for upn in added:
        world.contoso.users.pop(upn)


def test_password_is_checked_before_the_account_state(world: World, people: dict) -> None:
    login = sign_in.sign_in_user
    assert (
        refused(login, world.state, world.contoso, "x", "off@contoso.com", "wrong", app_password_ok=True).code
        == 50126
    )
    assert (
        refused(
            login, world.state, world.contoso, "x", "off@contoso.com", "Off-pass-1", app_password_ok=True
        ).code
        == 50057
    )


def test_app_password_only_where_allowed(world: World, people: dict) -> None:
    login = sign_in.sign_in_user
    home, user, via_app = login(
        world.state, None, "common", "on@contoso.com", "apppass", app_password_ok=True
    )
    assert (home is world.contoso, user.upn, via_app) == (True, "on@contoso.com", True)
    assert (
        refused(login, world.state, None, "common", "on@contoso.com", "apppass", app_password_ok=False).code
        == 50126
    )


def test_unknown_user_names_the_directory(world: World) -> None:
    err = refused(
        sign_in.sign_in_user,
        world.state,
        None,
        "organizations",
        "x@nowhere.example",
        "p",
        app_password_ok=True,
    )
    assert err.code == 50034 and "in the nowhere.example directory" in err.description


def test_consent_needs_every_granted_permission() -> None:
    client = DelegatedClient("c", "App", False, frozenset({"User.Read"}))
    sign_in.check_consent(client, ScopeRequest(("User.Read",), ("User.Read",), frozenset()))
    err = refused(
        sign_in.check_consent, client, ScopeRequest(("Sites.Read.All",), ("Sites.Read.All",), frozenset())
    )
    assert (err.code, err.suberror) == (65001, "consent_required")
    unconsented = DelegatedClient("c", "App", False, frozenset())
    assert (
        refused(sign_in.check_consent, unconsented, ScopeRequest((), (), frozenset({"openid"}))).code == 65001
    )


def test_delegated_client_over_common_finds_any_tenants_app(world: World) -> None:
    app = world.apps["fab-app"]
    client = sign_in.delegated_client(world.state, TokenRequest("common", {"client_id": app.client_id}), None)
    assert (client.public, client.home_tenant_id) == (False, world.fabrikam.tenant_id)
    request = TokenRequest("contoso.com", {"client_id": app.client_id})
    assert refused(sign_in.delegated_client, world.state, request, world.contoso).code == 700016


def test_scopes_parsed_as_written(world: World) -> None:
    parsed = scopes.parse_scopes(
        "user.read https://graph.localhost/Sites.Read.All openid", world.state, "App", "d"
    )
    assert parsed.graph == ("User.Read", "Sites.Read.All")
    assert parsed.written == ("user.read", "https://graph.localhost/Sites.Read.All")
    assert parsed.reserved == frozenset({"openid"}) and not parsed.default
    assert refused(scopes.parse_scopes, "", world.state, "App", "d").code == 900144


# --- what MSAL reads -----------------------------------------------------------------------------------------


def test_client_info_and_sub_are_unpadded_base64url(world: World) -> None:
    user = User("u@contoso.com", "p", "U", "00000000-0000-0000-0000-0000000000aa")
    tenant = world.contoso
    text = client_info(user, tenant)
    assert "=" not in text
    padded = text + "=" * (-len(text) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {"uid": user.object_id, "utid": tenant.tenant_id}
    digest = hashlib.sha256(f"{user.object_id}|{CLI}".encode()).digest()
    assert pairwise_sub(user, CLI) == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert pairwise_sub(user, CLI) != pairwise_sub(user, "another-client")
