"""Certificates a browser uploaded (the wizard's file picker) into the local certificate store: the bytes go
to a private temporary folder only for the time of the import, and errors name the file the user chose."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CertificateError
from ..models.cert_store import CertificateStore, StoredCertificate

CERT_EXTENSIONS = (".pfx", ".p12", ".pem", ".cer", ".crt")
KEY_EXTENSIONS = (".key", ".pem")


@dataclass(frozen=True)
class Upload:
    """One file the browser sent: its name and bytes (never shown)."""

    name: str
    content: bytes = field(repr=False)


def import_uploaded_certificate(
    store: CertificateStore, uploads: list[Upload], password: str | None
) -> StoredCertificate:
    """Install an uploaded .pfx/.p12, .pem (certificate and key) or .cer/.crt with its .key in ``store``."""
    if not uploads:
        raise CertificateError(
            "no file chosen",
            code="CERT_NO_FILE",
            fix="choose the certificate file (.pfx, .pem, .cer + .key)",
        )
    certs = [u for u in uploads if Path(u.name).suffix.lower() in CERT_EXTENSIONS]
    keys = [u for u in uploads if Path(u.name).suffix.lower() in KEY_EXTENSIONS and u not in certs[:1]]
    if not certs:
        raise CertificateError(
            f"{', '.join(u.name for u in uploads)}: not a certificate file",
            code="CERT_UNKNOWN_EXTENSION",
            fix="choose a .pfx/.p12, a .pem with the key, or a .cer/.crt together with its .key",
        )
    with _private_folder() as folder:
        cert_path = _write_private(folder, certs[0])
        key_path = _write_private(folder, keys[0]) if keys else None
        try:
            return store.import_file(cert_path, password or None, key_path=key_path)
        except CertificateError as error:  # name the file the user chose, not the private copy
            hidden = f"{folder}{os.sep}"
            raise CertificateError(
                error.summary.replace(hidden, ""),
                code=error.code,
                evidence=error.evidence.replace(hidden, ""),
                fix=error.fix.replace(hidden, ""),
            ) from None


@contextlib.contextmanager
def _private_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="spkit-import-"))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_private(folder: Path, upload: Upload) -> Path:
    name = Path(upload.name).name or "upload"
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(upload.content)
    return path
