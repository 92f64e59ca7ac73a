"""The sandbox's one X.509 builder, called directly, and the certificates its callers make with it: the
CA and what it issues verify as a chain, self-signed ones verify by themselves, and each keeps the
fields its purpose needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from spkit.sandbox import app_certificates, ca
from spkit.sandbox.access_tokens import new_signing_key
from spkit.sandbox.certificate_builder import build_certificate, common_name, private_key_pem

NOW = datetime.now(UTC).replace(microsecond=0)


def test_a_self_signed_certificate_is_its_own_issuer_and_keeps_the_extension_order():
    key = ec.generate_private_key(ec.SECP256R1())
    usages = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    names = x509.SubjectAlternativeName([x509.DNSName("h.localhost")])
    cert = build_certificate(
        common_name("h.localhost"),
        key,
        not_before=NOW,
        not_after=NOW + timedelta(days=2),
        extensions=[(usages, False), (names, True)],
    )
    assert cert.issuer == cert.subject == common_name("h.localhost")
    cert.verify_directly_issued_by(cert)
    assert [(e.oid, e.critical) for e in cert.extensions] == [
        (ExtensionOID.EXTENDED_KEY_USAGE, False),
        (ExtensionOID.SUBJECT_ALTERNATIVE_NAME, True),
    ]
    assert (cert.not_valid_before_utc, cert.not_valid_after_utc) == (NOW, NOW + timedelta(days=2))
    assert cert.signature_hash_algorithm.name == "sha256"
    assert private_key_pem(key).startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, no password


def test_the_ca_and_the_server_certificate_it_issues_form_a_chain(tmp_path):
    authority = ca.ensure_ca(tmp_path)
    assert ca.ensure_ca(tmp_path).certificate == authority.certificate  # reused, not made again
    constraints = authority.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    cert_path, key_path = ca.issue_server_certificate(authority, ["login.localhost"], tmp_path)
    server = x509.load_pem_x509_certificate(cert_path.read_bytes())
    server.verify_directly_issued_by(authority.certificate)
    assert server.issuer == authority.certificate.subject
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["login.localhost", "localhost"]
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    assert oct(cert_path.stat().st_mode & 0o777) == "0o644"


def test_a_farms_backend_certificate_is_self_signed_for_its_host():
    der = ca.backend_certificate_der("sharepoint.fabrikam.localhost")
    cert = x509.load_der_x509_certificate(der)
    cert.verify_directly_issued_by(cert)
    assert cert.subject == common_name("sharepoint.fabrikam.localhost")


@pytest.mark.parametrize("kind", app_certificates.APP_CERTIFICATE_KINDS)
def test_app_certificates_are_self_signed_client_certificates_of_their_kind(tmp_path, kind):
    pem, pfx, cert = app_certificates.write_app_certificate(tmp_path, "app", "app (t sandbox)", kind)
    cert.verify_directly_issued_by(cert)
    assert app_certificates.kind_of(cert) == kind
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert pem.read_bytes().count(b"-----BEGIN") == 2 and pfx.stat().st_size > 0


def test_the_token_signing_certificate_is_a_bare_self_signed_rsa_certificate():
    signing = new_signing_key("sandbox token signing")
    signing.certificate.verify_directly_issued_by(signing.certificate)
    assert isinstance(signing.private_key, rsa.RSAPrivateKey) and signing.private_key.key_size == 2048
    assert len(signing.certificate.extensions) == 0
    lifetime = signing.certificate.not_valid_after_utc - signing.certificate.not_valid_before_utc
    assert lifetime == timedelta(days=3651)
