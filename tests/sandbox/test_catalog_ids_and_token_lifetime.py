"""Site catalogs of any size keep realistic dates and answer a GUID lookup at once; tokens not yet valid
are refused with their own reason, by Graph and SharePoint alike."""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import UTC, datetime
from email.message import Message

import pytest

from spkit.sandbox import graph, sharepoint
from spkit.sandbox.access_tokens import TokenRejected, TokenService, new_signing_key
from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.http import Request
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.state import SandboxState, Tenant

SUFFIX = "sharepoint.localhost"


def catalog(name: str = "contoso", total: int = 250, personal: int = 40) -> SiteCatalog:
    return SiteCatalog(name, stable_guid("tenant", name), SUFFIX, total, personal)


def test_creation_dates_stay_realistic_and_deterministic_for_ten_million_sites():
    huge, again = catalog(total=10_000_000, personal=1000), catalog(total=10_000_000, personal=1000)
    indexes = [0, 1, 249, 8_453, 8_454, 100_000, 9_999_999, *random.Random(7).sample(range(10**7), 3000)]
    for i in indexes:
        created = huge.get(i).created
        assert datetime(2019, 1, 1, tzinfo=UTC) <= created <= datetime(2025, 12, 31, tzinfo=UTC), i
        assert created == again.get(i).created
    assert huge.get(0).created == datetime(2019, 3, 1, 8, 0, tzinfo=UTC)  # the root site: as before


def test_site_and_web_ids_are_valid_distinct_lower_case_guids():
    sites = catalog(total=100_000, personal=30_000)
    ids = [sites.get(i) for i in range(0, 100_000, 37)]
    for site in ids:
        for guid in (site.site_id, site.web_id):
            assert str(uuid.UUID(guid)) == guid  # canonical, lower case
            assert uuid.UUID(guid).variant == uuid.RFC_4122
    assert len({s.site_id for s in ids} | {s.web_id for s in ids}) == 2 * len(ids)
    assert sites.get(5).site_id == catalog(total=7).get(5).site_id  # stable whatever the catalog's size


def test_lookup_by_site_or_web_guid_round_trips_in_constant_time():
    sites = catalog(total=10_000_000, personal=10)
    built = []  # every site the catalog generates: a scan would build many per lookup
    generate = sites.get
    sites.get = lambda index: built.append(index) or generate(index)  # type: ignore[method-assign]
    for i in [0, 1, 9_999_999, *random.Random(3).sample(range(10**7), 500)]:
        site = generate(i)
        built.clear()
        assert sites.by_site_id(site.site_id) == site
        assert sites.by_site_id(site.site_id.upper()) == site
        assert sites.by_web_id(site.web_id) == site
        assert built == [i, i, i]  # one site built per lookup: the GUID names its index


def test_foreign_guids_are_not_found():
    contoso, fabrikam = catalog(total=1000), catalog("fabrikam", total=1000)
    site = contoso.get(10)
    prefix = site.site_id[:-12]
    for guid in (
        fabrikam.get(10).site_id,  # another tenant
        site.web_id,  # a web id is not a site id
        stable_guid(contoso.tenant_id, "my", "site"),  # the OneDrive host's root site
        str(uuid.uuid4()),
        prefix + "ffffffffffff",  # right prefix, index beyond the catalog
        prefix + "zzzzzzzzzzzz",
        site.site_id + "0",
        "",
        "not-a-guid",
    ):
        assert contoso.by_site_id(guid) is None, guid
    assert contoso.by_web_id(site.site_id) is None


# --- tokens whose nbf is in the future ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    state = SandboxState()
    tenant_id = stable_guid("tenant", "contoso")
    tenant = Tenant(
        name="contoso",
        tenant_id=tenant_id,
        domains=["contoso.onmicrosoft.com"],
        display_name="Contoso",
        users={},
        apps={},
        sites=SiteCatalog("contoso", tenant_id, state.sharepoint_suffix, 100_000, 10),
    )
    state.add_tenant(tenant)
    tokens = TokenService(new_signing_key(), state.authority_host)
    services = [graph.make_service(state, tokens), sharepoint.make_service(state, tokens)]
    return state, tenant, tokens, Dispatcher(state, services)


def _token(world, audience: str, **kw) -> str:
    state, tenant, tokens, _ = world
    return tokens.issue(
        tenant_id=tenant.tenant_id,
        audience=audience,
        client_id="x",
        app_display_name="x",
        acr="2",
        roles=["Sites.Read.All", "Sites.FullControl.All"],
        **kw,
    )


def _get(world, host: str, path: str, token: str):
    message = Message()
    message["Authorization"] = f"Bearer {token}"
    message["Accept"] = "application/json"
    return world[3](Request(method="GET", host=host, port=443, path=path, query_string="", headers=message))


def test_token_not_yet_valid_has_its_own_reason_and_idx10222(world):
    _, _, tokens, _ = world
    early = _token(world, "https://graph.localhost", now=time.time() + 600)
    with pytest.raises(TokenRejected) as caught:
        tokens.validate(early, audiences={"https://graph.localhost"})
    assert caught.value.reason == "not_yet_valid"
    assert caught.value.message.startswith(
        "IDX10222: Lifetime validation failed. The token is not yet valid. ValidFrom (UTC): '"
    )
    assert tokens.validate(early, audiences={"https://graph.localhost"}, leeway_s=900)["aud"]


def test_expired_and_malformed_tokens_keep_their_reasons(world):
    _, _, tokens, _ = world
    old = _token(world, "https://graph.localhost", now=time.time() - 7200)
    for token, reason in ((old, "expired"), ("abc.def", "malformed"), ("", "missing")):
        with pytest.raises(TokenRejected) as caught:
            tokens.validate(token, audiences={"https://graph.localhost"})
        assert caught.value.reason == reason


def test_graph_and_sharepoint_refuse_a_token_not_yet_valid_with_401(world):
    state, tenant, _, _ = world
    host = f"contoso.{state.sharepoint_suffix}"
    assert _get(world, state.graph_host, "/v1.0/sites/root", _token(world, state.graph_url)).status == 200
    assert _get(world, host, "/_api/web", _token(world, f"https://{host}")).status == 200
    early = _token(world, state.graph_url, now=time.time() + 600)
    answer = _get(world, state.graph_host, "/v1.0/sites/root", early)
    assert answer.status == 401
    assert json.loads(answer.body)["error"]["code"] == "InvalidAuthenticationToken"
    answer = _get(world, host, "/_api/web", _token(world, f"https://{host}", now=time.time() + 600))
    assert answer.status == 401
    assert "3000003" in (answer.header("x-ms-diagnostics") or "")


def test_graph_resolves_a_far_site_by_its_composite_id(world):
    state, tenant, _, _ = world
    site = tenant.sites.get(99_998)
    bearer = _token(world, state.graph_url)
    for reference in (site.graph_id, f"{site.host},{site.site_id}"):
        answer = _get(world, state.graph_host, f"/v1.0/sites/{reference}", bearer)
        assert answer.status == 200, answer.body
        assert json.loads(answer.body)["id"] == site.graph_id
    foreign = f"{site.host},{stable_guid('other', 'site')},{site.web_id}"
    assert _get(world, state.graph_host, f"/v1.0/sites/{foreign}", bearer).status == 404
