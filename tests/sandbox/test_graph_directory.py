"""Graph's directory as a client sees it: the signed-in user (``/me``), the directory roles it holds
(``/me/memberOf``, what spkit's admin check reads), users by id or UPN, and the errors a wrong token or a
wrong query gets — driven through the sandbox's dispatcher with hand-built requests."""

from __future__ import annotations

import json
from email.message import Message
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from spkit.sandbox import graph
from spkit.sandbox.access_tokens import TokenService, new_signing_key
from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.http import Request, Response
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.state import App, SandboxState, Tenant, User

PUBLIC_CLIENT = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # Microsoft Graph Command Line Tools
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
SHAREPOINT_ADMIN = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"
APP_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
CLOUD_APP_ADMIN = "158c047a-c907-4556-b7ef-446551a6b5f7"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
NOT_FOUND = "Resource '{}' does not exist or one of its queried reference-property objects are not present."

USERS = {
    "ga": ("admin@contoso.onmicrosoft.com", "Adele Vance", ["Global Administrator"]),
    "spadmin": ("sp.admin@contoso.com", "Lee Gu", ["SharePoint Administrator"]),
    "user": ("user@contoso.com", "Diego Siciliani", []),
    "appadmin": (
        "app.admin@contoso.com",
        "Alex Wilber",
        ["Application Administrator", "Cloud Application Administrator"],
    ),
    "pra": ("pra@contoso.com", "Grady Archie", ["Privileged Role Administrator"]),
    "legacy": ("legacy@contoso.com", "Old Timer", ["Company Administrator"]),
    "disabled": ("disabled@contoso.com", "Isaiah Langer", []),
}


@pytest.fixture(scope="module")
def world() -> SimpleNamespace:
    state = SandboxState()
    tenant_id = stable_guid("tenant", "contoso")
    users = {}
    for key, (upn, name, roles) in USERS.items():
        users[key] = User(upn, "pw", name, stable_guid(tenant_id, "user", upn), roles=list(roles))
    users["disabled"].enabled = False
    contoso = Tenant(
        name="contoso",
        tenant_id=tenant_id,
        domains=["contoso.onmicrosoft.com", "contoso.com"],
        display_name="Contoso",
        users={u.upn: u for u in users.values()},
        apps={},
        sites=SiteCatalog("contoso", tenant_id, state.sharepoint_suffix, 10, 2),
    )
    app = App(
        "spkit-certificate",
        stable_guid(tenant_id, "app"),
        stable_guid(tenant_id, "obj"),
        stable_guid(tenant_id, "sp"),
    )
    contoso.apps[app.client_id] = app
    state.add_tenant(contoso)
    tokens = TokenService(new_signing_key(), state.authority_host)
    return SimpleNamespace(
        state=state,
        tokens=tokens,
        contoso=contoso,
        users=users,
        app=app,
        dispatch=Dispatcher(state, [graph.make_service(state, tokens)]),
    )


def delegated(world, who: str = "ga", scopes=("User.Read",)) -> str:
    """A token as device code / ROPC sign-in issues it: ``scp``, ``upn``, ``oid``, the public client, acr 0."""
    user = world.users[who]
    return world.tokens.issue(
        tenant_id=world.contoso.tenant_id,
        audience=world.state.graph_url,
        client_id=PUBLIC_CLIENT,
        app_display_name="Microsoft Graph Command Line Tools",
        acr="0",
        scopes=list(scopes),
        subject_oid=user.object_id,
        upn=user.upn,
    )


def app_only(world, roles=("User.Read.All",)) -> str:
    return world.tokens.issue(
        tenant_id=world.contoso.tenant_id,
        audience=world.state.graph_url,
        client_id=world.app.client_id,
        app_display_name=world.app.name,
        acr="2",
        roles=list(roles),
    )


def call(world, path: str, bearer: str) -> Response:
    parts = urlsplit(f"https://{world.state.graph_host}{path}")
    headers = Message()
    headers["Authorization"] = f"Bearer {bearer}"
    return world.dispatch(
        Request(
            method="GET",
            host=parts.hostname or "",
            port=443,
            path=parts.path,
            query_string=parts.query,
            headers=headers,
        )
    )


def ok(response: Response) -> dict:
    assert response.status == 200, response.body
    return json.loads(response.body)


def refused(response: Response, status: int, code: str, message: str | None = None) -> dict:
    assert response.status == status, response.body
    error = json.loads(response.body)["error"]
    assert error["code"] == code
    if message is not None:
        assert error["message"] == message
    assert error["innerError"]["request-id"] == response.header("request-id")
    return error


# --- /me ---------------------------------------------------------------------------------------------------


def test_me_answers_the_signed_in_user_with_graphs_default_properties(world):
    body = ok(call(world, "/v1.0/me", delegated(world)))
    assert body["@odata.context"] == "https://graph.localhost/v1.0/$metadata#users/$entity"
    assert body["id"] == world.users["ga"].object_id
    assert body["userPrincipalName"] == "admin@contoso.onmicrosoft.com"
    assert body["displayName"] == "Adele Vance"
    assert (body["givenName"], body["surname"]) == ("Adele", "Vance")
    assert body["mail"] == "admin@contoso.onmicrosoft.com"
    # accountEnabled is not a default property: only $select brings it.
    assert "accountEnabled" not in body
    chosen = ok(call(world, "/v1.0/me?$select=userPrincipalName,accountEnabled,userType", delegated(world)))
    assert chosen == {
        "@odata.context": "https://graph.localhost/v1.0/$metadata#users(userPrincipalName,accountEnabled,userType)/$entity",
        "userPrincipalName": "admin@contoso.onmicrosoft.com",
        "accountEnabled": True,
        "userType": "Member",
    }


def test_me_also_answers_on_beta(world):
    assert ok(call(world, "/beta/me", delegated(world)))["id"] == world.users["ga"].object_id


def test_me_with_an_app_only_token_is_bad_request(world):
    refused(
        call(world, "/v1.0/me", app_only(world)),
        400,
        "BadRequest",
        "/me request is only valid with delegated authentication flow.",
    )
    refused(call(world, "/v1.0/me/memberOf", app_only(world)), 400, "BadRequest")


def test_me_needs_a_user_scope(world):
    token = delegated(world, scopes=("Sites.Read.All",))
    refused(
        call(world, "/v1.0/me", token),
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )


def test_unknown_select_property_is_an_odata_error(world):
    error = refused(call(world, "/v1.0/me?$select=shoeSize", delegated(world)), 400, "BadRequest")
    assert "'shoeSize'" in error["message"] and "microsoft.graph.user" in error["message"]


# --- /me/memberOf: the roles spkit's admin check reads -------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "templates", "names"),
    [
        ("ga", {GLOBAL_ADMIN}, {"Global Administrator"}),
        ("spadmin", {SHAREPOINT_ADMIN}, {"SharePoint Administrator"}),
        ("user", set(), set()),
        (
            "appadmin",
            {APP_ADMIN, CLOUD_APP_ADMIN},
            {"Application Administrator", "Cloud Application Administrator"},
        ),
        ("pra", {PRIVILEGED_ROLE_ADMIN}, {"Privileged Role Administrator"}),
        ("legacy", {GLOBAL_ADMIN}, {"Global Administrator"}),  # the role's old name
    ],
)
@pytest.mark.parametrize("relation", ["memberOf", "transitiveMemberOf"])
def test_member_of_lists_directory_roles_with_their_template_ids(world, who, templates, names, relation):
    body = ok(call(world, f"/v1.0/me/{relation}", delegated(world, who)))
    assert body["@odata.context"] == "https://graph.localhost/v1.0/$metadata#directoryObjects"
    roles = body["value"]
    assert {r["roleTemplateId"] for r in roles} == templates
    assert {r["displayName"] for r in roles} == names
    for role in roles:
        assert role["@odata.type"] == "#microsoft.graph.directoryRole"
        assert role["id"] != role["roleTemplateId"]  # the tenant's object, not the template
        assert role["deletedDateTime"] is None and role["description"]


def test_role_object_ids_are_stable_per_tenant_and_listed_by_directory_roles(world):
    first = ok(call(world, "/v1.0/me/memberOf", delegated(world)))["value"][0]
    again = ok(call(world, "/v1.0/me/memberOf", delegated(world, "legacy")))["value"][0]
    assert first["id"] == again["id"]
    listed = ok(call(world, "/v1.0/directoryRoles", app_only(world, ("RoleManagement.Read.Directory",))))[
        "value"
    ]
    assert first in listed
    assert {r["roleTemplateId"] for r in listed} >= {GLOBAL_ADMIN, SHAREPOINT_ADMIN, PRIVILEGED_ROLE_ADMIN}
    refused(
        call(world, "/v1.0/directoryRoles", app_only(world, ("Sites.Read.All",))),
        403,
        "Authorization_RequestDenied",
    )


def test_another_users_member_of_needs_a_directory_permission(world):
    spadmin = world.users["spadmin"].object_id
    refused(
        call(world, f"/v1.0/users/{spadmin}/memberOf", delegated(world)), 403, "Authorization_RequestDenied"
    )
    roles = ok(
        call(world, f"/v1.0/users/{spadmin}/memberOf", delegated(world, scopes=("Directory.Read.All",)))
    )
    assert [r["roleTemplateId"] for r in roles["value"]] == [SHAREPOINT_ADMIN]
    # ... but one's own memberOf by id needs no more than /me/memberOf does.
    mine = ok(call(world, f"/v1.0/users/{world.users['ga'].upn}/memberOf", delegated(world)))
    assert [r["roleTemplateId"] for r in mine["value"]] == [GLOBAL_ADMIN]


# --- /users ------------------------------------------------------------------------------------------------


def test_user_by_upn_or_object_id_with_user_read_all(world):
    token = app_only(world)
    by_upn = ok(call(world, "/v1.0/users/Sp.Admin@Contoso.com", token))  # UPNs match case-insensitively
    assert by_upn["userPrincipalName"] == "sp.admin@contoso.com"
    assert by_upn["@odata.context"] == "https://graph.localhost/v1.0/$metadata#users/$entity"
    by_id = ok(call(world, f"/v1.0/users/{world.users['spadmin'].object_id}", token))
    assert by_id == by_upn


def test_user_lookup_as_verification_does_it(world):
    """What spkit's "application account" check sends: a UPN (URL-quoted) and three properties."""
    body = ok(
        call(
            world,
            "/v1.0/users/disabled%40contoso.com?$select=userPrincipalName,displayName,accountEnabled",
            app_only(world),
        )
    )
    assert body["accountEnabled"] is False
    assert set(body) == {"@odata.context", "userPrincipalName", "displayName", "accountEnabled"}


def test_unknown_user_is_request_resource_not_found(world):
    refused(
        call(world, "/v1.0/users/nobody@contoso.com", app_only(world)),
        404,
        "Request_ResourceNotFound",
        NOT_FOUND.format("nobody@contoso.com"),
    )


@pytest.mark.parametrize("roles", [("Sites.Read.All",), ("Group.Read.All",)])
def test_reading_users_needs_a_user_permission(world, roles):
    refused(
        call(world, "/v1.0/users/user@contoso.com", app_only(world, roles)),
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )


@pytest.mark.parametrize("permission", ["User.ReadBasic.All", "User.Read.All", "Directory.Read.All"])
def test_each_read_permission_reads_users(world, permission):
    assert ok(call(world, "/v1.0/users/user@contoso.com", app_only(world, (permission,))))["displayName"]
    assert ok(call(world, "/v1.0/users/user@contoso.com", delegated(world, scopes=(permission,))))[
        "displayName"
    ]


def test_a_signed_in_user_reads_themself_but_not_others_with_user_read(world):
    token = delegated(world, "user")
    assert ok(call(world, "/v1.0/users/user@contoso.com", token))["id"] == world.users["user"].object_id
    refused(
        call(world, "/v1.0/users/admin@contoso.onmicrosoft.com", token), 403, "Authorization_RequestDenied"
    )


def test_users_filtered_by_user_principal_name(world):
    body = ok(call(world, "/v1.0/users?$filter=userPrincipalName eq 'PRA@contoso.com'", app_only(world)))
    assert body["@odata.context"] == "https://graph.localhost/v1.0/$metadata#users"
    assert [u["id"] for u in body["value"]] == [world.users["pra"].object_id]
    assert (
        ok(call(world, "/v1.0/users?$filter=userPrincipalName eq 'ghost@contoso.com'", app_only(world)))[
            "value"
        ]
        == []
    )
    starts = ok(
        call(world, "/v1.0/users?$filter=startswith(displayName,'a')&$select=displayName", app_only(world))
    )
    assert sorted(u["displayName"] for u in starts["value"]) == ["Adele Vance", "Alex Wilber"]


def test_users_filter_on_an_unindexed_property_is_unsupported(world):
    refused(
        call(world, "/v1.0/users?$filter=jobTitle eq 'boss'", app_only(world)),
        400,
        "Request_UnsupportedQuery",
        "Unsupported or invalid query filter clause specified for property 'jobTitle' of resource 'User'.",
    )
    refused(call(world, "/v1.0/users?$filter=shoeSize eq 42", app_only(world)), 400, "BadRequest")
    refused(call(world, "/v1.0/users?$filter=userPrincipalName eq", app_only(world)), 400, "BadRequest")


def test_users_page_with_top_and_next_link(world):
    url, seen, pages = "/v1.0/users?$top=3&$select=id", [], 0
    while url:
        body = ok(call(world, url, app_only(world)))
        seen += [u["id"] for u in body["value"]]
        pages += 1
        url = body.get("@odata.nextLink", "").removeprefix("https://graph.localhost") or None
    assert len(seen) == len(set(seen)) == len(USERS)
    assert pages == -(-len(USERS) // 3)


def test_organization_answers_a_delegated_admin(world):
    body = ok(call(world, "/v1.0/organization", delegated(world, "spadmin")))
    assert body["value"][0]["id"] == world.contoso.tenant_id
