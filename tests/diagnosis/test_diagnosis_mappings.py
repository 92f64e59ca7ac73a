"""Client-side diagnoses from evidence (AADSTS codes with what the client knows, discovery documents,
token claims, status and headers, NTLM messages), at the service layer: real MSAL error dicts, real
``requests.Response`` objects, real NTLM messages from pyspnego, and the shared sandbox where it serves."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import jwt
import pytest
import requests
import spnego
from requests.structures import CaseInsensitiveDict
from requests_ntlm import HttpNtlmAuth
from spnego.channel_bindings import GssChannelBindings

from spkit.errors import AuthenticationError, DiscoveryError
from spkit.http.session import build_session, session_for_card
from spkit.models.clouds import GLOBAL, USGOV_HIGH, sandbox_cloud
from spkit.services.online.aadsts import ClientFacts, auth_error, secret_shape
from spkit.services.online.app_tokens import AppAuthenticator, secret_credential
from spkit.services.online.graph_client import app_roles, graph_error
from spkit.services.online.key_credentials import registered_key_error
from spkit.services.online.required_roles import roles_for_graph
from spkit.services.online.sharepoint_rest import sharepoint_error
from spkit.services.online.tenant_discovery import discover_tenant, other_cloud
from spkit.services.onprem.auth_evidence import channel_binding_sent, offered_schemes
from spkit.services.onprem.rest import (
    alternate_access_mapping_error,
    farm_error,
    get_json,
    not_central_admin_error,
)
from spkit.services.onprem.search import no_site_collections
from tests.helpers import card_app, card_tenant

SECRET_ID = "3f2b9c1e-8a7d-4e2f-9b1c-0d5e6f7a8b9c"


def msal_error(number: int, description: str, error: str = "invalid_client") -> dict:
    """An error result as MSAL returns it: Entra's JSON body (entra-docs reference-error-codes)."""
    return {
        "error": error,
        "error_description": f"AADSTS{number}: {description}\r\nTrace ID: 0f0e\r\nCorrelation ID: 1a1b\r\n"
        "Timestamp: 2025-01-01 10:00:00Z",
        "error_codes": [number],
        "timestamp": "2025-01-01 10:00:00Z",
        "trace_id": "0f0e",
        "correlation_id": "1a1b",
        "error_uri": f"https://login.microsoftonline.com/error?code={number}",
    }


def response(status: int, url: str, *, body: object = b"", headers: dict | None = None, method: str = "GET"):
    """A real requests.Response, as the session returns it."""
    built = requests.Response()
    built.status_code = status
    built.url = url
    built._content = json.dumps(body).encode() if isinstance(body, dict) else body  # type: ignore[assignment]
    built.headers = CaseInsensitiveDict(headers or {})
    built.request = requests.Request(method, url).prepare()
    return built


def token(**claims) -> str:
    return jwt.encode(
        {"aud": "https://graph.microsoft.com", "tid": "t", **claims}, "k" * 32, algorithm="HS256"
    )


# --- AADSTS ---------------------------------------------------------------------------------------


def test_a_deleted_service_principal_has_its_own_code():
    error = auth_error(
        msal_error(7000229, "The client application 1111 is missing service principal in the tenant 2222."),
        "Graph token",
    )
    assert isinstance(error, AuthenticationError) and error.code == "AUTH_SP_MISSING"
    assert error.aadsts == 7000229 and "Enterprise applications" in error.fix


def test_a_secret_id_pasted_is_told_apart_by_its_guid_shape_never_by_its_value():
    payload = msal_error(7000215, "Invalid client secret provided. Ensure the secret being sent in the request is "
                         "the client secret value, not the client secret ID.")  # fmt: skip
    assert (
        secret_shape(SECRET_ID) == "guid" and secret_shape("Xk8Q~aB3.dEf_gHiJkLmNoPqRsTuVwXyZ0123456") is None
    )
    pasted = auth_error(payload, "Graph token", ClientFacts(secret_shape="guid"))
    assert pasted.code == "AUTH_SECRET_ID_PASTED" and "Value" in pasted.fix
    assert SECRET_ID not in pasted.summary + pasted.evidence + pasted.fix
    assert auth_error(payload, "Graph token", ClientFacts()).code == "AUTH_INVALID_SECRET"


def test_a_secret_id_against_the_sandbox_is_diagnosed_end_to_end(card):
    """The sandbox's Entra answers 7000215 for any wrong secret; the client knows the shape of its own."""
    tenant, app = card_tenant(card), card_app(card, "spkit-secret")
    session = session_for_card(card)
    with session:
        authenticator = AppAuthenticator(
            cloud=sandbox_cloud(card),
            tenant_id=tenant["tenant_id"],
            client_id=app["client_id"],
            credential=secret_credential(SECRET_ID, "env:SPKIT_TEST_SECRET"),
            session=session,
        )
        with pytest.raises(AuthenticationError) as raised:
            authenticator.acquire(card["cloud"]["graph_url"], "Graph token")
    assert raised.value.code == "AUTH_SECRET_ID_PASTED" and raised.value.aadsts == 7000215
    assert SECRET_ID not in raised.value.summary + raised.value.evidence
    assert session.hooks["response"] == []  # the Date hook is removed after the call


def test_clock_skew_compares_this_machines_clock_with_entras_date():
    server = datetime(2025, 1, 1, 10, 0, 0, tzinfo=UTC)
    local = (server + timedelta(minutes=12)).timestamp()
    payload = msal_error(700024, "Client assertion is not within its valid time range. Current time: "
                         "2025-01-01T10:00:00.0000000Z, assertion valid from 1970-01-01T00:00:00.0000000Z, "
                         "expiry time of assertion 2025-01-01T10:22:00.0000000Z.")  # fmt: skip
    facts = ClientFacts(
        thumbprint="AB" * 20, local_time=local, server_date=format_datetime(server, usegmt=True)
    )
    error = auth_error(payload, "Graph token", facts)
    assert error.code == "AUTH_ASSERTION_TIME"
    assert "2025-01-01 10:12:00 UTC" in error.evidence and "2025-01-01 10:00:00 UTC" in error.evidence
    assert "720 s ahead of Entra" in error.evidence and "thumbprint " + "AB" * 20 in error.evidence
    assert "720 s ahead" in error.fix and "timedatectl" in error.fix
    in_time = auth_error(payload, "Graph token", ClientFacts(local_time=server.timestamp() + 3,
                                                              server_date=format_datetime(server, usegmt=True)))  # fmt: skip
    assert in_time.code == "AUTH_ASSERTION_TIME" and "agrees with Entra" in in_time.fix


def _assertion_error(reason: str, found: str | None) -> dict:
    window = f"Found key 'Start={found}', " if found else ""
    return msal_error(700027, f"Client assertion failed signature validation. [Reason - {reason}, Thumbprint of "
                      f"key used by client: '{'CD' * 20}', {window}Please visit the Azure Portal].")  # fmt: skip


def test_an_expired_registered_key_is_told_from_an_unregistered_certificate():
    expired = auth_error(
        _assertion_error("The key used is expired.", "01/01/2023 10:00:00, End=01/01/2024 10:00:00"),
        "Graph token",
        ClientFacts(thumbprint="CD" * 20),
    )
    assert expired.code == "AUTH_CERT_KEY_EXPIRED" and "2024-01-01" in expired.summary
    assert "CD" * 20 in expired.evidence
    unregistered = auth_error(_assertion_error("The key was not found.", None), "Graph token")
    assert unregistered.code == "AUTH_CERT_NOT_REGISTERED"
    later = (datetime.now(UTC) + timedelta(days=300)).strftime("%m/%d/%Y %H:%M:%S")
    wrong_key = auth_error(_assertion_error("Key was found, but use of the key to verify the signature failed.",
                                            f"01/01/2024 10:00:00, End={later}"), "Graph token")  # fmt: skip
    assert wrong_key.code == "AUTH_ASSERTION_SIGNATURE_INVALID"


def test_cross_cloud_and_conditional_access_codes():
    cross = auth_error(
        msal_error(900382, "Confidential Client is not supported in Cross Cloud request."), "token"
    )
    assert isinstance(cross, DiscoveryError) and cross.code == "TENANT_WRONG_CLOUD"
    for number in (53000, 53001, 53003, 50158):
        assert auth_error(msal_error(number, "blocked", "interaction_required"), "sign-in").code == (
            "AUTH_CONDITIONAL_ACCESS"
        )
    assert auth_error(msal_error(50055, "The password is expired.", "user_password_expired"), "x").code == (
        "AUTH_PASSWORD_EXPIRED"
    )


# --- discovery ------------------------------------------------------------------------------------


def test_a_gcc_high_tenant_seen_from_global_is_in_another_cloud():
    document = {
        "token_endpoint": "https://login.microsoftonline.us/abc/oauth2/v2.0/token",
        "cloud_instance_name": "microsoftonline.us",
        "tenant_region_scope": "USGov",
        "tenant_region_sub_scope": "DODCON",
    }
    assert other_cloud(GLOBAL, document) == "cloud_instance_name microsoftonline.us"
    assert other_cloud(GLOBAL, {**document, "cloud_instance_name": "microsoftonline.com"}) == (
        "tenant_region_scope USGov"
    )
    assert other_cloud(USGOV_HIGH, document) is None
    assert (
        other_cloud(USGOV_HIGH, {**document, "tenant_region_sub_scope": "DOD"})
        == "tenant_region_sub_scope DOD"
    )
    at_home = {
        "token_endpoint": "https://login.microsoftonline.com/abc/oauth2/v2.0/token",
        "cloud_instance_name": "microsoftonline.com",
        "tenant_region_scope": "NA",
        "tenant_region_sub_scope": "GCC",  # GCC moderate lives in the global cloud
    }
    assert other_cloud(GLOBAL, at_home) is None


def test_the_sandbox_tenant_is_at_home_in_the_sandbox_cloud(card):
    with session_for_card(card) as session:
        found = discover_tenant(session, sandbox_cloud(card), card_tenant(card)["tenant_id"])
    assert found.tenant_id == card_tenant(card)["tenant_id"]


# --- Graph ----------------------------------------------------------------------------------------


GRAPH = "https://graph.microsoft.com/v1.0"
DENIED = {"error": {"code": "accessDenied", "message": "Access denied"}}


def test_a_403_names_the_permission_this_call_needs_from_the_tokens_roles():
    listed = response(403, f"{GRAPH}/sites/getAllSites?$select=id", body=DENIED)
    error = graph_error(listed, "site enumeration", roles=["User.Read.All"])
    assert error.code == "GRAPH_ROLE_MISSING"
    assert "GET /sites/getAllSites" in error.summary and "Sites.Read.All" in error.fix
    assert graph_error(listed, "site enumeration", roles=["Sites.Read.All"]).code == "GRAPH_ACCESS_DENIED"
    no_roles = graph_error(listed, "site enumeration", roles=[])
    assert no_roles.code == "GRAPH_ACCESS_DENIED" and "no application roles" in no_roles.evidence


def test_a_sites_selected_app_without_a_grant_is_told_so_by_graph():
    site = response(403, f"{GRAPH}/sites/contoso.sharepoint.com,1,2", body=DENIED)
    assert graph_error(site, "opening the site", roles=["Sites.Selected"]).code == "GRAPH_SITE_NOT_GRANTED"
    assert roles_for_graph("GET", f"{GRAPH}/users/a@b.c") == (
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
    )


def test_a_delegated_token_keeps_the_directory_privileges_diagnosis():
    assert app_roles(token(scp="User.Read", roles=[])) is None
    assert app_roles(token(roles=["Sites.Read.All"])) == ["Sites.Read.All"]
    refused = response(403, f"{GRAPH}/applications", method="POST",
                       body={"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}})  # fmt: skip
    assert graph_error(refused, "creating the app", roles=None).code == "GRAPH_INSUFFICIENT_PRIVILEGES"


def test_throttling_beyond_the_budget_shows_the_retry_after():
    throttled = response(429, f"{GRAPH}/sites/getAllSites", headers={"Retry-After": "7"},
                         body={"error": {"code": "TooManyRequests", "message": "Too many requests"}})  # fmt: skip
    error = graph_error(throttled, "site enumeration")
    assert (
        error.code == "GRAPH_THROTTLED"
        and "Retry-After: 7 s" in error.evidence
        and "HTTP 429" in error.evidence
    )


# --- SharePoint Online ------------------------------------------------------------------------------


SITE = "https://contoso.sharepoint.com/sites/finance"


def test_a_secret_based_token_is_recognised_by_its_claim_not_by_the_message():
    refused = response(401, SITE + "/_api/web", body={"error_description": "Invalid audience."})
    secret = {"appidacr": "1", "roles": ["Sites.FullControl.All"]}
    error = sharepoint_error(refused, SITE, "SharePoint REST", claims=secret)
    assert error.code == "SPO_SECRET_TOKEN_REFUSED" and "client secret" in error.evidence
    worded = response(401, SITE + "/_api/web", body={"error_description": "Unsupported app only token."})
    certificate = {"appidacr": "2", "roles": ["Sites.FullControl.All"]}
    assert sharepoint_error(worded, SITE, "SharePoint REST", claims=certificate).code == "SPO_TOKEN_REJECTED"
    assert (
        sharepoint_error(worded, SITE, "SharePoint REST").code == "SPO_SECRET_TOKEN_REFUSED"
    )  # no claims known


def test_a_403_for_a_sites_selected_app_is_a_missing_grant_except_on_the_admin_center():
    denied = response(403, SITE + "/_api/web", body={"odata.error": {"code": "-2147024891", "message": {"value": "Access denied."}}})  # fmt: skip
    selected = {"appidacr": "2", "roles": ["Sites.Selected"]}
    error = sharepoint_error(denied, SITE, "SharePoint REST", claims=selected)
    assert error.code == "SPO_SITE_NOT_GRANTED" and f"--site {SITE}" in error.fix
    admin = "https://contoso-admin.sharepoint.com"
    assert sharepoint_error(denied, admin, "admin center", claims=selected).code == "SPO_ACCESS_DENIED"
    full = {"appidacr": "2", "roles": ["Sites.Read.All"]}
    assert sharepoint_error(denied, SITE, "SharePoint REST", claims=full).code == "SPO_ACCESS_DENIED"


# --- the farm: schemes, NTLM messages, EPA --------------------------------------------------------------


FARM = "https://sharepoint.fabrikam.test"


def test_the_schemes_of_www_authenticate_are_read_as_schemes():
    assert offered_schemes("Negotiate, NTLM") == ["Negotiate", "NTLM"]
    assert offered_schemes('Basic realm="sharepoint.fabrikam.test", NTLM') == ["Basic", "NTLM"]
    assert offered_schemes('Bearer realm="x", client_id="y", trusted_issuers="z"') == ["Bearer"]
    assert offered_schemes("NTLM TlRMTVNTUAACAAAA==") == ["NTLM"]
    assert offered_schemes(None) == []


@pytest.fixture
def ntlm_messages(tmp_path, monkeypatch):
    """Real NTLM authenticate messages (type 3) from pyspnego, with and without a channel binding."""
    users = tmp_path / "ntlm-users"
    users.write_text("FABRIKAM:spfarm:Farm-Password-1\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))

    def authenticate(bindings) -> str:
        client = spnego.client("spfarm", "Farm-Password-1", hostname="sharepoint", service="http", protocol="ntlm",
                               channel_bindings=bindings, options=spnego.NegotiateOptions.use_ntlm)  # fmt: skip
        server = spnego.server(protocol="ntlm")
        return "NTLM " + base64.b64encode(client.step(server.step(client.step()))).decode()

    bound = GssChannelBindings(application_data=b"tls-server-end-point:" + hashlib.sha256(b"cert").digest())
    return {"bound": authenticate(bound), "unbound": authenticate(None)}


def _after_handshake(url: str, authorization: str) -> requests.Response:
    first = response(401, url, headers={"WWW-Authenticate": "Negotiate, NTLM"})
    challenge = response(401, url, headers={"WWW-Authenticate": "NTLM TlRMTVNTUAACAAAA"})
    final = response(401, url, headers={"WWW-Authenticate": "Negotiate, NTLM"})
    final.request.headers["Authorization"] = authorization
    final.history = [first, challenge]
    return final


def test_a_401_after_an_unbound_handshake_over_https_is_extended_protection(ntlm_messages):
    assert channel_binding_sent(ntlm_messages["bound"]) is True
    assert channel_binding_sent(ntlm_messages["unbound"]) is False
    assert channel_binding_sent("Negotiate TlRMTVNTUAABAAAA") is None  # a negotiate message, not type 3
    url = f"{FARM}/_api/web"
    epa = farm_error(_after_handshake(url, ntlm_messages["unbound"]), url, "signing in", "FABRIKAM\\spfarm")
    assert epa.code == "ONPREM_EPA_REQUIRED" and "Extended Protection" in epa.fix
    wrong = farm_error(_after_handshake(url, ntlm_messages["bound"]), url, "signing in", "FABRIKAM\\spfarm")
    assert wrong.code == "ONPREM_AUTH_FAILED" and "with a channel binding" in wrong.evidence
    plain = "http://sharepoint.fabrikam.test/_api/web"
    assert (
        farm_error(_after_handshake(plain, ntlm_messages["unbound"]), plain, "x", "a").code
        == "ONPREM_AUTH_FAILED"
    )


def test_a_farm_offering_basic_only_or_nothing_windows_is_named_by_its_schemes():
    basic = response(401, f"{FARM}/_api/web", headers={"WWW-Authenticate": 'Basic realm="sharepoint"'})
    assert farm_error(basic, FARM, "signing in", "spfarm").code == "ONPREM_BASIC_ONLY"
    bearer = response(401, f"{FARM}/_api/web", headers={"WWW-Authenticate": 'Bearer realm="x"'})
    assert farm_error(bearer, FARM, "signing in", "spfarm").code == "ONPREM_AUTH_UNSUPPORTED"


class _KerberosOnly(http.server.BaseHTTPRequestHandler):
    """IIS with Windows authentication's providers set to Negotiate:Kerberos: an NTLM token (raw, or in
    Negotiate) gets the same bare challenge again, never an NTLM challenge."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(401)
        self.send_header("WWW-Authenticate", "Negotiate")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_kerberos_only_farm_is_named_after_the_handshake_got_no_challenge():
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _KerberosOnly) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        session = build_session(
            connect_to={"farm.spkit.test:80": f"127.0.0.1:{server.server_address[1]}"}, retries=0
        )
        session.auth = HttpNtlmAuth("FABRIKAM\\spfarm", "Farm-Password-1")
        with session, pytest.raises(AuthenticationError) as raised:
            get_json(session, "http://farm.spkit.test/_api/web", "signing in to the farm", "FABRIKAM\\spfarm")
        server.shutdown()
    assert raised.value.code == "ONPREM_KERBEROS_ONLY"
    assert "offered: Negotiate" in raised.value.evidence and "Farm-Password-1" not in raised.value.evidence


def test_the_web_answering_from_another_mapping_and_central_admin_on_another_port():
    answered = response(200, f"{FARM}/_api/web", headers={"MicrosoftSharePointTeamServices": "16.0.0.10337"})
    moved = alternate_access_mapping_error(FARM, {"Url": "https://intranet.fabrikam.test"}, answered)
    assert moved.code == "ONPREM_AAM_MISMATCH" and "https://intranet.fabrikam.test" in moved.evidence
    assert alternate_access_mapping_error(FARM, {"Url": FARM.upper() + ":443/"}, answered) is None
    site = not_central_admin_error(f"{FARM}:2016", {"WebTemplate": "STS", "Title": "Portal"}, answered)
    assert site.code == "ONPREM_NOT_CENTRAL_ADMIN" and "WebTemplate=STS" in site.evidence
    assert not_central_admin_error(f"{FARM}:2016", {"WebTemplate": "CENTRALADMIN"}, answered) is None
    assert no_site_collections(FARM, "spfarm").code == "ONPREM_SEARCH_EMPTY"


# --- registered keys (read with an admin sign-in) -----------------------------------------------------


def test_the_thumbprint_sent_against_the_keys_registered_on_the_app():
    thumb = "A1" * 20
    past = (datetime.now(UTC) - timedelta(days=3)).isoformat().replace("+00:00", "Z")
    future = (datetime.now(UTC) + timedelta(days=300)).isoformat().replace("+00:00", "Z")
    as_base64 = base64.b64encode(bytes.fromhex(thumb)).decode()
    keys = [
        {
            "type": "AsymmetricX509Cert",
            "customKeyIdentifier": as_base64,
            "endDateTime": past,
            "displayName": "CN=old",
        }
    ]
    expired = registered_key_error(thumb.lower(), keys)
    assert expired is not None and expired.code == "AUTH_CERT_KEY_EXPIRED"
    other = [{"type": "AsymmetricX509Cert", "customKeyIdentifier": "B2" * 20, "endDateTime": future}]
    missing = registered_key_error(thumb, other)
    assert (
        missing is not None and missing.code == "AUTH_CERT_NOT_REGISTERED" and "B2" * 20 in missing.evidence
    )
    assert registered_key_error(thumb, [{**keys[0], "endDateTime": future}]) is None
