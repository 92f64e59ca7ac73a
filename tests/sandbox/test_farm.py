"""The on-premises farm of the shared (CLI-started) sandbox, over real HTTPS, with unmodified clients:
``requests`` and pyspnego as the NTLM initiator (``NtlmAuth`` below, a test helper, not spkit code).

Default scenario: farm ``fabrikam`` (AD domain FABRIKAM / fabrikam.local), web application
https://sharepoint.fabrikam.localhost, Central Administration https://sharepoint.fabrikam.localhost:2016.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import struct
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
import spnego
from spnego.channel_bindings import GssChannelBindings

from spkit.http.session import session_for_card

NOMETA = {"Accept": "application/json;odata=nometadata"}
VERBOSE = {"Accept": "application/json;odata=verbose"}
ACCESS_DENIED = {
    "code": "-2147024891, System.UnauthorizedAccessException",
    "message": {
        "lang": "en-US",
        "value": "Access denied. You do not have permission to perform this action or access this resource.",
    },
}
FARM_KEYS = {"name", "url", "central_admin_url", "site_count", "users", "netbios_domain", "dns_domain"}
FARM_USER_KEYS = {
    "upn",
    "domain",
    "sam_account_name",
    "password",
    "farm_admin",
    "site_collection_admin",
    "enabled",
    "logon",
    "readable_site_urls",
}


# --- the client side (test helpers) ------------------------------------------------------------------


class NtlmAuth(requests.auth.AuthBase):
    """NTLM (or Negotiate) on one keep-alive connection, pyspnego as the initiator, as requests-ntlm does:
    on a 401 offering the scheme, send the negotiate message and the authenticate message on the same
    connection (``response.connection`` is the adapter; the pool hands back the connection just released).
    """

    def __init__(
        self, username: str, password: str, *, protocol: str = "ntlm", channel_bindings=None
    ) -> None:
        self.username, self.password = username, password
        self.protocol = protocol
        self.scheme = "NTLM" if protocol == "ntlm" else "Negotiate"
        self.channel_bindings = channel_bindings
        self.handshakes = 0
        self.challenges: list[bytes] = []  # the decoded tokens of the 401 challenges
        self.final_tokens: list[str] = []  # a Negotiate token on the final answer (SPNEGO's accept-completed)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.register_hook("response", self._handshake)
        return request

    def _send(self, response: requests.Response, token: bytes, **kwargs) -> requests.Response:
        response.content  # noqa: B018 - read the body so the connection goes back to the pool, to be reused
        response.raw.release_conn()
        request = response.request.copy()
        request.headers["Authorization"] = f"{self.scheme} {base64.b64encode(token).decode()}"
        answer = response.connection.send(request, **kwargs)
        answer.history = [*response.history, response]
        return answer

    def _handshake(self, response: requests.Response, **kwargs) -> requests.Response:
        if response.status_code != 401 or "Authorization" in response.request.headers:
            return response
        if self.scheme.lower() not in [v.split()[0].lower() for v in offered(response)]:
            return response
        self.handshakes += 1
        context = spnego.client(
            self.username,
            self.password,
            hostname=urlsplit(response.url).hostname,
            service="HTTP",
            protocol=self.protocol,
            channel_bindings=self.channel_bindings,
        )
        challenge = self._send(response, context.step(), **kwargs)
        data = next((v.split()[1] for v in offered(challenge) if len(v.split()) == 2), None)
        if challenge.status_code != 401 or data is None:
            return challenge
        self.challenges.append(base64.b64decode(data))
        final = self._send(challenge, context.step(self.challenges[-1]), **kwargs)
        self.final_tokens += [v for v in offered(final) if v.startswith("Negotiate ")]
        return final


def offered(response: requests.Response) -> list[str]:
    """Every WWW-Authenticate header, one per entry (requests would join them with commas)."""
    return response.raw.headers.getlist("WWW-Authenticate")


def farm_of(card: dict, name: str = "fabrikam") -> dict:
    return next(f for f in card["farms"] if f["name"] == name)


def farm_user(farm: dict, sam: str) -> dict:
    return next(u for u in farm["users"] if u["sam_account_name"] == sam)


def signed_in(card: dict, user: dict, logon: str = "upn", **kwargs) -> tuple[requests.Session, NtlmAuth]:
    session = session_for_card(card, retries=0)
    session.auth = auth = NtlmAuth(
        user["upn"] if logon == "upn" else user["logon"], user["password"], **kwargs
    )
    return session, auth


def server_certificate(card: dict, host: str, port: int = 443) -> bytes:
    """The DER certificate the listener of ``host:port`` presents (through the card's connect-to map)."""
    address, _, mapped_port = card["connect_to"][f"{host}:{port}"].rpartition(":")
    context = ssl.create_default_context(cafile=card["ca_bundle"])
    with (
        socket.create_connection((address, int(mapped_port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der
    return der


def tls_bindings(card: dict, host: str, port: int = 443) -> GssChannelBindings:
    digest = hashlib.sha256(server_certificate(card, host, port)).digest()
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest)


def challenge_target(token: bytes) -> str:
    """The TargetName of an NTLM CHALLENGE_MESSAGE (the server's domain)."""
    length, _, offset = struct.unpack_from("<HHI", token, 12)
    return token[offset : offset + length].decode("utf-16-le")


def search_url(base: str, start: int, rows: int, query: str = "contentclass:STS_Site") -> str:
    return (
        f"{base}/_api/search/query?querytext='{quote(query)}'&selectproperties='Title,Path,SiteId,WebTemplate'"
        f"&rowlimit={rows}&startrow={start}&trimduplicates=false"
    )


def rows_of(body: dict) -> tuple[list[dict], dict]:
    """Rows as {Key: Value} and RelevantResults, from nometadata or verbose (d.query, .results)."""
    if "d" in body:
        relevant = body["d"]["query"]["PrimaryQueryResult"]["RelevantResults"]
        rows = [
            {c["Key"]: c["Value"] for c in r["Cells"]["results"]}
            for r in relevant["Table"]["Rows"]["results"]
        ]
    else:
        relevant = body["PrimaryQueryResult"]["RelevantResults"]
        rows = [{c["Key"]: c["Value"] for c in r["Cells"]} for r in relevant["Table"]["Rows"]]
    return rows, relevant


def all_search_rows(
    session: requests.Session, base: str, rows: int, headers=NOMETA
) -> tuple[list[dict], int]:
    found, start, pages = [], 0, 0
    while True:
        response = session.get(search_url(base, start, rows), headers=headers)
        assert response.status_code == 200, response.text
        page, relevant = rows_of(response.json())
        assert relevant["RowCount"] == len(page) <= rows
        found += page
        start += len(page)
        pages += 1
        if not page or start >= relevant["TotalRows"]:
            return found, pages


@pytest.fixture(scope="module")
def farm(card: dict) -> dict:
    return farm_of(card)


# --- the card ---------------------------------------------------------------------------------------


def test_the_card_describes_the_farm_and_maps_both_listeners(card, farm):
    assert set(farm) >= FARM_KEYS, FARM_KEYS - set(farm)
    assert farm["url"] == "https://sharepoint.fabrikam.localhost"
    assert farm["central_admin_url"] == "https://sharepoint.fabrikam.localhost:2016"
    assert (farm["netbios_domain"], farm["dns_domain"]) == ("FABRIKAM", "fabrikam.local")
    assert farm["site_count"] == 60 and farm["extended_protection"] == "off"
    web, admin = (
        card["connect_to"]["sharepoint.fabrikam.localhost:443"],
        card["connect_to"]["sharepoint.fabrikam.localhost:2016"],
    )
    assert web == card["connect_to"]["login.localhost:443"]  # the web application shares the main listener
    assert admin != web and admin.startswith("127.0.0.1:")  # Central Administration has its own
    for user in farm["users"]:
        assert set(user) >= FARM_USER_KEYS, FARM_USER_KEYS - set(user)
        assert user["logon"] == f"FABRIKAM\\{user['sam_account_name']}"
        assert user["upn"] == f"{user['sam_account_name']}@fabrikam.local" and user["password"]
    spfarm, spadmin, reader, olduser = (
        farm_user(farm, s) for s in ("spfarm", "spadmin", "reader", "olduser")
    )
    assert spfarm["farm_admin"] and spfarm["site_collection_admin"] == "all"
    assert len(spfarm["readable_site_urls"]) == 60
    assert not spadmin["farm_admin"] and spadmin["site_collection_admin"] == "some"
    assert 0 < len(spadmin["admin_site_urls"]) < 60
    assert not reader["farm_admin"] and reader["site_collection_admin"] == "none"
    assert 0 < len(reader["readable_site_urls"]) < 60
    assert not olduser["enabled"] and olduser["readable_site_urls"] == []


def test_the_server_certificate_covers_the_farm_host_on_both_listeners(card):
    for port in (443, 2016):
        assert server_certificate(card, "sharepoint.fabrikam.localhost", port)  # TLS verified with the CA


# --- NTLM ---------------------------------------------------------------------------------------------


def test_anonymous_requests_get_401_offering_negotiate_and_ntlm_with_sharepoint_headers(card, farm):
    with session_for_card(card, retries=0) as session:
        for url in (farm["url"] + "/_api/web", farm["central_admin_url"] + "/_api/web"):
            response = session.get(url, headers=NOMETA)
            assert response.status_code == 401
            assert offered(response) == ["Negotiate", "NTLM"]
            assert response.text == "401 UNAUTHORIZED"
            assert response.headers["MicrosoftSharePointTeamServices"] == "16.0.0.10337"


@pytest.mark.parametrize("logon", ["upn", "domain"])
def test_real_ntlm_handshake_signs_in_with_upn_and_domain_logons(card, farm, logon):
    session, auth = signed_in(card, farm_user(farm, "spfarm"), logon)
    with session:
        response = session.get(farm["url"] + "/_api/web", headers=NOMETA)
        assert response.status_code == 200, response.text
        assert response.json()["Title"] == "Fabrikam Portal"
        assert response.headers["MicrosoftSharePointTeamServices"] == "16.0.0.10337"
        assert [r.status_code for r in response.history] == [401, 401]
        (challenge,) = auth.challenges
        assert challenge.startswith(b"NTLMSSP\x00\x02\x00\x00\x00")  # a real NTLM CHALLENGE_MESSAGE
        assert challenge_target(challenge) == "FABRIKAM"  # a domain member names its domain
        # the connection stays authenticated: no new handshake for the next requests on it
        for path in ("/_api/site", "/_api/web/currentuser"):
            again = session.get(farm["url"] + path, headers=NOMETA)
            assert again.status_code == 200 and not again.history
        assert auth.handshakes == 1


def test_dns_domain_logon_works_too(card, farm):
    user = farm_user(farm, "reader")
    with session_for_card(card, retries=0) as session:
        session.auth = NtlmAuth(f"fabrikam.local\\{user['sam_account_name']}", user["password"])
        assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 200


def test_negotiate_with_spnego_wrapped_ntlm_signs_in(card, farm):
    session, auth = signed_in(card, farm_user(farm, "spfarm"), protocol="negotiate")
    with session:
        response = session.get(farm["url"] + "/_api/web", headers=NOMETA)
        assert response.status_code == 200, response.text
        assert auth.final_tokens and auth.final_tokens[0].startswith("Negotiate ")


def test_wrong_password_gets_401_again_and_again_without_a_reason(card, farm, sandbox_state_dir):
    user = dict(farm_user(farm, "spfarm"), password="not-the-password")
    session, auth = signed_in(card, user)
    with session:
        for _ in range(2):
            response = session.get(farm["url"] + "/_api/web", headers=NOMETA)
            assert response.status_code == 401
            assert offered(response) == ["Negotiate", "NTLM"]  # the challenge starts over
            assert response.text == "401 UNAUTHORIZED"  # nothing about why
        assert auth.handshakes == 2
    log = (Path(sandbox_state_dir) / "sandbox.log").read_text("utf-8", "replace")
    assert "logon refused" in log and "Invalid NTLM response" in log  # the sandbox's own log says why


def test_disabled_account_is_refused_like_a_wrong_password(card, farm):
    session, _ = signed_in(card, farm_user(farm, "olduser"), "domain")
    with session:
        response = session.get(farm["url"] + "/_api/web", headers=NOMETA)
        assert response.status_code == 401 and response.text == "401 UNAUTHORIZED"


def test_unknown_account_is_refused(card, farm):
    with session_for_card(card, retries=0) as session:
        session.auth = NtlmAuth("FABRIKAM\\nobody", "whatever")
        assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 401


def test_ntlm_v1_is_refused(card, farm, monkeypatch, sandbox_state_dir):
    """The farm's LmCompatibilityLevel is 5: an NTLMv1 response is refused even with the right password."""
    monkeypatch.setenv("LM_COMPAT_LEVEL", "1")  # read by pyspnego when the client context is made
    session, auth = signed_in(card, farm_user(farm, "spfarm"), "domain")
    with session:
        response = session.get(farm["url"] + "/_api/web", headers=NOMETA)
        assert response.status_code == 401 and auth.handshakes == 1
    log = (Path(sandbox_state_dir) / "sandbox.log").read_text("utf-8", "replace")
    assert "FABRIKAM\\spfarm: LM/NTLMv1 response refused" in log


def test_the_handshake_must_stay_on_one_connection(card, farm):
    user = farm_user(farm, "spfarm")
    context = spnego.client(user["logon"], user["password"], hostname=farm["host"], protocol="ntlm")
    url = farm["url"] + "/_api/web"
    with session_for_card(card, retries=0) as first, session_for_card(card, retries=0) as second:
        negotiate = base64.b64encode(context.step()).decode()
        challenge = first.get(url, headers={**NOMETA, "Authorization": f"NTLM {negotiate}"})
        assert challenge.status_code == 401
        token = base64.b64decode(offered(challenge)[0].split()[1])
        authenticate = base64.b64encode(context.step(token)).decode()
        elsewhere = second.get(url, headers={**NOMETA, "Authorization": f"NTLM {authenticate}"})
        assert elsewhere.status_code == 401 and offered(elsewhere) == ["Negotiate", "NTLM"]


def test_a_new_connection_needs_its_own_handshake(card, farm):
    session, auth = signed_in(card, farm_user(farm, "spfarm"))
    with session:
        assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 200
        session.close()  # drops the pooled, authenticated connection
        assert session.get(farm["url"] + "/_api/web", headers=NOMETA).status_code == 200
        assert auth.handshakes == 2


# --- REST and search ----------------------------------------------------------------------------------


def test_search_returns_every_site_collection_to_the_farm_admin_page_by_page(card, farm):
    user = farm_user(farm, "spfarm")
    session, _ = signed_in(card, user)
    with session:
        rows, pages = all_search_rows(session, farm["url"], rows=7)
        assert pages == 9  # 60 rows, 7 a page
        paths = [r["Path"] for r in rows]
        assert len(paths) == len(set(paths)) == farm["site_count"] == 60
        assert set(paths) == set(user["readable_site_urls"])
        assert all(r["SiteId"] and r["Title"] and r["WebTemplate"] for r in rows)
        assert sum(r["WebTemplate"] == "SPSPERS" for r in rows) == farm["personal_site_count"] == 5
        verbose_rows, _ = all_search_rows(session, farm["url"], rows=25, headers=VERBOSE)
        assert [r["Path"] for r in verbose_rows] == paths


def test_search_is_security_trimmed_for_a_plain_reader(card, farm):
    user = farm_user(farm, "reader")
    session, _ = signed_in(card, user, "domain")
    with session:
        rows, _ = all_search_rows(session, farm["url"], rows=500)
    paths = {r["Path"] for r in rows}
    assert paths == set(user["readable_site_urls"])
    assert 0 < len(paths) < farm["site_count"]


def test_search_shape_caps_rowlimit_at_500_and_types_every_cell(card, farm):
    session, _ = signed_in(card, farm_user(farm, "spfarm"))
    with session:
        body = session.get(search_url(farm["url"], 58, 5000), headers=NOMETA).json()
        verbose = session.get(search_url(farm["url"], 0, 1), headers=VERBOSE).json()
    relevant = body["PrimaryQueryResult"]["RelevantResults"]
    assert (relevant["TotalRows"], relevant["RowCount"], len(relevant["Table"]["Rows"])) == (60, 2, 2)
    assert {"Key": "RowLimit", "Value": "500", "ValueType": "Edm.Int32"} in body["Properties"]
    cells = relevant["Table"]["Rows"][0]["Cells"]
    assert [c["Key"] for c in cells][:6] == ["Rank", "DocId", "Title", "Path", "SiteId", "WebTemplate"]
    assert all(set(c) == {"Key", "Value", "ValueType"} for c in cells)
    query = verbose["d"]["query"]
    assert query["__metadata"]["type"] == "Microsoft.Office.Server.Search.REST.SearchResult"
    (row,) = query["PrimaryQueryResult"]["RelevantResults"]["Table"]["Rows"]["results"]
    assert row["Cells"]["results"][0]["__metadata"]["type"] == "SP.KeyValue"


def test_a_site_the_user_may_not_read_answers_403_unauthorized_access(card, farm):
    reader = farm_user(farm, "reader")
    all_sites = farm_user(farm, "spfarm")["readable_site_urls"]
    hidden = next(u for u in all_sites if u not in reader["readable_site_urls"] and "/sites/" in u)
    session, _ = signed_in(card, reader)
    with session:
        response = session.get(hidden + "/_api/web", headers=NOMETA)
        assert response.status_code == 403
        assert response.json() == {"odata.error": ACCESS_DENIED}
        assert session.get(hidden + "/_api/site", headers=VERBOSE).json() == {"error": ACCESS_DENIED}
        visible = next(u for u in reader["readable_site_urls"] if "/sites/" in u)
        site = session.get(visible + "/_api/site", headers=NOMETA)
        assert site.status_code == 200 and site.json()["Url"] == visible


def test_current_user_says_who_is_site_collection_admin(card, farm):
    spadmin = farm_user(farm, "spadmin")
    session, _ = signed_in(card, spadmin)
    with session:
        admin_of = spadmin["admin_site_urls"][0]
        me = session.get(admin_of + "/_api/web/currentuser", headers=NOMETA).json()
        assert me["IsSiteAdmin"] is True and me["LoginName"] == "i:0#.w|fabrikam\\spadmin"
        assert me["UserPrincipalName"] == "spadmin@fabrikam.local"
        portal = session.get(farm["url"] + "/_api/web/currentuser", headers=NOMETA).json()
        assert portal["IsSiteAdmin"] is False


def test_unknown_site_is_404_and_contextinfo_reports_the_build(card, farm):
    session, _ = signed_in(card, farm_user(farm, "spfarm"))
    with session:
        missing = session.get(farm["url"] + "/sites/nothing-here/_api/web", headers=NOMETA)
        assert missing.status_code == 404
        assert missing.json()["odata.error"]["code"] == "-2147024894, System.IO.FileNotFoundException"
        info = session.post(farm["url"] + "/_api/contextinfo", headers=VERBOSE)
        assert info.status_code == 200
        web_info = info.json()["d"]["GetContextWebInformation"]
        assert web_info["LibraryVersion"] == "16.0.10337.12109" and web_info["FormDigestValue"].startswith(
            "0x"
        )


# --- Central Administration ---------------------------------------------------------------------------


def test_central_administration_answers_the_farm_admin(card, farm):
    session, _ = signed_in(card, farm_user(farm, "spfarm"), "domain")
    with session:
        web = session.get(farm["central_admin_url"] + "/_api/web", headers=NOMETA)
        assert web.status_code == 200, web.text
        assert web.json()["Title"] == "Central Administration"
        assert web.json()["WebTemplate"] == "CENTRALADMIN"
        assert web.headers["MicrosoftSharePointTeamServices"] == "16.0.0.10337"
        apps = session.get(farm["central_admin_url"] + "/_api/farm/webapplications", headers=NOMETA).json()
        content = [a for a in apps["value"] if not a["IsAdministrationWebApplication"]]
        assert [a["Url"] for a in content] == [farm["url"] + "/"]
        assert content[0]["SiteCollectionCount"] == 60
        urls, next_url = [], farm["central_admin_url"] + "/_api/farm/sitecollections?$top=25"
        while next_url:
            page = session.get(next_url, headers=NOMETA).json()
            urls += [s["Url"] for s in page["value"]]
            next_url = page.get("odata.nextLink")
        assert set(urls) == set(farm_user(farm, "spfarm")["readable_site_urls"]) and len(urls) == 60
        about = session.get(farm["central_admin_url"] + "/_api/farm", headers=NOMETA).json()
        assert about["BuildVersion"] == "16.0.10337.12109"
        assert [a["LoginName"] for a in about["FarmAdministrators"]] == ["i:0#.w|fabrikam\\spfarm"]


def test_central_administration_refuses_a_site_collection_admin_who_is_not_farm_admin(card, farm):
    session, _ = signed_in(card, farm_user(farm, "spadmin"))
    with session:
        response = session.get(farm["central_admin_url"] + "/_api/web", headers=NOMETA)
        assert response.status_code == 403
        assert response.json() == {"odata.error": ACCESS_DENIED}
        listing = session.get(farm["central_admin_url"] + "/_api/farm/sitecollections", headers=VERBOSE)
        assert listing.status_code == 403 and listing.json() == {"error": ACCESS_DENIED}


def test_central_administration_is_not_served_on_the_web_application_port(card):
    """Only the Central Administration listener answers for :2016; the main listener does not."""
    wrong = dict(card)
    main = card["connect_to"]["sharepoint.fabrikam.localhost:443"]
    wrong["connect_to"] = {**card["connect_to"], "sharepoint.fabrikam.localhost:2016": main}
    with session_for_card(wrong, retries=0) as session:
        response = session.get("https://sharepoint.fabrikam.localhost:2016/_api/web")
        assert response.status_code == 404
        assert "MicrosoftSharePointTeamServices" not in response.headers
