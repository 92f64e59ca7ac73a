"""Load, check, create and save the certificates an app registration authenticates with.

Entra ID accepts app-only sign-in to SharePoint only with a certificate, so certificate trouble is the
most common manual-registration failure. Every problem gets a stable code: CERT_FILE_NOT_FOUND,
CERT_UNKNOWN_EXTENSION, CERT_UNREADABLE, CERT_PASSWORD_REQUIRED, CERT_BAD_PASSWORD, CERT_NO_CERTIFICATE,
CERT_NO_PRIVATE_KEY, CERT_KEY_MISMATCH, CERT_KEY_NOT_RSA, CERT_KEY_TOO_SMALL, CERT_EXPIRED,
CERT_NOT_YET_VALID, CERT_THUMBPRINT_INVALID.
"""

from __future__ import annotations

import base64
import datetime
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from spkit.errors import CertificateError
from spkit.fileio import atomic_write

PEM_EXTENSIONS = (".pem",)
CERT_ONLY_EXTENSIONS = (".cer", ".crt")
PFX_EXTENSIONS = (".pfx", ".p12")
CERTIFICATE_EXTENSIONS = PEM_EXTENSIONS + CERT_ONLY_EXTENSIONS + PFX_EXTENSIONS

_KEY_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.DOTALL)
# Characters a copy from the Windows certificate dialog or a web page smuggles into a thumbprint.
_THUMBPRINT_JUNK = dict.fromkeys(map(ord, " \t\r\n:\u00a0\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
_HEX40 = re.compile(r"[0-9A-F]{40}")


@dataclass(frozen=True)
class LoadedCertificate:
    """A certificate, its private key when known, and the facts admins compare (thumbprint, expiry)."""

    certificate: x509.Certificate
    private_key: Any | None
    thumbprint: str
    thumbprint_sha256: str
    subject: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    key_size: int
    source: str = ""
    additional_certificates: tuple[x509.Certificate, ...] = field(default=(), repr=False)

    @classmethod
    def from_objects(
        cls,
        certificate: x509.Certificate,
        private_key: Any | None = None,
        *,
        source: str = "",
        additional_certificates: tuple[x509.Certificate, ...] = (),
    ) -> LoadedCertificate:
        """Compute the facts of a certificate (and key) already in memory."""
        return cls(
            certificate=certificate,
            private_key=private_key,
            thumbprint=certificate.fingerprint(hashes.SHA1()).hex().upper(),  # Entra shows SHA-1
            thumbprint_sha256=certificate.fingerprint(hashes.SHA256()).hex().upper(),
            subject=certificate.subject.rfc4514_string(),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            key_size=getattr(certificate.public_key(), "key_size", 0),
            source=source,
            additional_certificates=additional_certificates,
        )

    @property
    def key_matches(self) -> bool:
        """True when the private key belongs to the certificate (False when there is no key)."""
        return self.private_key is not None and _same_public_key(self.certificate, self.private_key)

    def private_key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (what MSAL takes)."""
        if self.private_key is None:
            raise CertificateError(
                f"certificate {self.thumbprint} has no private key",
                code="CERT_NO_PRIVATE_KEY",
                fix="load the .pfx or the .pem that holds the key (or pass key_path=)",
            )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def certificate_pem(self) -> bytes:
        """The certificate as PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def public_der_b64(self) -> str:
        """Base64 of the DER certificate: the ``key`` of a Graph ``keyCredentials`` entry."""
        return base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")


def _same_public_key(certificate: x509.Certificate, private_key: Any) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    try:
        return certificate.public_key().public_bytes(der, spki) == private_key.public_key().public_bytes(
            der, spki
        )
    except (AttributeError, ValueError, TypeError):
        return False


def _error(path: object, problem: str, code: str, fix: str) -> CertificateError:
    return CertificateError(f"certificate {path}: {problem}", code=code, fix=fix)


def _password_bytes(password: str | bytes | None) -> bytes | None:
    if password is None or password in ("", b""):
        return None
    return password.encode("utf-8") if isinstance(password, str) else password


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _error(path, "file not found", "CERT_FILE_NOT_FOUND", "check the path") from None
    except IsADirectoryError:
        raise _error(path, "is a directory", "CERT_FILE_NOT_FOUND", "name the certificate file") from None
    except OSError as exc:
        raise _error(
            path,
            f"cannot be read ({exc.strerror})",
            "CERT_UNREADABLE",
            "give the account that runs spkit read access",
        ) from None


@functools.lru_cache(maxsize=256)
def _parse_pem_key(block: bytes, password: bytes | None) -> Any:
    """Parsing checks the RSA key (~60 ms of CPU): a fleet whose apps share a key pays it once."""
    return serialization.load_pem_private_key(block, password=password)


def _load_pem_key(data: bytes, password: bytes | None, path: Path) -> Any | None:
    match = _KEY_BLOCK.search(data)
    if match is None:
        return None
    try:
        return _parse_pem_key(match.group(0), password)
    except TypeError:
        if password is None:
            raise _error(
                path,
                "the private key is encrypted and no password was given",
                "CERT_PASSWORD_REQUIRED",
                "give the key's password",
            ) from None
        raise _error(
            path,
            "a password was given but the private key is not encrypted",
            "CERT_BAD_PASSWORD",
            "remove the password",
        ) from None
    except ValueError:
        if password is not None:
            raise _error(
                path,
                "wrong password for the private key",
                "CERT_BAD_PASSWORD",
                "give the password the key was exported with",
            ) from None
        raise _error(
            path, "the private key cannot be read", "CERT_UNREADABLE", "export the key again as PEM (PKCS#8)"
        ) from None


def _load_pem_or_der_certs(data: bytes, path: Path) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        if b"-----BEGIN" in data and b"CERTIFICATE-----" not in data:
            raise _error(
                path,
                "holds no certificate",
                "CERT_NO_CERTIFICATE",
                "use a file with a -----BEGIN CERTIFICATE----- block",
            ) from None
        raise _error(
            path,
            "is not a readable certificate (PEM or DER)",
            "CERT_UNREADABLE",
            "export the certificate again as .pem, .cer or .pfx",
        ) from None


def _pick(
    certs: list[x509.Certificate], key: Any | None
) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    """The certificate that belongs to the key (else the first), and the others."""
    chosen = certs[0]
    if key is not None:
        chosen = next((c for c in certs if _same_public_key(c, key)), chosen)
    return chosen, tuple(c for c in certs if c is not chosen)


def load_certificate(
    path: str | Path,
    password: str | bytes | None = None,
    *,
    key_path: str | Path | None = None,
) -> LoadedCertificate:
    """Load a .pem (certificate and key, any order), a .cer/.crt (+ ``key_path``) or a .pfx/.p12."""
    cert_path = Path(path).expanduser()
    suffix = cert_path.suffix.lower()
    if suffix not in CERTIFICATE_EXTENSIONS:
        raise _error(
            cert_path,
            f"unknown extension '{cert_path.suffix or '(none)'}'",
            "CERT_UNKNOWN_EXTENSION",
            f"use one of {', '.join(CERTIFICATE_EXTENSIONS)}",
        )
    data = _read(cert_path)
    secret = _password_bytes(password)
    if suffix in PFX_EXTENSIONS:
        if key_path is not None:
            raise _error(
                cert_path,
                "a .pfx holds its own key; key_path is not used with it",
                "CERT_UNREADABLE",
                "remove key_path",
            )
        return _load_pfx(cert_path, data, secret)
    key = _load_pem_key(data, secret, cert_path) if b"-----BEGIN" in data else None
    if key_path is not None:
        if key is not None:
            raise _error(
                cert_path,
                "holds a private key and key_path names another",
                "CERT_UNREADABLE",
                "remove key_path, or use a file without a key",
            )
        key_file = Path(key_path).expanduser()
        key_data = _read(key_file)
        key = _load_pem_key(key_data, secret, key_file)
        if key is None:
            try:
                key = serialization.load_der_private_key(key_data, password=secret)
            except (TypeError, ValueError):
                raise _error(
                    key_file,
                    "holds no private key",
                    "CERT_NO_PRIVATE_KEY",
                    "name the file with the -----BEGIN PRIVATE KEY----- block",
                ) from None
    certs = _load_pem_or_der_certs(data, cert_path)
    chosen, others = _pick(certs, key)
    loaded = LoadedCertificate.from_objects(
        chosen, key, source=str(cert_path), additional_certificates=others
    )
    if key is not None and not loaded.key_matches:
        raise _error(
            cert_path,
            f"the private key does not belong to certificate {loaded.thumbprint}",
            "CERT_KEY_MISMATCH",
            "use the key that was created with this certificate",
        )
    return loaded


def _load_pfx(path: Path, data: bytes, password: bytes | None) -> LoadedCertificate:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        if password is None:
            problem, fix = "the file is password-protected (or not a PKCS#12 file)", "give the .pfx password"
        else:
            problem, fix = (
                "wrong password (or not a PKCS#12 file)",
                "give the password the .pfx was exported with",
            )
        raise _error(path, problem, "CERT_BAD_PASSWORD", fix) from None
    if cert is None:
        raise _error(
            path, "holds no certificate", "CERT_NO_CERTIFICATE", "export the .pfx with its certificate"
        )
    loaded = LoadedCertificate.from_objects(cert, key, source=str(path), additional_certificates=tuple(extra))
    if key is not None and not loaded.key_matches:
        raise _error(
            path,
            f"the private key does not belong to certificate {loaded.thumbprint}",
            "CERT_KEY_MISMATCH",
            "export the certificate again with its own key",
        )
    return loaded


def check_usable(
    cert: LoadedCertificate,
    now: datetime.datetime | None = None,
    min_key_bits: int = 2048,
    warn_days: int = 30,
) -> list[str]:
    """Raise when the certificate cannot sign in an app; return warnings (e.g. expiring soon)."""
    thumb = cert.thumbprint
    if cert.private_key is None:
        raise CertificateError(
            f"certificate {thumb} has no private key",
            code="CERT_NO_PRIVATE_KEY",
            fix="use the .pfx or .pem that holds the key; a .cer alone cannot sign",
        )
    if not cert.key_matches:
        raise CertificateError(
            f"the private key does not belong to certificate {thumb}",
            code="CERT_KEY_MISMATCH",
            fix="use the key created with this certificate",
        )
    if not isinstance(cert.private_key, rsa.RSAPrivateKey):
        raise CertificateError(
            f"certificate {thumb} does not have an RSA key",
            code="CERT_KEY_NOT_RSA",
            fix="create an RSA certificate (Entra client assertions are RS256/PS256)",
        )
    if cert.key_size < min_key_bits:
        raise CertificateError(
            f"certificate {thumb} has a {cert.key_size}-bit key; at least {min_key_bits} bits are required",
            code="CERT_KEY_TOO_SMALL",
            fix=f"create a new certificate with a {min_key_bits}-bit (or larger) key",
        )
    moment = now or datetime.datetime.now(datetime.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    if moment < cert.not_before:
        raise CertificateError(
            f"certificate {thumb} is not valid before {cert.not_before:%Y-%m-%d %H:%M} UTC",
            code="CERT_NOT_YET_VALID",
            fix="check this computer's clock, or wait",
        )
    if moment > cert.not_after:
        raise CertificateError(
            f"certificate {thumb} expired on {cert.not_after:%Y-%m-%d}",
            code="CERT_EXPIRED",
            fix="create a new certificate and upload it to the app registration",
        )
    warnings: list[str] = []
    left = cert.not_after - moment
    if left < datetime.timedelta(days=warn_days):
        warnings.append(
            f"certificate {thumb} expires on {cert.not_after:%Y-%m-%d} (in {left.days} days); "
            "rotate it before then"
        )
    return warnings


def generate_self_signed(common_name: str, *, days: int = 730, key_size: int = 2048) -> LoadedCertificate:
    """A new self-signed RSA certificate (SHA-256) for an app registration, valid from 5 minutes ago."""
    if not common_name or not common_name.strip():
        raise CertificateError(
            "a certificate needs a common name",
            code="CERT_INVALID_REQUEST",
            fix="give a name such as spkit-contoso",
        )
    if days < 1:
        raise CertificateError(
            "a certificate must be valid for at least one day",
            code="CERT_INVALID_REQUEST",
            fix="give days >= 1",
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name.strip())])
    start = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days, minutes=5))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return LoadedCertificate.from_objects(certificate, key, source="generated")


def write_pem(loaded: LoadedCertificate, path: str | Path) -> Path:
    """Save certificate (+ chain) and unencrypted PKCS#8 key as one PEM file, mode 0600."""
    data = loaded.certificate_pem()
    data += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in loaded.additional_certificates)
    if loaded.private_key is not None:
        data += loaded.private_key_pem()
    return atomic_write(path, data)


def write_pfx(loaded: LoadedCertificate, path: str | Path, password: bytes | str | None = None) -> Path:
    """Save certificate, key and chain as PKCS#12, encrypted when ``password`` is given, mode 0600."""
    secret = _password_bytes(password)
    encryption = serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    names = loaded.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    friendly = str(names[0].value).encode("utf-8") if names else None
    data = pkcs12.serialize_key_and_certificates(
        friendly,
        loaded.private_key,
        loaded.certificate,
        list(loaded.additional_certificates) or None,
        encryption,
    )
    return atomic_write(path, data)


def normalise_thumbprint(text: str) -> str:
    """Clean a pasted SHA-1 thumbprint (spaces, colons, invisible characters) to 40 upper-case hex.

    The error does not repeat the text: a client secret pasted into the wrong field is 40 characters too.
    """
    cleaned = str(text).translate(_THUMBPRINT_JUNK).upper()
    if not _HEX40.fullmatch(cleaned):
        if len(cleaned) == 64 and re.fullmatch(r"[0-9A-F]{64}", cleaned):
            problem = "is a SHA-256 thumbprint; the SHA-1 thumbprint (40 characters) is needed"
        elif re.fullmatch(r"[0-9A-F]*", cleaned):
            problem = f"has {len(cleaned)} hexadecimal characters; a thumbprint has 40"
        else:
            problem = "has characters other than 0-9 and A-F"
        raise CertificateError(
            f"thumbprint {problem}",
            code="CERT_THUMBPRINT_INVALID",
            fix="copy the Thumbprint from the app's Certificates & secrets page",
        )
    return cleaned
