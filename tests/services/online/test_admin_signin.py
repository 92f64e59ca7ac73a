"""``admin_signin`` against the sandbox's Entra: an admin signs in with a password (ROPC) and their
directory roles are read from Graph; each refusal has its own code; the role checks; MSAL's cache."""

from __future__ import annotations

import msal
import pytest

from spkit.errors import AuthenticationError, AuthorizationError, InputError
from spkit.services.online.admin_signin import (
    DEFAULT_ADMIN_CLIENT_ID,
    AdminAuthenticator,
    directory_roles,
    require_admin,
)
from spkit.services.online.graph_client import GraphClient
from spkit.services.online.token_claims import decode_claims

from .conftest import ADMIN, card_user


@pytest.fixture
def authenticator(cloud, tenant, session):
    return lambda cache=None: AdminAuthenticator(
        cloud=cloud, tenant_id=tenant["tenant_id"], session=session, token_cache=cache
    )


def test_a_global_admin_signs_in_with_a_password(tenant, admin_signin):
    assert (admin_signin.upn, admin_signin.tenant_id, admin_signin.method) == (
        ADMIN,
        tenant["tenant_id"],
        "password",
    )
    assert admin_signin.roles == ["Global Administrator"] and admin_signin.is_global_admin
    claims = decode_claims(admin_signin.token())
    assert claims["upn"] == ADMIN and claims["appid"] == DEFAULT_ADMIN_CLIENT_ID  # the public client's token
    assert {"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"} <= set(claims["scp"].split())
    require_admin(admin_signin, for_registration=True)  # may register


def test_the_roles_are_the_directory_roles_graph_lists(cloud, session, admin_signin):
    assert directory_roles(GraphClient(session, cloud.graph_url, admin_signin.token)) == admin_signin.roles


@pytest.mark.parametrize(
    ("upn", "password", "code"),
    [
        (ADMIN, "Wrong-Password-1", "AUTH_BAD_PASSWORD"),
        ("mfa.admin@contoso.com", "card", "AUTH_MFA_REQUIRED"),
        ("disabled@contoso.com", "card", "AUTH_USER_DISABLED"),
        ("nobody@contoso.com", "Wrong-Password-1", "AUTH_USER_UNKNOWN"),
    ],
)
def test_each_refused_sign_in_has_its_own_code_and_never_the_password(
    card, authenticator, upn, password, code
):
    password = card_user(card, upn)["password"] if password == "card" else password
    with pytest.raises(AuthenticationError) as raised:
        authenticator().password(upn, password)
    assert raised.value.code == code
    assert password not in raised.value.summary + raised.value.evidence + raised.value.fix
    if code == "AUTH_MFA_REQUIRED":
        assert "app password" in raised.value.fix and "device code" in raised.value.fix


def test_an_empty_password_is_refused_before_asking(authenticator):
    with pytest.raises(InputError) as raised:
        authenticator().password(ADMIN, "")
    assert raised.value.code == "ADMIN_PASSWORD_EMPTY"


def test_a_sharepoint_admin_may_sign_in_but_not_register_and_a_user_may_do_neither(card, authenticator):
    sp_admin = authenticator().password(
        "sp.admin@contoso.com", card_user(card, "sp.admin@contoso.com")["password"]
    )
    assert sp_admin.roles == ["SharePoint Administrator"] and not sp_admin.is_global_admin
    require_admin(sp_admin)
    with pytest.raises(AuthorizationError) as raised:
        require_admin(sp_admin, for_registration=True)
    assert raised.value.code == "ADMIN_NOT_GLOBAL_ADMIN"
    user = authenticator().password("user@contoso.com", card_user(card, "user@contoso.com")["password"])
    assert user.roles == []
    with pytest.raises(AuthorizationError) as raised:
        require_admin(user)
    assert raised.value.code == "ADMIN_ROLE_MISSING" and "no directory role" in raised.value.summary


def test_a_sign_in_is_found_again_in_msals_cache(card, authenticator):
    cache = msal.TokenCache()
    authenticator(cache).password(ADMIN, card_user(card, ADMIN)["password"])
    again = authenticator(cache).cached(ADMIN)
    assert again is not None and (again.method, again.upn) == ("cached", ADMIN)
    assert again.roles == ["Global Administrator"]
    assert authenticator(cache).cached("sp.admin@contoso.com") is None
    assert authenticator(msal.TokenCache()).cached(ADMIN) is None
