"""Delegated sign-in rules without HTTP, on a hand-built world with a controllable clock: the device code
flow's states (pending, slow_down, expired, declined, failed, single use), the verification pages' steps and
their single-use nonces, ROPC and refresh-token refusals in Entra's order, scopes, ID token and client_info."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from spkit.sandbox.guids import stable_guid
from spkit.sandbox.identity import device_flow, discovery, token_endpoint
from spkit.sandbox.identity import exceptions as aad
from spkit.sandbox.identity.context import IdentityContext
from spkit.sandbox.identity.first_party import GRAPH_COMMAND_LINE_TOOLS, GRAPH_DELEGATED_PERMISSIONS
from spkit.sandbox.identity.models import TokenRequest
from spkit.sandbox.identity.token_endpoint import DEVICE_CODE_GRANT
from spkit.sandbox.state import GRAPH_APP_ID, User
from tests.sandbox.identity_world import World, build_world

CLI = GRAPH_COMMAND_LINE_TOOLS.client_id
TENANT = "contoso.onmicrosoft.com"
SCOPE = "https://graph.localhost/Application.ReadWrite.All User.Read openid profile offline_access"
PASSWORDS = {
    "admin@contoso.com": "Adm1n-pass",
    "mfa@contoso.com": "Mfa-pass-1",
    "off@contoso.com": "Off-pass-1",
    "ca@contoso.com": "Ca-pass-1",
}
APP_PASSWORD = "apppasswordvalue"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _user(world: World, upn: str, **extra: object) -> None:
    tenant = world.contoso
    tenant.users[upn] = User(
        upn=upn,
        password=PASSWORDS[upn],
        display_name=upn.split("@")[0].title(),
        object_id=stable_guid(tenant.tenant_id, "user", upn),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def world() -> World:
    world = build_world()
    _user(world, "admin@contoso.com", roles=["Global Administrator"])
    _user(world, "mfa@contoso.com", mfa=True, app_password=APP_PASSWORD)
    _user(world, "off@contoso.com", enabled=False)
    _user(world, "ca@contoso.com", blocked_by_conditional_access=True)
    return world


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def ctx(world: World, clock: Clock) -> IdentityContext:
    return IdentityContext(world.state, world.tokens, clock=clock)


def refused(call, *args: object, **kwargs: object) -> aad.AadstsError:
    with pytest.raises(aad.AadstsError) as caught:
        call(*args, **kwargs)
    return caught.value


def poll(ctx: IdentityContext, device_code: str, client_id: str = CLI, **extra: str) -> dict:
    form = {"grant_type": DEVICE_CODE_GRANT, "client_id": client_id, "device_code": device_code, **extra}
    return token_endpoint.token(ctx, TokenRequest(TENANT, form))


def start(ctx: IdentityContext, scope: str = SCOPE, client_id: str = CLI, tenant: str = TENANT) -> dict:
    return device_flow.device_authorization(ctx, tenant, {"client_id": client_id, "scope": scope})


def approve(ctx: IdentityContext, flow: dict, upn: str = "admin@contoso.com") -> dict:
    return device_flow.hook_device_code(
        ctx, {"user_code": flow["user_code"], "upn": upn, "password": PASSWORDS[upn]}
    )


def ropc(ctx: IdentityContext, upn: str, password: str, tenant: str = TENANT, **extra: str) -> dict:
    form = {
        "grant_type": "password",
        "client_id": CLI,
        "username": upn,
        "password": password,
        "scope": SCOPE,
        "client_info": "1",
        **extra,
    }
    return token_endpoint.token(ctx, TokenRequest(tenant, form))


# --- device authorization --------------------------------------------------------------------------


def test_devicecode_answer_has_entras_shape(ctx: IdentityContext) -> None:
    flow = start(ctx)
    assert set(flow) == {"user_code", "device_code", "verification_uri", "expires_in", "interval", "message"}
    assert flow["verification_uri"] == "https://login.localhost/devicelogin"
    assert (flow["expires_in"], flow["interval"]) == (900, 5)
    assert len(flow["user_code"]) == 9 and flow["user_code"].isalnum() and flow["user_code"].isupper()
    assert flow["message"] == (
        "To sign in, use a web browser to open the page https://login.localhost/devicelogin and enter the "
        f"code {flow['user_code']} to authenticate."
    )


def test_devicecode_interval_and_lifetime_come_from_the_state(world: World, ctx: IdentityContext) -> None:
    world.state.device_code_interval_s, world.state.device_code_lifetime_s = 1, 30
    try:
        flow = start(ctx)
    finally:
        world.state.device_code_interval_s, world.state.device_code_lifetime_s = 5, 900
    assert (flow["interval"], flow["expires_in"]) == (1, 30)


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"scope": "User.Read"}, 900144),
        ({"client_id": CLI}, 900144),
        ({"client_id": "00000000-0000-0000-0000-000000000001", "scope": "User.Read"}, 700016),
        ({"client_id": "not-a-guid", "scope": "User.Read"}, 700016),
        ({"client_id": CLI, "scope": "User.Reed"}, 650053),
        ({"client_id": CLI, "scope": "https://contoso.sharepoint.localhost/AllSites.Read"}, 70011),
        ({"client_id": CLI, "scope": "https://nowhere.example/Thing.Read"}, 500011),
        ({"client_id": CLI, "scope": "https://graph.localhost/.default User.Read"}, 70011),
    ],
)
def test_devicecode_refusals(ctx: IdentityContext, form: dict, code: int) -> None:
    assert refused(device_flow.device_authorization, ctx, TENANT, form).code == code


def test_unknown_graph_scope_is_650053_worded_like_entra(ctx: IdentityContext) -> None:
    err = refused(
        device_flow.device_authorization, ctx, TENANT, {"client_id": CLI, "scope": "User.Reed openid"}
    )
    assert (err.error, err.status) == ("invalid_client", 400)
    assert err.description == (
        "The application 'Microsoft Graph Command Line Tools' asked for scope 'User.Reed' that doesn't exist "
        "on the resource '00000003-0000-0000-c000-000000000000'. Contact the app vendor."
    )


def test_unknown_tenant_is_90002_before_the_client(ctx: IdentityContext) -> None:
    assert refused(device_flow.device_authorization, ctx, "nowhere.example.com", {}).code == 90002


# --- polling -------------------------------------------------------------------------------------------


def test_pending_then_slow_down_then_pending_again(ctx: IdentityContext, clock: Clock) -> None:
    flow = start(ctx)
    first = refused(poll, ctx, flow["device_code"])
    assert (first.code, first.error) == (70016, "authorization_pending")
    clock.advance(2)
    assert refused(poll, ctx, flow["device_code"]).error == "slow_down"
    clock.advance(5)
    assert refused(poll, ctx, flow["device_code"]).error == "authorization_pending"


def test_first_poll_right_after_the_request_is_not_too_soon(ctx: IdentityContext) -> None:
    """MSAL polls at once after /devicecode; only the gap between polls counts."""
    flow = start(ctx)
    assert refused(poll, ctx, flow["device_code"]).error == "authorization_pending"


def test_approved_code_gives_tokens_once(ctx: IdentityContext, world: World) -> None:
    flow = start(ctx)
    assert approve(ctx, flow)["status"] == "approved"
    result = poll(ctx, flow["device_code"], client_info="1")
    claims = world.tokens.validate(result["access_token"], audiences={"https://graph.localhost"})
    assert claims["scp"] == "Application.ReadWrite.All User.Read"
    assert claims["upn"] == "admin@contoso.com" and claims["appid"] == CLI and claims["appidacr"] == "0"
    assert claims["oid"] == world.contoso.users["admin@contoso.com"].object_id
    assert {"refresh_token", "id_token", "client_info"} <= set(result)
    again = refused(poll, ctx, flow["device_code"])
    assert (again.error, again.code) == ("bad_verification_code", 70018)


def test_unknown_device_code_and_other_client(ctx: IdentityContext, world: World) -> None:
    assert refused(poll, ctx, "DAQABnothing").error == "bad_verification_code"
    flow = start(ctx)
    approve(ctx, flow)
    other = world.apps["secret-app"]
    err = refused(poll, ctx, flow["device_code"], other.client_id, client_secret=world.secrets["secret-app"])
    assert err.error == "bad_verification_code"
    other_tenant = {"grant_type": DEVICE_CODE_GRANT, "client_id": CLI, "device_code": flow["device_code"]}
    err = refused(token_endpoint.token, ctx, TokenRequest("fabrikam.onmicrosoft.com", other_tenant))
    assert err.error == "bad_verification_code"
    assert "access_token" in poll(ctx, flow["device_code"])  # the right client and tenant still can


def test_expired_code(ctx: IdentityContext, clock: Clock) -> None:
    flow = start(ctx)
    clock.advance(900)
    err = refused(poll, ctx, flow["device_code"])
    assert (err.error, err.code) == ("expired_token", 70020)
    assert err.description == (
        "The provided value for the input parameter 'device_code' is not valid. This device code has expired."
    )
    assert refused(approve, ctx, flow).code == 70019


def test_expired_wins_over_approval(ctx: IdentityContext, clock: Clock) -> None:
    flow = start(ctx)
    approve(ctx, flow)
    clock.advance(901)
    assert refused(poll, ctx, flow["device_code"]).error == "expired_token"


def test_declined_code(ctx: IdentityContext) -> None:
    flow = start(ctx)
    assert (
        device_flow.hook_device_code(ctx, {"user_code": flow["user_code"], "action": "decline"})["status"]
        == "declined"
    )
    assert refused(poll, ctx, flow["device_code"]).error == "authorization_declined"
    assert refused(approve, ctx, flow).code == 90120  # decided once


@pytest.mark.parametrize(
    ("upn", "password", "code", "fails_the_code"),
    [
        ("nobody@contoso.com", "x", 50034, False),
        ("admin@contoso.com", "wrong", 50126, False),
        ("mfa@contoso.com", APP_PASSWORD, 50126, False),  # app passwords are not for browsers
        ("off@contoso.com", PASSWORDS["off@contoso.com"], 50057, True),
        ("ca@contoso.com", PASSWORDS["ca@contoso.com"], 53003, True),
    ],
)
def test_hook_refusals(
    ctx: IdentityContext, upn: str, password: str, code: int, fails_the_code: bool
) -> None:
    flow = start(ctx)
    form = {"user_code": flow["user_code"], "upn": upn, "password": password}
    assert refused(device_flow.hook_device_code, ctx, form).code == code
    err = refused(poll, ctx, flow["device_code"])
    if fails_the_code:
        assert err.code == code  # the device learns why, once the sign-in was submitted
    else:
        assert err.error == "authorization_pending"  # the user may still try again


def test_hook_approves_an_mfa_user_as_if_approved_in_the_app(ctx: IdentityContext) -> None:
    flow = start(ctx)
    assert approve(ctx, flow, "mfa@contoso.com")["status"] == "approved"
    assert "access_token" in poll(ctx, flow["device_code"])


def test_user_code_is_case_and_separator_insensitive(ctx: IdentityContext) -> None:
    flow = start(ctx)
    typed = flow["user_code"][:4].lower() + "-" + flow["user_code"][4:].lower()
    device_flow.hook_device_code(
        ctx, {"user_code": typed, "upn": "admin@contoso.com", "password": PASSWORDS["admin@contoso.com"]}
    )
    assert "access_token" in poll(ctx, flow["device_code"])


def test_hook_user_code_errors(ctx: IdentityContext) -> None:
    assert refused(device_flow.hook_device_code, ctx, {"user_code": ""}).code == 90119
    assert (
        refused(
            device_flow.hook_device_code, ctx, {"user_code": "ZZZZZZZZZ", "upn": "a", "password": "b"}
        ).code
        == 70018
    )
    flow = start(ctx)
    assert (
        refused(device_flow.hook_device_code, ctx, {"user_code": flow["user_code"], "action": "maybe"}).code
        == 90100
    )


# --- confidential clients and client credentials on delegated grants ----------------------------------


def test_confidential_app_without_secret_is_7000218(ctx: IdentityContext, world: World) -> None:
    app = world.apps["secret-app"]
    flow = start(ctx, client_id=app.client_id)
    err = refused(poll, ctx, flow["device_code"], app.client_id)
    assert (err.code, err.error, err.status) == (7000218, "invalid_client", 401)
    form = {"grant_type": "password", "client_id": app.client_id, "username": "admin@contoso.com"}
    form |= {"password": PASSWORDS["admin@contoso.com"], "scope": "User.Read"}
    assert refused(token_endpoint.token, ctx, TokenRequest(TENANT, form)).code == 7000218


def test_confidential_app_with_secret_lacks_delegated_consent(ctx: IdentityContext, world: World) -> None:
    app = world.apps["secret-app"]
    form = {"grant_type": "password", "client_id": app.client_id, "username": "admin@contoso.com"}
    form |= {"password": PASSWORDS["admin@contoso.com"], "scope": "User.Read"}
    form["client_secret"] = world.secrets["secret-app"]
    err = refused(token_endpoint.token, ctx, TokenRequest(TENANT, form))
    assert (err.code, err.error, err.suberror) == (65001, "invalid_grant", "consent_required")


def test_public_client_must_not_send_a_secret(ctx: IdentityContext) -> None:
    err = refused(ropc, ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"], TENANT, client_secret="s")
    assert (err.code, err.error) == (700025, "invalid_client")


# --- ROPC ---------------------------------------------------------------------------------------------


def test_ropc_success_for_a_plain_admin(ctx: IdentityContext, world: World) -> None:
    result = ropc(ctx, "ADMIN@contoso.com", PASSWORDS["admin@contoso.com"])
    claims = world.tokens.validate(result["access_token"], audiences={"https://graph.localhost"})
    assert claims["upn"] == "admin@contoso.com" and claims["idtyp"] == "user"
    assert result["scope"].split() == [
        "https://graph.localhost/Application.ReadWrite.All",
        "User.Read",
        "openid",
        "profile",
        "offline_access",
    ]


@pytest.mark.parametrize(
    ("upn", "password", "code", "error", "suberror"),
    [
        ("admin@contoso.com", "wrong", 50126, "invalid_grant", None),
        ("nobody@contoso.com", "x", 50034, "invalid_grant", None),
        ("off@contoso.com", PASSWORDS["off@contoso.com"], 50057, "invalid_grant", None),
        ("off@contoso.com", "wrong", 50126, "invalid_grant", None),  # the password is checked first
        ("ca@contoso.com", PASSWORDS["ca@contoso.com"], 53003, "interaction_required", "message_only"),
        ("mfa@contoso.com", PASSWORDS["mfa@contoso.com"], 50076, "interaction_required", "basic_action"),
    ],
)
def test_ropc_refusals(
    ctx: IdentityContext, upn: str, password: str, code: int, error: str, suberror: str | None
) -> None:
    err = refused(ropc, ctx, upn, password)
    assert (err.code, err.error, err.suberror, err.status) == (code, error, suberror, 400)


def test_ropc_wordings(ctx: IdentityContext) -> None:
    assert refused(ropc, ctx, "nobody@contoso.com", "x").description == (
        "The user account {EUII Hidden} does not exist in the contoso.onmicrosoft.com directory. To sign into "
        "this application, the account must be added to the directory."
    )
    assert refused(ropc, ctx, "admin@contoso.com", "x").description == (
        "Error validating credentials due to invalid username or password."
    )
    mfa = refused(ropc, ctx, "mfa@contoso.com", PASSWORDS["mfa@contoso.com"])
    assert mfa.description.endswith(f"you must use multi-factor authentication to access '{GRAPH_APP_ID}'.")


def test_ropc_app_password_passes_mfa(ctx: IdentityContext) -> None:
    """[sandbox follows the product spec] real Entra no longer accepts app passwords for modern auth."""
    assert "access_token" in ropc(ctx, "mfa@contoso.com", APP_PASSWORD)


def test_ropc_user_of_another_tenant_is_50034(ctx: IdentityContext) -> None:
    err = refused(ropc, ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"], "fabrikam.onmicrosoft.com")
    assert err.code == 50034 and "fabrikam.onmicrosoft.com directory" in err.description


def test_ropc_tenant_segments(ctx: IdentityContext) -> None:
    assert refused(ropc, ctx, "admin@contoso.com", "x", "common").code == 9001023
    assert "access_token" in ropc(ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"], "organizations")


def test_ropc_missing_fields(ctx: IdentityContext) -> None:
    form = {"grant_type": "password", "client_id": CLI, "scope": "User.Read"}
    err = refused(token_endpoint.token, ctx, TokenRequest(TENANT, form))
    assert err.code == 900144 and "'username'" in err.description


# --- scopes -------------------------------------------------------------------------------------------


def test_scope_forms_are_equivalent(ctx: IdentityContext, world: World) -> None:
    password = PASSWORDS["admin@contoso.com"]
    for scope in (
        "sites.read.all",
        "https://graph.localhost/Sites.Read.All",
        f"{GRAPH_APP_ID}/Sites.Read.All",
    ):
        result = ropc(ctx, "admin@contoso.com", password, scope=scope)
        claims = world.tokens.validate(result["access_token"], audiences={"https://graph.localhost"})
        assert claims["scp"] == "Sites.Read.All", scope


def test_default_scope_means_every_consented_permission(ctx: IdentityContext, world: World) -> None:
    result = ropc(
        ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"], scope="https://graph.localhost/.default"
    )
    claims = world.tokens.validate(result["access_token"], audiences={"https://graph.localhost"})
    assert set(claims["scp"].split()) == set(GRAPH_DELEGATED_PERMISSIONS)
    scope = result["scope"].split()
    assert sorted(scope) == sorted(f"https://graph.localhost/{name}" for name in GRAPH_DELEGATED_PERMISSIONS)


def test_openid_only_gives_a_user_read_token_and_no_refresh_token(ctx: IdentityContext) -> None:
    result = ropc(ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"], scope="openid profile")
    assert "refresh_token" not in result and "id_token" in result
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["scp"] == "User.Read"


# --- what MSAL reads ------------------------------------------------------------------------------------


def test_id_token_and_client_info(ctx: IdentityContext, world: World) -> None:
    result = ropc(ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"])
    key = world.tokens.key.private_key.public_key()
    claims = jwt.decode(result["id_token"], key, algorithms=["RS256"], audience=CLI)
    user = world.contoso.users["admin@contoso.com"]
    tid = world.contoso.tenant_id
    assert claims["iss"] == f"https://login.localhost/{tid}/v2.0" and claims["tid"] == tid
    assert claims["oid"] == user.object_id and claims["preferred_username"] == user.upn
    assert claims["name"] == user.display_name and claims["ver"] == "2.0"
    assert claims["sub"] != user.object_id and claims["exp"] > claims["iat"] == claims["nbf"]
    padded = result["client_info"] + "=" * (-len(result["client_info"]) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {"uid": user.object_id, "utid": tid}


def test_no_client_info_unless_asked(ctx: IdentityContext) -> None:
    form = {"grant_type": "password", "client_id": CLI, "username": "admin@contoso.com"}
    form |= {"password": PASSWORDS["admin@contoso.com"], "scope": "User.Read openid"}
    assert "client_info" not in token_endpoint.token(ctx, TokenRequest(TENANT, form))


def test_user_realm_v1(ctx: IdentityContext) -> None:
    assert discovery.user_realm_v1(ctx.state, "someone@CONTOSO.com") == {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": "contoso.com",
        "cloud_instance_name": "localhost",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }
    assert discovery.user_realm_v1(ctx.state, "x@example.org")["account_type"] == "Unknown"


# --- refresh tokens -------------------------------------------------------------------------------------


def refresh(
    ctx: IdentityContext, token: str, client_id: str = CLI, tenant: str = TENANT, **extra: str
) -> dict:
    form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": token, **extra}
    return token_endpoint.token(ctx, TokenRequest(tenant, form))


def test_refresh_token_gives_new_tokens(ctx: IdentityContext, world: World) -> None:
    first = ropc(ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"])
    second = refresh(ctx, first["refresh_token"], scope="Sites.Read.All openid offline_access")
    claims = world.tokens.validate(second["access_token"], audiences={"https://graph.localhost"})
    assert claims["scp"] == "Sites.Read.All" and claims["upn"] == "admin@contoso.com"
    assert second["refresh_token"] != first["refresh_token"] and "id_token" in second
    assert "access_token" in refresh(ctx, first["refresh_token"])  # the old one stays valid


def test_refresh_refusals(ctx: IdentityContext, world: World) -> None:
    token = ropc(ctx, "admin@contoso.com", PASSWORDS["admin@contoso.com"])["refresh_token"]
    assert refused(refresh, ctx, "1.AQnonsense").code == 70000
    assert refused(refresh, ctx, token, CLI, "fabrikam.onmicrosoft.com").code == 70000
    app = world.apps["secret-app"]
    err = refused(refresh, ctx, token, app.client_id, TENANT, client_secret=world.secrets["secret-app"])
    assert err.code == 70000
    user = world.contoso.users["admin@contoso.com"]
    user.enabled = False
    try:
        assert refused(refresh, ctx, token).code == 50057
    finally:
        user.enabled = True


# --- the verification pages' steps ------------------------------------------------------------------------


def test_page_steps_for_an_mfa_user(ctx: IdentityContext) -> None:
    flow = start(ctx)
    step = device_flow.begin_device_login(ctx)
    step = device_flow.submit_user_code(ctx, step.nonce, flow["user_code"].lower())
    assert step.page == "signin" and step.code is not None
    step = device_flow.submit_credentials(ctx, step.nonce, "mfa@contoso.com", PASSWORDS["mfa@contoso.com"])
    assert step.page == "mfa"
    assert refused(poll, ctx, flow["device_code"]).error == "authorization_pending"  # not before approval
    assert device_flow.approve_sign_in(ctx, step.nonce).page == "done"
    assert "access_token" in poll(ctx, flow["device_code"])


def test_page_nonces_are_single_use_and_per_step(ctx: IdentityContext) -> None:
    flow = start(ctx)
    code_nonce = device_flow.begin_device_login(ctx).nonce
    step = device_flow.submit_user_code(ctx, code_nonce, flow["user_code"])
    with pytest.raises(aad.FlowRejected):
        device_flow.submit_user_code(ctx, code_nonce, flow["user_code"])  # replayed
    with pytest.raises(aad.FlowRejected):
        device_flow.approve_sign_in(ctx, step.nonce)  # a sign-in nonce is not an approval
    with pytest.raises(aad.FlowRejected):
        device_flow.submit_credentials(ctx, "forged", "admin@contoso.com", PASSWORDS["admin@contoso.com"])
    retry = device_flow.submit_credentials(ctx, step.nonce, "admin@contoso.com", "wrong")
    assert retry.page == "signin" and retry.error is not None and retry.error.code == 50126
    with pytest.raises(aad.FlowRejected):
        device_flow.submit_credentials(ctx, step.nonce, "admin@contoso.com", PASSWORDS["admin@contoso.com"])
    assert (
        device_flow.submit_credentials(
            ctx, retry.nonce, "admin@contoso.com", PASSWORDS["admin@contoso.com"]
        ).page
        == "done"
    )


def test_page_flow_expires(ctx: IdentityContext, clock: Clock) -> None:
    nonce = device_flow.begin_device_login(ctx).nonce
    clock.advance(901)
    with pytest.raises(aad.FlowRejected):
        device_flow.submit_user_code(ctx, nonce, "whatever")


def test_page_cancel_declines(ctx: IdentityContext) -> None:
    flow = start(ctx)
    step = device_flow.submit_user_code(ctx, device_flow.begin_device_login(ctx).nonce, flow["user_code"])
    assert device_flow.cancel_sign_in(ctx, step.nonce).page == "declined"
    assert refused(poll, ctx, flow["device_code"]).error == "authorization_declined"


def test_page_blocked_user_fails_the_code(ctx: IdentityContext) -> None:
    flow = start(ctx)
    step = device_flow.submit_user_code(ctx, device_flow.begin_device_login(ctx).nonce, flow["user_code"])
    step = device_flow.submit_credentials(ctx, step.nonce, "ca@contoso.com", PASSWORDS["ca@contoso.com"])
    assert step.page == "error" and step.error is not None and step.error.code == 53003
    err = refused(poll, ctx, flow["device_code"])
    assert (err.code, err.error, err.suberror) == (53003, "interaction_required", "message_only")


def test_page_code_errors_stay_on_the_code_form(ctx: IdentityContext, clock: Clock) -> None:
    step = device_flow.submit_user_code(ctx, device_flow.begin_device_login(ctx).nonce, "NOPE")
    assert step.page == "code" and step.error is not None and step.error.code == 70018
    flow = start(ctx)
    clock.advance(900)
    step = device_flow.submit_user_code(ctx, device_flow.begin_device_login(ctx).nonce, flow["user_code"])
    assert step.error is not None and step.error.code == 70019
