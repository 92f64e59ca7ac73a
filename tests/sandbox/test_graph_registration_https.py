"""Registration over real HTTPS with real clients: ``requests`` (spkit's session) for Graph and SharePoint,
unmodified MSAL for the new app's tokens.

An in-process sandbox shows the consent propagation a client must wait through, deterministically: its
delay is long (no test gets near it by itself) and the test moves Graph's clock, which stamps when a
consent was given, to see a consent a full delay old take effect. The shared sandbox (started by the CLI
for the whole session) shows who is refused. Delegated admin tokens
are signed with the sandbox's own key, as device-code sign-in would issue them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import jwt
import msal
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from spkit.http.session import SpkitSession, session_for_card
from spkit.models.certificates import LoadedCertificate, generate_self_signed
from spkit.sandbox.access_tokens import SigningKey, TokenService
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.runner import RunningSandbox, SandboxOptions
from tests.helpers import card_tenant

PUBLIC_CLIENT = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"
SHAREPOINT_APP = "00000003-0000-0ff1-ce00-000000000000"
GRAPH_FULL_CONTROL = "a82116e5-55eb-4c41-a434-62fe8a61c773"
SP_FULL_CONTROL = "678536fe-1083-478a-9c59-b99265e6b0d3"
ADMIN_SCOPES = [
    "User.Read",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
]
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
SHAREPOINT_ADMIN = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"


def admin_token(tokens: TokenService, card: dict, upn: str, scopes=ADMIN_SCOPES) -> str:
    """A delegated Graph token for a scenario user, as device code / ROPC sign-in issues it."""
    tenant = card_tenant(card)
    assert any(u["upn"] == upn for u in tenant["users"])
    return tokens.issue(
        tenant_id=tenant["tenant_id"],
        audience=card["cloud"]["graph_url"],
        client_id=PUBLIC_CLIENT,
        app_display_name="Microsoft Graph Command Line Tools",
        acr="0",
        scopes=list(scopes),
        # The card does not publish object ids; the scenario derives them like this.
        subject_oid=stable_guid(tenant["tenant_id"], "user", upn.lower()),
        upn=upn,
    )


def msal_token(
    card: dict, session: SpkitSession, client_id: str, cert: LoadedCertificate, scope: str
) -> dict:
    """A fresh ConfidentialClientApplication each time: nothing cached between polls."""
    app = msal.ConfidentialClientApplication(
        client_id,
        authority=f"{card['cloud']['authority_host']}/{card_tenant(card)['tenant_id']}",
        client_credential={"private_key": cert.private_key_pem().decode(), "thumbprint": cert.thumbprint},
        http_client=session,
        instance_discovery=False,
    )
    return app.acquire_token_for_client([scope])


def roles_of(result: dict) -> list[str]:
    assert "access_token" in result, result
    return jwt.decode(result["access_token"], options={"verify_signature": False}).get("roles", [])


class Graph:
    def __init__(self, card: dict, session: SpkitSession, bearer: str) -> None:
        self.base = card["cloud"]["graph_url"] + "/v1.0"
        self.session = session
        self.headers = {"Authorization": f"Bearer {bearer}"}

    def __call__(self, method: str, path: str, body=None, expect: int = 200) -> dict:
        response = self.session.request(method, self.base + path, json=body, headers=self.headers)
        assert response.status_code == expect, response.text
        return response.json() if response.content else {}


# --- in-process sandbox, a long consent delay and Graph's clock in the test's hands ------------------------

# The longest --consent-delay: far more than the two requests between a consent and the early token take.
CONSENT_DELAY_S = 600.0


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    running = RunningSandbox(
        SandboxOptions(
            state_dir=tmp_path_factory.mktemp("registration"),
            consent_delay_s=CONSENT_DELAY_S,
            directory=False,  # no slapd: consent is all this sandbox is for
            sites=10,
        )
    )
    try:
        with session_for_card(running.card, retries=0) as session:
            yield SimpleNamespace(running=running, card=running.card, session=session)
    finally:
        running.stop()


@contextmanager
def graph_clock_behind(running: RunningSandbox, seconds: float) -> Iterator[None]:
    """Graph stamps a consent with its clock; set back by ``seconds``, a consent given now counts as given
    that long ago (the identity platform decides what tokens carry by the real clock)."""
    graph = next(s for s in running.dispatcher.services if s.name == "graph")
    real = graph.clock
    graph.clock = lambda: real() - timedelta(seconds=seconds)
    try:
        yield
    finally:
        graph.clock = real


def test_automatic_registration_end_to_end_with_msal(sandbox):
    card, session = sandbox.card, sandbox.session
    admin = Graph(card, session, admin_token(sandbox.running.tokens, card, "admin@contoso.onmicrosoft.com"))
    name = f"spkit-e2e-{uuid.uuid4().hex[:8]}"
    cert = generate_self_signed(name)
    app = admin(
        "POST",
        "/applications",
        {
            "displayName": name,
            "signInAudience": "AzureADMyOrg",
            "requiredResourceAccess": [
                {"resourceAppId": GRAPH_APP, "resourceAccess": [{"id": GRAPH_FULL_CONTROL, "type": "Role"}]},
                {
                    "resourceAppId": SHAREPOINT_APP,
                    "resourceAccess": [{"id": SP_FULL_CONTROL, "type": "Role"}],
                },
            ],
            "keyCredentials": [
                {
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "key": cert.public_der_b64(),
                    "displayName": f"CN={name}",
                }
            ],
        },
        expect=201,
    )
    assert app["keyCredentials"][0]["customKeyIdentifier"] == cert.thumbprint.upper()
    sp = admin("POST", "/servicePrincipals", {"appId": app["appId"]}, expect=201)
    resources = {
        resource_app: admin("GET", f"/servicePrincipals?$filter=appId eq '{resource_app}'")["value"][0]["id"]
        for resource_app in (GRAPH_APP, SHAREPOINT_APP)
    }

    def consent() -> list[str]:
        """Grant Sites.FullControl.All of Graph and of SharePoint; the paths of the two assignments."""
        made = []
        for resource_app, role in ((GRAPH_APP, GRAPH_FULL_CONTROL), (SHAREPOINT_APP, SP_FULL_CONTROL)):
            body = {"principalId": sp["id"], "resourceId": resources[resource_app], "appRoleId": role}
            path = f"/servicePrincipals/{resources[resource_app]}/appRoleAssignedTo"
            made.append(f"{path}/{admin('POST', path, body, expect=201)['id']}")
        return made

    graph_scope = card["cloud"]["graph_url"] + "/.default"
    sharepoint_url = card_tenant(card)["sharepoint_url"]
    # Within the propagation delay Entra issues the token, without roles; Graph refuses it.
    given = consent()
    early = msal_token(card, session, app["appId"], cert, graph_scope)
    assert roles_of(early) == []
    refused = session.get(
        card["cloud"]["graph_url"] + "/v1.0/sites/getAllSites",
        headers={"Authorization": f"Bearer {early['access_token']}"},
    )
    assert refused.status_code == 403
    assert roles_of(msal_token(card, session, app["appId"], cert, f"{sharepoint_url}/.default")) == []

    # The same consents given a full delay ago (by Graph's clock) are in effect: the roles show.
    for assignment in given:
        admin("DELETE", assignment, expect=204)
    with graph_clock_behind(sandbox.running, CONSENT_DELAY_S):
        consent()
    result = msal_token(card, session, app["appId"], cert, graph_scope)
    assert roles_of(result) == ["Sites.FullControl.All"]
    sites = session.get(
        card["cloud"]["graph_url"] + "/v1.0/sites/getAllSites?$top=10",
        headers={"Authorization": f"Bearer {result['access_token']}"},
    )
    assert sites.status_code == 200 and len(sites.json()["value"]) == 10
    sp_token = msal_token(card, session, app["appId"], cert, f"{sharepoint_url}/.default")
    assert roles_of(sp_token) == ["Sites.FullControl.All"]
    web = session.get(
        f"{sharepoint_url}/_api/web",
        headers={
            "Authorization": f"Bearer {sp_token['access_token']}",
            "Accept": "application/json;odata=nometadata",
        },
    )
    assert web.status_code == 200, web.text
    assert web.json()["Url"] == sharepoint_url

    # spkit recognises its app by name ...
    found = admin("GET", f"/applications?$filter=displayName eq '{name}'&$select=id,appId,keyCredentials")
    assert [a["appId"] for a in found["value"]] == [app["appId"]]

    # ... rotates its certificate ...
    rotated = generate_self_signed(name + "-2")
    new_key = {"type": "AsymmetricX509Cert", "usage": "Verify", "key": rotated.public_der_b64()}
    admin("PATCH", f"/applications/{app['id']}", {"keyCredentials": [new_key]}, expect=204)
    old = msal_token(card, session, app["appId"], cert, graph_scope)
    assert old.get("error_codes") == [700027], old
    assert roles_of(msal_token(card, session, app["appId"], rotated, graph_scope)) == [
        "Sites.FullControl.All"
    ]

    # ... and unregisters it.
    admin("DELETE", f"/applications/{app['id']}", expect=204)
    admin("GET", f"/applications/{app['id']}", expect=404)
    gone = msal_token(card, session, app["appId"], rotated, graph_scope)
    assert gone.get("error_codes") == [700016], gone


def test_me_and_member_of_over_https(sandbox):
    card, session = sandbox.card, sandbox.session
    me = Graph(
        card, session, admin_token(sandbox.running.tokens, card, "sp.admin@contoso.com", ["User.Read"])
    )
    assert me("GET", "/me")["userPrincipalName"] == "sp.admin@contoso.com"
    assert [r["roleTemplateId"] for r in me("GET", "/me/memberOf")["value"]] == [SHAREPOINT_ADMIN]


# --- the shared sandbox: who is refused ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_tokens(sandbox_state_dir: Path, card: dict) -> TokenService:
    key = serialization.load_pem_private_key((sandbox_state_dir / "token-signing-key.pem").read_bytes(), None)
    certificate = x509.load_pem_x509_certificate((sandbox_state_dir / "token-signing.pem").read_bytes())
    return TokenService(SigningKey(key, certificate), card["cloud"]["authority_host"])


@pytest.fixture
def shared_session(card) -> Iterator[SpkitSession]:
    with session_for_card(card) as session:
        yield session


def test_a_sharepoint_administrator_may_neither_register_nor_consent(shared_tokens, card, shared_session):
    spadmin = Graph(card, shared_session, admin_token(shared_tokens, card, "sp.admin@contoso.com"))
    denied = spadmin("POST", "/applications", {"displayName": "not allowed"}, expect=403)
    assert denied["error"]["code"] == "Authorization_RequestDenied"
    assert denied["error"]["message"] == "Insufficient privileges to complete the operation."
    graph_sp = spadmin("GET", f"/servicePrincipals?$filter=appId eq '{GRAPH_APP}'")["value"][0]["id"]
    existing = spadmin("GET", "/servicePrincipals?$filter=displayName eq 'spkit-unconsented'")["value"][0][
        "id"
    ]
    body = {"principalId": existing, "resourceId": graph_sp, "appRoleId": GRAPH_FULL_CONTROL}
    denied = spadmin("POST", f"/servicePrincipals/{graph_sp}/appRoleAssignedTo", body, expect=403)
    assert denied["error"]["code"] == "Authorization_RequestDenied"


@pytest.mark.parametrize(
    ("upn", "templates"),
    [
        ("admin@contoso.onmicrosoft.com", [GLOBAL_ADMIN]),
        ("sp.admin@contoso.com", [SHAREPOINT_ADMIN]),
        ("user@contoso.com", []),
    ],
)
def test_member_of_on_the_shared_sandbox(shared_tokens, card, shared_session, upn, templates):
    me = Graph(card, shared_session, admin_token(shared_tokens, card, upn, ["User.Read"]))
    assert [r["roleTemplateId"] for r in me("GET", "/me/memberOf")["value"]] == templates


def test_scenario_consent_is_visible_as_app_role_assignments(shared_tokens, card, shared_session):
    admin = Graph(card, shared_session, admin_token(shared_tokens, card, "admin@contoso.onmicrosoft.com"))
    graph_sp = admin("GET", f"/servicePrincipals(appId='{GRAPH_APP}')")["id"]
    assigned = admin("GET", f"/servicePrincipals/{graph_sp}/appRoleAssignedTo")["value"]
    by_app = {a["principalDisplayName"] for a in assigned if a["appRoleId"] == GRAPH_FULL_CONTROL}
    assert {"spkit-secret", "spkit-certificate"} <= by_app
    assert "spkit-unconsented" not in {a["principalDisplayName"] for a in assigned}
