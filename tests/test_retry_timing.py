"""The session's retries wait what Retry-After says: not less, not more, and a wait too long is reported.

A loopback HTTPS listener answers from a script and stamps when each request arrives, so the gap
between a 429 and its retry is measured on the server's side."""

from __future__ import annotations

import threading
import time

import pytest

from spkit.http.session import MAX_RETRY_AFTER_S, build_session, retries_of
from spkit.sandbox.ca import ensure_ca, issue_server_certificate
from spkit.sandbox.http import Response
from spkit.sandbox.server import Listener

HOST = "api.example.localhost"


class Scripted:
    """Answers from a list (then 200), recording when each request arrived."""

    def __init__(self) -> None:
        self.answers: list[Response] = []
        self.arrived: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.arrived.append(time.monotonic())
            return self.answers.pop(0) if self.answers else Response.json(200, {"ok": True})

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.arrived, self.arrived[1:], strict=False)]


@pytest.fixture
def server(tmp_path):
    ca = ensure_ca(tmp_path)
    cert, key = issue_server_certificate(ca, [HOST], tmp_path)
    app = Scripted()
    listener = Listener(app, cert_path=cert, key_path=key).start()
    session = build_session(ca_bundle=ca.pem_path, connect_to={f"{HOST}:443": f"127.0.0.1:{listener.port}"})
    yield session, app
    session.close()
    listener.stop()


def throttled(status: int = 429, retry_after: str | None = None) -> Response:
    return Response.json(status, {}, [("Retry-After", retry_after)] if retry_after is not None else [])


def test_the_retry_comes_when_retry_after_has_passed_and_not_later(server):
    session, app = server
    app.answers += [throttled(retry_after="1"), throttled(503, retry_after="1")]
    response = session.get(f"https://{HOST}/page")
    assert response.status_code == 200 and retries_of(response) == 2
    assert len(app.gaps()) == 2
    for gap in app.gaps():
        assert 1.0 <= gap < 1.25, app.gaps()


def test_retry_after_zero_means_again_now_without_backoff(server):
    session, app = server
    app.answers += [throttled(retry_after="0") for _ in range(3)]
    started = time.monotonic()
    response = session.get(f"https://{HOST}/page")
    assert response.status_code == 200 and retries_of(response) == 3
    # urllib3 alone sleeps its backoff (0.5 s x 2^n) after the second 429 in a row: 1 s, then 2 s
    assert time.monotonic() - started < 0.5


def test_without_retry_after_the_backoff_still_spaces_the_retries(server):
    session, app = server
    app.answers += [throttled(503), throttled(503)]
    response = session.get(f"https://{HOST}/page")
    assert response.status_code == 200
    first, second = app.gaps()
    assert first < 0.25 and second >= 1.0  # 0.5 s x 2^1 before the second retry


def test_a_retry_after_beyond_the_cap_is_returned_not_retried_early(server):
    session, app = server
    app.answers += [throttled(retry_after=str(int(MAX_RETRY_AFTER_S) + 180))]
    started = time.monotonic()
    response = session.get(f"https://{HOST}/page")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(int(MAX_RETRY_AFTER_S) + 180)
    assert len(app.arrived) == 1  # no retry at all, rather than one the server would refuse again
