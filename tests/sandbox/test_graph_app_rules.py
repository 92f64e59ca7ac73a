"""The sandbox Graph's registration rules called directly, without HTTP, so that a failure names the rule:
who may register, manage and consent (``app_permissions``), what a request body may say (``app_bodies``),
what consent does and when it takes effect (``app_role_assignments``), delegated grants
(``permission_grants``), the caller a token makes (``callers``) and the shapes Graph renders
(``app_resources``). The same rules seen through HTTP are in ``test_graph_registration.py``.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from jwt.utils import base64url_decode

from spkit.sandbox.callers import Caller
from spkit.sandbox.graph import (
    app_bodies,
    app_permissions,
    app_resources,
    app_role_assignments,
    applications,
    catalog,
    permission_grants,
    service_principals,
)
from spkit.sandbox.graph.exceptions import (
    AccessDenied,
    AuthorizationRequestDenied,
    BadRequest,
    InvalidRequest,
    RequestBadRequest,
)
from spkit.sandbox.graph.models import SkipTokens
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.state import App, ClientSecret, SandboxState, Tenant, User

DENIED = "Insufficient privileges to complete the operation."
NOW = datetime(2024, 1, 31, 9, 0, 0, 123456, tzinfo=UTC)
ROLES = {
    "ga": ["Global Administrator"],
    "cloudadmin": ["Cloud Application Administrator"],
    "spadmin": ["SharePoint Administrator"],
    "developer": ["Application Developer"],
    "user": [],
}


@pytest.fixture
def world() -> SimpleNamespace:
    state = SandboxState()
    tenant_id = stable_guid("tenant", "rules")
    users = {
        who: User(f"{who}@rules.example", "pw", who, stable_guid(tenant_id, "user", who), roles=roles)
        for who, roles in ROLES.items()
    }
    tenant = Tenant(
        name="rules",
        tenant_id=tenant_id,
        domains=["rules.onmicrosoft.com"],
        display_name="Rules",
        users={u.upn: u for u in users.values()},
        apps={},
        sites=SiteCatalog("rules", tenant_id, state.sharepoint_suffix, 3, 0),
    )
    state.add_tenant(tenant)
    return SimpleNamespace(state=state, tenant=tenant, users=users)


def app_caller(world, app: App, *roles: str) -> Caller:
    return Caller(world.tenant, app.client_id, frozenset(roles), frozenset())


def user_caller(world, who: str, *scopes: str) -> Caller:
    user = world.users[who]
    return Caller(world.tenant, str(uuid.uuid4()), frozenset(), frozenset(scopes), user.object_id, user.upn)


def add_app(world, name: str, *, owners: tuple[str, ...] = (), with_sp: bool = True) -> App:
    app = App(
        name,
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        str(uuid.uuid4()) if with_sp else None,
        owner_ids=list(owners),
        created=NOW,
    )
    world.tenant.apps[app.client_id] = app
    return app


def refused(call, *args) -> AuthorizationRequestDenied:
    with pytest.raises(AuthorizationRequestDenied) as caught:
        call(*args)
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        403,
        "Authorization_RequestDenied",
        DENIED,
    )
    return caught.value


def bad_value(call, *args, message: str) -> None:
    with pytest.raises(RequestBadRequest) as caught:
        call(*args)
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        400,
        "Request_BadRequest",
        message,
    )


# --- app_permissions ------------------------------------------------------------------------------------------


def test_owned_by_creates_apps_but_manages_and_lists_only_its_own(world):
    robot = add_app(world, "robot")
    other = add_app(world, "someone else's")
    caller = app_caller(world, robot, "Application.ReadWrite.OwnedBy")
    app_permissions.authorize_create(caller)
    created = applications.create_application(world.state, caller, {"displayName": "made by robot"}, NOW)
    assert created.owner_ids == [robot.service_principal_id]
    app_permissions.authorize_manage(caller, created)
    refused(app_permissions.authorize_manage, caller, other)
    assert applications.applications_visible(caller) == [created]
    wide = app_caller(world, robot, "Application.ReadWrite.All")
    app_permissions.authorize_manage(wide, other)
    assert {a.name for a in applications.applications_visible(wide)} == {robot.name, other.name, created.name}


def test_directory_read_write_does_not_create_apps(world):
    refused(
        app_permissions.authorize_create, app_caller(world, add_app(world, "x"), "Directory.ReadWrite.All")
    )


def test_a_token_without_roles_or_scopes_is_refused_before_any_rule(world):
    with pytest.raises(AccessDenied) as caught:
        app_permissions.authorize_read(app_caller(world, add_app(world, "bare")))
    assert (caught.value.status, caught.value.code) == (403, "AccessDenied")
    assert caught.value.message == "Either scp or roles claim need to be present in the token."


@pytest.mark.parametrize(
    ("who", "allowed"), [("ga", True), ("developer", True), ("spadmin", False), ("user", False)]
)
def test_signed_in_registration_needs_a_role_that_registers_apps(world, who, allowed):
    caller = user_caller(world, who, "Application.ReadWrite.All")
    if allowed:
        app_permissions.authorize_create(caller)
    else:
        refused(app_permissions.authorize_create, caller)


def test_an_owner_manages_the_app_without_an_admin_role(world):
    owner = world.users["user"]
    app = add_app(world, "mine", owners=(owner.object_id,))
    app_permissions.authorize_manage(user_caller(world, "user", "Application.ReadWrite.All"), app)
    refused(app_permissions.authorize_manage, user_caller(world, "spadmin", "Application.ReadWrite.All"), app)


def test_app_role_assignment_read_write_alone_cannot_assign(world):
    robot = add_app(world, "robot")
    refused(
        app_permissions.authorize_assign, app_caller(world, robot, "AppRoleAssignment.ReadWrite.All"), None
    )
    refused(app_permissions.authorize_assign, app_caller(world, robot, "Application.Read.All"), catalog.GRAPH)
    both = app_caller(world, robot, "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
    app_permissions.authorize_assign(both, catalog.GRAPH)


def test_graph_app_roles_need_a_privileged_role_administrator_or_more(world):
    scopes = ("AppRoleAssignment.ReadWrite.All", "Directory.Read.All")
    app_permissions.authorize_assign(user_caller(world, "ga", *scopes), catalog.GRAPH)
    cloud_admin = user_caller(world, "cloudadmin", *scopes)
    app_permissions.authorize_assign(cloud_admin, catalog.SHAREPOINT)
    refused(app_permissions.authorize_assign, cloud_admin, catalog.GRAPH)
    refused(app_permissions.authorize_assign, user_caller(world, "spadmin", *scopes), catalog.SHAREPOINT)


def test_microsofts_service_principals_cannot_be_deleted(world):
    caller = app_caller(world, add_app(world, "robot"), "Application.ReadWrite.All")
    refused(app_permissions.authorize_remove_service_principal, caller, None)
    graph_sp = service_principals.service_principal_by_app_id(world.tenant, catalog.GRAPH.app_id)
    refused(service_principals.delete_service_principal, world.state, caller, graph_sp)


def test_delegated_grants_need_a_consent_administrator(world):
    app_permissions.authorize_write_grants(user_caller(world, "ga", "DelegatedPermissionGrant.ReadWrite.All"))
    refused(
        app_permissions.authorize_write_grants,
        user_caller(world, "spadmin", "DelegatedPermissionGrant.ReadWrite.All"),
    )
    app_permissions.authorize_read_grants(user_caller(world, "user", "DelegatedPermissionGrant.Read.All"))


# --- app_bodies ---------------------------------------------------------------------------------------------


def test_an_unknown_sign_in_audience_is_refused():
    assert app_bodies.sign_in_audience("AzureADMyOrg") == "AzureADMyOrg"
    bad_value(
        app_bodies.sign_in_audience,
        "AzureADEveryone",
        message="Invalid value specified for property 'signInAudience' of resource 'Application'.",
    )


def test_a_bad_guid_is_refused_and_a_good_one_normalised():
    assert app_bodies.guid("A82116E5-55EB-4C41-A434-62FE8A61C773", "appRoleId", "AppRoleAssignment") == (
        "a82116e5-55eb-4c41-a434-62fe8a61c773"
    )
    bad_value(
        app_bodies.guid,
        "not-a-guid",
        "principalId",
        "AppRoleAssignment",
        message="Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.",
    )


def test_a_property_the_type_does_not_have_is_odatas_error():
    with pytest.raises(BadRequest) as caught:
        app_bodies.check_properties(
            {"displayName": "x", "colour": "red"}, app_resources.APPLICATION_WRITABLE, "application"
        )
    assert caught.value.code == "BadRequest"
    assert caught.value.message.startswith(
        "The property 'colour' does not exist on type 'microsoft.graph.application'."
    )
    with pytest.raises(BadRequest, match="Unable to read JSON request payload"):
        app_bodies.check_properties(
            ["not", "an", "object"], app_resources.APPLICATION_WRITABLE, "application"
        )


def test_display_name_required_and_at_most_256_characters():
    assert app_bodies.display_name("x" * 256) == "x" * 256
    required = "A value is required for property 'displayName' of resource 'Application'."
    bad_value(app_bodies.display_name, "  ", message=required)
    bad_value(
        app_bodies.display_name,
        "x" * 257,
        message="Invalid value specified for property 'displayName' of resource 'Application'.",
    )


def test_required_resource_access_takes_roles_and_scopes_only():
    parsed = app_bodies.parse_required_resource_access(
        [
            {
                "resourceAppId": catalog.GRAPH.app_id.upper(),
                "resourceAccess": [{"id": str(uuid.UUID(int=1)), "type": "Role"}],
            }
        ]
    )
    assert parsed == [
        {
            "resourceAppId": catalog.GRAPH.app_id,
            "resourceAccess": [{"id": str(uuid.UUID(int=1)), "type": "Role"}],
        }
    ]
    bad_value(
        app_bodies.parse_required_resource_access,
        [
            {
                "resourceAppId": catalog.GRAPH.app_id,
                "resourceAccess": [{"id": str(uuid.UUID(int=1)), "type": "App"}],
            }
        ],
        message="Invalid value specified for property 'resourceAccess' of resource 'RequiredResourceAccess'.",
    )


def test_key_credentials_are_certificates_only():
    bad_value(
        app_bodies.parse_key_credentials,
        [{"type": "Symmetric", "usage": "Verify", "key": "AAAA"}],
        message="Invalid value specified for property 'type' of resource 'KeyCredential'.",
    )
    bad_value(
        app_bodies.parse_key_credentials,
        [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": "bm90IGEgY2VydGlmaWNhdGU="}],
        message="Invalid value specified for property 'key' of resource 'KeyCredential'.",
    )


def test_add_password_defaults_and_refuses_an_end_before_its_start():
    start, end, name = app_bodies.parse_password_credential(None, NOW, applications.SECRET_LIFETIME)
    assert (start, end, name) == (NOW, NOW + timedelta(days=730), "")
    bad_value(
        app_bodies.parse_password_credential,
        {
            "passwordCredential": {
                "startDateTime": "2024-02-01T00:00:00Z",
                "endDateTime": "2024-01-01T00:00:00Z",
            }
        },
        NOW,
        applications.SECRET_LIFETIME,
        message="Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.",
    )


def test_a_grant_scope_names_the_resources_delegated_permissions():
    assert app_bodies.parse_scope("AllSites.Read AllSites.Read", catalog.SHAREPOINT) == "AllSites.Read"
    bad_value(
        app_bodies.parse_scope,
        "AllSites.Read Not.A.Scope",
        catalog.SHAREPOINT,
        message="Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'.",
    )


# --- app_role_assignments: consent and its propagation ----------------------------------------------------


def test_consent_takes_effect_in_tokens_after_the_delay(world):
    world.state.consent_delay_s = 30
    app = add_app(world, "consented")
    principal = service_principals.service_principal_by_id(world.tenant, app.service_principal_id)
    role = catalog.GRAPH.role_by_value("Sites.FullControl.All")
    resource_id = catalog.GRAPH.service_principal_id(world.tenant.tenant_id)
    body = {"principalId": app.service_principal_id, "resourceId": resource_id, "appRoleId": role.id}
    made = app_role_assignments.assign(world.state, world.tenant, body, principal_sp=principal, now=NOW)
    assert made.permission == "Graph/Sites.FullControl.All"
    assert app.roles_for("Graph", NOW) == []
    assert app.roles_for("Graph", NOW + timedelta(seconds=29.999)) == []
    assert app.roles_for("Graph", NOW + timedelta(seconds=30)) == ["Sites.FullControl.All"]
    # The id: base64url (no padding) of the principal's GUID as .NET lays it out, then 16 more bytes.
    assert "=" not in made.assignment_id
    assert base64url_decode(made.assignment_id)[:16] == uuid.UUID(app.service_principal_id).bytes_le
    again = functools.partial(app_role_assignments.assign, principal_sp=principal, now=NOW)
    bad_value(
        again,
        world.state,
        world.tenant,
        body,
        message="Permission being assigned already exists on the object.",
    )
    app_role_assignments.unassign(world.state, world.tenant, principal, made.assignment_id, as_resource=False)
    assert app.granted == [] and app.granted_at == {}


def test_the_resource_an_assignment_names_decides_who_may_grant_it(world):
    graph_sp = catalog.GRAPH.service_principal_id(world.tenant.tenant_id)
    assert app_role_assignments.named_resource(world.tenant, {"resourceId": graph_sp}) is catalog.GRAPH
    assert app_role_assignments.named_resource(world.tenant, {"resourceId": str(uuid.uuid4())}) is None
    assert app_role_assignments.named_resource(world.tenant, ["no", "object"]) is None


# --- permission_grants ------------------------------------------------------------------------------------


def test_a_delegated_grant_id_is_base64url_of_the_guids(world):
    app = add_app(world, "delegated")
    sharepoint_sp = catalog.SHAREPOINT.service_principal_id(world.tenant.tenant_id)
    body = {
        "clientId": app.service_principal_id,
        "consentType": "AllPrincipals",
        "resourceId": sharepoint_sp,
        "scope": "AllSites.Read",
    }
    grant = permission_grants.create_grant(world.state, world.tenant, body)
    raw = uuid.UUID(app.service_principal_id).bytes_le + uuid.UUID(sharepoint_sp).bytes_le
    assert base64url_decode(grant.grant_id) == raw and "=" not in grant.grant_id
    client = service_principals.service_principal_by_id(world.tenant, app.service_principal_id)
    assert permission_grants.grants_of(world.tenant, client) == [grant]
    assert permission_grants.grants_of(world.tenant, None) == [grant]
    bad_value(
        permission_grants.create_grant,
        world.state,
        world.tenant,
        {**body, "consentType": "Everyone"},
        message="Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'.",
    )


# --- callers, shapes, skip tokens --------------------------------------------------------------------------


def test_a_caller_from_v1_and_v2_claims(world):
    v1 = Caller.from_claims(world.tenant, {"appid": "app-1", "roles": ["Sites.Read.All"]})
    assert (v1.client_id, v1.delegated, v1.granted) == ("app-1", False, frozenset({"Sites.Read.All"}))
    v2 = Caller.from_claims(
        world.tenant, {"azp": "app-2", "scp": "User.Read Sites.Read.All", "oid": "ABC", "upn": "u@x"}
    )
    assert (v2.client_id, v2.delegated, v2.object_id, v2.upn) == ("app-2", True, "abc", "u@x")
    assert v2.granted == frozenset({"User.Read", "Sites.Read.All"})


def test_dates_are_written_as_graph_writes_them(world):
    app = add_app(world, "dated")
    app.secrets.append(ClientSecret(str(uuid.UUID(int=7)), "abc8Q~secret", "s", NOW, NOW + timedelta(days=1)))
    shown = app_resources.application_resource(app, world.tenant)
    assert shown["createdDateTime"] == "2024-01-31T09:00:00.1234560Z"
    assert shown["passwordCredentials"][0]["startDateTime"] == "2024-01-31T09:00:00Z"
    assert shown["passwordCredentials"][0]["secretText"] is None
    assert shown["publisherDomain"] == "rules.onmicrosoft.com"


def test_skip_tokens_are_base64url_and_refused_when_altered():
    tokens = SkipTokens(b"k" * 32)
    token = tokens.issue("tenant", 250)
    assert "=" not in token and "+" not in token and "/" not in token
    assert tokens.read("tenant", token) == 250
    for altered in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), token + "é", "garbage!"):
        with pytest.raises(InvalidRequest):
            tokens.read("tenant", altered)
    with pytest.raises(InvalidRequest):
        tokens.read("another tenant", token)
