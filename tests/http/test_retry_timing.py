"""The session's retries wait what Retry-After says: not less, not more, and a wait too long is reported.

A loopback HTTPS listener answers from a script and stamps when each request arrives, so the gap
between a 429 and its retry is measured on the server's side (never shorter than asked: a lower bound
that load cannot break). "Not more" is read from the waits the retry itself asks for (``time.sleep``
recorded on the calling thread), not from the wall clock, which a loaded machine stretches."""

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
def slept(monkeypatch) -> list[float]:
    """Every wait the calling thread sleeps (urllib3's backoff and spkit's Retry-After alike), still slept."""
    waits: list[float] = []
    real_sleep, caller = time.sleep, threading.current_thread()

    def recording_sleep(seconds: float) -> None:
        if threading.current_thread() is caller:
            waits.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", recording_sleep)
    return waits


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


def test_the_retry_comes_when_retry_after_has_passed_and_not_later(server, slept):
    session, app = server
    app.answers += [throttled(retry_after="1"), throttled(503, retry_after="1")]
    response = session.get(f"https://{HOST}/page")
    assert response.status_code == 200 and retries_of(response) == 2
    assert len(app.gaps()) == 2
    for gap in app.gaps():
        assert gap >= 1.0, app.gaps()  # not before Retry-After, as the server saw it
    assert slept == [1.0, 1.0]  # and exactly Retry-After: no backoff added on top


def test_retry_after_zero_means_again_now_without_backoff(server, slept):
    session, app = server
    app.answers += [throttled(retry_after="0") for _ in range(3)]
    response = session.get(f"https://{HOST}/page")
    assert response.status_code == 200 and retries_of(response) == 3
    assert len(app.arrived) == 4
    # urllib3 alone sleeps its backoff (0.5 s x 2^n) after the second 429 in a row: 1 s, then 2 s
    assert slept == []


def test_without_retry_after_the_backoff_still_spaces_the_retries(server, slept):
    session, app = server
    app.answers += [throttled(503), throttled(503)]
    response = session.get(f"https://{HOST}/page")
    assert response.status_code == 200
    _first, second = app.gaps()
    assert second >= 1.0, app.gaps()
    assert slept == [1.0]  # the first retry at once, then 0.5 s x 2^1 before the second


def test_a_retry_after_beyond_the_cap_is_returned_not_retried_early(server, slept):
    session, app = server
    app.answers += [throttled(retry_after=str(int(MAX_RETRY_AFTER_S) + 180))]
    response = session.get(f"https://{HOST}/page")
    assert slept == []  # given back at once, without waiting any of it
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(int(MAX_RETRY_AFTER_S) + 180)
    assert len(app.arrived) == 1  # no retry at all, rather than one the server would refuse again
