"""The wizard's certificate upload, called directly: the bytes land in the store, never stay on disk
elsewhere, and an error names the file the user chose, not the private copy."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from spkit.errors import CertificateError
from spkit.models.cert_store import CertificateStore
from spkit.models.certificates import generate_self_signed, write_pem, write_pfx
from spkit.services.certificate_uploads import Upload, import_uploaded_certificate


@pytest.fixture(scope="module")
def loaded():
    return generate_self_signed("spkit-upload-test")


def _upload(tmp_path: Path, name: str, write) -> Upload:
    path = write(tmp_path / name)
    return Upload(name, path.read_bytes())


def test_a_pfx_with_its_password_is_stored_and_nothing_is_left_behind(tmp_path, loaded, monkeypatch):
    private = tmp_path / "tmp"  # this test's own temporary folder: others' uploads do not count
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    made: list[str] = []
    mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: made.append(mkdtemp(*a, **k)) or made[-1])
    store = CertificateStore(tmp_path / "store")
    upload = _upload(tmp_path, "app.pfx", lambda p: write_pfx(loaded, p, "pw-123"))
    stored = import_uploaded_certificate(store, [upload], "pw-123")
    assert stored.thumbprint == loaded.thumbprint
    assert store.get(loaded.thumbprint).thumbprint == loaded.thumbprint
    assert len(made) == 1 and Path(made[0]).parent == private  # the bytes went to a private folder...
    assert list(private.iterdir()) == []  # ...which is gone


def test_a_pem_with_certificate_and_key_needs_no_password(tmp_path, loaded):
    store = CertificateStore(tmp_path / "store")
    stored = import_uploaded_certificate(
        store, [_upload(tmp_path, "app.pem", lambda p: write_pem(loaded, p))], ""
    )
    assert stored.thumbprint == loaded.thumbprint


def test_no_file_and_a_file_of_another_kind_are_refused_with_their_codes(tmp_path):
    store = CertificateStore(tmp_path / "store")
    with pytest.raises(CertificateError) as none:
        import_uploaded_certificate(store, [], None)
    assert none.value.code == "CERT_NO_FILE"
    with pytest.raises(CertificateError) as other:
        import_uploaded_certificate(store, [Upload("notes.txt", b"hello")], None)
    assert other.value.code == "CERT_UNKNOWN_EXTENSION"
    assert other.value.summary == "notes.txt: not a certificate file"


def test_a_wrong_password_names_the_users_file_not_the_private_copy(tmp_path, loaded):
    store = CertificateStore(tmp_path / "store")
    upload = _upload(tmp_path, "app.pfx", lambda p: write_pfx(loaded, p, "right"))
    with pytest.raises(CertificateError) as wrong:
        import_uploaded_certificate(store, [upload], "wrong")
    text = f"{wrong.value.summary} {wrong.value.evidence} {wrong.value.fix}"
    assert "app.pfx" in text
    assert "spkit-import-" not in text
    assert not store.list()
