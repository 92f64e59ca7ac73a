"""Unmodified MSAL ``PublicClientApplication`` signing users in to the sandbox over real HTTPS: the device code
flow (decided through the test hook), ROPC (with MSAL's userrealm call on the host without port) and
``acquire_token_silent`` from the refresh token.

The shared CLI-started sandbox serves everything with Entra's real timings (5 s interval, 15 min codes);
an in-process ``RunningSandbox`` with a 1 s interval and short lifetimes covers polling and expiry. Each case
builds its own application, so MSAL's in-memory throttle cache never replays another case's answer.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import jwt
import msal
import pytest
import requests

from spkit.http import SpkitSession, session_for_card
from spkit.sandbox.runner import RunningSandbox, SandboxOptions

CLI_TOOLS = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
GRAPH_SCOPES = ["https://graph.localhost/Application.ReadWrite.All", "User.Read"]
HOOK = "https://login.localhost/_sandbox/devicecode"


@pytest.fixture(scope="module")
def session(card: dict) -> Iterator[SpkitSession]:
    with session_for_card(card) as s:
        yield s


def users(card: dict) -> dict[str, dict]:
    return {u["upn"]: u for u in card["tenants"][0]["users"]}


def public_app(
    card: dict, session: requests.Session, tenant: str | None = None
) -> msal.PublicClientApplication:
    authority = f"https://login.localhost/{tenant or card['tenants'][0]['tenant_id']}"
    return msal.PublicClientApplication(
        CLI_TOOLS, authority=authority, http_client=session, instance_discovery=False
    )


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def hook(
    session: requests.Session, user_code: str, upn: str = "", password: str = "", action: str = "approve"
):
    form = {"user_code": user_code, "upn": upn, "password": password, "action": action}
    return session.post(HOOK, data=form)


def ropc(card: dict, session: requests.Session, upn: str, password: str, tenant: str | None = None) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # MSAL deprecates ROPC for public clients
        return public_app(card, session, tenant).acquire_token_by_username_password(
            upn, password, scopes=GRAPH_SCOPES
        )


# --- the card ---------------------------------------------------------------------------------------


def test_card_publishes_the_first_party_public_client(card: dict) -> None:
    assert {"name": "Microsoft Graph Command Line Tools", "client_id": CLI_TOOLS} in card["public_clients"]


def test_discovery_names_the_device_authorization_endpoint(card: dict, session: SpkitSession) -> None:
    tid = card["tenants"][0]["tenant_id"]
    doc = session.get(f"https://login.localhost/{tid}/v2.0/.well-known/openid-configuration").json()
    assert doc["device_authorization_endpoint"] == f"https://login.localhost/{tid}/oauth2/v2.0/devicecode"


# --- device code flow -----------------------------------------------------------------------------------


def test_device_flow_approved_through_the_hook(card: dict, session: SpkitSession) -> None:
    app = public_app(card, session)
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    assert flow["verification_uri"] == "https://login.localhost/devicelogin"
    assert (flow["interval"], flow["expires_in"]) == (5, 900)
    assert f"enter the code {flow['user_code']} to authenticate" in flow["message"]
    admin = users(card)["admin@contoso.onmicrosoft.com"]
    approved = hook(session, flow["user_code"], admin["upn"], admin["password"])
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    access = claims(result["access_token"])
    assert set(access["scp"].split()) == {"Application.ReadWrite.All", "User.Read"}
    assert access["upn"] == admin["upn"] and access["aud"] == "https://graph.localhost"
    assert access["appid"] == CLI_TOOLS and access["tid"] == card["tenants"][0]["tenant_id"]
    assert result["id_token_claims"]["preferred_username"] == admin["upn"]
    [account] = app.get_accounts()
    assert account["username"] == admin["upn"]
    assert account["home_account_id"] == f"{access['oid']}.{access['tid']}"


def test_device_flow_mfa_user_approved_through_the_hook(card: dict, session: SpkitSession) -> None:
    app = public_app(card, session, "contoso.com")
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    mfa = users(card)["mfa.admin@contoso.com"]
    assert hook(session, flow["user_code"], mfa["upn"], mfa["password"]).status_code == 200
    result = app.acquire_token_by_device_flow(flow)
    assert claims(result["access_token"])["upn"] == mfa["upn"]


def test_device_flow_declined(card: dict, session: SpkitSession) -> None:
    app = public_app(card, session)
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    assert hook(session, flow["user_code"], action="decline").json()["status"] == "declined"
    result = app.acquire_token_by_device_flow(flow)
    assert result.get("error") == "authorization_declined", result


def test_device_flow_pending_answer_and_slow_down(card: dict, session: SpkitSession) -> None:
    """One poll is pending (MSAL gives it back when told to stop); a second poll at once is slow_down."""
    app = public_app(card, session)
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    assert result["error"] == "authorization_pending" and result["error_codes"] == [70016]
    token_url = f"https://login.localhost/{card['tenants'][0]['tenant_id']}/oauth2/v2.0/token"
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": CLI_TOOLS}
    again = session.post(token_url, data={**form, "device_code": flow["device_code"]})
    assert again.status_code == 400 and again.json()["error"] == "slow_down"


def test_device_code_is_single_use(card: dict, session: SpkitSession) -> None:
    app = public_app(card, session)
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    admin = users(card)["admin@contoso.onmicrosoft.com"]
    hook(session, flow["user_code"], admin["upn"], admin["password"])
    assert "access_token" in app.acquire_token_by_device_flow(flow)
    flow["latest_attempt_at"] = 0
    again = app.acquire_token_by_device_flow(flow)
    assert again.get("error") == "bad_verification_code", again


@pytest.mark.parametrize(
    ("upn", "code"),
    [("disabled@contoso.com", 50057), ("blocked@contoso.com", 53003)],
)
def test_device_flow_for_a_user_who_may_not_sign_in(
    card: dict, session: SpkitSession, upn: str, code: int
) -> None:
    app = public_app(card, session)
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    refused = hook(session, flow["user_code"], upn, users(card)[upn]["password"])
    assert refused.status_code == 400 and refused.json()["error_codes"] == [code]
    result = app.acquire_token_by_device_flow(flow)
    assert result.get("error_codes") == [code], result


def test_unknown_public_client_is_700016(card: dict, session: SpkitSession) -> None:
    tid = card["tenants"][0]["tenant_id"]
    r = session.post(
        f"https://login.localhost/{tid}/oauth2/v2.0/devicecode",
        data={"client_id": "11111111-2222-3333-4444-555555555555", "scope": "User.Read"},
    )
    assert r.status_code == 400 and r.json()["error_codes"] == [700016]
    assert r.json()["error"] == "unauthorized_client"


def test_confidential_scenario_app_cannot_poll_without_its_secret(card: dict, session: SpkitSession) -> None:
    tenant = card["tenants"][0]
    secret_app = next(a for a in tenant["apps"] if a["name"] == "spkit-secret")
    app = msal.PublicClientApplication(
        secret_app["client_id"],
        authority=f"https://login.localhost/{tenant['tenant_id']}",
        http_client=session,
        instance_discovery=False,
    )
    flow = app.initiate_device_flow(scopes=["User.Read"])
    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    assert result.get("error") == "invalid_client" and result["error_codes"] == [7000218], result


# --- ROPC -------------------------------------------------------------------------------------------------


def test_userrealm_as_msal_asks_it(card: dict, session: SpkitSession) -> None:
    r = session.get("https://login.localhost/common/userrealm/user@contoso.com?api-version=1.0")
    assert r.status_code == 200 and r.json()["account_type"] == "Managed"
    assert r.json()["domain_name"] == "contoso.com" and r.json()["cloud_instance_name"] == "localhost"
    other = session.get("https://login.localhost/common/userrealm/someone@example.org?api-version=1.0")
    assert other.json()["account_type"] == "Unknown"


def test_ropc_plain_admin(card: dict, session: SpkitSession) -> None:
    admin = users(card)["admin@contoso.onmicrosoft.com"]
    result = ropc(card, session, admin["upn"], admin["password"])
    assert "access_token" in result, result
    access = claims(result["access_token"])
    assert access["upn"] == admin["upn"] and "Application.ReadWrite.All" in access["scp"].split()
    assert access["appidacr"] == "0" and access["idtyp"] == "user"


def test_ropc_mfa_admin_password_needs_mfa_but_app_password_passes(card: dict, session: SpkitSession) -> None:
    """[sandbox follows the product spec] app passwords pass ROPC here; real Entra no longer accepts them."""
    mfa = users(card)["mfa.admin@contoso.com"]
    refused = ropc(card, session, mfa["upn"], mfa["password"])
    assert refused.get("error") == "interaction_required" and refused["error_codes"] == [50076], refused
    assert refused.get("suberror") == "basic_action"
    result = ropc(card, session, mfa["upn"], mfa["app_password"])
    assert claims(result["access_token"])["upn"] == mfa["upn"]


@pytest.mark.parametrize(
    ("upn", "password", "error", "code"),
    [
        ("admin@contoso.onmicrosoft.com", "not-the-password", "invalid_grant", 50126),
        ("disabled@contoso.com", None, "invalid_grant", 50057),
        ("nobody@contoso.com", "whatever", "invalid_grant", 50034),
        ("blocked@contoso.com", None, "interaction_required", 53003),
    ],
)
def test_ropc_refusals(
    card: dict, session: SpkitSession, upn: str, password: str | None, error: str, code: int
) -> None:
    result = ropc(card, session, upn, password or users(card)[upn]["password"])
    assert result.get("error") == error and result.get("error_codes") == [code], result


def test_ropc_blocked_user_has_message_only_suberror(card: dict, session: SpkitSession) -> None:
    blocked = users(card)["blocked@contoso.com"]
    assert ropc(card, session, blocked["upn"], blocked["password"]).get("suberror") == "message_only"


# --- silent ------------------------------------------------------------------------------------------------


def test_acquire_token_silent_uses_the_refresh_token(card: dict, session: SpkitSession) -> None:
    app = public_app(card, session)
    admin = users(card)["sp.admin@contoso.com"]
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    hook(session, flow["user_code"], admin["upn"], admin["password"])
    first = app.acquire_token_by_device_flow(flow)
    [account] = app.get_accounts(username=admin["upn"])
    cached = app.acquire_token_silent(GRAPH_SCOPES, account=account)
    assert cached["access_token"] == first["access_token"]  # from MSAL's cache
    refreshed = app.acquire_token_silent(GRAPH_SCOPES, account=account, force_refresh=True)
    assert refreshed and refreshed.get("token_source") == "identity_provider", refreshed
    assert refreshed["access_token"] != first["access_token"]
    assert claims(refreshed["access_token"])["upn"] == admin["upn"]
    other = app.acquire_token_silent(["Sites.Read.All"], account=account)  # another consented scope
    assert other and claims(other["access_token"])["scp"] == "Sites.Read.All"


# --- short timings: an in-process sandbox ---------------------------------------------------------------


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    state_dir: Path = tmp_path_factory.mktemp("quick-sandbox")
    with RunningSandbox(SandboxOptions(state_dir=state_dir, sites=5)) as sandbox:
        sandbox.state.device_code_interval_s = 1
        yield sandbox


def test_msal_keeps_polling_while_pending(quick: RunningSandbox) -> None:
    with session_for_card(quick.card) as session:
        app = public_app(quick.card, session)
        flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
        assert flow["interval"] == 1
        attempts: set[float] = set()

        def stop_after_three(flow: dict) -> bool:
            attempts.add(flow["latest_attempt_at"])
            return len(attempts) >= 3

        result = app.acquire_token_by_device_flow(flow, exit_condition=stop_after_three)
    assert len(attempts) == 3 and result["error"] == "authorization_pending", result


def test_msal_polling_picks_up_a_later_approval(quick: RunningSandbox) -> None:
    with session_for_card(quick.card) as session:
        app = public_app(quick.card, session)
        flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
        outcome: dict = {}
        heard_pending = threading.Event()

        def note_pending(flow: dict) -> bool:
            """MSAL calls this only after a retriable answer (authorization_pending); keep its default."""
            heard_pending.set()
            return flow.get("expires_at", 0) < time.time()

        poller = threading.Thread(
            target=lambda: outcome.update(app.acquire_token_by_device_flow(flow, exit_condition=note_pending))
        )
        poller.start()
        # Approve only once MSAL has been told "pending", so the token must come from a later poll.
        assert heard_pending.wait(timeout=30), "MSAL never polled the token endpoint"
        admin = users(quick.card)["admin@contoso.onmicrosoft.com"]
        assert hook(session, flow["user_code"], admin["upn"], admin["password"]).status_code == 200
        poller.join(timeout=30)
    assert not poller.is_alive() and "access_token" in outcome, outcome


def test_msal_hears_expired_token(quick: RunningSandbox) -> None:
    quick.state.device_code_lifetime_s = 2
    try:
        with session_for_card(quick.card) as session:
            app = public_app(quick.card, session)
            flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
            assert flow["expires_in"] == 2
            result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: False)
    finally:
        quick.state.device_code_lifetime_s = 900
    assert result.get("error") == "expired_token" and result["error_codes"] == [70020], result
