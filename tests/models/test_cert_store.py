"""The local certificate store through its Python API: layout, rules, idempotence, damage, lookups."""

from __future__ import annotations

import datetime
import hashlib
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from spkit.errors import CertificateError
from spkit.models.cert_store import CertificateStore, default_store_path
from spkit.models.certificates import (
    LoadedCertificate,
    generate_self_signed,
    load_certificate,
    write_pem,
    write_pfx,
)
from spkit.models.online_profile import CertificateThumbprintCredential
from spkit.services.online.profile_access import app_credential

UTC = datetime.UTC
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def make_cert(
    cn: str = "spkit-store-test",
    *,
    key_size: int = 2048,
    valid_from: datetime.timedelta = datetime.timedelta(days=-1),
    valid_for: datetime.timedelta = datetime.timedelta(days=365),
) -> LoadedCertificate:
    """A self-signed certificate with any key size and validity window (offsets from now)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start = datetime.datetime.now(UTC) + valid_from
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + valid_for)
        .sign(key, hashes.SHA256())
    )
    return LoadedCertificate.from_objects(certificate, key)


def sha1_of(cert: LoadedCertificate) -> str:
    return hashlib.sha1(cert.certificate.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


@pytest.fixture(scope="module")
def good() -> LoadedCertificate:
    return generate_self_signed("spkit-store-good")


@pytest.fixture(scope="module")
def other() -> LoadedCertificate:
    return generate_self_signed("spkit-store-other")


@pytest.fixture
def store(tmp_path: Path) -> CertificateStore:
    return CertificateStore(tmp_path / "store")


def _code(info: pytest.ExceptionInfo) -> str:
    return info.value.code


# --- location and layout -----------------------------------------------------------------------


def test_location_env_override_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("SPKIT_CERT_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "spkit" / "certificates"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store_path() == tmp_path / "home" / ".local" / "share" / "spkit" / "certificates"
    monkeypatch.setenv("SPKIT_CERT_STORE", str(tmp_path / "mine"))
    assert CertificateStore().root == tmp_path / "mine"


@posix_only
def test_entry_is_named_by_sha1_thumbprint_private_and_pkcs8(store, good, tmp_path):
    source = write_pem(good, tmp_path / "app.pem")
    stored = store.import_file(source)
    assert stored.thumbprint == sha1_of(good) and not stored.already_present
    entry = store.root / f"{sha1_of(good)}.pem"
    assert stored.path == entry
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    text = entry.read_text()
    assert "-----BEGIN CERTIFICATE-----" in text and "-----BEGIN PRIVATE KEY-----" in text
    assert sorted(p.name for p in store.root.iterdir()) == [entry.name]  # no temp file left behind


@posix_only
def test_an_existing_store_directory_is_made_private(tmp_path, good):
    root = tmp_path / "open"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    CertificateStore(root).add(good)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


def test_listing_a_store_that_does_not_exist_is_empty_and_creates_nothing(store):
    assert store.list() == []
    assert not store.root.exists()


# --- import --------------------------------------------------------------------------------------


def test_import_pfx_with_password_pem_and_cer_with_key(store, good, other, tmp_path):
    pfx = write_pfx(good, tmp_path / "good.pfx", "pfx-pass")
    assert store.import_file(pfx, "pfx-pass").thumbprint == good.thumbprint
    cer = tmp_path / "other.cer"
    cer.write_bytes(other.certificate.public_bytes(serialization.Encoding.DER))
    key = tmp_path / "other.key"
    key.write_bytes(other.private_key_pem())
    assert store.import_file(cer, key_path=key).thumbprint == other.thumbprint
    listed = {e.thumbprint: e for e in store.list()}
    assert set(listed) == {good.thumbprint, other.thumbprint}
    assert listed[good.thumbprint].subject == "CN=spkit-store-good"
    assert listed[good.thumbprint].key_size == 2048
    assert listed[good.thumbprint].days_left in (728, 729, 730)
    assert listed[good.thumbprint].warnings == ()


def test_pfx_wrong_password_and_cer_without_key_are_refused(store, good, tmp_path):
    pfx = write_pfx(good, tmp_path / "good.pfx", "right")
    with pytest.raises(CertificateError) as info:
        store.import_file(pfx, "wrong")
    assert _code(info) == "CERT_BAD_PASSWORD"
    cer = tmp_path / "good.cer"
    cer.write_bytes(good.certificate_pem())
    with pytest.raises(CertificateError) as info:
        store.import_file(cer)
    assert _code(info) == "CERT_NO_PRIVATE_KEY"
    assert "--key" in info.value.fix
    assert store.list() == []


def test_a_key_that_does_not_match_is_refused(store, good, other, tmp_path):
    cer = tmp_path / "good.crt"
    cer.write_bytes(good.certificate_pem())
    key = tmp_path / "other.key"
    key.write_bytes(other.private_key_pem())
    with pytest.raises(CertificateError) as info:
        store.import_file(cer, key_path=key)
    assert _code(info) == "CERT_KEY_MISMATCH"
    assert store.list() == []


def test_reimport_is_idempotent(store, good, tmp_path):
    source = write_pem(good, tmp_path / "app.pem")
    first = store.import_file(source)
    before = first.path.stat().st_mtime_ns
    again = store.import_file(source)
    assert again.already_present and again.thumbprint == first.thumbprint
    assert again.path.stat().st_mtime_ns == before
    assert len(store.list()) == 1


def test_small_keys_and_expired_certificates_are_refused(store, tmp_path):
    small = make_cert("small", key_size=1024)
    with pytest.raises(CertificateError) as info:
        store.add(small)
    assert _code(info) == "CERT_KEY_TOO_SMALL"
    expired = make_cert("old", valid_from=datetime.timedelta(days=-400))
    with pytest.raises(CertificateError) as info:
        store.import_file(write_pem(expired, tmp_path / "old.pem"))
    assert _code(info) == "CERT_EXPIRED"
    assert store.list() == []


def test_expiring_soon_is_accepted_with_a_warning(store):
    soon = make_cert("soon", valid_for=datetime.timedelta(days=11))  # started a day ago: 10 days left
    stored = store.add(soon)
    assert any("expires" in w for w in stored.warnings)
    (entry,) = store.list()
    assert entry.days_left in (9, 10)
    assert any("expires" in w and "rotate" in w for w in entry.warnings)


# --- create ---------------------------------------------------------------------------------------


def test_create_makes_an_rsa_2048_certificate_in_the_store(store):
    stored = store.create("CN=spkit-contoso", days=365)
    assert stored.subject == "CN=spkit-contoso"
    assert stored.key_size == 2048
    assert store.get(stored.thumbprint).key_matches
    for bad, code in ((1024, "CERT_KEY_TOO_SMALL"), (65536, "CERT_INVALID_REQUEST")):
        with pytest.raises(CertificateError) as info:
            store.create("x", key_size=bad)
        assert _code(info) == code
    with pytest.raises(CertificateError) as info:
        store.create("x", days=0)
    assert _code(info) == "CERT_INVALID_REQUEST"


# --- get, export, remove ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paste",
    [
        lambda t: " ".join(t[i : i + 2] for i in range(0, 40, 2)).lower(),
        lambda t: ":".join(t[i : i + 2] for i in range(0, 40, 2)),
        lambda t: "\u200e" + t.lower() + "\u200b\n",
    ],
    ids=["spaced-lowercase", "colons", "invisible-characters"],
)
def test_get_accepts_pasted_thumbprints(store, good, paste):
    store.add(good)
    assert store.get(paste(good.thumbprint)).thumbprint == good.thumbprint


def test_unknown_thumbprint_says_how_to_import(store):
    with pytest.raises(CertificateError) as info:
        store.get("A" * 40)
    assert _code(info) == "CERT_NOT_IN_STORE"
    assert "A" * 40 in info.value.summary and str(store.root) in info.value.summary
    assert "spkit certs import" in info.value.fix


@posix_only
@pytest.mark.parametrize(("name", "der"), [("app.cer", True), ("app.pem", False), ("app.crt", False)])
def test_export_cer_is_the_public_certificate_only(store, good, tmp_path, name, der):
    store.add(good)
    out = store.export(good.thumbprint, tmp_path / name, "cer")
    data = out.read_bytes()
    assert data.startswith(b"-----BEGIN CERTIFICATE-----") is not der
    assert b"PRIVATE KEY" not in data
    loaded = load_certificate(out)
    assert loaded.thumbprint == good.thumbprint and loaded.private_key is None
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@posix_only
def test_export_pfx_and_pem_carry_the_key_privately(store, good, tmp_path):
    store.add(good)
    pfx = store.export(good.thumbprint, tmp_path / "app.pfx", "pfx", "export-pass")
    pem = store.export(good.thumbprint, tmp_path / "app.pem", "pem")
    locked = store.export(good.thumbprint, tmp_path / "locked.pem", "pem", "pem-pass")
    assert load_certificate(pfx, "export-pass").key_matches
    assert load_certificate(pem).key_matches
    assert b"ENCRYPTED PRIVATE KEY" in locked.read_bytes()
    assert load_certificate(locked, "pem-pass").key_matches
    for path in (pfx, pem, locked):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_export_refuses_bad_requests_and_existing_files(store, good, tmp_path):
    store.add(good)
    cases = [
        (tmp_path / "app.txt", "cer", None, "CERT_UNKNOWN_EXTENSION"),
        (tmp_path / "app.der", "cer", None, "CERT_UNKNOWN_EXTENSION"),
        (tmp_path / "app.cer", "pfx", None, "CERT_UNKNOWN_EXTENSION"),
        (tmp_path / "app.cer", "cer", "pw", "CERT_INVALID_REQUEST"),
        (tmp_path / "app.cer", "zip", None, "CERT_INVALID_REQUEST"),
    ]
    for out, fmt, password, code in cases:
        with pytest.raises(CertificateError) as info:
            store.export(good.thumbprint, out, fmt, password)
        assert _code(info) == code, (out, fmt)
    existing = tmp_path / "exists.cer"
    existing.write_text("keep me")
    with pytest.raises(CertificateError) as info:
        store.export(good.thumbprint, existing)
    assert _code(info) == "CERT_EXPORT_EXISTS"
    assert existing.read_text() == "keep me"
    store.export(good.thumbprint, existing, overwrite=True)
    assert load_certificate(existing).thumbprint == good.thumbprint


def test_remove_then_get_is_not_in_store(store, good):
    store.add(good)
    removed = store.remove(good.thumbprint.lower())
    assert removed.thumbprint == good.thumbprint and removed.subject == "CN=spkit-store-good"
    with pytest.raises(CertificateError) as info:
        store.get(good.thumbprint)
    assert _code(info) == "CERT_NOT_IN_STORE"
    with pytest.raises(CertificateError) as info:
        store.remove(good.thumbprint)
    assert _code(info) == "CERT_NOT_IN_STORE"


# --- damage ------------------------------------------------------------------------------------------


def test_damaged_entries_are_reported_by_name_and_kept(store, good, other):
    store.add(good)
    store.add(other)
    broken = store.entry_path(other.thumbprint)
    broken.write_text("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
    stray = store.root / "notes.txt"
    stray.write_text("hello")
    entries = store.list()
    assert [e.damaged for e in entries] == [False, True, True]
    damaged = {e.path.name: e for e in entries if e.damaged}
    assert set(damaged) == {broken.name, "notes.txt"}
    assert damaged[broken.name].thumbprint == other.thumbprint
    assert damaged["notes.txt"].thumbprint == ""
    with pytest.raises(CertificateError) as info:
        store.get(other.thumbprint)
    assert _code(info) == "CERT_STORE_DAMAGED" and broken.name in info.value.summary
    assert broken.exists() and stray.exists()  # never deleted behind the user's back
    repaired = store.add(other)  # importing it again repairs the entry
    assert not repaired.already_present
    assert store.get(other.thumbprint).key_matches


def test_an_entry_holding_another_certificate_is_damaged(store, good, other):
    store.add(good)
    write_pem(other, store.entry_path(good.thumbprint))
    with pytest.raises(CertificateError) as info:
        store.get(good.thumbprint)
    assert _code(info) == "CERT_STORE_DAMAGED"
    assert other.thumbprint in info.value.summary


# --- profiles: certificate {thumbprint: HEX} -----------------------------------------------------


def test_thumbprint_credential_resolves_from_the_store(monkeypatch, tmp_path, good):
    monkeypatch.setenv("SPKIT_CERT_STORE", str(tmp_path / "store"))
    CertificateStore().add(good)
    profile = SimpleNamespace(credential=CertificateThumbprintCredential(good.thumbprint), card=None)
    credential = app_credential(profile)
    assert credential.kind == "certificate"
    assert set(credential.msal_value) == {"private_key", "thumbprint"}
    assert credential.msal_value["thumbprint"] == good.thumbprint
    assert credential.description == (
        f"certificate {good.thumbprint} (CN=spkit-store-good, expires {good.not_after:%Y-%m-%d})"
    )
    assert "PRIVATE" not in repr(credential)
    missing = SimpleNamespace(credential=CertificateThumbprintCredential("B" * 40), card=None)
    with pytest.raises(CertificateError) as info:
        app_credential(missing)
    assert _code(info) == "CERT_NOT_IN_STORE"
