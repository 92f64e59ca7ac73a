"""``http_errors`` called directly: answers that are not what a service should send (not JSON), the
error text of SharePoint's bodies, a throttled answer's evidence, and which trust store and proxy a
request used — as evidence, never with a certificate's content or a proxy's password."""

from __future__ import annotations

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from spkit.errors import ServiceError
from spkit.http.session import session_for_card
from spkit.services.http_errors import json_body, odata_error_text, proxy_for, throttle_evidence, trust_store


def test_an_html_page_where_json_was_expected_is_service_not_json(card):
    with session_for_card(card) as session:
        page = session.get(f"{card['cloud']['authority_host']}/devicelogin")
    assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")
    with pytest.raises(ServiceError) as raised:
        json_body(page, "reading the answer")
    assert raised.value.code == "SERVICE_NOT_JSON"
    assert (
        raised.value.summary
        == "reading the answer: login.localhost answered 200 with a body that is not JSON"
    )
    assert raised.value.evidence == page.text[:200]


def test_sharepoints_error_bodies_read_as_code_and_message(card):
    site = card["tenants"][0]["sharepoint_url"]
    with session_for_card(card) as session:
        unsigned = session.get(f"{site}/_api/web", headers={"Accept": "application/json;odata=nometadata"})
    assert unsigned.status_code == 401
    assert odata_error_text(unsigned) == unsigned.json()["error_description"]
    verbose = response(
        404,
        {
            "error": {
                "code": "-2147024894, System.IO.FileNotFoundException",
                "message": {"value": "File Not Found."},
            }
        },
    )
    assert odata_error_text(verbose) == "-2147024894, System.IO.FileNotFoundException File Not Found."
    plain = response(404, {"odata.error": {"code": "-1", "message": "Gone."}})
    assert odata_error_text(plain) == "-1 Gone."
    assert odata_error_text(response(502, b"Bad gateway")) == "Bad gateway"


def response(status: int, body: object, headers: dict | None = None) -> requests.Response:
    import json

    built = requests.Response()
    built.status_code, built.url = status, "https://contoso.sharepoint.localhost/_api/web"
    built._content = json.dumps(body).encode() if isinstance(body, dict) else body  # type: ignore[assignment]
    built.headers = CaseInsensitiveDict(headers or {})
    return built


def test_a_throttled_answer_shows_the_last_retry_after():
    assert throttle_evidence(response(429, b"", {"Retry-After": "7"}), "slow down") == (
        "HTTP 429 after 0 retries, last Retry-After: 7 s; slow down"
    )
    assert throttle_evidence(response(503, b""), "") == "HTTP 503 after 0 retries, no Retry-After"


def test_the_trust_store_is_named_by_its_path(monkeypatch):
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp-ca.pem")
    assert trust_store("/tmp/profile-ca.pem") == "ca_bundle /tmp/profile-ca.pem"
    assert trust_store(None) == "$REQUESTS_CA_BUNDLE (/etc/corp-ca.pem)"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert trust_store(None).startswith("certifi's bundle (")


def test_the_proxy_is_named_without_its_credentials_and_no_proxy_is_honoured(monkeypatch):
    for name in ("https_proxy", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://svc:S3cret!@proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "login.localhost")
    assert proxy_for("https://graph.microsoft.com/v1.0") == "http://proxy.corp.example:3128"
    assert proxy_for("https://login.localhost/x") is None
