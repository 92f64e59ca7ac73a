"""The one X.509 builder of the sandbox: its CA, server and fault certificates (``ca.py``), the scenario
apps' certificates (``app_certificates.py``, ``fleet.py``) and the token signing certificate
(``access_tokens.py``) are all made here, with the sandbox's own code (it shares none with the client).

A certificate is a subject name, the subject's key, a validity window, extensions, and an issuer: another
certificate and its key, or none (self-signed, by the subject's own key). Always SHA-256.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID


class Issuer(Protocol):
    """A certificate authority: its certificate (the issuer name) and the key that signs."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def key(self) -> CertificateIssuerPrivateKeyTypes: ...


def common_name(value: str) -> x509.Name:
    """A subject of one ``CN``."""
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)])


def build_certificate(
    subject: x509.Name,
    key: CertificateIssuerPrivateKeyTypes,
    *,
    not_before: datetime,
    not_after: datetime,
    extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    issuer: Issuer | None = None,
) -> x509.Certificate:
    """A certificate for ``key``'s public key: signed by ``issuer``, or self-signed when it is None.
    ``extensions``: (extension, critical) pairs, written in their order."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer.key if issuer else key, hashes.SHA256())


def private_key_pem(key: CertificateIssuerPrivateKeyTypes) -> bytes:
    """The key as the sandbox stores it: PKCS#8 PEM without a password (the files are mode 0600)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
