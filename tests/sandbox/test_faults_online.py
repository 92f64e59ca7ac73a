"""Each Microsoft 365 fault of the scenario files (``fault_scenarios/``), seen from outside over real HTTPS
as Microsoft's service shows it: the status, the AADSTS code, the headers and the certificates a client
gets, and where the evidence to tell the cause is (Graph, the card, the certificate's fields)."""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from cryptography import x509

from spkit.http.session import retries_of, session_for_card
from tests.sandbox.fault_worlds import (
    Worlds,
    aadsts,
    admin_graph_token,
    app_of,
    claims,
    dns_names,
    graph_get,
    mapped,
    msal_certificate_token,
    secret_token,
    tenant_of,
    tls_handshake,
    token_url,
    unverified_certificate,
)

FIRST_PARTY = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # Microsoft Graph Command Line Tools


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    with Worlds(tmp_path_factory.mktemp("faults")) as worlds:
        yield worlds


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- the clock -----------------------------------------------------------------------------------------


def test_clock_skew_shows_in_every_cloud_date_header(world):
    card = world("clock_skew")
    tenant = tenant_of(card)
    with session_for_card(card, retries=0) as session:
        answers = [
            session.get(
                f"{card['cloud']['authority_host']}/{tenant['tenant_id']}/v2.0/.well-known/openid-configuration"
            ),
            session.get(f"{card['cloud']['graph_url']}/v1.0/sites/root"),
            session.get(f"{tenant['sharepoint_url']}/_api/web"),
        ]
    assert card["faults"]["clock_skew_s"] == 3600
    for answer in answers:
        assert len(answer.raw.headers.getlist("Date")) == 1, answer.url
        skew = (parsedate_to_datetime(answer.headers["Date"]) - datetime.now(UTC)).total_seconds()
        assert 3540 < skew < 3660, (answer.url, answer.headers["Date"])


def test_an_assertion_made_by_a_slow_clock_is_outside_its_time_range(world):
    card = world("clock_skew")
    result = msal_certificate_token(card, "spkit-certificate")
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700024]
    description = result["error_description"]
    assert description.startswith("AADSTS700024: Client assertion is not within its valid time range.")
    # Entra's message names its own "Current time": an hour ahead of this machine's.
    current = datetime.fromisoformat(description.split("Current time: ")[1].split(",")[0][:26])
    assert 3540 < (current.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds() < 3660


def test_tokens_follow_the_cloud_clock_and_its_resources_accept_them(world):
    card = world("clock_skew")
    answer = secret_token(card, "spkit-certificate")
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    assert 3540 < claims(token)["iat"] - time.time() < 3660  # issued "in the future" by this machine's clock
    with session_for_card(card, retries=0) as session:
        site = session.get(f"{card['cloud']['graph_url']}/v1.0/sites/root", headers=_bearer(token))
    assert site.status_code == 200, site.text


# --- server certificates -------------------------------------------------------------------------------


def test_an_expired_server_certificate_fails_verification_as_expired(world):
    card = world("expired_certificate")
    host = "contoso.sharepoint.localhost"
    with pytest.raises(ssl.SSLCertVerificationError) as failed:
        tls_handshake(card, host)
    assert failed.value.verify_code == 10  # X509_V_ERR_CERT_HAS_EXPIRED
    assert "certificate has expired" in failed.value.verify_message
    cert = unverified_certificate(card, host)
    assert cert.not_valid_after_utc < datetime.now(UTC)
    assert host in dns_names(cert)
    ca = x509.load_pem_x509_certificate(Path(card["ca_bundle"]).read_bytes())
    assert cert.issuer == ca.subject  # issued by the CA the client trusts: only the dates are wrong
    entry = card["faults"]["server_certificates"][0]
    assert entry["host"] == host and entry["certificate"] == "expired"
    tls_handshake(card, "graph.localhost")  # the other hosts keep the sandbox's good certificate
    with session_for_card(card, retries=0) as session, pytest.raises(requests.exceptions.SSLError):
        session.get(f"https://{host}/_api/web")


def test_a_server_certificate_not_yet_valid_fails_verification_as_not_yet_valid(world):
    card = world("not_yet_valid_certificate")
    host = "contoso.sharepoint.localhost"
    with pytest.raises(ssl.SSLCertVerificationError) as failed:
        tls_handshake(card, host)
    assert failed.value.verify_code == 9  # X509_V_ERR_CERT_NOT_YET_VALID
    assert "certificate is not yet valid" in failed.value.verify_message
    cert = unverified_certificate(card, host)
    assert (cert.not_valid_before_utc - datetime.now(UTC)).total_seconds() > 20 * 3600  # beyond any leeway
    assert cert.not_valid_after_utc > cert.not_valid_before_utc and host in dns_names(cert)
    ca = x509.load_pem_x509_certificate(Path(card["ca_bundle"]).read_bytes())
    assert cert.issuer == ca.subject  # the trusted CA: only the start date is wrong
    entry = card["faults"]["server_certificates"][0]
    assert entry["host"] == host and entry["certificate"] == "not_yet_valid"
    tls_handshake(card, "graph.localhost")


def test_a_certificate_for_another_name_fails_hostname_verification(world):
    card = world("wrong_name_certificate")
    with pytest.raises(ssl.SSLCertVerificationError) as failed:
        tls_handshake(card, "graph.localhost")
    assert failed.value.verify_code == 62  # X509_V_ERR_HOSTNAME_MISMATCH
    cert = unverified_certificate(card, "graph.localhost")
    assert dns_names(cert) == ["sp01.contoso.local"]
    assert cert.not_valid_after_utc > datetime.now(UTC)
    with session_for_card(card, retries=0) as session:
        with pytest.raises(requests.exceptions.SSLError, match="(?i)hostname mismatch|doesn't match"):
            session.get(f"{card['cloud']['graph_url']}/v1.0/sites/root")
        assert session.get(f"{tenant_of(card)['sharepoint_url']}/_api/web").status_code == 401  # TLS fine


def test_a_certificate_from_an_unknown_ca_fails_verification_and_names_that_ca(world):
    card = world("unknown_ca_certificate")
    host = "login.localhost"
    with pytest.raises(ssl.SSLCertVerificationError) as failed:
        tls_handshake(card, host)
    assert failed.value.verify_code == 20  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    cert = unverified_certificate(card, host)
    issuer = cert.issuer.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
    assert issuer.startswith("spkit sandbox untrusted CA")
    entry = card["faults"]["server_certificates"][0]
    assert entry["issuer_ca"] != card["ca_bundle"]
    tls_handshake(card, host, cafile=entry["issuer_ca"])  # valid for that host, by that CA


# --- the network ---------------------------------------------------------------------------------------


def test_a_closed_port_refuses_the_connection(world):
    card = world("closed_port")
    assert card["faults"]["closed_ports"] == ["graph.localhost:443"]
    import socket

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(mapped(card, "graph.localhost"), timeout=5).close()
    with session_for_card(card, retries=0) as session:
        with pytest.raises(requests.exceptions.ConnectionError, match="(?i)refused"):
            session.get(f"{card['cloud']['graph_url']}/v1.0/sites/root")
        tenant = tenant_of(card)
        keys = session.get(f"{card['cloud']['authority_host']}/{tenant['tenant_id']}/discovery/v2.0/keys")
    assert keys.status_code == 200  # the other hosts answer


# --- the identity platform ------------------------------------------------------------------------------


def test_a_tenant_of_another_cloud_answers_discovery_with_that_cloud(world):
    card = world("other_cloud_tenant")
    tenant = tenant_of(card, "contosogov")
    assert (tenant["cloud"], tenant["cloud_instance_name"]) == ("usgov", "microsoftonline.us")
    base = f"{card['cloud']['authority_host']}/{tenant['tenant_id']}"
    with session_for_card(card, retries=0) as session:
        v2 = session.get(f"{base}/v2.0/.well-known/openid-configuration").json()
        v1 = session.get(f"{base}/.well-known/openid-configuration").json()
    for document in (v2, v1):
        assert document["cloud_instance_name"] == "microsoftonline.us"
        assert document["tenant_region_scope"] == "USGov"
        assert document["msgraph_host"] == "graph.microsoft.us"
    answer = secret_token(card, "spkit-secret", tenant="contosogov")
    assert answer.status_code == 400
    assert aadsts(answer) == 900382
    assert "Confidential Client is not supported in Cross Cloud request" in answer.json()["error_description"]


def test_an_app_without_a_service_principal_gets_no_token(world):
    card = world("deleted_service_principal")
    orphan = app_of(card, "spkit-orphan")
    assert orphan["service_principal"] == "deleted" and orphan["service_principal_id"] is None
    answer = secret_token(card, "spkit-orphan")
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_client" and aadsts(answer) == 7000229
    tenant_id = tenant_of(card)["tenant_id"]
    assert body["error_description"].startswith(
        f"AADSTS7000229: The client application {orphan['client_id']} is missing service principal in the "
        f"tenant {tenant_id}."
    )
    assert secret_token(card, "spkit-secret").status_code == 200  # an app with one is served
    # The evidence: the registration exists, its service principal does not.
    admin = admin_graph_token(card)
    assert graph_get(card, admin, f"/applications(appId='{orphan['client_id']}')").status_code == 200
    missing = graph_get(card, admin, f"/servicePrincipals(appId='{orphan['client_id']}')")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "Request_ResourceNotFound"


def test_an_expired_key_credential_is_refused_and_graph_shows_its_end_date(world):
    card = world("expired_key_credential")
    app = app_of(card, "spkit-stale-key")
    assert app["certificate"]["key_expired"] is True
    local = x509.load_pem_x509_certificate(Path(app["certificate"]["pem"]).read_bytes())
    assert local.not_valid_after_utc > datetime.now(UTC)  # the file the client holds is still valid
    result = msal_certificate_token(card, "spkit-stale-key")
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]
    assert "[Reason - The key used is expired., " in result["error_description"]
    assert (
        f"Thumbprint of key used by client: '{app['certificate']['thumbprint']}'"
        in result["error_description"]
    )
    registered = graph_get(card, admin_graph_token(card), f"/applications(appId='{app['client_id']}')").json()
    key = registered["keyCredentials"][0]
    assert key["customKeyIdentifier"] == app["certificate"]["thumbprint"]
    assert datetime.fromisoformat(key["endDateTime"].replace("Z", "+00:00")) < datetime.now(UTC)


def test_a_consent_still_propagating_gives_tokens_without_roles(world):
    card = world("consent_delay")
    app = app_of(card, "spkit-new")
    effective = datetime.fromisoformat(app["consent_effective_at"])
    assert 500 < (effective - datetime.now(UTC)).total_seconds() <= 600
    assert card["faults"]["consent_delay_s"] == 30  # for consents granted through Graph during the run
    answer = secret_token(card, "spkit-new")
    assert answer.status_code == 200
    token = answer.json()["access_token"]
    assert "roles" not in claims(token)  # consented (Graph lists it), not yet in tokens
    with session_for_card(card, retries=0) as session:
        sites = session.get(f"{card['cloud']['graph_url']}/v1.0/sites/root", headers=_bearer(token))
    assert sites.status_code in (401, 403)
    # The evidence: the app role assignments are there, made moments ago.
    assigned = graph_get(
        card, admin_graph_token(card), f"/servicePrincipals(appId='{app['client_id']}')/appRoleAssignments"
    )
    assert assigned.status_code == 200, assigned.text
    assert len(assigned.json()["value"]) == 2
    for assignment in assigned.json()["value"]:
        created = datetime.fromisoformat(assignment["createdDateTime"][:26] + "+00:00")
        assert abs((datetime.now(UTC) - created).total_seconds()) < 120


@pytest.mark.filterwarnings("ignore:This API has been deprecated for public client flows")
def test_conditional_access_blocks_a_user_after_the_right_password(world):
    import msal

    card = world("conditional_access")
    tenant = tenant_of(card)
    users = {u["upn"]: u for u in tenant["users"]}
    client = msal.PublicClientApplication(
        FIRST_PARTY,
        authority=f"{card['cloud']['authority_host']}/{tenant['tenant_id']}",
        http_client=session_for_card(card, retries=0),
        instance_discovery=False,
    )
    scopes = ["User.Read"]
    blocked = users["blocked@contoso.onmicrosoft.com"]
    result = client.acquire_token_by_username_password(blocked["upn"], blocked["password"], scopes)
    assert result["error_codes"] == [53003] and result["error"] == "interaction_required"
    assert blocked["conditional_access"] == "block"
    wrong = client.acquire_token_by_username_password(blocked["upn"], "not-the-password", scopes)
    assert wrong["error_codes"] == [50126]  # the password is checked before the policy
    allowed = users["allowed@contoso.onmicrosoft.com"]
    assert "access_token" in client.acquire_token_by_username_password(
        allowed["upn"], allowed["password"], scopes
    )


def test_conditional_access_for_workload_identities_blocks_an_app(world):
    card = world("conditional_access")
    assert app_of(card, "spkit-blocked")["conditional_access"] == "block"
    answer = secret_token(card, "spkit-blocked")
    assert answer.status_code == 400 and aadsts(answer) == 53003
    assert "Access has been blocked by Conditional Access policies" in answer.json()["error_description"]


# --- throttling -----------------------------------------------------------------------------------------


def test_throttling_beyond_the_retry_budget(world):
    card = world("throttling")
    assert card["faults"]["throttle_rules"][0] == {
        "host": "graph.localhost",
        "path": "/v1.0/sites.*",
        "count": 8,
        "retry_after_s": 1,
    }
    token = msal_certificate_token(card, "spkit-certificate")["access_token"]
    url = f"{card['cloud']['graph_url']}/v1.0/sites/root"
    with session_for_card(card) as patient:  # spkit's budget: 5 retries honouring Retry-After
        started = time.perf_counter()
        given_up = patient.get(url, headers=_bearer(token))
        elapsed = time.perf_counter() - started
    assert given_up.status_code == 429 and retries_of(given_up) == 5
    assert elapsed >= 5  # it waited Retry-After each time
    with session_for_card(card, retries=0) as session:
        rest = [session.get(url, headers=_bearer(token)) for _ in range(3)]
        other = session.get(f"{card['cloud']['graph_url']}/v1.0/organization", headers=_bearer(token))
    assert [r.status_code for r in rest] == [429, 429, 200]  # 8 throttled in a row, then served
    assert rest[0].headers["Retry-After"] == "1"
    assert rest[0].json()["error"]["code"] == "activityLimitReached"
    assert other.status_code != 429  # only the rule's route


def test_sharepoint_throttles_a_route_on_every_request(world):
    card = world("throttling")
    tenant = tenant_of(card)
    scope = f"{tenant['sharepoint_url']}/.default"
    token = msal_certificate_token(card, "spkit-certificate", scope)["access_token"]
    with session_for_card(card, retries=0) as session:
        webs = [session.get(f"{tenant['sharepoint_url']}/_api/web", headers=_bearer(token)) for _ in range(3)]
        site = session.get(f"{tenant['sharepoint_url']}/_api/site", headers=_bearer(token))
    assert {w.status_code for w in webs} == {429}
    assert all(w.headers["Retry-After"] == "1" for w in webs)
    assert webs[0].headers["MicrosoftSharePointTeamServices"]
    assert site.status_code == 200
    assert token_url(card).startswith(card["cloud"]["authority_host"])


def test_a_disabled_service_principal_gets_no_token_and_graph_shows_it_disabled(world):
    card = world("disabled_app_server_errors")
    disabled = app_of(card, "spkit-disabled")
    assert disabled["service_principal"] == "disabled" and disabled["service_principal_id"]
    answer = secret_token(card, "spkit-disabled")
    assert answer.status_code == 400 and aadsts(answer) == 7000112
    body = answer.json()
    assert body["error"] == "unauthorized_client"
    assert body["error_description"].startswith(
        f"AADSTS7000112: Application '{disabled['client_id']}'(spkit-disabled) is disabled."
    )
    assert secret_token(card, "spkit-secret").status_code == 200  # an enabled app is served
    admin = admin_graph_token(card)
    sp = graph_get(card, admin, f"/servicePrincipals(appId='{disabled['client_id']}')")
    assert sp.status_code == 200 and sp.json()["accountEnabled"] is False


def test_a_server_error_is_answered_in_each_service_shape_once_and_not_retried(world):
    card = world("disabled_app_server_errors")
    assert card["faults"]["server_error_rules"] == [
        {"host": "graph.localhost", "path": "/v1.0/sites/root", "status": 500, "count": 2},
        {"host": "contoso.sharepoint.localhost", "path": "(/.*)?/_api/web", "status": 502, "count": 1},
    ]
    token = msal_certificate_token(card, "spkit-certificate")["access_token"]
    url = f"{card['cloud']['graph_url']}/v1.0/sites/root"
    with session_for_card(card) as patient:  # spkit's session: 500 is not in its retry list
        failed = patient.get(url, headers=_bearer(token))
        assert failed.status_code == 500 and retries_of(failed) == 0
        assert failed.json()["error"]["code"] == "generalException"
        assert failed.headers["request-id"] and failed.headers["x-sandbox-error"] == "ScenarioServerError"
        assert [patient.get(url, headers=_bearer(token)).status_code for _ in range(2)] == [500, 200]
    tenant = tenant_of(card)
    scope = f"{tenant['sharepoint_url']}/.default"
    sp_token = msal_certificate_token(card, "spkit-certificate", scope)["access_token"]
    with session_for_card(card) as session:
        webs = [
            session.get(f"{tenant['sharepoint_url']}/_api/web", headers=_bearer(sp_token)) for _ in range(2)
        ]
    assert [w.status_code for w in webs] == [502, 200] and retries_of(webs[0]) == 0
    assert webs[0].headers["SPRequestGuid"] and webs[0].headers["MicrosoftSharePointTeamServices"]
    assert webs[0].json()["odata.error"]["code"] == "-2146233088, System.InvalidOperationException"
