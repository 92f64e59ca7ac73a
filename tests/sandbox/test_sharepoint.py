"""The emulated SharePoint Online, through the sandbox's dispatcher and, at the end, over real HTTPS.

The key trap it must reproduce: an app-only token obtained with a client secret works on Graph but is
refused by SharePoint ("Unsupported app only token."); only a certificate-based token reads sites.
"""

from __future__ import annotations

import json
import time
from email.message import Message
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests

from spkit.sandbox import graph, sharepoint
from spkit.sandbox.access_tokens import TokenService, new_signing_key
from spkit.sandbox.ca import ensure_ca, issue_server_certificate
from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.http import Request, Response
from spkit.sandbox.server import Listener
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.state import SandboxState, Tenant, User

NOMETA = "application/json;odata=nometadata"
VERBOSE = "application/json;odata=verbose"
ROOT = "contoso.sharepoint.localhost"
MY = "contoso-my.sharepoint.localhost"
ADMIN = "contoso-admin.sharepoint.localhost"


@pytest.fixture(scope="module")
def world() -> SimpleNamespace:
    state = SandboxState()
    tenant_id = stable_guid("tenant", "contoso")
    admin = User(
        upn="admin@contoso.onmicrosoft.com",
        password="x",
        display_name="Admin",
        object_id=stable_guid("admin"),
        roles=["Global Administrator"],
    )
    contoso = Tenant(
        name="contoso",
        tenant_id=tenant_id,
        domains=["contoso.onmicrosoft.com"],
        display_name="Contoso",
        users={admin.upn: admin},
        apps={},
        sites=SiteCatalog("contoso", tenant_id, state.sharepoint_suffix, total=250, personal=40),
    )
    state.add_tenant(contoso)
    other_id = stable_guid("tenant", "fabrikam")
    state.add_tenant(
        Tenant(
            name="fabrikam",
            tenant_id=other_id,
            domains=["fabrikam.onmicrosoft.com"],
            display_name="Fabrikam",
            users={},
            apps={},
            sites=SiteCatalog("fabrikam", other_id, state.sharepoint_suffix, 5, 1),
        )
    )
    tokens = TokenService(new_signing_key(), state.authority_host)
    service = sharepoint.make_service(state, tokens)
    services = [graph.make_service(state, tokens), service]
    return SimpleNamespace(
        state=state,
        tokens=tokens,
        service=service,
        contoso=contoso,
        services=services,
        dispatch=Dispatcher(state, services),
    )


def token(
    world,
    host: str = ROOT,
    *,
    roles=("Sites.FullControl.All",),
    scopes=None,
    acr="2",
    tenant=None,
    audience=None,
    **kw,
) -> str:
    tenant = tenant or world.contoso
    return world.tokens.issue(
        tenant_id=tenant.tenant_id,
        audience=audience or f"https://{host}",
        client_id=stable_guid("app"),
        app_display_name="spkit",
        acr=acr,
        roles=list(roles) if roles else None,
        scopes=scopes,
        **kw,
    )


def call(
    world, url: str, bearer: str | None = None, accept: str | None = NOMETA, method: str = "GET"
) -> Response:
    parts = urlsplit(url)
    message = Message()
    if bearer is not None:
        message["Authorization"] = f"Bearer {bearer}"
    if accept is not None:
        message["Accept"] = accept
    return world.dispatch(
        Request(
            method=method,
            host=parts.hostname or "",
            port=443,
            path=parts.path,
            query_string=parts.query,
            headers=message,
        )
    )


def body(response: Response) -> dict:
    return json.loads(response.body)


def assert_odata_error(response: Response, status: int, code: str, verbose: bool = False) -> str:
    assert response.status == status, response.body
    error = body(response)["error" if verbose else "odata.error"]
    assert error["code"] == code and error["message"]["lang"] == "en-US"
    return error["message"]["value"]


def assert_refused(response: Response, description: str, world) -> None:
    assert response.status == 401, response.body
    assert body(response) == {"error_description": description}
    challenge = response.header("WWW-Authenticate")
    assert challenge == (
        f'Bearer realm="{world.contoso.tenant_id}",'
        'client_id="00000003-0000-0ff1-ce00-000000000000",'
        'trusted_issuers="00000001-0000-0000-c000-000000000000@*,https://login.localhost/*/",'
        'authorization_uri="https://login.localhost/common/oauth2/authorize"'
    )
    assert response.header("x-ms-diagnostics")


# --- the secret / certificate rule ---------------------------------------------------------------------


def test_secret_based_app_only_token_is_unsupported(world):
    response = call(world, f"https://{ROOT}/_api/web", token(world, acr="1"))
    assert_refused(response, "Unsupported app only token.", world)


def test_secret_based_delegated_token_is_fine(world):
    bearer = token(world, roles=None, scopes=["AllSites.Read"], acr="1", upn="admin@contoso.onmicrosoft.com")
    assert call(world, f"https://{ROOT}/_api/web", bearer).status == 200


@pytest.mark.parametrize(
    "role", ["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
)
def test_certificate_token_with_a_sharepoint_role_reads_the_web(world, role):
    site = world.contoso.sites.get(7)
    response = call(world, f"{site.url}/_api/web", token(world, roles=(role,)))
    assert response.status == 200, response.body
    assert response.header("Content-Type").startswith("application/json;odata=nometadata")
    web = body(response)
    assert web["Id"] == site.web_id and web["Title"] == site.title and web["Url"] == site.url
    assert web["ServerRelativeUrl"] == site.path and web["Language"] == 1033
    assert web["WebTemplate"] in ("STS", "SITEPAGEPUBLISHING")
    assert web["Created"] == site.created.strftime("%Y-%m-%dT%H:%M:%S")
    assert web["LastItemModifiedDate"].endswith("Z") and "Description" in web
    assert not any(key.startswith("odata.") for key in web)


def test_web_in_verbose_and_minimal_metadata(world):
    site = world.contoso.sites.get(0)
    verbose = call(world, f"https://{ROOT}/_api/web", token(world), accept=VERBOSE)
    assert verbose.header("Content-Type").startswith("application/json;odata=verbose")
    d = body(verbose)["d"]
    assert d["__metadata"] == {"id": f"{site.url}/_api/Web", "uri": f"{site.url}/_api/Web", "type": "SP.Web"}
    assert d["Lists"] == {"__deferred": {"uri": f"{site.url}/_api/Web/Lists"}}
    assert d["ResourcePath"]["__metadata"] == {"type": "SP.ResourcePath"}
    assert (d["Id"], d["Title"], d["ServerRelativeUrl"], d["WebTemplate"]) == (
        site.web_id,
        site.title,
        "/",
        "SITEPAGEPUBLISHING",
    )
    for accept in ("application/json", "application/json;odata=minimalmetadata", None):
        minimal = body(call(world, f"https://{ROOT}/_api/web", token(world), accept=accept))
        assert minimal["odata.metadata"] == f"{site.url}/_api/$metadata#SP.ApiData.Webs/@Element"
        assert minimal["odata.type"] == "SP.Web" and minimal["Id"] == site.web_id


def test_site_endpoint_in_both_odata_modes(world):
    site = world.contoso.sites.get(12)
    flat = body(call(world, f"{site.url}/_api/site", token(world)))
    assert (flat["Id"], flat["Url"], flat["ServerRelativeUrl"], flat["PrimaryUri"]) == (
        site.site_id,
        site.url,
        site.path,
        site.url,
    )
    assert flat["ReadOnly"] is False and flat["HubSiteId"] == "00000000-0000-0000-0000-000000000000"
    d = body(call(world, f"{site.url}/_api/site", token(world), accept=VERBOSE))["d"]
    assert d["__metadata"]["type"] == "SP.Site" and d["Id"] == site.site_id


def test_personal_site_on_the_onedrive_host(world):
    site = world.contoso.sites.get(world.contoso.sites.regular_count)  # the first OneDrive
    web = body(call(world, f"{site.url}/_api/web", token(world, MY)))
    assert web["WebTemplate"] == "SPSPERS" and web["ServerRelativeUrl"] == site.path


def test_select_narrows_fields_and_rejects_unknown_ones(world):
    assert body(call(world, f"https://{ROOT}/_api/web?$select=Title,Url", token(world))) == {
        "Title": "Communication site",
        "Url": f"https://{ROOT}",
    }
    message = assert_odata_error(
        call(world, f"https://{ROOT}/_api/web?$select=Colour", token(world)),
        400,
        "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
    )
    assert "'Colour' does not exist on type 'SP.Web'" in message


# --- refusals ------------------------------------------------------------------------------------------


def _tampered(jwt_text: str) -> str:
    head, payload, signature = jwt_text.split(".")
    return ".".join([head, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])


@pytest.mark.parametrize(
    "make, description",
    [
        (lambda w: None, "Invalid JWT token. The token is empty."),
        (lambda w: _tampered(token(w)), "Invalid issuer or signature."),
        (lambda w: token(w, now=time.time() - 7200), "Invalid JWT token. The token is expired."),
    ],
)
def test_bad_tokens_are_refused_by_the_auth_module(world, make, description):
    assert_refused(call(world, f"https://{ROOT}/_api/web", make(world)), description, world)


@pytest.mark.parametrize(
    "audience",
    [
        f"https://{MY}",
        "https://graph.localhost",
        "00000003-0000-0ff1-ce00-000000000000",
        "https://fabrikam.sharepoint.localhost",
    ],
)
def test_token_for_another_resource_fails_audience_validation(world, audience):
    response = call(world, f"https://{ROOT}/_api/web", token(world, audience=audience))
    assert_refused(
        response,
        "Exception of type 'Microsoft.IdentityModel.Tokens.AudienceUriValidationFailedException' was thrown.",
        world,
    )
    assert response.header("x-ms-diagnostics") == (
        f'3000003;reason="Invalid audience Uri \'{audience}\'.";category="invalid_client"'
    )


def test_token_of_another_tenant_is_refused(world):
    fabrikam = world.state.tenants["fabrikam"]
    bearer = world.tokens.issue(
        tenant_id=fabrikam.tenant_id,
        audience=f"https://{ROOT}",
        client_id="x",
        app_display_name="x",
        acr="2",
        roles=["Sites.FullControl.All"],
    )
    assert_refused(call(world, f"https://{ROOT}/_api/web", bearer), "Invalid issuer or signature.", world)


def test_app_only_token_without_roles_is_unauthorized(world):
    response = call(world, f"https://{ROOT}/_api/web", token(world, roles=None))
    assert_odata_error(response, 401, "-2147024891, System.UnauthorizedAccessException")
    assert response.header("WWW-Authenticate").startswith("Bearer realm=")


def test_sites_selected_without_grant_is_access_denied_in_both_shapes(world):
    bearer = token(world, roles=("Sites.Selected",))
    assert_odata_error(
        call(world, f"https://{ROOT}/_api/web", bearer),
        403,
        "-2147024891, System.UnauthorizedAccessException",
    )
    assert_odata_error(
        call(world, f"https://{ROOT}/_api/web", bearer, accept=VERBOSE),
        403,
        "-2147024891, System.UnauthorizedAccessException",
        verbose=True,
    )


@pytest.mark.parametrize(
    "path", ["/sites/nothing-00001", "/sites/marketing-00016/sub", "/teams/x", "/elsewhere"]
)
def test_unknown_site_is_file_not_found(world, path):
    response = call(world, f"https://{ROOT}{path}/_api/web", token(world))
    assert_odata_error(response, 404, "-2147024894, System.IO.FileNotFoundException")


def test_unknown_api_resource_and_wrong_method(world):
    message = assert_odata_error(
        call(world, f"https://{ROOT}/_api/lists", token(world)),
        404,
        "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
    )
    assert message == "Cannot find resource for the request lists."
    assert call(world, f"https://{ROOT}/_api/lists").status == 401
    assert call(world, f"https://{ROOT}/_api/web", token(world), method="DELETE").status == 405


# --- admin center ---------------------------------------------------------------------------------------


def test_admin_center_answers_full_control_apps_and_admins_only(world):
    web = body(call(world, f"https://{ADMIN}/_api/web", token(world, ADMIN)))
    assert web["WebTemplate"] == "TENANTADMIN" and web["Url"] == f"https://{ADMIN}"
    reader = token(world, ADMIN, roles=("Sites.Read.All",))
    assert_odata_error(
        call(world, f"https://{ADMIN}/_api/web", reader),
        403,
        "-2147024891, System.UnauthorizedAccessException",
    )
    admin = token(
        world, ADMIN, roles=None, scopes=["AllSites.FullControl"], upn="admin@contoso.onmicrosoft.com"
    )
    assert call(world, f"https://{ADMIN}/_api/web", admin).status == 200
    assert call(world, f"https://{ADMIN}/sites/marketing-00001/_api/web", token(world, ADMIN)).status == 404


# --- headers and throttling -----------------------------------------------------------------------------


def test_sharepoint_headers_on_every_answer(world):
    for response in (
        call(world, f"https://{ROOT}/_api/web", token(world)),
        call(world, f"https://{ROOT}/_api/web"),
    ):
        assert response.header("MicrosoftSharePointTeamServices").startswith("16.0.0.")
        assert response.header("SPRequestGuid") == response.header("request-id")
        assert response.header("X-SharePointHealthScore") is not None


def test_throttled_answer(world):
    request = Request(method="GET", host=ROOT, port=443, path="/_api/web", query_string="", headers=Message())
    response = world.service.throttled(request, 5)
    assert response.status == 429 and response.header("Retry-After") == "5"
    assert response.header("SPRequestGuid")


def test_sites_beyond_index_99999_resolve_in_both_services(world):
    """Regression: SiteCatalog.find only parsed five-digit site numbers, so getAllSites listed sites of big
    tenants that SharePoint and Graph then could not find."""
    big_id = stable_guid("tenant", "huge")
    huge = Tenant(
        name="huge",
        tenant_id=big_id,
        domains=["huge.onmicrosoft.com"],
        display_name="Huge",
        users={},
        apps={},
        sites=SiteCatalog("huge", big_id, world.state.sharepoint_suffix, 300_000, 10),
    )
    world.state.add_tenant(huge)
    try:
        site = huge.sites.get(150_000)
        host = "huge.sharepoint.localhost"
        web = body(call(world, f"{site.url}/_api/web", token(world, host, tenant=huge)))
        assert web["ServerRelativeUrl"] == site.path == "/sites/marketing-150000"
        graph_token = world.tokens.issue(
            tenant_id=big_id,
            audience=world.state.graph_url,
            client_id="x",
            app_display_name="x",
            acr="2",
            roles=["Sites.Read.All"],
        )
        message = Message()
        message["Authorization"] = f"Bearer {graph_token}"
        answer = world.dispatch(
            Request(
                method="GET",
                host="graph.localhost",
                port=443,
                path=f"/v1.0/sites/{host}:{site.path}",
                query_string="",
                headers=message,
            )
        )
        assert json.loads(answer.body)["id"] == site.graph_id
    finally:
        del world.state.tenants["huge"]


def test_graph_and_sharepoint_share_the_site_identity(world):
    """The same site seen through Graph (composite id) and SharePoint REST (Id GUIDs) agrees."""
    site = world.contoso.sites.get(33)
    graph_token = world.tokens.issue(
        tenant_id=world.contoso.tenant_id,
        audience=world.state.graph_url,
        client_id="x",
        app_display_name="x",
        acr="1",
        roles=["Sites.Read.All"],
    )
    message = Message()
    message["Authorization"] = f"Bearer {graph_token}"
    answer = world.dispatch(
        Request(
            method="GET",
            host="graph.localhost",
            port=443,
            path=f"/v1.0/sites/{ROOT}:{site.path}",
            query_string="",
            headers=message,
        )
    )
    host, site_id, web_id = json.loads(answer.body)["id"].split(",")
    assert (site_id, web_id) == (
        body(call(world, f"{site.url}/_api/site", token(world)))["Id"],
        body(call(world, f"{site.url}/_api/web", token(world)))["Id"],
    )


# --- over real HTTPS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def https(world, tmp_path_factory) -> SimpleNamespace:
    state_dir = tmp_path_factory.mktemp("sandbox-https")
    ca = ensure_ca(state_dir)
    cert, key = issue_server_certificate(ca, world.state.hostnames(), state_dir)
    listener = Listener(world.dispatch, port=0, cert_path=cert, key_path=key).start()
    yield SimpleNamespace(origin=f"https://127.0.0.1:{listener.port}", ca=str(ca.pem_path))
    listener.stop()


def _get(https, host: str, path: str, bearer: str, accept: str = NOMETA) -> requests.Response:
    # Connect to the loopback listener but name the virtual host, as spkit's connect-to mapping does.
    return requests.get(
        https.origin + path,
        headers={"Host": host, "Authorization": f"Bearer {bearer}", "Accept": accept},
        verify=https.ca,
        timeout=30,
    )


def test_https_secret_token_graph_yes_sharepoint_no(world, https):
    secret_graph = world.tokens.issue(
        tenant_id=world.contoso.tenant_id,
        audience=world.state.graph_url,
        client_id="x",
        app_display_name="x",
        acr="1",
        roles=["Sites.Read.All"],
    )
    sites, url = [], "/v1.0/sites/getAllSites?$top=120"
    while url:
        page = _get(https, "graph.localhost", url, secret_graph)
        assert page.status_code == 200, page.text
        sites += page.json()["value"]
        next_link = page.json().get("@odata.nextLink")
        url = next_link and next_link.removeprefix("https://graph.localhost")
    assert len(sites) == 250 and sum(s["isPersonalSite"] for s in sites) == 40

    refused = _get(https, ROOT, "/_api/web", token(world, acr="1"))
    assert refused.status_code == 401
    assert refused.json() == {"error_description": "Unsupported app only token."}
    assert "realm=" in refused.headers["WWW-Authenticate"]


def test_https_certificate_token_reads_web_verbose(world, https):
    site = world.contoso.sites.get(3)
    answer = _get(https, ROOT, f"{site.path}/_api/web", token(world), accept=VERBOSE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["d"]["Title"] == site.title
    assert answer.headers["MicrosoftSharePointTeamServices"].startswith("16.0.0.")
