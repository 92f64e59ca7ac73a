"""``profile_access``: from a profile to the session and the credential every check uses: each kind of
credential resolved (secret by reference, PEM, PFX), the session reaching the sandbox through the card,
and a fleet loading a certificate file once."""

from __future__ import annotations

from spkit.services.online.profile_access import app_credential, session_for_profile, sharing_connections
from tests.helpers import card_app


def test_a_secret_profile_resolves_its_reference_and_describes_it_by_the_reference(card, online_profile):
    credential = app_credential(online_profile("spkit-secret", credential="secret"))
    secret = card_app(card, "spkit-secret")["client_secret"]
    assert (credential.kind, credential.msal_value) == ("secret", secret)
    assert credential.description == "client secret from sandbox:contoso/spkit-secret"
    assert secret not in repr(credential)


def test_pem_and_pfx_profiles_are_the_same_certificate(card, online_profile):
    thumbprint = card_app(card, "spkit-certificate")["certificate"]["thumbprint"]
    pem = app_credential(online_profile("spkit-certificate", credential="pem", name="pem"))
    pfx = app_credential(online_profile("spkit-certificate", credential="pfx", name="pfx"))
    assert pem.kind == pfx.kind == "certificate"
    assert pem.thumbprint == pfx.thumbprint == thumbprint
    assert pem.description.startswith(f"certificate {thumbprint} (") and pem.not_after is not None
    assert set(pem.msal_value) == {"private_key", "thumbprint"}
    assert set(pfx.msal_value) == {"private_key_pfx_path"}


def test_the_profiles_session_reaches_the_sandbox_through_its_card(online_profile, tenant):
    profile = online_profile("spkit-certificate")
    with session_for_profile(profile) as session:
        answer = session.get(
            f"{profile.cloud_obj.authority_host}/{tenant['tenant_id']}/v2.0/.well-known/openid-configuration"
        )
    assert answer.status_code == 200 and answer.json()["issuer"].endswith(f"/{tenant['tenant_id']}/v2.0")


def test_a_fleet_loads_a_certificate_file_once_alone_each_time(online_profile):
    profile = online_profile("spkit-certificate")
    assert app_credential(profile) is not app_credential(profile)
    with sharing_connections():
        first = app_credential(profile)
        assert app_credential(profile) is first
        assert app_credential(online_profile("spkit-unconsented")) is not first  # another file
