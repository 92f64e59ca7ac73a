"""``session_for_onprem`` against the sandbox's farm: the profile's Windows account signs in over NTLM
with a channel binding (HTTPS); a wrong password or a disabled account is ONPREM_AUTH_FAILED."""

from __future__ import annotations

import importlib.util

import pytest

from spkit.errors import AuthenticationError, InputError
from spkit.services.onprem.auth_evidence import channel_binding_sent, message_type, ntlm_message
from spkit.services.onprem.ntlm_session import session_for_onprem
from spkit.services.onprem.rest import NOMETADATA, VERSION_HEADER, get_json

from .conftest import WRONG_PASSWORD


def test_the_farm_account_signs_in_with_ntlm_and_a_channel_binding(farm_profile, farm):
    profile = farm_profile("spfarm")
    with session_for_onprem(profile) as session:
        answer = session.get(f"{farm['url']}/_api/web", headers={"Accept": NOMETADATA})
    assert answer.status_code == 200 and answer.headers[VERSION_HEADER] == farm["team_services_version"]
    anonymous, negotiated = answer.history  # NTLM's three legs: offered, challenged, signed in
    assert (anonymous.status_code, negotiated.status_code) == (401, 401)
    assert "Authorization" not in anonymous.request.headers
    assert message_type(ntlm_message(negotiated.request.headers["Authorization"])) == 1  # NEGOTIATE
    sent = answer.request.headers["Authorization"]
    assert message_type(ntlm_message(sent)) == 3  # the NTLM authenticate message
    assert channel_binding_sent(sent) is True  # bound to the TLS channel (Extended Protection)
    assert answer.json()["Url"] == farm["url"]


@pytest.mark.parametrize(("account", "wrong"), [("spfarm", True), ("olduser", False)])
def test_a_wrong_password_or_a_disabled_account_is_onprem_auth_failed(farm_profile, farm, account, wrong):
    profile = farm_profile(account, wrong_password=wrong)
    with session_for_onprem(profile) as session, pytest.raises(AuthenticationError) as raised:
        get_json(session, f"{farm['url']}/_api/web", "signing in", profile.account.text)
    error = raised.value
    assert error.code == "ONPREM_AUTH_FAILED"
    assert error.summary == f"signing in: the farm refused the credentials of {profile.account.text}"
    assert "with a channel binding" in error.evidence
    assert WRONG_PASSWORD not in error.summary + error.evidence + error.fix


@pytest.mark.skipif(
    importlib.util.find_spec("requests_kerberos") is not None, reason="the Kerberos extra is installed"
)
def test_negotiate_without_the_kerberos_extra_says_how_to_get_it(farm_profile):
    with pytest.raises(InputError) as raised:
        session_for_onprem(farm_profile("spfarm", auth="negotiate"))
    assert raised.value.code == "ONPREM_KERBEROS_UNAVAILABLE" and "spkit[kerberos]" in raised.value.fix
