"""The identity Service with hand-built Requests, through the real Dispatcher (no sockets): routes, the
token endpoint's form handling, Entra's headers, 404/405/500 shapes."""

from __future__ import annotations

import base64
import json
import uuid
from email.message import Message
from urllib.parse import urlencode

import pytest

from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.http import Request, Response
from spkit.sandbox.identity import IdentityService, make_service
from tests.sandbox.identity_world import World, build_world

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def service(world: World) -> IdentityService:
    svc = make_service(world.state, world.tokens)
    assert isinstance(svc, IdentityService)
    return svc


@pytest.fixture(scope="module")
def dispatch(world: World, service: IdentityService) -> Dispatcher:
    return Dispatcher(world.state, [service])


def request(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    query: str = "",
    host: str = "login.localhost",
    **headers: str,
) -> Request:
    msg = Message()
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return Request(method=method, host=host, port=443, path=path, query_string=query, headers=msg, body=body)


def post_form(dispatch: Dispatcher, tenant: str, form: dict, **headers: str) -> Response:
    return dispatch(
        request(
            "POST",
            f"/{tenant}/oauth2/v2.0/token",
            body=urlencode(form).encode(),
            Content_Type=f"{FORM}; charset=utf-8",
            **headers,
        )
    )


def body(response: Response) -> dict:
    return json.loads(response.body)


def secret_form(world: World, **extra: str) -> dict:
    return {
        "grant_type": "client_credentials",
        "client_id": world.apps["secret-app"].client_id,
        "scope": "https://graph.localhost/.default",
        "client_secret": world.secrets["secret-app"],
        **extra,
    }


def test_service_identity(service: IdentityService) -> None:
    assert service.name == "identity" and service.throttleable is False
    assert service.serves("login.localhost", 443) and service.serves("LOGIN.localhost", 8443)
    assert not service.serves("graph.localhost", 443)


def test_discovery_route_and_headers(dispatch: Dispatcher, world: World) -> None:
    r = dispatch(request("GET", "/contoso.com/v2.0/.well-known/openid-configuration"))
    assert r.status == 200 and r.header("Content-Type").startswith("application/json")
    assert body(r)["issuer"] == f"https://login.localhost/{world.contoso.tenant_id}/v2.0"
    assert r.header("x-ms-request-id")
    v1 = dispatch(request("GET", "/contoso.com/.well-known/openid-configuration"))
    assert body(v1)["issuer"].startswith("https://sts.localhost/")


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/nowhere.example.com/v2.0/.well-known/openid-configuration", 90002),
        ("/not_a_tenant!/v2.0/.well-known/openid-configuration", 900023),
        ("/two%20words/v2.0/.well-known/openid-configuration", 900023),
        ("/nowhere.example.com/discovery/v2.0/keys", 90002),
    ],
)
def test_discovery_errors_render_entra_body(dispatch: Dispatcher, path: str, code: int) -> None:
    r = dispatch(request("GET", path))
    assert r.status == 400
    assert body(r)["error_codes"] == [code] and body(r)["error_description"].startswith(f"AADSTS{code}: ")


def test_keys_routes(dispatch: Dispatcher, world: World) -> None:
    for path in (
        "/common/discovery/v2.0/keys",
        f"/{world.contoso.tenant_id}/discovery/v2.0/keys",
        "/common/discovery/keys",
    ):
        r = dispatch(request("GET", path))
        assert r.status == 200 and body(r) == world.tokens.jwks()


def test_user_realm_route(dispatch: Dispatcher) -> None:
    r = dispatch(request("GET", "/getuserrealm.srf", query="login=user%40contoso.com&json=1"))
    assert r.status == 200 and body(r)["NameSpaceType"] == "Managed"


def test_token_success_headers(dispatch: Dispatcher, world: World) -> None:
    r = post_form(dispatch, "contoso.onmicrosoft.com", secret_form(world))
    assert r.status == 200 and body(r)["token_type"] == "Bearer"
    assert r.header("Cache-Control") == "no-store, no-cache"


def test_token_error_echoes_client_request_id(dispatch: Dispatcher, world: World) -> None:
    cid = str(uuid.uuid4())
    r = post_form(
        dispatch, "contoso.onmicrosoft.com", secret_form(world, client_secret="wrong"), client_request_id=cid
    )
    assert r.status == 401 and body(r)["correlation_id"] == cid and r.header("client-request-id") == cid
    assert f"\r\nCorrelation ID: {cid}\r\n" in body(r)["error_description"]
    assert body(r)["trace_id"] == r.header("x-ms-request-id")


def test_json_body_is_missing_grant_type(dispatch: Dispatcher, world: World) -> None:
    payload = json.dumps(secret_form(world)).encode()
    r = dispatch(
        request("POST", "/contoso.com/oauth2/v2.0/token", body=payload, Content_Type="application/json")
    )
    assert r.status == 400 and body(r)["error_codes"] == [900144]
    assert "'grant_type'" in body(r)["error_description"]


def test_client_secret_basic_over_http(dispatch: Dispatcher, world: World) -> None:
    form = secret_form(world)
    basic = base64.b64encode(f"{form.pop('client_id')}:{form.pop('client_secret')}".encode()).decode()
    r = post_form(dispatch, "contoso.com", form, Authorization=f"Basic {basic}")
    assert r.status == 200, r.body


def test_get_on_token_endpoint_is_900561(dispatch: Dispatcher) -> None:
    r = dispatch(request("GET", "/contoso.com/oauth2/v2.0/token"))
    assert r.status == 400 and body(r)["error_codes"] == [900561]
    assert (
        "The endpoint only accepts POST, OPTIONS requests. Received a GET request."
        in body(r)["error_description"]
    )


def test_unknown_path_is_404(dispatch: Dispatcher) -> None:
    r = dispatch(request("GET", "/common/no-such-endpoint/someone@contoso.com"))
    assert r.status == 404


def test_throttled_and_internal_error_shapes(service: IdentityService) -> None:
    r = service.throttled(request("POST", "/x/oauth2/v2.0/token"), 7)
    assert r.status == 429 and r.header("Retry-After") == "7"
    assert body(r)["error"] == "temporarily_unavailable"
    r = service.internal_error(request("GET", "/x"), RuntimeError("boom"))
    assert r.status == 500 and body(r)["error_codes"] == [50000] and "boom" not in r.body.decode()
