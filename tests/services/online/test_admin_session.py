"""``sign_in_admin``, the one choice of admin sign-in for every face: a cached sign-in, else the
password, else a device code shown with a link a browser here can open; the token cache is persisted
between calls, and what cannot sign in is refused with its own code."""

from __future__ import annotations

import pytest

from spkit.errors import InputError
from spkit.services.online.admin_session import reachable_code, sign_in_admin
from spkit.services.online.admin_signin import DeviceCode
from spkit.services.online.tenant_target import target_from_options

from .conftest import ADMIN, card_user


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Its own persisted token cache (and its key): no earlier sign-in is found."""
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")


@pytest.fixture
def target(card_path):
    return target_from_options(cloud="sandbox", sharepoint_url="contoso", sandbox=card_path)


def approve(session, card: dict, code: DeviceCode, upn: str) -> None:
    """What the person does in the browser: the sandbox's sign-in page, through its test hook."""
    answer = session.post(
        f"{card['cloud']['authority_host']}/_sandbox/devicecode",
        data={
            "user_code": code.user_code,
            "upn": upn,
            "password": card_user(card, upn)["password"],
            "action": "approve",
        },
    )
    assert answer.status_code == 200, answer.text


def test_a_password_sign_in_is_kept_and_found_again_without_one(isolated, card, target, tenant):
    with target.session() as session:
        first = sign_in_admin(
            target, session, tenant["tenant_id"], ADMIN, password=card_user(card, ADMIN)["password"]
        )
        again = sign_in_admin(target, session, tenant["tenant_id"], f" {ADMIN} ")
    assert (first.method, again.method) == ("password", "cached")
    assert again.upn == ADMIN and again.roles == first.roles == ["Global Administrator"]


def test_without_a_cache_or_password_a_device_code_is_shown_with_a_link_that_opens_here(
    isolated, card, target, tenant
):
    shown: list[DeviceCode] = []
    with target.session() as session:

        def show(code: DeviceCode) -> None:
            shown.append(code)
            approve(session, card, code, ADMIN)

        signin = sign_in_admin(target, session, tenant["tenant_id"], ADMIN, show_code=show)
        browser_link = session.browser_url(f"{card['cloud']['authority_host']}/devicelogin")
    assert signin.method == "device code" and signin.upn == ADMIN
    assert len(shown) == 1 and shown[0].verification_uri == browser_link
    assert browser_link.startswith("https://login.localhost:") and browser_link.endswith("/devicelogin")
    assert browser_link in shown[0].message and shown[0].user_code in shown[0].message


def test_nobody_to_show_a_code_to_is_admin_signin_needed(isolated, target, tenant):
    with target.session() as session, pytest.raises(InputError) as raised:
        sign_in_admin(target, session, tenant["tenant_id"], ADMIN, use_cache=False)
    assert raised.value.code == "ADMIN_SIGNIN_NEEDED"


def test_an_empty_user_name_is_refused(isolated, target, tenant):
    with target.session() as session, pytest.raises(InputError) as raised:
        sign_in_admin(target, session, tenant["tenant_id"], "  ", password="x")
    assert raised.value.code == "ADMIN_UPN_MISSING"


def test_a_link_that_already_opens_here_is_left_as_it_is(target):
    code = DeviceCode(
        "ABCD-EFGH", "https://microsoft.com/devicelogin", "open https://microsoft.com/devicelogin", 900
    )
    with target.session() as session:
        assert reachable_code(code, session) is code
