"""The certificates of the sandbox's scenario apps, made with the sandbox's own code (it shares none with
the client it judges): a PEM (certificate, then its PKCS#8 key) and a PFX without password per app, under
``<state>/tenants/<tenant>/apps/``.

Kinds (a scenario app's ``certificate:``): ``valid`` (two years from five minutes ago), ``expired`` (ended
yesterday: a registered certificate that ran out), ``not_yet_valid`` (starts tomorrow) and ``small_key``
(a 1024-bit RSA key, otherwise valid). A file of another kind than asked for is made again.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from ..fileio import atomic_write as write_private
from .certificate_builder import build_certificate, private_key_pem
from .certificate_builder import common_name as subject_name

APP_CERTIFICATE_KINDS = ("valid", "expired", "not_yet_valid", "small_key")
SMALL_KEY_BITS = 1024  # below the 2048 bits Entra and its client libraries ask for
KEY_BITS = 2048


def _window(kind: str, now: datetime) -> tuple[datetime, datetime]:
    if kind == "expired":
        return now - timedelta(days=400), now - timedelta(days=1)
    if kind == "not_yet_valid":
        return now + timedelta(days=1), now + timedelta(days=731)
    start = now.replace(microsecond=0) - timedelta(minutes=5)
    return start, start + timedelta(days=730)


def kind_of(certificate: x509.Certificate, now: datetime | None = None) -> str:
    """Which kind an existing certificate is (to reuse it only for the kind asked for)."""
    now = now or datetime.now(UTC)
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < KEY_BITS:
        return "small_key"
    if certificate.not_valid_after_utc <= now:
        return "expired"
    if certificate.not_valid_before_utc > now:
        return "not_yet_valid"
    return "valid"


def make_app_certificate(common_name: str, kind: str = "valid") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed RSA client-authentication certificate of ``kind``."""
    if kind not in APP_CERTIFICATE_KINDS:
        raise ValueError(f"unknown app certificate kind {kind!r}")
    key = rsa.generate_private_key(
        public_exponent=65537, key_size=SMALL_KEY_BITS if kind == "small_key" else KEY_BITS
    )
    return key, sign_app_certificate(key, common_name, kind)


def sign_app_certificate(key: rsa.RSAPrivateKey, common_name: str, kind: str = "valid") -> x509.Certificate:
    """A self-signed client-authentication certificate of ``kind`` for ``key`` (a fleet's apps share
    one key, each with its own certificate)."""
    start, end = _window(kind, datetime.now(UTC))
    return build_certificate(
        subject_name(common_name),
        key,
        not_before=start,
        not_after=end,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
        ],
    )


def write_app_certificate(
    folder: Path,
    app: str,
    common_name: str,
    kind: str = "valid",
    *,
    key: rsa.RSAPrivateKey | None = None,
    durable: bool = True,
) -> tuple[Path, Path, x509.Certificate]:
    """(pem, pfx, certificate) of an app: the files kept when they are of ``kind``, else made anew, for
    ``key`` when given (a fleet's apps share one) or a new key. The pem is written last: it says "done",
    and an unreadable one (a crash while writing it) is made again. ``durable=False`` skips the fsyncs,
    for files made by the hundred and again when lost."""
    pem, pfx = folder / f"{app}.pem", folder / f"{app}.pfx"
    if pem.exists() and pfx.exists() and pfx.stat().st_size:
        with contextlib.suppress(ValueError):
            certificate = x509.load_pem_x509_certificate(pem.read_bytes())
            if kind_of(certificate) == kind:
                return pem, pfx, certificate
    if key is None:
        key, certificate = make_app_certificate(common_name, kind)
    else:
        certificate = sign_app_certificate(key, common_name, kind)
    friendly = common_name.encode("utf-8")
    pfx_data = pkcs12.serialize_key_and_certificates(
        friendly, key, certificate, None, serialization.NoEncryption()
    )
    write_private(pfx, pfx_data, durable=durable)
    pem_data = certificate.public_bytes(serialization.Encoding.PEM) + private_key_pem(key)
    write_private(pem, pem_data, durable=durable)
    return pem, pfx, certificate
