"""The device code flow's verification pages on login.localhost, driven with ``requests`` through spkit's
session as a browser would: enter the code, sign in, approve the MFA request, or fail with Entra's message
and AADSTS code on the page, and what the device's poll then hears. Forms carry a single-use nonce; what the
pages echo is escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator

import msal
import pytest
import requests

from spkit.http import SpkitSession, session_for_card

CLI_TOOLS = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
SCOPES = ["Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"]
LOGIN = "https://login.localhost"
SUCCESS = (
    "You have signed in to the Microsoft Graph Command Line Tools application on your device. "
    "You may now close this window."
)


@pytest.fixture(scope="module")
def session(card: dict) -> Iterator[SpkitSession]:
    with session_for_card(card) as s:
        yield s


@pytest.fixture()
def device(card: dict, session: SpkitSession) -> tuple[msal.PublicClientApplication, dict]:
    """A device waiting for its user: an MSAL app and its device flow."""
    app = msal.PublicClientApplication(
        CLI_TOOLS,
        authority=f"{LOGIN}/{card['tenants'][0]['tenant_id']}",
        http_client=session,
        instance_discovery=False,
    )
    return app, app.initiate_device_flow(scopes=SCOPES)


def password_of(card: dict, upn: str) -> str:
    return next(u["password"] for u in card["tenants"][0]["users"] if u["upn"] == upn)


def nonce(page: requests.Response) -> str:
    found = re.search(r'name="flowToken" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def enter_code(session: requests.Session, user_code: str) -> requests.Response:
    form = session.get(f"{LOGIN}/devicelogin")
    assert form.status_code == 200 and "Enter code" in form.text
    return session.post(f"{LOGIN}/devicelogin", data={"otc": user_code, "flowToken": nonce(form)})


def sign_in(
    session: requests.Session, page: requests.Response, login: str, password: str
) -> requests.Response:
    data = {"login": login, "passwd": password, "flowToken": nonce(page)}
    return session.post(f"{LOGIN}/devicelogin/signin", data=data)


def poll_once(device: tuple[msal.PublicClientApplication, dict]) -> dict:
    app, flow = device
    flow["latest_attempt_at"] = 0  # polls of one test are seconds apart at most
    return app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)


def test_plain_admin_signs_in_through_the_pages(card: dict, session: SpkitSession, device) -> None:
    page = enter_code(session, device[1]["user_code"])
    assert page.status_code == 200 and "Microsoft Graph Command Line Tools" in page.text
    assert 'name="passwd"' in page.text
    done = sign_in(
        session, page, "admin@contoso.onmicrosoft.com", password_of(card, "admin@contoso.onmicrosoft.com")
    )
    assert done.status_code == 200 and SUCCESS in done.text
    result = poll_once(device)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "admin@contoso.onmicrosoft.com"


def test_mfa_admin_approves_the_sign_in_request(card: dict, session: SpkitSession, device) -> None:
    page = enter_code(session, device[1]["user_code"].lower())  # as typed by a person
    mfa = sign_in(session, page, "mfa.admin@contoso.com", password_of(card, "mfa.admin@contoso.com"))
    assert mfa.status_code == 200 and "Approve sign in request" in mfa.text and ">Approve<" in mfa.text
    assert poll_once(device)["error"] == "authorization_pending"  # not approved yet
    done = session.post(f"{LOGIN}/devicelogin/approve", data={"flowToken": nonce(mfa)})
    assert SUCCESS in done.text
    assert "access_token" in poll_once(device)


def test_wrong_password_then_right_one(card: dict, session: SpkitSession, device) -> None:
    page = enter_code(session, device[1]["user_code"])
    wrong = sign_in(session, page, "sp.admin@contoso.com", "not-it")
    assert wrong.status_code == 200 and "AADSTS50126" in wrong.text and "incorrect" in wrong.text
    assert 'value="sp.admin@contoso.com"' in wrong.text  # the form again, the login kept
    assert poll_once(device)["error"] == "authorization_pending"
    done = sign_in(session, wrong, "sp.admin@contoso.com", password_of(card, "sp.admin@contoso.com"))
    assert SUCCESS in done.text


def test_app_password_is_not_a_browser_password(card: dict, session: SpkitSession, device) -> None:
    app_password = next(
        u["app_password"] for u in card["tenants"][0]["users"] if u["upn"] == "mfa.admin@contoso.com"
    )
    page = enter_code(session, device[1]["user_code"])
    assert "AADSTS50126" in sign_in(session, page, "mfa.admin@contoso.com", app_password).text


def test_unknown_user(card: dict, session: SpkitSession, device) -> None:
    page = enter_code(session, device[1]["user_code"])
    refused = sign_in(session, page, "nobody@contoso.com", "x")
    assert "AADSTS50034" in refused.text and 'name="passwd"' in refused.text
    assert poll_once(device)["error"] == "authorization_pending"


@pytest.mark.parametrize(
    ("upn", "code", "error"),
    [
        ("disabled@contoso.com", 50057, "invalid_grant"),
        ("blocked@contoso.com", 53003, "interaction_required"),
    ],
)
def test_disabled_and_blocked_users_fail_the_device_code(
    card: dict, session: SpkitSession, device, upn: str, code: int, error: str
) -> None:
    page = enter_code(session, device[1]["user_code"])
    refused = sign_in(session, page, upn, password_of(card, upn))
    assert f"AADSTS{code}" in refused.text and 'name="passwd"' not in refused.text
    result = poll_once(device)
    assert (result.get("error"), result.get("error_codes")) == (error, [code]), result


def test_cancel_declines(session: SpkitSession, device) -> None:
    page = enter_code(session, device[1]["user_code"])
    cancelled = session.post(f"{LOGIN}/devicelogin/cancel", data={"flowToken": nonce(page)})
    assert cancelled.status_code == 200 and "declined" in cancelled.text
    assert poll_once(device)["error"] == "authorization_declined"


def test_unknown_and_used_codes_on_the_code_form(card: dict, session: SpkitSession, device) -> None:
    unknown = enter_code(session, "NOSUCHCDE")
    assert "AADSTS70018" in unknown.text and 'name="otc"' in unknown.text
    page = enter_code(session, device[1]["user_code"])
    sign_in(session, page, "user@contoso.com", password_of(card, "user@contoso.com"))
    used = enter_code(session, device[1]["user_code"])
    assert "AADSTS90120" in used.text


def test_forms_need_their_own_fresh_nonce(card: dict, session: SpkitSession, device) -> None:
    password = password_of(card, "admin@contoso.onmicrosoft.com")
    forged = session.post(
        f"{LOGIN}/devicelogin/signin", data={"login": "admin@contoso.onmicrosoft.com", "passwd": password}
    )
    assert forged.status_code == 400 and "no longer valid" in forged.text
    page = enter_code(session, device[1]["user_code"])
    replay = session.post(
        f"{LOGIN}/devicelogin", data={"otc": device[1]["user_code"], "flowToken": nonce(page)}
    )
    assert replay.status_code == 400  # a sign-in nonce does not submit the code form
    stale = sign_in(session, page, "admin@contoso.onmicrosoft.com", "wrong")
    assert sign_in(session, page, "admin@contoso.onmicrosoft.com", password).status_code == 400  # spent
    assert poll_once(device)["error"] == "authorization_pending"
    assert SUCCESS in sign_in(session, stale, "admin@contoso.onmicrosoft.com", password).text


def test_pages_escape_what_they_echo_and_forbid_framing(session: SpkitSession) -> None:
    page = enter_code(session, '<script>alert("x")</script>')
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert page.headers["X-Frame-Options"] == "DENY" and "no-store" in page.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Content-Type"].startswith("text/html")
