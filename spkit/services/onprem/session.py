"""A session that authenticates to a farm with the profile's Windows account (NTLM, channel binding
over HTTPS), through spkit's one session factory."""

from __future__ import annotations

from requests_ntlm import HttpNtlmAuth

from ...errors import InputError
from ...http.session import SpkitSession, build_session, session_for_card
from ...models.onprem_profile import OnpremProfile


def session_for_onprem(profile: OnpremProfile) -> SpkitSession:
    """NTLM over one keep-alive connection per host (requests-ntlm on pyspnego; NTLMv2; CBT over TLS)."""
    if profile.auth != "ntlm":
        raise InputError(
            f"auth: {profile.auth} is not available in this build (Kerberos needs a ticket and GSSAPI, which "
            "this build does not use)",
            code="ONPREM_AUTH_UNAVAILABLE",
            fix="use auth: ntlm (the default)",
        )
    session = session_for_card(profile.card) if profile.card is not None else build_session()
    if profile.ca_bundle:
        session.ca_bundle = session.verify = str(profile.ca_bundle)
    password = profile.admin_password.resolve(profile.card)
    session.auth = HttpNtlmAuth(profile.account.text, password, send_cbt=True)
    return session
