"""Evidence for a certificate spkit refuses before it signs in (expired, not yet valid, key too small):
the certificate's own fields next to this machine's clock, so the token rung's failure shows why."""

from __future__ import annotations

import datetime

from ..errors import CertificateError, SpkitError
from ..models.cert_store import MIN_KEY_BITS, CertificateStore
from ..models.certificates import LoadedCertificate, load_certificate
from ..models.online_profile import CertificateFileCredential, CertificateThumbprintCredential
from ..services.secret_values import secret_value


def _load(profile) -> LoadedCertificate | None:
    """The profile's certificate read again without the sign-in rules (None when it cannot be read)."""
    credential = profile.credential
    try:
        if isinstance(credential, CertificateThumbprintCredential):
            return load_certificate(str(CertificateStore().get(credential.thumbprint).path))
        if isinstance(credential, CertificateFileCredential):
            password = secret_value(credential.password, profile.card) if credential.password else None
            key_path = str(credential.key_path) if credential.key_path else None
            return load_certificate(str(credential.path), password, key_path=key_path)
    except SpkitError:
        return None
    return None


def _when(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def certificate_fields(loaded: LoadedCertificate, now: datetime.datetime | None = None) -> str:
    """``certificate THUMB (CN=...): notBefore ..., notAfter ..., RSA 2048-bit key; this machine's clock ...``"""
    now = now or datetime.datetime.now(datetime.UTC)
    parts = [
        f"certificate {loaded.thumbprint} ({loaded.subject})",
        f"notBefore {_when(loaded.not_before)}",
        f"notAfter {_when(loaded.not_after)}",
        f"{loaded.key_size}-bit key (at least {MIN_KEY_BITS} required)",
        f"this machine's clock {_when(now)}",
    ]
    if now > loaded.not_after:
        days = (now - loaded.not_after).days
        parts.append(f"expired {days} day{'' if days == 1 else 's'} ago")
    elif now < loaded.not_before:
        parts.append(f"valid in {(loaded.not_before - now).total_seconds() / 3600:.1f} hours")
    return "; ".join(parts)


def certificate_refusal(error: CertificateError, profile) -> CertificateError:
    """``error`` with the certificate's fields as its evidence (unchanged when the file cannot be read or
    the error has evidence of its own)."""
    if error.evidence:
        return error
    loaded = _load(profile)
    if loaded is None:
        return error
    return CertificateError(
        error.summary, code=error.code, evidence=certificate_fields(loaded), fix=error.fix
    )
