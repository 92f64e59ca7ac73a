"""Registering an app through Graph as spkit's automatic registration does, seen from the client: create
the app with a certificate, its service principal, consent (app role assignments) and delegated grants,
then get tokens for it from the identity platform and use them on Graph and SharePoint; rotate, add
secrets, delete; who may do each; Sites.Selected grants. Driven through one dispatcher that serves the
identity platform, Graph and SharePoint, with hand-built requests (over HTTPS in
``test_graph_registration_https.py``).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from email.message import Message
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from spkit.sandbox import graph, identity, sharepoint
from spkit.sandbox.access_tokens import TokenService, new_signing_key
from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.http import Request, Response
from spkit.sandbox.identity.client_assertions import JWT_BEARER
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.state import App, KeyCredential, SandboxState, Tenant, User
from tests.sandbox.identity_world import Cert, assertion, make_cert

PUBLIC_CLIENT = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"
SHAREPOINT_APP = "00000003-0000-0ff1-ce00-000000000000"
GRAPH_FULL_CONTROL = "a82116e5-55eb-4c41-a434-62fe8a61c773"
GRAPH_SITES_SELECTED = "883ea226-0bf2-4a8f-9f9d-92c9162a727d"
SP_FULL_CONTROL = "678536fe-1083-478a-9c59-b99265e6b0d3"
SP_SITES_SELECTED = "20d37865-089c-4dee-8c41-6967602d4ac8"
DENIED = "Insufficient privileges to complete the operation."
ADMIN_SCOPES = (
    "User.Read",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.Read.All",
)
ROOT = "contoso.sharepoint.localhost"

ROLES = {
    "ga": ["Global Administrator"],
    "spadmin": ["SharePoint Administrator"],
    "user": [],
    "cloudadmin": ["Cloud Application Administrator"],
    "pra": ["Privileged Role Administrator"],
    "developer": ["Application Developer"],
}


@pytest.fixture
def world() -> SimpleNamespace:
    """A fresh tenant per test (registration changes it), with no consent delay unless a test sets one."""
    state = SandboxState()
    state.consent_delay_s = 0
    tenant_id = stable_guid("tenant", "contoso")
    users = {
        who: User(
            f"{who}@contoso.com", "pw", who.capitalize(), stable_guid(tenant_id, "user", who), roles=roles
        )
        for who, roles in ROLES.items()
    }
    contoso = Tenant(
        name="contoso",
        tenant_id=tenant_id,
        domains=["contoso.onmicrosoft.com", "contoso.com"],
        display_name="Contoso",
        users={u.upn: u for u in users.values()},
        apps={},
        sites=SiteCatalog("contoso", tenant_id, state.sharepoint_suffix, 40, 5),
    )
    state.add_tenant(contoso)
    # A scenario app consented the old way (granted list, no assignment ids yet).
    legacy = App(
        "spkit-certificate",
        stable_guid(tenant_id, "app", "legacy"),
        stable_guid(tenant_id, "obj", "legacy"),
        stable_guid(tenant_id, "sp", "legacy"),
        granted=["Graph/Sites.FullControl.All", "SharePoint/Sites.FullControl.All"],
    )
    contoso.apps[legacy.client_id] = legacy
    tokens = TokenService(new_signing_key(), state.authority_host)
    services = [m.make_service(state, tokens) for m in (identity, graph, sharepoint)]
    return SimpleNamespace(
        state=state,
        tokens=tokens,
        contoso=contoso,
        users=users,
        legacy=legacy,
        dispatch=Dispatcher(state, services),
    )


# --- requests ----------------------------------------------------------------------------------------------


def send(
    world, method: str, url: str, bearer: str | None = None, body=None, form=None, accept=None
) -> Response:
    parts = urlsplit(url if "://" in url else f"https://graph.localhost{url}")
    headers = Message()
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    if accept:
        headers["Accept"] = accept
    data = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urlencode(form).encode()
    return world.dispatch(
        Request(
            method=method,
            host=parts.hostname or "",
            port=443,
            path=parts.path,
            query_string=parts.query,
            headers=headers,
            body=data,
        )
    )


def ok(response: Response, status: int = 200) -> dict:
    assert response.status == status, response.body
    return json.loads(response.body) if response.body else {}


def refused(response: Response, status: int, code: str, message: str | None = None) -> dict:
    assert response.status == status, response.body
    error = json.loads(response.body)["error"]
    assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message
    return error


def delegated(world, who: str = "ga", scopes=ADMIN_SCOPES) -> str:
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


def app_token(world, app: App, roles, audience=None) -> str:
    """A token as if issued to ``app`` with these roles (to test Graph's rules independently of consent)."""
    return world.tokens.issue(
        tenant_id=world.contoso.tenant_id,
        audience=audience or world.state.graph_url,
        client_id=app.client_id,
        app_display_name=app.name,
        acr="2",
        roles=list(roles),
    )


def der_b64(cert: Cert) -> str:
    return base64.b64encode(cert.certificate.public_bytes(serialization.Encoding.DER)).decode()


def key_credential(cert: Cert, **extra) -> dict:
    return {
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        "key": der_b64(cert),
        "displayName": f"CN={cert.certificate.subject.rfc4514_string()}",
        **extra,
    }


def client_token(world, client_id: str, *, cert: Cert | None = None, secret: str | None = None, scope=None):
    """The identity platform's client-credentials answer (status, body) for a certificate or a secret."""
    tenant = world.contoso.tenant_id
    form = {
        "client_id": client_id,
        "grant_type": "client_credentials",
        "scope": scope or "https://graph.localhost/.default",
    }
    if cert is not None:
        form["client_assertion_type"] = JWT_BEARER
        form["client_assertion"] = assertion(
            cert, client_id, f"https://login.localhost/{tenant}/oauth2/v2.0/token"
        )
    if secret is not None:
        form["client_secret"] = secret
    response = send(world, "POST", f"https://login.localhost/{tenant}/oauth2/v2.0/token", form=form)
    return response.status, json.loads(response.body)


def claims_of(access_token: str) -> dict:
    return jwt.decode(access_token, options={"verify_signature": False})


def graph_sp(world, app_id: str = GRAPH_APP) -> dict:
    found = ok(send(world, "GET", f"/v1.0/servicePrincipals?$filter=appId eq '{app_id}'", delegated(world)))
    assert len(found["value"]) == 1
    return found["value"][0]


def register(
    world, name: str = "spkit-registered", cert: Cert | None = None, who: str = "ga"
) -> SimpleNamespace:
    """spkit's automatic registration: app + certificate, service principal, Graph and SharePoint consent."""
    cert = cert or make_cert(name)
    admin = delegated(world, who)
    app = ok(
        send(
            world,
            "POST",
            "/v1.0/applications",
            admin,
            {
                "displayName": name,
                "signInAudience": "AzureADMyOrg",
                "requiredResourceAccess": [
                    {
                        "resourceAppId": GRAPH_APP,
                        "resourceAccess": [{"id": GRAPH_FULL_CONTROL, "type": "Role"}],
                    },
                    {
                        "resourceAppId": SHAREPOINT_APP,
                        "resourceAccess": [{"id": SP_FULL_CONTROL, "type": "Role"}],
                    },
                ],
                "keyCredentials": [key_credential(cert)],
                "tags": ["spkit"],
                "notes": "created by spkit",
            },
        ),
        201,
    )
    sp = ok(send(world, "POST", "/v1.0/servicePrincipals", admin, {"appId": app["appId"]}), 201)
    assignments = []
    for resource_app, role in ((GRAPH_APP, GRAPH_FULL_CONTROL), (SHAREPOINT_APP, SP_FULL_CONTROL)):
        resource = graph_sp(world, resource_app)["id"]
        body = {"principalId": sp["id"], "resourceId": resource, "appRoleId": role}
        assignments.append(
            ok(send(world, "POST", f"/v1.0/servicePrincipals/{resource}/appRoleAssignedTo", admin, body), 201)
        )
    return SimpleNamespace(app=app, sp=sp, cert=cert, assignments=assignments)


# --- the whole registration --------------------------------------------------------------------------------


def test_registration_gives_a_certificate_app_whose_token_works_on_graph_and_sharepoint(world):
    reg = register(world)
    status, body = client_token(world, reg.app["appId"], cert=reg.cert)
    assert status == 200, body
    assert sorted(claims_of(body["access_token"])["roles"]) == ["Sites.FullControl.All"]
    sites = ok(send(world, "GET", "/v1.0/sites/getAllSites?$top=5", body["access_token"]))
    assert len(sites["value"]) == 5
    status, sp_body = client_token(world, reg.app["appId"], cert=reg.cert, scope=f"https://{ROOT}/.default")
    assert status == 200, sp_body
    web = ok(
        send(
            world,
            "GET",
            f"https://{ROOT}/_api/web",
            sp_body["access_token"],
            accept="application/json;odata=nometadata",
        )
    )
    assert web["Url"] == f"https://{ROOT}"


def test_created_application_has_graphs_shape_and_lives_in_the_tenant(world):
    cert = make_cert("shape")
    reg = register(world, "spkit-shape", cert)
    app = reg.app
    assert app["@odata.context"] == "https://graph.localhost/v1.0/$metadata#applications/$entity"
    assert str(uuid.UUID(app["id"])) == app["id"] and str(uuid.UUID(app["appId"])) == app["appId"]
    assert app["displayName"] == "spkit-shape" and app["signInAudience"] == "AzureADMyOrg"
    assert app["publisherDomain"] == "contoso.onmicrosoft.com"
    assert (
        app["passwordCredentials"] == [] and app["tags"] == ["spkit"] and app["notes"] == "created by spkit"
    )
    assert app["requiredResourceAccess"][1] == {
        "resourceAppId": SHAREPOINT_APP,
        "resourceAccess": [{"id": SP_FULL_CONTROL, "type": "Role"}],
    }
    assert datetime.fromisoformat(app["createdDateTime"].replace("Z", "+00:00")) <= datetime.now(UTC)
    (key,) = app["keyCredentials"]
    assert key["customKeyIdentifier"] == cert.sha1.hex().upper()  # the thumbprint, as Graph shows it
    assert key["key"] is None  # never echoed on create or list
    assert key["type"] == "AsymmetricX509Cert" and key["usage"] == "Verify"
    assert key["endDateTime"] == cert.certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    stored = world.contoso.app(app["appId"])
    assert stored.object_id == app["id"] and stored.service_principal_id == reg.sp["id"]
    assert stored.key_credentials[0].thumbprint == cert.sha1.hex().upper()
    assert stored.owner_ids == [world.users["ga"].object_id]
    # The certificate itself only with $select=keyCredentials on the one object.
    selected = ok(
        send(world, "GET", f"/v1.0/applications/{app['id']}?$select=keyCredentials", delegated(world))
    )
    assert base64.b64decode(selected["keyCredentials"][0]["key"]) == cert.certificate.public_bytes(
        serialization.Encoding.DER
    )
    by_app_id = ok(send(world, "GET", f"/v1.0/applications(appId='{app['appId']}')", delegated(world)))
    assert by_app_id["id"] == app["id"]
    assert (
        ok(send(world, "GET", f"/v1.0/applications(appId=%27{app['appId']}%27)", delegated(world)))["id"]
        == app["id"]
    )


def test_minimal_application_defaults_like_graph(world):
    app = ok(send(world, "POST", "/v1.0/applications", delegated(world), {"displayName": "bare"}), 201)
    assert app["signInAudience"] == "AzureADandPersonalMicrosoftAccount"
    assert app["keyCredentials"] == [] and app["requiredResourceAccess"] == []
    assert world.contoso.app(app["appId"]).service_principal_id is None


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        (
            {},
            "Request_BadRequest",
            "A value is required for property 'displayName' of resource 'Application'.",
        ),
        ({"displayName": "x", "colour": "red"}, "BadRequest", "The property 'colour' does not exist"),
        ({"displayName": "x", "signInAudience": "Everyone"}, "Request_BadRequest", "'signInAudience'"),
        (
            {
                "displayName": "x",
                "keyCredentials": [
                    {"type": "AsymmetricX509Cert", "usage": "Verify", "key": "bm90IGEgY2VydA=="}
                ],
            },
            "Request_BadRequest",
            "'key' of resource 'KeyCredential'",
        ),
        (
            {
                "displayName": "x",
                "requiredResourceAccess": [
                    {
                        "resourceAppId": GRAPH_APP,
                        "resourceAccess": [{"id": GRAPH_FULL_CONTROL, "type": "Admin"}],
                    }
                ],
            },
            "Request_BadRequest",
            "resourceAccess",
        ),
    ],
)
def test_bad_application_bodies_are_refused(world, body, code, fragment):
    error = refused(send(world, "POST", "/v1.0/applications", delegated(world), body), 400, code)
    assert fragment in error["message"]


def test_key_credential_ending_after_the_certificate_is_refused(world):
    cert = make_cert("short", days=30)
    late = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"displayName": "x", "keyCredentials": [key_credential(cert, endDateTime=late)]}
    refused(send(world, "POST", "/v1.0/applications", delegated(world), body), 400, "Request_BadRequest")


def test_body_that_is_not_json_is_refused(world):
    response = world.dispatch(
        Request(
            method="POST",
            host="graph.localhost",
            port=443,
            path="/v1.0/applications",
            query_string="",
            headers=_auth(delegated(world)),
            body=b"{not json",
        )
    )
    error = refused(response, 400, "BadRequest")
    assert error["message"].startswith("Unable to read JSON request payload.")


def _auth(bearer: str) -> Message:
    headers = Message()
    headers["Authorization"] = f"Bearer {bearer}"
    return headers


# --- finding apps --------------------------------------------------------------------------------------------


def test_applications_are_found_by_display_name_app_id_and_tag(world):
    reg = register(world, "spkit-find-me")
    ok(
        send(
            world,
            "POST",
            "/v1.0/applications",
            delegated(world),
            {"displayName": "someone else", "tags": ["other"]},
        ),
        201,
    )
    admin = delegated(world)
    by_name = ok(send(world, "GET", "/v1.0/applications?$filter=displayName eq 'SPKIT-find-me'", admin))
    assert [a["appId"] for a in by_name["value"]] == [reg.app["appId"]]  # eq is case-insensitive
    by_app_id = ok(send(world, "GET", f"/v1.0/applications?$filter=appId eq '{reg.app['appId']}'", admin))
    assert [a["id"] for a in by_app_id["value"]] == [reg.app["id"]]
    by_tag = ok(
        send(
            world, "GET", "/v1.0/applications?$filter=tags/any(t:t eq 'spkit')&$select=id,displayName", admin
        )
    )
    assert by_tag == {
        "@odata.context": "https://graph.localhost/v1.0/$metadata#applications(id,displayName)",
        "value": [{"id": reg.app["id"], "displayName": "spkit-find-me"}],
    }
    starts = ok(send(world, "GET", "/v1.0/applications?$filter=startswith(displayName,'spkit-f')", admin))
    assert [a["displayName"] for a in starts["value"]] == ["spkit-find-me"]
    quoted = ok(send(world, "GET", "/v1.0/applications?$filter=displayName eq 'it''s'", admin))
    assert quoted["value"] == []
    everything = ok(send(world, "GET", "/v1.0/applications", admin))
    assert {a["displayName"] for a in everything["value"]} == {
        "spkit-certificate",
        "spkit-find-me",
        "someone else",
    }


def test_filters_graph_does_not_index_are_unsupported(world):
    refused(
        send(world, "GET", "/v1.0/applications?$filter=notes eq 'x'", delegated(world)),
        400,
        "Request_UnsupportedQuery",
        "Unsupported or invalid query filter clause specified for property 'notes' of resource 'Application'.",
    )
    refused(
        send(world, "GET", "/v1.0/applications?$filter=colour eq 'red'", delegated(world)), 400, "BadRequest"
    )
    refused(send(world, "GET", "/v1.0/applications?$select=colour", delegated(world)), 400, "BadRequest")


def test_unknown_or_malformed_application_ids(world):
    missing = str(uuid.uuid4())
    refused(
        send(world, "GET", f"/v1.0/applications/{missing}", delegated(world)),
        404,
        "Request_ResourceNotFound",
        f"Resource '{missing}' does not exist or one of its queried reference-property objects are not present.",
    )
    refused(
        send(world, "GET", "/v1.0/applications/not-a-guid", delegated(world)),
        400,
        "Request_BadRequest",
        "Invalid object identifier 'not-a-guid'.",
    )


def test_reading_applications_needs_an_application_permission(world):
    refused(
        send(world, "GET", "/v1.0/applications", delegated(world, scopes=("User.Read",))),
        403,
        "Authorization_RequestDenied",
        DENIED,
    )
    refused(
        send(world, "GET", "/v1.0/applications", app_token(world, world.legacy, ["Sites.FullControl.All"])),
        403,
        "Authorization_RequestDenied",
    )
    assert ok(
        send(world, "GET", "/v1.0/applications", app_token(world, world.legacy, ["Application.Read.All"]))
    )["value"]
    # Any signed-in member may read app registrations, given the scope (default user permissions).
    assert ok(send(world, "GET", "/v1.0/applications", delegated(world, "user", ("Application.Read.All",))))[
        "value"
    ]


# --- service principals -----------------------------------------------------------------------------------


def test_graph_and_sharepoint_service_principals_exist_with_their_app_roles(world):
    graph_resource = graph_sp(world)
    assert graph_resource["displayName"] == "Microsoft Graph"
    roles = {r["value"]: r for r in graph_resource["appRoles"]}
    assert roles["Sites.FullControl.All"]["id"] == GRAPH_FULL_CONTROL
    assert roles["Sites.Selected"]["id"] == GRAPH_SITES_SELECTED
    assert roles["Sites.Read.All"]["id"] == "332a536c-c7ef-4017-ab91-336970924f0d"
    assert roles["User.Read.All"]["id"] == "df021288-bdef-4463-88db-98f22de89214"
    assert all(r["allowedMemberTypes"] == ["Application"] and r["isEnabled"] for r in roles.values())
    scopes = {s["value"]: s for s in graph_resource["oauth2PermissionScopes"]}
    assert scopes["User.Read"]["id"] == "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
    assert scopes["Application.ReadWrite.All"]["id"] == "bdfbf15f-ee85-4955-8675-146e8e5296b5"
    spo = graph_sp(world, SHAREPOINT_APP)
    spo_roles = {r["value"]: r["id"] for r in spo["appRoles"]}
    assert spo_roles["Sites.FullControl.All"] == SP_FULL_CONTROL
    assert spo_roles["Sites.Selected"] == SP_SITES_SELECTED
    assert spo_roles["Sites.Read.All"] == "d13f72ca-a275-4b96-b789-48ebcc4da984"
    assert spo_roles["Sites.Manage.All"] == "9bff6588-13f2-4c48-bbf2-ddab62256b36"
    assert "AllSites.FullControl" in {s["value"] for s in spo["oauth2PermissionScopes"]}
    by_name = ok(
        send(
            world, "GET", "/v1.0/servicePrincipals?$filter=displayName eq 'Microsoft Graph'", delegated(world)
        )
    )
    assert [s["id"] for s in by_name["value"]] == [graph_resource["id"]]
    by_key = ok(
        send(world, "GET", f"/v1.0/servicePrincipals(appId='{GRAPH_APP}')?$select=id,appId", delegated(world))
    )
    assert by_key["id"] == graph_resource["id"] and set(by_key) == {"@odata.context", "id", "appId"}


def test_service_principal_once_per_app(world):
    app = ok(send(world, "POST", "/v1.0/applications", delegated(world), {"displayName": "once"}), 201)
    sp = ok(send(world, "POST", "/v1.0/servicePrincipals", delegated(world), {"appId": app["appId"]}), 201)
    assert sp["appId"] == app["appId"] and sp["displayName"] == "once"
    assert (
        sp["servicePrincipalType"] == "Application"
        and sp["appOwnerOrganizationId"] == world.contoso.tenant_id
    )
    refused(
        send(world, "POST", "/v1.0/servicePrincipals", delegated(world), {"appId": app["appId"]}),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
        "The service principal cannot be created, updated, or restored because the service principal name "
        f"{app['appId']} is already in use.",
    )
    assert (
        ok(send(world, "GET", f"/v1.0/servicePrincipals/{sp['id']}", delegated(world)))["appId"]
        == app["appId"]
    )


def test_service_principal_for_an_unknown_app_id(world):
    ghost = str(uuid.uuid4())
    error = refused(
        send(world, "POST", "/v1.0/servicePrincipals", delegated(world), {"appId": ghost}),
        400,
        "Request_BadRequest",
    )
    assert (
        error["message"]
        == f"The appId '{ghost}' of the service principal does not reference a valid application object."
    )
    assert error["details"][0]["code"] == "NoBackingApplicationObject"


def test_deleting_a_service_principal_revokes_its_consent(world):
    reg = register(world, "sp-deleted")
    assert ok(send(world, "DELETE", f"/v1.0/servicePrincipals/{reg.sp['id']}", delegated(world)), 204) == {}
    stored = world.contoso.app(reg.app["appId"])
    assert stored.service_principal_id is None and stored.granted == []
    refused(
        send(world, "GET", f"/v1.0/servicePrincipals/{reg.sp['id']}", delegated(world)),
        404,
        "Request_ResourceNotFound",
    )
    graph_id = graph_sp(world)["id"]
    listed = ok(send(world, "GET", f"/v1.0/servicePrincipals/{graph_id}/appRoleAssignedTo", delegated(world)))
    assert reg.sp["id"] not in {a["principalId"] for a in listed["value"]}


# --- application consent -------------------------------------------------------------------------------------


def test_app_role_assignment_has_graphs_shape(world):
    reg = register(world, "assigned")
    graph_assignment = reg.assignments[0]
    graph_id = graph_sp(world)["id"]
    assert graph_assignment["@odata.context"] == (
        f"https://graph.localhost/v1.0/$metadata#servicePrincipals('{graph_id}')/appRoleAssignedTo/$entity"
    )
    assert graph_assignment["principalId"] == reg.sp["id"] and graph_assignment["resourceId"] == graph_id
    assert (
        graph_assignment["appRoleId"] == GRAPH_FULL_CONTROL
        and graph_assignment["principalType"] == "ServicePrincipal"
    )
    assert (
        graph_assignment["principalDisplayName"] == "assigned"
        and graph_assignment["resourceDisplayName"] == "Microsoft Graph"
    )
    # Entra's ids start with the principal's GUID bytes (.NET order), base64url without padding.
    raw = base64.urlsafe_b64decode(graph_assignment["id"] + "=")
    assert len(graph_assignment["id"]) == 43 and raw[:16] == uuid.UUID(reg.sp["id"]).bytes_le
    stored = world.contoso.app(reg.app["appId"])
    assert stored.granted == ["Graph/Sites.FullControl.All", "SharePoint/Sites.FullControl.All"]
    assert stored.assignment_ids["Graph/Sites.FullControl.All"] == graph_assignment["id"]


def test_consent_takes_effect_after_the_propagation_delay(world):
    world.state.consent_delay_s = 60
    reg = register(world, "slow-consent")
    status, body = client_token(world, reg.app["appId"], cert=reg.cert)
    assert status == 200 and "roles" not in claims_of(body["access_token"])  # token issued, without roles
    refused(send(world, "GET", "/v1.0/sites/getAllSites", body["access_token"]), 403, "AccessDenied")
    stored = world.contoso.app(reg.app["appId"])
    effective = stored.granted_at["Graph/Sites.FullControl.All"]
    assert timedelta(seconds=55) < effective - datetime.now(UTC) <= timedelta(seconds=60)
    assert stored.roles_for("Graph", now=effective) == ["Sites.FullControl.All"]


def test_duplicate_unknown_and_mismatched_assignments(world):
    reg = register(world, "dupes")
    graph_id = graph_sp(world)["id"]
    url = f"/v1.0/servicePrincipals/{graph_id}/appRoleAssignedTo"
    body = {"principalId": reg.sp["id"], "resourceId": graph_id, "appRoleId": GRAPH_FULL_CONTROL}
    refused(
        send(world, "POST", url, delegated(world), body),
        400,
        "Request_BadRequest",
        "Permission being assigned already exists on the object.",
    )
    unknown_role = {**body, "appRoleId": str(uuid.uuid4())}
    error = refused(send(world, "POST", url, delegated(world), unknown_role), 400, "Request_BadRequest")
    assert error["message"].startswith("Permission being assigned was not found on application")
    sharepoint_role_on_graph = {**body, "appRoleId": SP_FULL_CONTROL}
    refused(send(world, "POST", url, delegated(world), sharepoint_role_on_graph), 400, "Request_BadRequest")
    ghost = str(uuid.uuid4())
    refused(
        send(world, "POST", url, delegated(world), {**body, "principalId": ghost}),
        404,
        "Request_ResourceNotFound",
    )
    other = graph_sp(world, SHAREPOINT_APP)["id"]
    refused(
        send(world, "POST", url, delegated(world), {**body, "resourceId": other}), 400, "Request_BadRequest"
    )


def test_assignments_are_listed_on_both_sides_and_revoked(world):
    reg = register(world, "listed")
    graph_id = graph_sp(world)["id"]
    on_graph = ok(
        send(world, "GET", f"/v1.0/servicePrincipals/{graph_id}/appRoleAssignedTo", delegated(world))
    )
    principals = {a["principalId"]: a for a in on_graph["value"]}
    assert principals[reg.sp["id"]]["appRoleId"] == GRAPH_FULL_CONTROL
    assert (
        principals[world.legacy.service_principal_id]["appRoleId"] == GRAPH_FULL_CONTROL
    )  # scenario consent too
    mine = ok(
        send(world, "GET", f"/v1.0/servicePrincipals/{reg.sp['id']}/appRoleAssignments", delegated(world))
    )
    assert {a["appRoleId"] for a in mine["value"]} == {GRAPH_FULL_CONTROL, SP_FULL_CONTROL}
    again = ok(
        send(world, "GET", f"/v1.0/servicePrincipals/{reg.sp['id']}/appRoleAssignments", delegated(world))
    )
    assert again["value"] == mine["value"]  # stable ids
    gone = principals[reg.sp["id"]]["id"]
    assert (
        send(
            world, "DELETE", f"/v1.0/servicePrincipals/{graph_id}/appRoleAssignedTo/{gone}", delegated(world)
        ).status
        == 204
    )
    status, body = client_token(world, reg.app["appId"], cert=reg.cert)
    assert "roles" not in claims_of(body["access_token"])  # revocation shows in the next token
    refused(
        send(
            world, "DELETE", f"/v1.0/servicePrincipals/{graph_id}/appRoleAssignedTo/{gone}", delegated(world)
        ),
        404,
        "Request_ResourceNotFound",
    )


def test_scenario_consent_can_be_revoked_by_its_listed_id(world):
    graph_id = graph_sp(world)["id"]
    listed = ok(
        send(
            world,
            "GET",
            f"/v1.0/servicePrincipals/{world.legacy.service_principal_id}/appRoleAssignments",
            delegated(world),
        )
    )
    graph_grant = next(a for a in listed["value"] if a["resourceId"] == graph_id)
    response = send(
        world,
        "DELETE",
        f"/v1.0/servicePrincipals/{world.legacy.service_principal_id}/appRoleAssignments/{graph_grant['id']}",
        delegated(world),
    )
    assert response.status == 204
    assert world.legacy.granted == ["SharePoint/Sites.FullControl.All"]


def test_assignment_through_the_principals_app_role_assignments(world):
    app = ok(send(world, "POST", "/v1.0/applications", delegated(world), {"displayName": "other side"}), 201)
    sp = ok(send(world, "POST", "/v1.0/servicePrincipals", delegated(world), {"appId": app["appId"]}), 201)
    spo = graph_sp(world, SHAREPOINT_APP)["id"]
    body = {"principalId": sp["id"], "resourceId": spo, "appRoleId": SP_SITES_SELECTED}
    created = ok(
        send(world, "POST", f"/v1.0/servicePrincipals/{sp['id']}/appRoleAssignments", delegated(world), body),
        201,
    )
    assert created["resourceDisplayName"] == "Office 365 SharePoint Online"
    assert world.contoso.app(app["appId"]).granted == ["SharePoint/Sites.Selected"]


# --- who may register and consent ------------------------------------------------------------------------------


def _create(world, token) -> Response:
    return send(world, "POST", "/v1.0/applications", token, {"displayName": "attempt"})


def _assign(world, token, resource_app=GRAPH_APP, role=GRAPH_FULL_CONTROL) -> Response:
    app = ok(send(world, "POST", "/v1.0/applications", delegated(world), {"displayName": "target"}), 201)
    sp = ok(send(world, "POST", "/v1.0/servicePrincipals", delegated(world), {"appId": app["appId"]}), 201)
    resource = graph_sp(world, resource_app)["id"]
    body = {"principalId": sp["id"], "resourceId": resource, "appRoleId": role}
    return send(world, "POST", f"/v1.0/servicePrincipals/{resource}/appRoleAssignedTo", token, body)


@pytest.mark.parametrize("who", ["spadmin", "user", "pra"])
def test_only_app_administrators_register_apps_here(world, who):
    refused(_create(world, delegated(world, who)), 403, "Authorization_RequestDenied", DENIED)
    assert not any(a.name == "attempt" for a in world.contoso.apps.values())


@pytest.mark.parametrize("who", ["ga", "cloudadmin", "developer"])
def test_app_administrators_and_developers_register_apps(world, who):
    assert _create(world, delegated(world, who)).status == 201


def test_a_global_administrator_without_the_scope_is_refused(world):
    refused(
        _create(world, delegated(world, "ga", ("User.Read", "Directory.Read.All"))),
        403,
        "Authorization_RequestDenied",
        DENIED,
    )
    refused(
        _assign(world, delegated(world, "ga", ("Application.ReadWrite.All",))),
        403,
        "Authorization_RequestDenied",
        DENIED,
    )


@pytest.mark.parametrize(
    ("who", "resource_app", "role", "status"),
    [
        ("ga", GRAPH_APP, GRAPH_FULL_CONTROL, 201),
        ("pra", GRAPH_APP, GRAPH_FULL_CONTROL, 201),
        ("pra", SHAREPOINT_APP, SP_FULL_CONTROL, 201),
        ("cloudadmin", SHAREPOINT_APP, SP_FULL_CONTROL, 201),
        # Microsoft Graph's app roles need a Privileged Role (or Global) Administrator.
        ("cloudadmin", GRAPH_APP, GRAPH_FULL_CONTROL, 403),
        ("spadmin", GRAPH_APP, GRAPH_FULL_CONTROL, 403),
        ("spadmin", SHAREPOINT_APP, SP_FULL_CONTROL, 403),
        ("user", SHAREPOINT_APP, SP_FULL_CONTROL, 403),
    ],
)
def test_who_may_grant_application_permissions(world, who, resource_app, role, status):
    response = _assign(world, delegated(world, who), resource_app, role)
    if status == 403:
        refused(response, 403, "Authorization_RequestDenied", DENIED)
    else:
        assert response.status == status, response.body


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (["Application.ReadWrite.All"], 201),
        (["Application.ReadWrite.OwnedBy"], 201),
        (["Application.Read.All"], 403),
        (["Directory.ReadWrite.All"], 403),
    ],
)
def test_apps_that_register_apps(world, roles, status):
    assert _create(world, app_token(world, world.legacy, roles)).status == status


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (["AppRoleAssignment.ReadWrite.All", "Application.Read.All"], 201),
        (["AppRoleAssignment.ReadWrite.All", "Directory.Read.All"], 201),
        # AppRoleAssignment.ReadWrite.All alone cannot read the principals (docs#12833): 403.
        (["AppRoleAssignment.ReadWrite.All"], 403),
        (["Application.ReadWrite.All"], 403),
    ],
)
def test_apps_that_grant_application_permissions(world, roles, status):
    assert _assign(world, app_token(world, world.legacy, roles)).status == status


def test_owned_by_apps_manage_and_see_only_their_own(world):
    robot = app_token(world, world.legacy, ["Application.ReadWrite.OwnedBy"])
    mine = ok(_create(world, robot), 201)
    assert world.contoso.app(mine["appId"]).owner_ids == [world.legacy.service_principal_id]
    theirs = ok(
        send(world, "POST", "/v1.0/applications", delegated(world), {"displayName": "not robot's"}), 201
    )
    listed = ok(send(world, "GET", "/v1.0/applications", robot))
    assert [a["id"] for a in listed["value"]] == [mine["id"]]
    assert send(world, "PATCH", f"/v1.0/applications/{mine['id']}", robot, {"notes": "mine"}).status == 204
    refused(
        send(world, "PATCH", f"/v1.0/applications/{theirs['id']}", robot, {"notes": "x"}),
        403,
        "Authorization_RequestDenied",
    )


def test_a_developer_manages_the_apps_they_registered_only(world):
    developer = delegated(world, "developer")
    mine = ok(send(world, "POST", "/v1.0/applications", developer, {"displayName": "dev app"}), 201)
    theirs = ok(send(world, "POST", "/v1.0/applications", delegated(world), {"displayName": "ga app"}), 201)
    assert (
        send(world, "PATCH", f"/v1.0/applications/{mine['id']}", developer, {"displayName": "renamed"}).status
        == 204
    )
    assert ok(send(world, "POST", "/v1.0/servicePrincipals", developer, {"appId": mine["appId"]}), 201)
    refused(
        send(world, "DELETE", f"/v1.0/applications/{theirs['id']}", developer),
        403,
        "Authorization_RequestDenied",
    )
    refused(
        send(world, "POST", "/v1.0/servicePrincipals", developer, {"appId": theirs["appId"]}),
        403,
        "Authorization_RequestDenied",
    )


# --- changing, rotating, deleting -------------------------------------------------------------------------------


def test_patch_changes_what_it_names_and_nothing_else(world):
    reg = register(world, "patched")
    rra = [{"resourceAppId": GRAPH_APP, "resourceAccess": [{"id": GRAPH_SITES_SELECTED, "type": "Role"}]}]
    body = {
        "displayName": "patched again",
        "notes": None,
        "tags": ["spkit", "v2"],
        "requiredResourceAccess": rra,
    }
    response = send(world, "PATCH", f"/v1.0/applications/{reg.app['id']}", delegated(world), body)
    assert response.status == 204 and response.body == b""
    after = ok(send(world, "GET", f"/v1.0/applications/{reg.app['id']}", delegated(world)))
    assert (
        after["displayName"] == "patched again"
        and after["notes"] is None
        and after["tags"] == ["spkit", "v2"]
    )
    assert after["requiredResourceAccess"] == rra
    assert after["keyCredentials"] == reg.app["keyCredentials"]  # untouched


def test_patching_key_credentials_rotates_the_certificate(world):
    reg = register(world, "rotated")
    new = make_cert("rotated-2")
    body = {"keyCredentials": [key_credential(new)]}
    assert send(world, "PATCH", f"/v1.0/applications/{reg.app['id']}", delegated(world), body).status == 204
    status, old_answer = client_token(world, reg.app["appId"], cert=reg.cert)
    assert status == 401 and old_answer["error_codes"] == [700027]
    status, new_answer = client_token(world, reg.app["appId"], cert=new)
    assert status == 200 and claims_of(new_answer["access_token"])["roles"] == ["Sites.FullControl.All"]
    after = ok(send(world, "GET", f"/v1.0/applications/{reg.app['id']}", delegated(world)))
    assert [k["customKeyIdentifier"] for k in after["keyCredentials"]] == [new.sha1.hex().upper()]


def test_rotation_can_keep_the_old_key_by_its_key_id_during_the_overlap(world):
    reg = register(world, "overlap")
    old_key_id = reg.app["keyCredentials"][0]["keyId"]
    new = make_cert("overlap-2")
    body = {"keyCredentials": [{"keyId": old_key_id}, key_credential(new)]}
    assert send(world, "PATCH", f"/v1.0/applications/{reg.app['id']}", delegated(world), body).status == 204
    assert client_token(world, reg.app["appId"], cert=reg.cert)[0] == 200
    assert client_token(world, reg.app["appId"], cert=new)[0] == 200


def test_add_password_shows_the_secret_once_and_remove_password_revokes_it(world):
    reg = register(world, "with-secret")
    url = f"/v1.0/applications/{reg.app['id']}"
    created = ok(
        send(
            world,
            "POST",
            f"{url}/addPassword",
            delegated(world),
            {"passwordCredential": {"displayName": "ci"}},
        )
    )
    assert (
        created["@odata.context"]
        == "https://graph.localhost/v1.0/$metadata#microsoft.graph.passwordCredential"
    )
    secret = created["secretText"]
    assert secret[3:6] == "8Q~" and len(secret) == 40 and created["hint"] == secret[:3]
    assert created["displayName"] == "ci" and str(uuid.UUID(created["keyId"])) == created["keyId"]
    listed = ok(send(world, "GET", url, delegated(world)))["passwordCredentials"]
    assert listed[0]["secretText"] is None and listed[0]["keyId"] == created["keyId"]
    status, answer = client_token(world, reg.app["appId"], secret=secret)
    assert status == 200 and claims_of(answer["access_token"])["appidacr"] == "1"
    assert ok(send(world, "GET", "/v1.0/sites/getAllSites?$top=1", answer["access_token"]))["value"]
    removed = send(world, "POST", f"{url}/removePassword", delegated(world), {"keyId": created["keyId"]})
    assert removed.status == 204
    status, answer = client_token(world, reg.app["appId"], secret=secret)
    assert status == 401 and answer["error_codes"] == [7000215]


def test_add_password_without_a_body_uses_graphs_defaults(world):
    app = ok(send(world, "POST", "/v1.0/applications", delegated(world), {"displayName": "defaults"}), 201)
    created = ok(
        send(world, "POST", f"/v1.0/applications(appId='{app['appId']}')/addPassword", delegated(world))
    )
    start = datetime.fromisoformat(created["startDateTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(created["endDateTime"].replace("Z", "+00:00"))
    assert timedelta(days=729) < end - start <= timedelta(days=731)


def test_deleting_the_application_removes_everything_it_had(world):
    reg = register(world, "doomed")
    assert send(world, "DELETE", f"/v1.0/applications/{reg.app['id']}", delegated(world)).status == 204
    refused(
        send(world, "GET", f"/v1.0/applications/{reg.app['id']}", delegated(world)),
        404,
        "Request_ResourceNotFound",
    )
    refused(
        send(world, "GET", f"/v1.0/servicePrincipals/{reg.sp['id']}", delegated(world)),
        404,
        "Request_ResourceNotFound",
    )
    status, answer = client_token(world, reg.app["appId"], cert=reg.cert)
    assert status == 400 and answer["error_codes"] == [700016]
    graph_id = graph_sp(world)["id"]
    listed = ok(send(world, "GET", f"/v1.0/servicePrincipals/{graph_id}/appRoleAssignedTo", delegated(world)))
    assert reg.sp["id"] not in {a["principalId"] for a in listed["value"]}
    refused(
        send(world, "DELETE", f"/v1.0/applications/{reg.app['id']}", delegated(world)),
        404,
        "Request_ResourceNotFound",
    )


# --- delegated consent ------------------------------------------------------------------------------------------


def test_delegated_permission_grants(world):
    reg = register(world, "delegated-client")
    graph_id = graph_sp(world)["id"]
    body = {
        "clientId": reg.sp["id"],
        "consentType": "AllPrincipals",
        "resourceId": graph_id,
        "scope": "User.Read Sites.Read.All",
    }
    grant = ok(send(world, "POST", "/v1.0/oauth2PermissionGrants", delegated(world), body), 201)
    assert grant["@odata.context"] == "https://graph.localhost/v1.0/$metadata#oauth2PermissionGrants/$entity"
    assert grant["principalId"] is None and grant["scope"] == "User.Read Sites.Read.All"
    assert base64.urlsafe_b64decode(grant["id"] + "=")[:16] == uuid.UUID(reg.sp["id"]).bytes_le
    refused(
        send(world, "POST", "/v1.0/oauth2PermissionGrants", delegated(world), body),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
    )
    listed = ok(
        send(
            world,
            "GET",
            f"/v1.0/oauth2PermissionGrants?$filter=clientId eq '{reg.sp['id']}'",
            delegated(world),
        )
    )
    assert [g["id"] for g in listed["value"]] == [grant["id"]]
    by_sp = ok(
        send(world, "GET", f"/v1.0/servicePrincipals/{reg.sp['id']}/oauth2PermissionGrants", delegated(world))
    )
    assert by_sp["value"] == listed["value"]
    assert (
        send(
            world,
            "PATCH",
            f"/v1.0/oauth2PermissionGrants/{grant['id']}",
            delegated(world),
            {"scope": "User.Read"},
        ).status
        == 204
    )
    assert (
        ok(send(world, "GET", f"/v1.0/oauth2PermissionGrants/{grant['id']}", delegated(world)))["scope"]
        == "User.Read"
    )
    assert (
        send(world, "DELETE", f"/v1.0/oauth2PermissionGrants/{grant['id']}", delegated(world)).status == 204
    )
    assert world.contoso.oauth2_grants == {}


def test_delegated_grant_rules(world):
    reg = register(world, "delegated-rules")
    graph_id = graph_sp(world)["id"]
    body = {
        "clientId": reg.sp["id"],
        "consentType": "AllPrincipals",
        "resourceId": graph_id,
        "scope": "User.Read",
    }
    refused(
        send(world, "POST", "/v1.0/oauth2PermissionGrants", delegated(world, "spadmin"), body),
        403,
        "Authorization_RequestDenied",
        DENIED,
    )
    refused(
        send(
            world, "POST", "/v1.0/oauth2PermissionGrants", delegated(world), {**body, "scope": "Teleport.All"}
        ),
        400,
        "Request_BadRequest",
    )
    refused(
        send(
            world,
            "POST",
            "/v1.0/oauth2PermissionGrants",
            delegated(world),
            {**body, "consentType": "Everyone"},
        ),
        400,
        "Request_BadRequest",
    )
    refused(
        send(
            world,
            "POST",
            "/v1.0/oauth2PermissionGrants",
            delegated(world),
            {**body, "clientId": str(uuid.uuid4())},
        ),
        404,
        "Request_ResourceNotFound",
    )
    per_user = {**body, "consentType": "Principal", "principalId": world.users["user"].object_id}
    assert ok(
        send(world, "POST", "/v1.0/oauth2PermissionGrants", delegated(world, "cloudadmin"), per_user), 201
    )["principalId"]


# --- Sites.Selected ------------------------------------------------------------------------------------------


@pytest.fixture
def selected(world) -> SimpleNamespace:
    """An app consented for Sites.Selected on Graph and SharePoint, with a certificate, no site granted."""
    cert = make_cert("selected")
    app = App(
        "spkit-selected",
        stable_guid("selected", "app"),
        stable_guid("selected", "obj"),
        stable_guid("selected", "sp"),
        granted=["Graph/Sites.Selected", "SharePoint/Sites.Selected"],
        key_credentials=[KeyCredential(stable_guid("selected", "key"), cert.certificate, "selected")],
    )
    world.contoso.apps[app.client_id] = app
    return SimpleNamespace(
        app=app, cert=cert, site=world.contoso.sites.get(3), other=world.contoso.sites.get(4)
    )


def _reads(world, selected, site) -> tuple[int, int]:
    """(Graph /sites/{id}, SharePoint /_api/web) statuses for the Sites.Selected app's real tokens."""
    _, graph_answer = client_token(world, selected.app.client_id, cert=selected.cert)
    _, sp_answer = client_token(
        world, selected.app.client_id, cert=selected.cert, scope=f"https://{ROOT}/.default"
    )
    on_graph = send(world, "GET", f"/v1.0/sites/{site.graph_id}", graph_answer["access_token"])
    on_sharepoint = send(
        world,
        "GET",
        f"{site.url}/_api/web",
        sp_answer["access_token"],
        accept="application/json;odata=nometadata",
    )
    return on_graph.status, on_sharepoint.status


def _grant_body(app: App, roles=("read",), key="grantedToIdentitiesV2") -> dict:
    return {"roles": list(roles), key: [{"application": {"id": app.client_id, "displayName": app.name}}]}


def test_sites_selected_reads_exactly_the_granted_site(world, selected):
    assert _reads(world, selected, selected.site) == (403, 403)
    admin_app = app_token(world, world.legacy, ["Sites.FullControl.All"])
    url = f"/v1.0/sites/{selected.site.graph_id}/permissions"
    permission = ok(send(world, "POST", url, admin_app, _grant_body(selected.app)), 201)
    assert permission["roles"] == ["read"]
    assert permission["grantedToIdentitiesV2"] == [
        {"application": {"displayName": "spkit-selected", "id": selected.app.client_id}}
    ]
    assert permission["grantedToIdentities"] == permission["grantedToIdentitiesV2"]
    assert (
        base64.b64decode(permission["id"]).decode().startswith("i:0i.t|ms.sp.ext|" + selected.app.client_id)
    )
    assert _reads(world, selected, selected.site) == (200, 200)
    assert _reads(world, selected, selected.other) == (403, 403)
    # Still no tenant-wide listing with Sites.Selected.
    _, answer = client_token(world, selected.app.client_id, cert=selected.cert)
    refused(send(world, "GET", "/v1.0/sites/getAllSites", answer["access_token"]), 403, "accessDenied")


def test_site_permissions_are_listed_changed_and_revoked(world, selected):
    admin_app = app_token(world, world.legacy, ["Sites.FullControl.All"])
    url = f"/v1.0/sites/{selected.site.graph_id}/permissions"
    created = ok(
        send(world, "POST", url, admin_app, _grant_body(selected.app, ("write",), "grantedToIdentities")), 201
    )
    listed = ok(send(world, "GET", url, admin_app))
    assert [p["id"] for p in listed["value"]] == [created["id"]]
    changed = ok(send(world, "PATCH", f"{url}/{created['id']}", admin_app, {"roles": ["fullcontrol"]}))
    assert changed["roles"] == ["fullcontrol"]
    assert ok(send(world, "GET", f"{url}/{created['id']}", admin_app))["roles"] == ["fullcontrol"]
    by_path = f"/v1.0/sites/{ROOT}:{selected.site.path}:/permissions"
    assert [p["id"] for p in ok(send(world, "GET", by_path, admin_app))["value"]] == [created["id"]]
    assert send(world, "DELETE", f"{url}/{created['id']}", admin_app).status == 204
    assert _reads(world, selected, selected.site) == (403, 403)
    refused(send(world, "GET", f"{url}/{created['id']}", admin_app), 404, "itemNotFound")


@pytest.mark.parametrize(
    ("token_of", "status"),
    [
        (lambda w: app_token(w, w.legacy, ["Sites.FullControl.All"]), 201),
        (lambda w: app_token(w, w.legacy, ["Sites.ReadWrite.All"]), 403),
        (lambda w: app_token(w, w.legacy, ["Sites.Selected"]), 403),
        (lambda w: delegated(w, "spadmin", ("Sites.FullControl.All",)), 201),
        (lambda w: delegated(w, "user", ("Sites.FullControl.All",)), 403),
        (lambda w: delegated(w, "ga", ("Sites.Read.All",)), 403),
    ],
)
def test_who_may_grant_sites_selected(world, selected, token_of, status):
    url = f"/v1.0/sites/{selected.site.graph_id}/permissions"
    assert send(world, "POST", url, token_of(world), _grant_body(selected.app)).status == status


@pytest.mark.parametrize(
    "body",
    [
        {"roles": ["admin"], "grantedToIdentitiesV2": [{"application": {"id": "x"}}]},
        {"roles": [], "grantedToIdentitiesV2": [{"application": {"id": "x"}}]},
        {"roles": ["read"]},
        {"roles": ["read"], "grantedToIdentitiesV2": [{"application": {"id": str(uuid.uuid4())}}]},
    ],
)
def test_bad_site_permission_bodies(world, selected, body):
    url = f"/v1.0/sites/{selected.site.graph_id}/permissions"
    refused(
        send(world, "POST", url, app_token(world, world.legacy, ["Sites.FullControl.All"]), body),
        400,
        "invalidRequest",
    )
