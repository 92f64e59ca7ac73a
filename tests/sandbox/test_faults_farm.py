"""The on-premises farm's faults of the scenario files (``fault_scenarios/farm_*.yaml``), seen from outside
over real HTTPS with real clients (requests-ntlm, pyspnego, ssl): what IIS and SharePoint Server show."""

from __future__ import annotations

import base64
import socket

import pytest
import requests
import spnego
from requests_ntlm import HttpNtlmAuth

from spkit.http.session import session_for_card
from tests.sandbox.fault_worlds import Worlds, basic, mapped
from tests.sandbox.test_farm import NtlmAuth, farm_of, farm_user, offered, signed_in, tls_bindings

HOST = "sharepoint.fabrikam.localhost"
NOMETA = {"Accept": "application/json;odata=nometadata"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    with Worlds(tmp_path_factory.mktemp("faults")) as worlds:
        yield worlds


def _ntlm(card: dict, **kwargs) -> requests.Session:
    user = farm_user(farm_of(card), "spfarm")
    session = session_for_card(card, retries=0)
    session.auth = NtlmAuth(user["logon"], user["password"], **kwargs)
    return session


def test_a_basic_only_farm_offers_basic_and_refuses_ntlm(world):
    card = world("farm_basic_only")
    farm, user = farm_of(card), farm_user(farm_of(card), "spfarm")
    assert farm["authentication"] == ["Basic"]
    with session_for_card(card, retries=0) as session:
        anonymous = session.get(f"{farm['url']}/_api/web", headers=NOMETA)
        assert anonymous.status_code == 401
        assert offered(anonymous) == [f'Basic realm="{HOST}"']
        assert anonymous.headers["MicrosoftSharePointTeamServices"] == farm["team_services_version"]
        ntlm = session.get(
            f"{farm['url']}/_api/web", headers=NOMETA, auth=HttpNtlmAuth(user["logon"], user["password"])
        )
        assert ntlm.status_code == 401 and offered(ntlm) == [f'Basic realm="{HOST}"']
        token = spnego.client(user["logon"], user["password"], protocol="ntlm").step()
        raw = session.get(
            f"{farm['url']}/_api/web",
            headers={**NOMETA, "Authorization": "NTLM " + base64.b64encode(token).decode()},
        )
        assert raw.status_code == 401 and offered(raw) == [f'Basic realm="{HOST}"']  # no NTLM challenge
        wrong = session.get(
            f"{farm['url']}/_api/web", headers={**NOMETA, "Authorization": basic(user["logon"], "no")}
        )
        assert wrong.status_code == 401
        web = session.get(
            f"{farm['url']}/_api/web",
            headers={**NOMETA, "Authorization": basic(user["logon"], user["password"])},
        )
    assert web.status_code == 200 and web.json()["Title"] == "Fabrikam Portal"


def test_a_kerberos_only_farm_offers_negotiate_alone_and_refuses_ntlm_in_it(world):
    card = world("farm_kerberos_only")
    farm = farm_of(card)
    assert farm["authentication"] == ["Negotiate"]
    with session_for_card(card, retries=0) as session:
        anonymous = session.get(f"{farm['url']}/_api/web", headers=NOMETA)
    assert anonymous.status_code == 401 and offered(anonymous) == ["Negotiate"]
    for protocol in ("negotiate", "ntlm"):  # SPNEGO-wrapped NTLM, and raw NTLM under Negotiate
        with _ntlm(card, protocol=protocol) as session:
            session.auth.scheme = "Negotiate"
            refused = session.get(f"{farm['url']}/_api/web", headers=NOMETA)
        assert refused.status_code == 401, protocol
        assert offered(refused) == ["Negotiate"]  # no challenge: the handshake never starts
        assert session.auth.challenges == []


def test_extended_protection_refuses_ntlm_without_channel_binding(world):
    card = world("farm_extended_protection")
    farm = farm_of(card)
    assert farm["extended_protection"] == "required"
    with _ntlm(card) as session:
        refused = session.get(f"{farm['url']}/_api/web", headers=NOMETA)
    assert refused.status_code == 401 and session.auth.handshakes == 1  # the handshake ran, then 401 again
    assert offered(refused) == ["Negotiate", "NTLM"]
    with _ntlm(card, channel_bindings=tls_bindings(card, HOST)) as session:
        bound = session.get(f"{farm['url']}/_api/web", headers=NOMETA)
    assert bound.status_code == 200


def test_behind_a_tls_offload_extended_protection_refuses_the_binding_of_the_certificate_served(world):
    card = world("farm_tls_offload")
    farm = farm_of(card)
    assert farm["tls_offload"] is True and farm["extended_protection"] == "required"
    served = tls_bindings(card, HOST)  # what a client binds to: the balancer's certificate
    with _ntlm(card, channel_bindings=served) as session:
        refused = session.get(f"{farm['url']}/_api/web", headers=NOMETA)
    assert refused.status_code == 401 and session.auth.handshakes == 1  # the right password, refused
    assert offered(refused) == ["Negotiate", "NTLM"]
    with _ntlm(card) as session:  # no binding at all: refused as well (Extended Protection required)
        assert session.get(f"{farm['url']}/_api/web", headers=NOMETA).status_code == 401
    port = farm["central_admin_port"]  # Central Administration is reached directly, not through it
    with _ntlm(card, channel_bindings=tls_bindings(card, HOST, port)) as session:
        direct = session.get(f"{farm['central_admin_url']}/_api/web", headers=NOMETA)
    assert direct.status_code == 200 and direct.json()["Title"] == "Central Administration"


def test_a_wrong_alternate_access_mapping_answers_with_the_default_zone_url(world):
    card = world("farm_wrong_aam")
    farm = farm_of(card)
    assert farm["url"] == f"https://{HOST}" and farm["alternate_access_mapping"] == "http://spserver"
    with _ntlm(card) as session:
        web = session.get(f"{farm['url']}/_api/web", headers=NOMETA)
        info = session.post(f"{farm['url']}/_api/contextinfo", headers=NOMETA)
        search = session.get(
            f"{farm['url']}/_api/search/query?querytext='contentclass:STS_Site'&selectproperties='Path'&rowlimit=50",
            headers=NOMETA,
        )
    assert web.status_code == 200
    assert web.url.startswith(f"https://{HOST}/")  # asked as the profile says
    assert web.json()["Url"] == "http://spserver"  # answered as the farm's default zone says
    assert web.json()["ResourcePath"]["DecodedUrl"] == "http://spserver"
    assert info.json()["WebFullUrl"] == "http://spserver"
    rows = search.json()["PrimaryQueryResult"]["RelevantResults"]["Table"]["Rows"]
    paths = [next(c["Value"] for c in row["Cells"] if c["Key"] == "Path") for row in rows]
    assert paths and all(p.startswith("http://spserver") for p in paths), paths


def test_central_administration_elsewhere_and_iis_on_the_expected_port(world):
    card = world("farm_central_admin_elsewhere")
    farm = farm_of(card)
    assert farm["central_admin_port"] == 9443 and farm["central_admin_url"] == f"https://{HOST}:9443"
    assert farm["other_ports"] == [
        {"port": 2016, "answer": "not_sharepoint"},
        {"port": 2017, "answer": "closed"},
    ]
    with _ntlm(card) as session:
        admin = session.get(f"https://{HOST}:9443/_api/web", headers=NOMETA)
    assert admin.status_code == 200 and admin.json()["Title"] == "Central Administration"
    with session_for_card(card, retries=0) as session:
        iis = session.get(f"https://{HOST}:2016/")
        api = session.get(f"https://{HOST}:2016/_api/web", headers=NOMETA)
    assert iis.status_code == 200 and "<title>IIS Windows Server</title>" in iis.text
    for answer in (iis, api):
        assert answer.headers["Server"] == "Microsoft-IIS/10.0"
        assert "MicrosoftSharePointTeamServices" not in answer.headers
        assert "WWW-Authenticate" not in answer.headers
    assert api.status_code == 404 and api.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(mapped(card, HOST, 2017), timeout=5).close()


def test_farm_throttling_answers_503_with_retry_after_after_authentication(world):
    card = world("farm_throttling")
    farm = farm_of(card)
    with _ntlm(card) as session:
        answers = [session.get(f"{farm['url']}/_api/web", headers=NOMETA) for _ in range(11)]
    assert session.auth.handshakes == 1  # the 401 handshake itself is never throttled
    assert [a.status_code for a in answers] == [503] * 10 + [200]
    busy = answers[0]
    assert busy.headers["Retry-After"] == "1"
    assert busy.headers["X-SharePointHealthScore"] == "10"
    assert busy.headers["MicrosoftSharePointTeamServices"] == farm["team_services_version"]


# --- the scenario keys are checked before anything starts ------------------------------------------------

_TENANT = "tenants:\n  - name: contoso\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("faults:\n  clock_skw_s: 5\n" + _TENANT, "unknown key(s) ['clock_skw_s']"),
        ("faults:\n  clock_skew_s: ten\n" + _TENANT, "'clock_skew_s' must be a number"),
        (
            "faults:\n  server_certificates:\n    - {host: login.contoso.com, certificate: expired}\n"
            + _TENANT,
            "'login.contoso.com' is not a host of this sandbox",
        ),
        (
            "faults:\n  server_certificates:\n    - {host: login.localhost, certificate: revoked}\n"
            + _TENANT,
            "'certificate' is one of expired, not_yet_valid, wrong_name, unknown_ca",
        ),
        (
            "faults:\n  server_certificates:\n    - {host: login.localhost, certificate: wrong_name, "
            "names: [login.localhost]}\n" + _TENANT,
            "cannot name login.localhost",
        ),
        (
            "faults:\n  closed_ports: ['graph.localhost:8443']\n" + _TENANT,
            "graph.localhost answers on port(s) 443",
        ),
        (
            "faults:\n  throttle:\n    - {host: graph.localhost, path: '(['}\n" + _TENANT,
            "is not a regular expression",
        ),
        (
            "faults:\n  throttle:\n    - {host: graph.localhost, count: 0}\n" + _TENANT,
            "'count' is a whole number",
        ),
        (
            "faults:\n  server_errors:\n    - {host: graph.localhost, status: 503}\n" + _TENANT,
            "'status' is 500 or 502, not 503",
        ),
        (
            "faults:\n  server_errors:\n    - {host: graph.example.com}\n" + _TENANT,
            "'graph.example.com' is not a host of this sandbox",
        ),
        (
            "faults:\n  server_errors:\n    - {host: graph.localhost, path: 5}\n" + _TENANT,
            "'path' is a regular expression (a string)",
        ),
        (
            "faults:\n  server_errors:\n    - {host: graph.localhost, count: -1}\n" + _TENANT,
            "server_errors: 'count' is a whole number",
        ),
        (
            "faults:\n  server_errors:\n    - {host: graph.localhost, retry: 1}\n" + _TENANT,
            "server_errors entry",
        ),
        (_TENANT + "    cloud: mars\n", "'cloud' is one of global, usgov, usgovdod, china"),
        (
            _TENANT + "    apps:\n      - {name: a, service_principal: gone}\n",
            "'service_principal' is present, deleted or disabled",
        ),
        (
            _TENANT + "    apps:\n      - {name: a, certificate: revoked}\n",
            "'certificate' is true, false, valid, key_expired, expired, not_yet_valid",
        ),
        (
            _TENANT + "farms:\n  - {name: f, authentication: digest}\n",
            "'authentication' is one of ntlm, kerberos, basic",
        ),
        (_TENANT + "farms:\n  - {name: f, search: stale}\n", "'search' is one of crawled, not_crawled"),
        (
            _TENANT + "farms:\n  - {name: f, other_ports: [{port: 2016, answer: closed}]}\n",
            "needs a 'port' of its own",
        ),
        (
            _TENANT + "farms:\n  - {name: f, alternate_access_mapping: spserver}\n",
            "'alternate_access_mapping' is a URL",
        ),
        (_TENANT + "farms:\n  - {name: f, tls_offload: yes please}\n", "'tls_offload' is true or false"),
        (
            _TENANT + "farms:\n  - {name: f, scheme: http, tls_offload: true}\n",
            "'tls_offload' (a load balancer terminating TLS) needs scheme https",
        ),
        (_TENANT + "extras: 1\n", "unknown top-level key(s) ['extras']"),
    ],
)
def test_a_bad_fault_key_is_bad_input_named_before_start(tmp_path, text, problem):
    from spkit.errors import SandboxInputError
    from spkit.sandbox.scenario import load_scenario

    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SandboxInputError) as bad:
        load_scenario(path)
    assert problem in str(bad.value)


def test_a_forms_only_zone_offers_no_windows_authentication_and_names_its_login_page(world):
    card = world("farm_forms_search")
    farm, user = farm_of(card), farm_user(farm_of(card), "spfarm")
    assert farm["authentication"] == []
    url = f"{farm['url']}/_api/web"
    with session_for_card(card, retries=0) as session:
        ntlm = session.get(url, headers=NOMETA, auth=HttpNtlmAuth(user["logon"], user["password"]))
        assert ntlm.status_code == 403 and offered(ntlm) == []  # requests-ntlm never starts: no 401
        assert ntlm.headers["X-Forms_Based_Auth_Required"].startswith(f"{farm['url']}/_login/default.aspx?")
        assert ntlm.headers["X-Forms_Based_Auth_Return_Url"] == f"{farm['url']}/_layouts/15/Error.aspx"
        assert ntlm.headers["X-MSDAVEXT_Error"].startswith("917656;")
        assert ntlm.headers["MicrosoftSharePointTeamServices"] == farm["team_services_version"]
        browser = session.get(url, headers={"User-Agent": "Mozilla/5.0"}, allow_redirects=False)
        assert browser.status_code == 302
        assert browser.headers["Location"] == f"{farm['url']}/_login/default.aspx?ReturnUrl=%2F_api%2Fweb"
        ofba = session.get(url, headers={"User-Agent": "Mozilla/5.0", "X-FORMS_BASED_AUTH_ACCEPTED": "t"})
        assert ofba.status_code == 403  # a client that speaks MS-OFBA is told, not redirected
        login = session.get(browser.headers["Location"], headers={"User-Agent": "Mozilla/5.0"})
        assert login.status_code == 200 and 'type="password"' in login.text
    ca_session, _ = signed_in(card, user, logon="logon")  # Central Administration keeps Windows sign-in
    with ca_session:
        assert ca_session.get(f"{farm['central_admin_url']}/_api/web", headers=NOMETA).status_code == 200


def test_a_farm_search_that_never_crawled_returns_no_rows_and_a_server_error_comes_after_sign_in(world):
    card = world("farm_forms_search")
    farm = farm_of(card, "northwind")
    assert farm["search"] == "not_crawled"
    session, _ = signed_in(card, farm_user(farm, "spfarm"), logon="logon")
    with session:
        query = session.get(
            f"{farm['url']}/_api/search/query",
            params={"querytext": "'contentclass:STS_Site'"},
            headers=NOMETA,
        )
        assert query.status_code == 200
        table = query.json()["PrimaryQueryResult"]["RelevantResults"]
        assert table["TotalRows"] == 0 and table["Table"]["Rows"] == []
        sites = [session.get(f"{farm['url']}/_api/site", headers=NOMETA) for _ in range(2)]
    assert [s.status_code for s in sites] == [500, 200]  # after NTLM (no 401), then served again
    assert sites[0].headers["SPRequestGuid"] and sites[0].headers["x-sandbox-error"] == "ScenarioServerError"
