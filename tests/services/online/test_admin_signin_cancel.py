"""A device-code sign-in can be cancelled: the polling ends within seconds (not when the code expires,
minutes later) with its own diagnosis, against the shared sandbox's real device-code endpoint."""

from __future__ import annotations

import threading
import time

import pytest

from spkit.errors import AuthenticationError
from spkit.services.onboarding import admin_context
from spkit.services.online.admin_signin import DeviceCode
from spkit.services.online.tenant_target import target_from_options

ADMIN = "admin@contoso.onmicrosoft.com"


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Its own token cache and store keys: no earlier sign-in is found in the cache."""
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")


def start_sign_in(card_path, cancel: threading.Event, on_code=None):
    """``admin_context`` with a device code, in a thread (as the wizard runs it); returns the codes shown,
    what it raised (or returned), the thread, and Entra's answer to each poll of the token endpoint."""
    target = target_from_options(cloud="sandbox", sharepoint_url="contoso", sandbox=card_path)
    shown: list[DeviceCode] = []
    outcome: dict = {}
    polls: list[str] = []
    session = target.session()

    def heard(response, *args, **kwargs) -> None:
        if response.request.method == "POST" and response.url.endswith("/oauth2/v2.0/token"):
            polls.append(str(response.json().get("error") or "token"))

    session.hooks["response"].append(heard)

    def show(code: DeviceCode) -> None:
        shown.append(code)
        if on_code is not None:
            on_code(code)

    def work() -> None:
        try:
            outcome["value"] = admin_context(
                target, ADMIN, show_code=show, require=None, cancel=cancel, session=session
            )
        except BaseException as error:  # the assertion below says what it was
            outcome["error"] = error
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return shown, outcome, thread, polls


def test_cancel_ends_a_pending_device_code_sign_in_within_seconds(isolated, card_path):
    cancel = threading.Event()
    shown, outcome, thread, polls = start_sign_in(card_path, cancel)
    deadline = time.monotonic() + 30
    while "authorization_pending" not in polls and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert shown and polls[:1] == ["authorization_pending"], (polls, outcome)  # it polls, pending
    assert thread.is_alive(), outcome
    polled_before = len(polls)
    cancel.set()
    thread.join(10)  # seconds, where the code lives for minutes
    assert not thread.is_alive(), "the sign-in still polls after Cancel"
    error = outcome.get("error")
    assert isinstance(error, AuthenticationError), outcome
    assert error.code == "AUTH_CANCELLED" and "the sign-in was cancelled" in error.summary
    assert len(polls) - polled_before <= 1, polls  # at most the poll already under way, none after
    assert set(polls) == {"authorization_pending"}
    assert shown[0].expires_in > 60


def test_cancel_set_while_the_code_is_shown_does_not_poll_at_all(isolated, card_path):
    cancel = threading.Event()
    shown, outcome, thread, polls = start_sign_in(card_path, cancel, on_code=lambda _code: cancel.set())
    thread.join(30)
    assert not thread.is_alive()
    assert len(shown) == 1 and polls == []
    assert isinstance(outcome.get("error"), AuthenticationError) and outcome["error"].code == "AUTH_CANCELLED"
