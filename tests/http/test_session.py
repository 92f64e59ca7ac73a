"""The session factory: CA bundle beats REQUESTS_CA_BUNDLE, connect-to keeps the host name, Retry-After,
proxies from the environment kept for other hosts, and spkit's User-Agent."""

from __future__ import annotations

import threading

import pytest
import requests

from spkit import USER_AGENT
from spkit.http.session import build_session, retries_of
from spkit.sandbox.ca import ensure_ca, issue_server_certificate
from spkit.sandbox.http import Response
from spkit.sandbox.server import Listener


class Recorder:
    """A tiny app for the sandbox listener that records requests and answers from a script."""

    def __init__(self, answers: list[Response]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, int, str, str | None]] = []
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.seen.append((request.host, request.port, request.path, request.header("User-Agent")))
            answer = self.answers.pop(0) if self.answers else Response.json(200, {"ok": True})
        return answer


@pytest.fixture
def tls_server(tmp_path):
    ca = ensure_ca(tmp_path)
    cert, key = issue_server_certificate(ca, ["api.example.localhost"], tmp_path)
    recorder = Recorder([])
    listener = Listener(recorder, cert_path=cert, key_path=key).start()
    yield ca.pem_path, listener.port, recorder
    listener.stop()


def test_connect_to_keeps_host_for_sni_certificate_and_host_header(tls_server, monkeypatch):
    ca, port, recorder = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")  # must not win
    with build_session(ca_bundle=ca, connect_to={"api.example.localhost:443": f"127.0.0.1:{port}"}) as s:
        r = s.get("https://api.example.localhost/v1/thing")
    assert r.status_code == 200
    assert recorder.seen == [("api.example.localhost", 443, "/v1/thing", USER_AGENT)]


def test_without_the_ca_bundle_the_sandbox_certificate_is_refused(tls_server):
    _, port, _ = tls_server
    with (
        build_session(connect_to={"api.example.localhost:443": f"127.0.0.1:{port}"}) as s,
        pytest.raises(requests.exceptions.SSLError),
    ):
        s.get("https://api.example.localhost/")


def test_retry_after_is_honoured_on_429_and_503(tls_server):
    ca, port, recorder = tls_server
    recorder.answers += [
        Response.json(429, {}, [("Retry-After", "1")]),
        Response.json(503, {}, [("Retry-After", "0")]),
    ]
    import time

    with build_session(ca_bundle=ca, connect_to={"api.example.localhost:443": f"127.0.0.1:{port}"}) as s:
        started = time.monotonic()
        r = s.post("https://api.example.localhost/token", data={"a": "b"})
        elapsed = time.monotonic() - started
    assert r.status_code == 200
    assert retries_of(r) == 2
    assert len(recorder.seen) == 3
    assert elapsed >= 1.0  # it waited as told


def test_gives_up_after_the_retry_budget_and_returns_the_last_answer(tls_server):
    ca, port, recorder = tls_server
    recorder.answers += [Response.json(429, {}, [("Retry-After", "0")]) for _ in range(10)]
    with build_session(
        ca_bundle=ca, connect_to={"api.example.localhost:443": f"127.0.0.1:{port}"}, retries=2
    ) as s:
        r = s.get("https://api.example.localhost/")
    assert r.status_code == 429
    assert len(recorder.seen) == 3


def test_environment_proxies_apply_to_unmapped_hosts_only(tls_server, monkeypatch):
    ca, port, _ = tls_server
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    with build_session(ca_bundle=ca, connect_to={"api.example.localhost:443": f"127.0.0.1:{port}"}) as s:
        mapped = s.merge_environment_settings("https://api.example.localhost/", {}, None, None, None)
        other = s.merge_environment_settings("https://graph.microsoft.com/", {}, None, None, None)
        assert s.get("https://api.example.localhost/").status_code == 200
    assert mapped["proxies"] == {}
    assert other["proxies"].get("https") == "http://proxy.invalid:3128"
    assert other["verify"] == str(ca)


def test_the_session_timeout_applies_when_the_caller_gives_none(tmp_path):
    import time

    ca = ensure_ca(tmp_path)
    cert, key = issue_server_certificate(ca, ["slow.example.localhost"], tmp_path)
    released = threading.Event()
    arrived: list[str] = []

    def slow(request):
        """The first answer is held until the client has given up (the test releases it then); later
        ones come after a second, past the session's 0.3 s read timeout."""
        arrived.append(request.path)
        if len(arrived) == 1:
            released.wait(30)
        else:
            time.sleep(1.0)
        return Response.json(200, {})

    listener = Listener(slow, cert_path=cert, key_path=key).start()
    try:
        mapping = {"slow.example.localhost:443": f"127.0.0.1:{listener.port}"}
        with build_session(ca_bundle=ca.pem_path, connect_to=mapping, timeout=(3, 0.3)) as s:
            with pytest.raises(requests.exceptions.ReadTimeout):
                s.get("https://slow.example.localhost/first")
            # it gave up at the read timeout, as the answer was still held; and a read timeout is not retried
            assert arrived == ["/first"]
            released.set()
            assert s.get("https://slow.example.localhost/second", timeout=5).status_code == 200
            assert arrived == ["/first", "/second"]
    finally:
        released.set()
        listener.stop()


def test_a_profile_ca_bundle_wins_over_the_cards(tls_server, tmp_path):
    from spkit.http.session import session_for

    ca, port, _ = tls_server
    card = {
        "ca_bundle": "/nonexistent/card-ca.pem",
        "connect_to": {"api.example.localhost:443": f"127.0.0.1:{port}"},
    }
    with session_for(card, ca) as s:
        assert s.get("https://api.example.localhost/").status_code == 200
    with session_for(card) as s, pytest.raises(OSError):
        s.get("https://api.example.localhost/")  # the card's CA file does not exist
