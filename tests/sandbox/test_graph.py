"""The emulated Microsoft Graph, driven through the sandbox's real dispatcher (no network).

Every client mistake the sandbox must catch (no roles, a secret where a certificate is needed, a
tampered token, a hand-made skip token) is asserted to fail the way Graph fails.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from email.message import Message
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from spkit.sandbox import graph
from spkit.sandbox.access_tokens import TokenService, new_signing_key
from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.http import Request, Response
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.state import SandboxState, Tenant


def _tenant(state: SandboxState, name: str, total: int, personal: int) -> Tenant:
    tenant_id = stable_guid("tenant", name)
    tenant = Tenant(
        name=name,
        tenant_id=tenant_id,
        domains=[f"{name}.onmicrosoft.com", f"{name}.example"],
        display_name=name.capitalize(),
        users={},
        apps={},
        sites=SiteCatalog(name, tenant_id, state.sharepoint_suffix, total, personal),
    )
    state.add_tenant(tenant)
    return tenant


@pytest.fixture(scope="module")
def world() -> SimpleNamespace:
    state = SandboxState()
    contoso = _tenant(state, "contoso", 250, 40)
    big = _tenant(state, "bigcorp", 100_000, 30_000)
    tokens = TokenService(new_signing_key(), state.authority_host)
    service = graph.make_service(state, tokens)
    return SimpleNamespace(
        state=state,
        tokens=tokens,
        service=service,
        contoso=contoso,
        big=big,
        dispatch=Dispatcher(state, [service]),
    )


def token(
    world,
    tenant: Tenant | None = None,
    *,
    roles=("Sites.Read.All",),
    scopes=None,
    acr="2",
    audience=None,
    **kw,
) -> str:
    tenant = tenant or world.contoso
    return world.tokens.issue(
        tenant_id=tenant.tenant_id,
        audience=audience or world.state.graph_url,
        client_id=stable_guid("app", tenant.name),
        app_display_name="spkit",
        acr=acr,
        roles=list(roles) if roles else None,
        scopes=scopes,
        **kw,
    )


def call(world, url: str, bearer: str | None = None, method: str = "GET", **headers: str) -> Response:
    parts = urlsplit(url if "://" in url else f"https://{world.state.graph_host}{url}")
    message = Message()
    if bearer is not None:
        message["Authorization"] = f"Bearer {bearer}"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
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


def assert_graph_error(response: Response, status: int, code: str, message: str | None = None) -> dict:
    assert response.status == status, response.body
    error = body(response)["error"]
    assert error["code"] == code
    if message is not None:
        assert error["message"] == message
    inner = error["innerError"]
    assert inner["request-id"] == response.header("request-id")
    assert inner["client-request-id"] and inner["date"]
    return error


def walk_all_sites(world, bearer: str, first: str) -> tuple[list[dict], int]:
    sites, pages, url = [], 0, first
    while url:
        response = call(world, url, bearer)
        assert response.status == 200, response.body
        page = body(response)
        sites += page["value"]
        pages += 1
        url = page.get("@odata.nextLink")
    return sites, pages


# --- getAllSites --------------------------------------------------------------------------------------


def test_get_all_sites_pages_through_every_site_in_index_order(world):
    sites, pages = walk_all_sites(world, token(world), "/v1.0/sites/getAllSites")
    catalog = world.contoso.sites
    assert pages == 2  # default page size 200
    assert len(sites) == len(catalog) == 250
    assert [s["id"] for s in sites] == [catalog.get(i).graph_id for i in range(250)]
    assert sum(s["isPersonalSite"] for s in sites) == catalog.personal_count == 40
    assert sum(s["siteCollection"]["hostname"] == "contoso-my.sharepoint.localhost" for s in sites) == 40
    root = sites[0]
    assert root["webUrl"] == "https://contoso.sharepoint.localhost"
    assert root["siteCollection"] == {"hostname": "contoso.sharepoint.localhost", "root": {}}
    assert set(root) >= {
        "id",
        "name",
        "displayName",
        "webUrl",
        "createdDateTime",
        "lastModifiedDateTime",
        "siteCollection",
        "root",
    }
    assert sites[1]["siteCollection"] == {"hostname": "contoso.sharepoint.localhost"}


def test_get_all_sites_honours_top_and_keeps_select_in_next_link(world):
    response = call(world, "/v1.0/sites/getAllSites?$top=100&$select=id,webUrl", token(world))
    page = body(response)
    assert response.status == 200
    assert response.header("OData-Version") == "4.0"
    assert page["@odata.context"].startswith("https://graph.localhost/v1.0/$metadata#")
    assert len(page["value"]) == 100
    assert all(set(site) == {"id", "webUrl"} for site in page["value"])
    link = urlsplit(page["@odata.nextLink"])
    assert (link.scheme, link.netloc, link.path) == ("https", "graph.localhost", "/v1.0/sites/getAllSites")
    query = parse_qs(link.query)
    assert query["$top"] == ["100"] and query["$select"] == ["id,webUrl"] and query["$skiptoken"]
    sites, pages = walk_all_sites(world, token(world), page["@odata.nextLink"])
    assert (len(sites), pages) == (150, 2)
    assert all(set(site) == {"id", "webUrl"} for site in sites)


@pytest.mark.parametrize(
    "query, code",
    [
        ("$top=0", "invalidRequest"),
        ("$top=1000", "invalidRequest"),
        ("$top=abc", "BadRequest"),
        ("$select=id,color", "BadRequest"),
        ("$skiptoken=garbage!", "invalidRequest"),
        ("$skiptoken=U1BHZW9EYXRhTG9jYXRpb25Db2RlYU5BTQ", "invalidRequest"),
    ],
)
def test_get_all_sites_rejects_bad_query_options(world, query, code):
    error = assert_graph_error(call(world, f"/v1.0/sites/getAllSites?{query}", token(world)), 400, code)
    if "select" in query:
        assert error["message"] == (
            "Parsing OData Select and Expand failed: Could not find a property named "
            "'color' on type 'microsoft.graph.site'."
        )


def test_skip_token_cannot_be_tampered_with_or_moved_to_another_tenant(world):
    link = body(call(world, "/v1.0/sites/getAllSites?$top=10", token(world)))["@odata.nextLink"]
    skip = parse_qs(urlsplit(link).query)["$skiptoken"][0]
    tampered = skip[:-2] + ("AA" if skip[-2:] != "AA" else "BB")
    assert_graph_error(
        call(world, f"/v1.0/sites/getAllSites?$skiptoken={tampered}", token(world)), 400, "invalidRequest"
    )
    other = token(world, world.big)
    moved = call(world, f"/v1.0/sites/getAllSites?$skiptoken={skip}", other)
    assert_graph_error(moved, 400, "invalidRequest")


def test_get_all_sites_walks_100000_sites_with_exact_counts(world):
    first = "/v1.0/sites/getAllSites?$top=999&$select=id,isPersonalSite"
    sites, pages = walk_all_sites(world, token(world, world.big), first)
    assert len(sites) == len(world.big.sites) == 100_000
    assert pages == 101
    assert sum(s["isPersonalSite"] for s in sites) == world.big.sites.personal_count == 30_000
    assert len({s["id"] for s in sites}) == 100_000


def _cost_of_a_page(world, tenant: Tenant, start: int) -> tuple[int, list[int]]:
    """The peak memory of one page of 200 sites from ``start``, and the sites the catalog built for it."""
    skip = world.service.skip_tokens.issue(tenant.tenant_id, start)
    url = f"/v1.0/sites/getAllSites?$top=200&$skiptoken={skip}"
    bearer = token(world, tenant)
    built: list[int] = []
    generate = tenant.sites.get
    tenant.sites.get = lambda index: built.append(index) or generate(index)  # type: ignore[method-assign]
    try:
        tracemalloc.start()
        response = call(world, url, bearer)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        del tenant.sites.get
    assert response.status == 200 and len(body(response)["value"]) == 200
    return peak, built


def test_page_cost_does_not_grow_with_the_number_of_sites(world):
    small_peak, _ = _cost_of_a_page(world, world.contoso, 0)
    deep_peak, deep_built = _cost_of_a_page(world, world.big, 90_000)
    assert deep_peak < small_peak * 1.5 + 64_000, (small_peak, deep_peak)
    assert deep_built == list(range(90_000, 90_200))  # the page's sites only, none before them


# --- authentication and authorization ----------------------------------------------------------------


def test_token_without_roles_or_scopes_is_refused_403(world):
    assert_graph_error(
        call(world, "/v1.0/sites/getAllSites", token(world, roles=None)),
        403,
        "AccessDenied",
        "Either scp or roles claim need to be present in the token.",
    )


@pytest.mark.parametrize("roles", [("Sites.Selected",), ("User.Read.All",)])
def test_get_all_sites_needs_a_sites_read_role(world, roles):
    assert_graph_error(call(world, "/v1.0/sites/getAllSites", token(world, roles=roles)), 403, "accessDenied")


@pytest.mark.parametrize(
    "role", ["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
)
def test_get_all_sites_accepts_every_read_role_and_secret_tokens(world, role):
    assert call(world, "/v1.0/sites/getAllSites?$top=1", token(world, roles=(role,), acr="1")).status == 200


def test_get_all_sites_is_application_only(world):
    delegated = token(world, roles=None, scopes=["Sites.Read.All"], upn="adele@contoso.onmicrosoft.com")
    assert_graph_error(call(world, "/v1.0/sites/getAllSites", delegated), 403, "accessDenied")
    assert call(world, "/v1.0/sites/root", delegated).status == 200


def test_sites_selected_reads_no_site_before_a_grant(world):
    assert_graph_error(
        call(world, "/v1.0/sites/root", token(world, roles=("Sites.Selected",))), 403, "accessDenied"
    )


def _tampered(jwt_text: str) -> str:
    head, payload, signature = jwt_text.split(".")
    return ".".join([head, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda w: None, "Access token is empty."),
        (lambda w: "not-a-jwt", "CompactToken parsing failed with error code: 80049217"),
        (lambda w: _tampered(token(w)), "Access token validation failure."),
        (lambda w: token(w, now=time.time() - 7200), "Lifetime validation failed, the token is expired."),
        (lambda w: token(w, lifetime_s=-5), "Lifetime validation failed, the token is expired."),
        (
            lambda w: token(w, audience="https://contoso.sharepoint.localhost"),
            "Access token validation failure. Invalid audience.",
        ),
    ],
)
def test_bad_tokens_are_refused_401_with_a_challenge(world, make, message):
    response = call(world, "/v1.0/sites/getAllSites", make(world))
    assert_graph_error(response, 401, "InvalidAuthenticationToken", message)
    challenge = response.header("WWW-Authenticate")
    assert challenge.startswith("Bearer ")
    assert 'authorization_uri="https://login.localhost/common/oauth2/authorize"' in challenge


def test_token_of_an_unknown_tenant_is_refused_401(world):
    stranger = world.tokens.issue(
        tenant_id=stable_guid("nobody"),
        audience=world.state.graph_url,
        client_id="x",
        app_display_name="x",
        acr="2",
        roles=["Sites.Read.All"],
    )
    assert_graph_error(call(world, "/v1.0/sites/root", stranger), 401, "InvalidAuthenticationToken")


def test_guid_audience_is_accepted_by_graph(world):
    assert (
        call(world, "/v1.0/sites/root", token(world, audience="00000003-0000-0000-c000-000000000000")).status
        == 200
    )


def test_request_ids_are_sent_and_client_request_id_echoed(world):
    response = call(world, "/v1.0/sites/root", token(world), client_request_id="abc-123")
    assert response.header("client-request-id") == "abc-123"
    assert response.header("request-id")
    failed = call(world, "/v1.0/sites/root", None, client_request_id="abc-456")
    assert body(failed)["error"]["innerError"]["client-request-id"] == "abc-456"


# --- single sites --------------------------------------------------------------------------------------


def test_site_by_every_id_form(world):
    site = world.contoso.sites.get(17)
    host, path = site.host, site.path
    bearer = token(world)
    for reference in (site.graph_id, f"{host},{site.site_id}", f"{host}:{path}", f"{host}:{path}:"):
        response = call(world, f"/v1.0/sites/{reference}", bearer)
        assert response.status == 200, (reference, response.body)
        answer = body(response)
        assert answer["id"] == site.graph_id and answer["webUrl"] == site.url
        assert answer["@odata.context"] == "https://graph.localhost/v1.0/$metadata#sites/$entity"
    by_host = body(call(world, f"/v1.0/sites/{host}", bearer))
    assert by_host["id"] == world.contoso.sites.get(0).graph_id
    assert body(call(world, "/v1.0/sites/root", bearer))["id"] == by_host["id"]
    personal = world.contoso.sites.get(249)
    assert body(call(world, f"/v1.0/sites/{personal.host}:{personal.path}", bearer))["isPersonalSite"] is True


@pytest.mark.parametrize(
    "reference",
    [
        "contoso.sharepoint.localhost:/sites/nope-00001",
        "contoso.sharepoint.localhost:/sites/marketing-00016/sub",
        f"contoso.sharepoint.localhost,{stable_guid('x')},{stable_guid('y')}",
    ],
)
def test_unknown_site_is_item_not_found(world, reference):
    assert_graph_error(call(world, f"/v1.0/sites/{reference}", token(world)), 404, "itemNotFound")


def test_site_of_another_tenant_is_refused(world):
    assert_graph_error(
        call(world, "/v1.0/sites/bigcorp.sharepoint.localhost", token(world)), 400, "invalidRequest"
    )


# --- organization --------------------------------------------------------------------------------------


def test_organization_lists_the_tenant_and_its_domains(world):
    response = call(world, "/v1.0/organization", token(world, roles=("Organization.Read.All",)))
    assert response.status == 200
    org = body(response)["value"][0]
    assert org["id"] == world.contoso.tenant_id and org["displayName"] == "Contoso"
    initial = next(d for d in org["verifiedDomains"] if d["isInitial"])
    assert initial["name"] == "contoso.onmicrosoft.com" and initial["type"] == "Managed"
    assert call(world, "/v1.0/organization", token(world, roles=None, scopes=["User.Read"])).status == 200


def test_organization_needs_a_directory_permission(world):
    assert_graph_error(
        call(world, "/v1.0/organization", token(world)),
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )


# --- the rest of the surface ---------------------------------------------------------------------------


def test_unknown_segment_is_bad_request_after_authentication(world):
    assert_graph_error(
        call(world, "/v1.0/planets", token(world)),
        400,
        "BadRequest",
        "Resource not found for the segment 'planets'.",
    )
    assert call(world, "/v1.0/planets").status == 401


def test_wrong_method_is_405(world):
    assert call(world, "/v1.0/sites/root", token(world), method="DELETE").status == 405


def test_throttled_answer_has_retry_after_and_graph_body(world):
    request = Request(
        method="GET",
        host="graph.localhost",
        port=443,
        path="/v1.0/sites/getAllSites",
        query_string="",
        headers=Message(),
    )
    response = world.service.throttled(request, 7)
    error = assert_graph_error(response, 429, "activityLimitReached", "The request has been throttled")
    assert error["innerError"]["code"] == "throttledRequest"
    assert response.header("Retry-After") == "7"


def test_dispatcher_throttle_knob_reaches_graph(world):
    state = world.state
    state.faults.throttle_rate = 0.5
    try:
        statuses = [call(world, "/v1.0/sites/root", token(world)).status for _ in range(4)]
    finally:
        state.faults.throttle_rate = 0.0
    assert statuses.count(429) == 2 and statuses.count(200) == 2


def test_internal_error_keeps_graph_shape(world):
    request = Request(
        method="GET",
        host="graph.localhost",
        port=443,
        path="/v1.0/sites/root",
        query_string="",
        headers=Message(),
    )
    assert_graph_error(world.service.internal_error(request, RuntimeError("boom")), 500, "generalException")
