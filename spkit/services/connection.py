"""From a profile to what every check needs: the session (sandbox-aware) and the app's credential."""

from __future__ import annotations

from ..errors import InputError
from ..http.session import SpkitSession, session_for
from ..models.cert_store import CertificateStore
from ..models.profile import (
    CertificateFileCredential,
    CertificateThumbprintCredential,
    ClientSecretCredential,
    OnlineProfile,
)
from .auth import AppCredential, certificate_credential, secret_credential


def session_for_profile(profile: OnlineProfile) -> SpkitSession:
    """The one session for a profile: its CA bundle, and the sandbox's connect-to map when it has one."""
    return session_for(profile.card, profile.ca_bundle)


def app_credential(profile: OnlineProfile) -> AppCredential:
    """The profile's credential resolved for MSAL (secret values never leave this object's repr)."""
    credential = profile.credential
    if isinstance(credential, ClientSecretCredential):
        return secret_credential(credential.secret.resolve(profile.card), credential.secret.text)
    if isinstance(credential, CertificateFileCredential):
        password = credential.password.resolve(profile.card) if credential.password else None
        return certificate_credential(
            str(credential.path), password, str(credential.key_path) if credential.key_path else None
        )
    if isinstance(credential, CertificateThumbprintCredential):
        # The store entry is a PEM file (certificate + PKCS#8 key): the PEM path gives the same MSAL
        # credential ({"private_key", "thumbprint"}), checks and description as a profile's .pem.
        stored = CertificateStore().get(credential.thumbprint)  # CERT_NOT_IN_STORE / CERT_STORE_DAMAGED
        return certificate_credential(str(stored.path))
    raise InputError(f"unknown credential type {type(credential).__name__}", code="PROFILE_INVALID")
