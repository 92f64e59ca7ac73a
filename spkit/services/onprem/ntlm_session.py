"""A session that authenticates to a farm with the profile's Windows account (NTLM, channel binding
over HTTPS), through spkit's one session factory."""

from __future__ import annotations

from requests_ntlm import HttpNtlmAuth

from ...errors import InputError
from ...http.session import SpkitSession, session_for
from ...models.onprem_profile import OnpremProfile
from ..secret_values import secret_value


def session_for_onprem(profile: OnpremProfile) -> SpkitSession:
    """NTLM over one keep-alive connection per host (requests-ntlm on pyspnego; NTLMv2; CBT over TLS)."""
    session = session_for(profile.card, profile.ca_bundle)
    if profile.auth == "negotiate":
        session.auth = _kerberos_auth()
        return session
    password = secret_value(profile.admin_password, profile.card)
    session.auth = HttpNtlmAuth(profile.account.text, password, send_cbt=True)
    return session


def _kerberos_auth():
    """Kerberos (Negotiate) with the ticket in the user's credential cache, through requests-kerberos on
    pyspnego. Not exercised by the test suite: there is no KDC here."""
    try:
        from requests_kerberos import OPTIONAL, HTTPKerberosAuth
    except ImportError:
        raise InputError(
            "auth: negotiate needs the Kerberos extra",
            code="ONPREM_KERBEROS_UNAVAILABLE",
            fix="pip install 'spkit[kerberos]' (and get a ticket with kinit), or use auth: ntlm",
        ) from None
    return HTTPKerberosAuth(mutual_authentication=OPTIONAL, send_cbt=True)
