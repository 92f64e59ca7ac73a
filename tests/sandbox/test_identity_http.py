"""Unmodified MSAL Python against the sandbox's identity platform over real HTTPS on loopback.

The listener serves only the identity Service over the test world, with a certificate from the sandbox CA;
MSAL's ``http_client`` is spkit's session (connect-to + the CA bundle). Each case uses a fresh
``ConfidentialClientApplication`` and its own inputs, because MSAL replays a 400 for 60 s from its
in-memory throttle cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import msal
import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from spkit.http.session import SpkitSession, build_session
from spkit.sandbox.ca import ensure_ca, issue_server_certificate
from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.identity import make_service
from spkit.sandbox.server import Listener
from tests.sandbox.identity_world import World, build_world, make_cert

GRAPH = ["https://graph.localhost/.default"]


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def session(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpkitSession]:
    state_dir = tmp_path_factory.mktemp("identity-https")
    ca = ensure_ca(state_dir)
    cert, key = issue_server_certificate(ca, world.state.hostnames(), state_dir)
    dispatcher = Dispatcher(world.state, [make_service(world.state, world.tokens)])
    listener = Listener(dispatcher, cert_path=cert, key_path=key).start()
    connect_to = {f"{h}:443": f"{listener.address}:{listener.port}" for h in world.state.hostnames()}
    with build_session(ca_bundle=ca.pem_path, connect_to=connect_to, retries=0) as s:
        yield s
    listener.stop()


def cca(
    session: SpkitSession, client_id: str, credential: object, tenant: str = "contoso.onmicrosoft.com"
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client_id,
        authority=f"https://login.localhost/{tenant}",
        client_credential=credential,
        http_client=session,
        instance_discovery=False,
        http_cache={},
    )


def token_for(
    session: SpkitSession,
    client_id: str,
    credential: object,
    scopes: list[str] = GRAPH,
    tenant: str = "contoso.onmicrosoft.com",
) -> dict:
    return cca(session, client_id, credential, tenant).acquire_token_for_client(scopes)


def thumbprint_credential(world: World, app: str) -> dict:
    cert = world.certs[app]
    return {"private_key": cert.pem, "thumbprint": cert.sha1.hex()}


def test_secret_gets_a_graph_token(session: SpkitSession, world: World) -> None:
    result = token_for(session, world.apps["secret-app"].client_id, world.secrets["secret-app"])
    assert result.get("token_type") == "Bearer", result
    claims = world.tokens.validate(result["access_token"], audiences={"https://graph.localhost"})
    assert claims["appidacr"] == "1" and "Sites.Read.All" in claims["roles"]


def test_certificate_thumbprint_rs256(session: SpkitSession, world: World) -> None:
    result = token_for(
        session,
        world.apps["cert-app"].client_id,
        thumbprint_credential(world, "cert-app"),
        ["https://contoso.sharepoint.localhost/.default"],
    )
    assert "access_token" in result, result
    claims = world.tokens.validate(result["access_token"], audiences={"https://contoso.sharepoint.localhost"})
    assert claims["appidacr"] == "2" and claims["roles"] == ["Sites.FullControl.All"]


def test_certificate_pfx_ps256(session: SpkitSession, world: World, tmp_path: Path) -> None:
    cert = world.certs["cert-app"]
    pfx = tmp_path / "cert-app.pfx"
    pfx.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"cert-app", cert.key, cert.certificate, None, BestAvailableEncryption(b"pfx-pass")
        )
    )
    credential = {"private_key_pfx_path": str(pfx), "passphrase": "pfx-pass"}
    result = token_for(session, world.apps["cert-app"].client_id, credential, tenant=world.contoso.tenant_id)
    assert "access_token" in result, result
    claims = world.tokens.validate(result["access_token"], audiences={"https://graph.localhost"})
    assert claims["appidacr"] == "2"


def assert_refused(result: dict, code: int, error: str) -> None:
    assert "access_token" not in result, result
    assert result.get("error") == error and result.get("error_codes") == [code], result
    assert result["error_description"].startswith(f"AADSTS{code}: ")


def test_7000215_wrong_secret(session: SpkitSession, world: World) -> None:
    app = world.apps["secret-app"]
    assert_refused(token_for(session, app.client_id, app.secrets[0].key_id), 7000215, "invalid_client")


def test_7000222_expired_secret(session: SpkitSession, world: World) -> None:
    result = token_for(session, world.apps["expired-app"].client_id, world.secrets["expired-app"])
    assert_refused(result, 7000222, "invalid_client")


def test_700027_unregistered_certificate(session: SpkitSession, world: World) -> None:
    stranger = make_cert("not registered")
    credential = {"private_key": stranger.pem, "thumbprint": stranger.sha1.hex()}
    result = token_for(session, world.apps["cert-app"].client_id, credential)
    assert_refused(result, 700027, "invalid_client")
    assert f"Thumbprint of key used by client: '{stranger.sha1.hex().upper()}'" in result["error_description"]


def test_700016_app_of_another_tenant(session: SpkitSession, world: World) -> None:
    result = token_for(session, world.apps["fab-app"].client_id, world.secrets["fab-app"])
    assert_refused(result, 700016, "unauthorized_client")


def test_90002_unknown_tenant(session: SpkitSession, world: World) -> None:
    """MSAL reports the discovery refusal as a ValueError whose cause carries Entra's body."""
    with pytest.raises(ValueError, match="Unable to get authority configuration") as caught:
        token_for(
            session,
            world.apps["secret-app"].client_id,
            world.secrets["secret-app"],
            tenant="nowhere.example.com",
        )
    cause = str(caught.value.__cause__ or caught.value.__context__)
    assert '"error":"invalid_tenant"' in cause
    assert "AADSTS90002: Tenant 'nowhere.example.com' not found" in cause


def test_1002012_scope_without_default(session: SpkitSession, world: World) -> None:
    result = token_for(
        session,
        world.apps["noroles-app"].client_id,
        world.secrets["noroles-app"],
        ["https://graph.localhost/Sites.Read.All"],
    )
    assert_refused(result, 1002012, "invalid_scope")


def test_500011_other_tenants_sharepoint(session: SpkitSession, world: World) -> None:
    result = token_for(
        session,
        world.apps["secret-app"].client_id,
        world.secrets["secret-app"],
        ["https://fabrikam.sharepoint.localhost/.default"],
    )
    assert_refused(result, 500011, "invalid_resource")


def test_raw_error_body_over_https(session: SpkitSession, world: World) -> None:
    """The bytes on the wire: 401, JSON, CRLF inside error_description, correlation id echoed."""
    cid = "3f0c2a4e-1d2b-4c5d-8e9f-0a1b2c3d4e5f"
    r = session.post(
        "https://login.localhost/contoso.com/oauth2/v2.0/token",
        headers={"client-request-id": cid},
        data={
            "grant_type": "client_credentials",
            "client_id": world.apps["cert-app"].client_id,
            "scope": GRAPH[0],
        },
    )
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/json")
    payload = json.loads(r.text)
    assert payload["error_codes"] == [7000218] and payload["correlation_id"] == cid
    assert "\r\nTrace ID: " in payload["error_description"]
