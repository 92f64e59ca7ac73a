"""Leaving a device-code sign-in (Cancel, Back, New) really ends it: its polling stops within seconds
instead of running until the code expires, and the code is no longer shown."""

from __future__ import annotations

import time

import pytest

from tests.widgets.conftest import ADMIN, wait_for

LOG_IN = "Log in as Office 365 admin"


def start_device_code(wizard) -> None:
    """Server address, then Log in with no password: a device code is shown and the sign-in polls."""
    wizard.click("Next")
    wizard.click("Next")
    wizard.fill("SharePoint server URL", "contoso")
    wizard.click("Next")
    wizard.fill("User Principal Name", ADMIN)
    wizard.click(LOG_IN)
    wait_for(lambda: wizard.signin.code is not None, what="the device code")
    assert wizard.tasks.running("signin") and "waiting for the sign-in" in wizard.frame.busy.value


def assert_ended(wizard, within_s: float = 30.0) -> None:
    # TimeoutError when the sign-in still polls: left alone it would poll until the code expires (15 min)
    wizard.wait(within_s)
    assert not wizard.tasks.running("signin")
    assert getattr(wizard.tasks.last_error, "code", None) == "AUTH_CANCELLED"
    assert wizard.signin.code is None and not wizard.signin.waiting  # no code to show any more
    assert "signin" not in wizard.draft.errors  # a sign-in the user left is not an error to show
    assert wizard.frame.busy.value == ""


@pytest.mark.parametrize("leave", ["Cancel", "New"])
def test_cancel_or_new_during_a_pending_sign_in_ends_it(wizard, leave):
    start_device_code(wizard)
    wizard.click(leave)  # the UPN is typed: unsaved work, asked first; the sign-in goes on meanwhile
    assert wizard.pending is not None and wizard.tasks.running("signin")
    wizard.click("Discard")
    assert_ended(wizard)
    assert wizard.draft.step == "location"


def test_keep_editing_keeps_the_sign_in_and_back_ends_it(wizard):
    start_device_code(wizard)
    wizard.click("Cancel")
    wizard.click("Keep editing")
    time.sleep(1.5)
    assert wizard.tasks.running("signin") and wizard.signin.code is not None  # still polling
    wizard.click("Back")  # back to Server address: the code is dropped
    assert wizard.draft.step == "address"
    assert_ended(wizard)
    wizard.click("Next")
    assert wizard.pages["credentials"].status.value == ""  # no stale code when coming back


def test_log_in_again_ends_the_first_sign_in(wizard):
    start_device_code(wizard)
    first = wizard.signin
    wizard.click(LOG_IN)
    assert first.cancel.is_set() and wizard.signin is not first
    wait_for(lambda: wizard.signin.code is not None, what="the second device code")
    assert wizard.signin.code.user_code != first.code.user_code
    wizard.click("Back")
    assert_ended(wizard)
