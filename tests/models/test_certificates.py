import base64
import datetime
import hashlib
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from spkit.errors import CertificateError
from spkit.models.certificates import (
    LoadedCertificate,
    check_usable,
    generate_self_signed,
    load_certificate,
    normalise_thumbprint,
    write_pem,
    write_pfx,
)

UTC = datetime.UTC


def _code(excinfo):
    return excinfo.value.code


def test_generated_certificate_facts(cert):
    assert cert.key_size == 2048
    assert cert.subject == "CN=spkit-test"
    der = cert.certificate.public_bytes(serialization.Encoding.DER)
    assert cert.thumbprint == hashlib.sha1(der).hexdigest().upper()
    assert cert.thumbprint_sha256 == hashlib.sha256(der).hexdigest().upper()
    assert cert.not_before.tzinfo is not None and cert.not_after.tzinfo is not None
    assert (cert.not_after - cert.not_before).days == 730
    assert cert.certificate.signature_hash_algorithm.name == "sha256"
    assert base64.b64decode(cert.public_der_b64()) == der
    assert check_usable(cert) == []


def test_private_key_pem_is_unencrypted_pkcs8(cert):
    pem = cert.private_key_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert serialization.load_pem_private_key(pem, password=None).key_size == 2048
    assert cert.certificate_pem().startswith(b"-----BEGIN CERTIFICATE-----")


def test_pem_round_trip_in_either_order(tmp_path, cert):
    path = write_pem(cert, tmp_path / "app.pem")
    loaded = load_certificate(path)
    assert loaded.thumbprint == cert.thumbprint
    assert loaded.private_key is not None
    swapped = tmp_path / "swapped.pem"
    swapped.write_bytes(cert.private_key_pem() + cert.certificate_pem())
    assert load_certificate(swapped).thumbprint == cert.thumbprint


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_files_are_private_and_no_temp_is_left(tmp_path, cert):
    pem = write_pem(cert, tmp_path / "app.pem")
    pfx = write_pfx(cert, tmp_path / "app.pfx", b"pw")
    for path in (pem, pfx):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.pem", "app.pfx"]


def test_write_replaces_an_existing_file(tmp_path, cert, other_cert):
    path = tmp_path / "app.pem"
    write_pem(other_cert, path)
    write_pem(cert, path)
    assert load_certificate(path).thumbprint == cert.thumbprint


def test_pfx_round_trip_with_password(tmp_path, cert):
    path = write_pfx(cert, tmp_path / "app.pfx", b"s3cret")
    loaded = load_certificate(path, "s3cret")
    assert loaded.thumbprint == cert.thumbprint
    assert loaded.key_matches


def test_pfx_without_password_and_p12_extension(tmp_path, cert):
    path = write_pfx(cert, tmp_path / "app.P12", None)
    assert load_certificate(path).thumbprint == cert.thumbprint


def test_pfx_wrong_password(tmp_path, cert):
    path = write_pfx(cert, tmp_path / "app.pfx", b"right")
    with pytest.raises(CertificateError) as info:
        load_certificate(path, "wrong")
    assert _code(info) == "CERT_BAD_PASSWORD"
    assert "wrong password" in str(info.value)
    with pytest.raises(CertificateError) as info:
        load_certificate(path)
    assert "password" in str(info.value)


def test_cer_with_separate_key(tmp_path, cert):
    cer = tmp_path / "app.cer"
    cer.write_bytes(cert.certificate.public_bytes(serialization.Encoding.DER))
    key = tmp_path / "app.key"
    key.write_bytes(cert.private_key_pem())
    loaded = load_certificate(cer, key_path=key)
    assert loaded.thumbprint == cert.thumbprint
    assert loaded.key_matches


def test_crt_alone_has_no_private_key(tmp_path, cert):
    crt = tmp_path / "app.crt"
    crt.write_bytes(cert.certificate_pem())
    loaded = load_certificate(crt)
    assert loaded.private_key is None
    with pytest.raises(CertificateError) as info:
        check_usable(loaded)
    assert _code(info) == "CERT_NO_PRIVATE_KEY"
    with pytest.raises(CertificateError):
        loaded.private_key_pem()


def test_encrypted_pem_key(tmp_path, cert):
    key = cert.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    path = tmp_path / "enc.pem"
    path.write_bytes(cert.certificate_pem() + key)
    assert load_certificate(path, "pw").key_matches
    with pytest.raises(CertificateError) as info:
        load_certificate(path)
    assert _code(info) == "CERT_PASSWORD_REQUIRED"
    with pytest.raises(CertificateError) as info:
        load_certificate(path, "nope")
    assert _code(info) == "CERT_BAD_PASSWORD"


def test_key_not_matching_certificate(tmp_path, cert, other_cert):
    path = tmp_path / "mixed.pem"
    path.write_bytes(cert.certificate_pem() + other_cert.private_key_pem())
    with pytest.raises(CertificateError) as info:
        load_certificate(path)
    assert _code(info) == "CERT_KEY_MISMATCH"
    assert cert.thumbprint in str(info.value)


def test_key_path_not_matching(tmp_path, cert, other_cert):
    cer = tmp_path / "a.cer"
    cer.write_bytes(cert.certificate_pem())
    key = tmp_path / "b.key"
    key.write_bytes(other_cert.private_key_pem())
    with pytest.raises(CertificateError) as info:
        load_certificate(cer, key_path=key)
    assert _code(info) == "CERT_KEY_MISMATCH"


def test_check_usable_catches_a_mismatch_built_by_hand(cert, other_cert):
    odd = LoadedCertificate.from_objects(cert.certificate, other_cert.private_key)
    with pytest.raises(CertificateError) as info:
        check_usable(odd)
    assert _code(info) == "CERT_KEY_MISMATCH"


def test_pem_chain_picks_the_certificate_of_the_key(tmp_path, cert, other_cert):
    path = tmp_path / "chain.pem"
    path.write_bytes(other_cert.certificate_pem() + cert.certificate_pem() + cert.private_key_pem())
    loaded = load_certificate(path)
    assert loaded.thumbprint == cert.thumbprint
    assert [c.fingerprint(c.signature_hash_algorithm) for c in loaded.additional_certificates] == [
        other_cert.certificate.fingerprint(other_cert.certificate.signature_hash_algorithm)
    ]


def test_missing_file(tmp_path):
    with pytest.raises(CertificateError) as info:
        load_certificate(tmp_path / "none.pem")
    assert _code(info) == "CERT_FILE_NOT_FOUND"
    assert "none.pem" in str(info.value)


def test_unknown_extension(tmp_path):
    path = tmp_path / "app.txt"
    path.write_text("x")
    with pytest.raises(CertificateError) as info:
        load_certificate(path)
    assert _code(info) == "CERT_UNKNOWN_EXTENSION"
    assert ".pfx" in info.value.fix


def test_garbage_pem(tmp_path):
    path = tmp_path / "junk.pem"
    path.write_text("hello")
    with pytest.raises(CertificateError) as info:
        load_certificate(path)
    assert _code(info) == "CERT_UNREADABLE"


def test_pem_with_only_a_key(tmp_path, cert):
    path = tmp_path / "key.pem"
    path.write_bytes(cert.private_key_pem())
    with pytest.raises(CertificateError) as info:
        load_certificate(path)
    assert _code(info) == "CERT_NO_CERTIFICATE"


def test_small_key_is_refused():
    small = generate_self_signed("small", key_size=1024)
    with pytest.raises(CertificateError) as info:
        check_usable(small)
    assert _code(info) == "CERT_KEY_TOO_SMALL"
    assert "1024" in str(info.value)
    assert check_usable(small, min_key_bits=1024) == []


def test_non_rsa_key_is_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "ec")])
    now = datetime.datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=9))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(CertificateError) as info:
        check_usable(LoadedCertificate.from_objects(certificate, key))
    assert _code(info) == "CERT_KEY_NOT_RSA"


def test_validity_window(cert):
    with pytest.raises(CertificateError) as info:
        check_usable(cert, now=cert.not_after + datetime.timedelta(seconds=1))
    assert _code(info) == "CERT_EXPIRED"
    assert cert.not_after.strftime("%Y-%m-%d") in str(info.value)
    with pytest.raises(CertificateError) as info:
        check_usable(cert, now=cert.not_before - datetime.timedelta(days=1))
    assert _code(info) == "CERT_NOT_YET_VALID"


def test_expiring_soon_warns(cert):
    warnings = check_usable(cert, now=cert.not_after - datetime.timedelta(days=10))
    assert len(warnings) == 1
    assert "expires" in warnings[0] and cert.thumbprint in warnings[0]
    assert check_usable(cert, now=cert.not_after - datetime.timedelta(days=31)) == []
    assert check_usable(cert, now=cert.not_after - datetime.timedelta(days=60), warn_days=90) != []


def test_naive_now_is_taken_as_utc(cert):
    naive = (cert.not_after + datetime.timedelta(days=1)).replace(tzinfo=None)
    with pytest.raises(CertificateError):
        check_usable(cert, now=naive)


def test_generate_refuses_bad_requests():
    with pytest.raises(CertificateError):
        generate_self_signed("  ")
    with pytest.raises(CertificateError):
        generate_self_signed("x", days=0)


@pytest.mark.parametrize(
    "text",
    [
        "a9 4a 8f e5 cc b1 9b a6 1c 4c 08 73 d3 91 e9 87 98 2f bb d3",
        "A9:4A:8F:E5:CC:B1:9B:A6:1C:4C:08:73:D3:91:E9:87:98:2F:BB:D3",
        "\u200ea94a8fe5ccb19ba61c4c0873d391e987982fbbd3\u200b",
        "\ufeffA94A8FE5CCB19BA61C4C0873D391E987982FBBD3\u00a0\n",
    ],
)
def test_normalise_thumbprint(text):
    assert normalise_thumbprint(text) == "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A94A8FE5CCB19BA61C4C0873D391E987982FBBD", "39"),
        ("G94A8FE5CCB19BA61C4C0873D391E987982FBBD3", "other than"),
        ("a" * 64, "SHA-256"),
        ("", "0 hexadecimal"),
    ],
)
def test_bad_thumbprints(text, fragment):
    with pytest.raises(CertificateError) as info:
        normalise_thumbprint(text)
    assert _code(info) == "CERT_THUMBPRINT_INVALID"
    assert fragment in str(info.value)
    if text:
        assert text not in str(info.value)
