"""The sandbox's own certificate authority and the server certificate for its virtual hosts.

The CA is made once per state directory and reused, so a client that trusts ``ca.pem`` keeps trusting
the sandbox across restarts; the server certificate is made anew at each start for the current hosts.

For the scenario's TLS faults a host can get a certificate of its own (served by SNI): ``expired`` (by the
sandbox CA, validity over), ``not_yet_valid`` (by the sandbox CA, validity starting tomorrow),
``wrong_name`` (by the sandbox CA, for other names) or ``unknown_ca`` (valid, for the host, but by a second
CA, ``untrusted-ca.pem``, which is in no bundle the card names).

A farm behind a TLS-offloading load balancer (``tls_offload: true``) has a certificate of its own that no
client is served (``backend_certificate_der``): the one its IIS binding holds, which Extended Protection
checks the channel binding against.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..fileio import atomic_write as write_private
from .certificate_builder import build_certificate, common_name, private_key_pem


@dataclass
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    pem_path: Path


def ensure_ca(state_dir: Path, *, name: str = "ca", label: str = "spkit sandbox CA") -> Authority:
    """Load the state directory's CA, or make one (EC P-256, ten years) the first time."""
    cert_path, key_path = state_dir / f"{name}.pem", state_dir / f"{name}-key.pem"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=30):
            return Authority(cert, key, cert_path)  # type: ignore[arg-type]
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "spkit sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{label} ({os.uname().nodename})"),
        ]
    )
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=True,
        crl_sign=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = build_certificate(
        name,
        key,
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=3650),
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (usage, True),
            (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        ],
    )
    write_private(key_path, private_key_pem(key))
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return Authority(cert, key, cert_path)


def issue_server_certificate(
    ca: Authority,
    hostnames: list[str],
    out_dir: Path,
    *,
    stem: str = "server",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    loopback: bool = True,
) -> tuple[Path, Path]:
    """A leaf certificate for every sandbox host (plus localhost and 127.0.0.1 when ``loopback``); returns
    (cert, key) paths, ``<stem>.pem`` and ``<stem>-key.pem`` in ``out_dir``."""
    key = ec.generate_private_key(ec.SECP256R1())
    hosts = [*hostnames, "localhost"] if loopback else list(hostnames)
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in dict.fromkeys(hosts)]
    if loopback:
        names += [
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    now = datetime.now(UTC)
    not_before = not_before or now - timedelta(hours=1)
    not_after = not_after or now + timedelta(days=397)
    cert = build_certificate(
        common_name(hostnames[0]),
        key,
        not_before=not_before,
        not_after=not_after,
        extensions=[
            (x509.SubjectAlternativeName(names), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()), False),
        ],
        issuer=ca,
    )
    cert_path, key_path = out_dir / f"{stem}.pem", out_dir / f"{stem}-key.pem"
    write_private(key_path, private_key_pem(key))
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return cert_path, key_path


# The scenario's server certificate faults (faults.server_certificates[].certificate).
CERTIFICATE_FAULTS = ("expired", "not_yet_valid", "wrong_name", "unknown_ca")


# The validity of the faulty server certificates, in days from now: expired ten days ago, or valid only
# from tomorrow (beyond any clock tolerance) for a year.
_FAULT_WINDOWS = {"expired": (-400, -10), "not_yet_valid": (1, 366)}


def issue_fault_certificate(
    kind: str, host: str, names: list[str], ca: Authority, state_dir: Path
) -> tuple[Path, Path, Authority]:
    """The certificate ``host`` serves for fault ``kind``; returns (cert, key, issuing CA).

    ``expired``: issued 400 days ago, expired 10 days ago. ``not_yet_valid``: valid from tomorrow (a day
    ahead, beyond any clock tolerance), for a year. ``wrong_name``: valid, for ``names`` only (the
    names a misconfigured server presents), never ``host``. ``unknown_ca``: valid for ``host``, by the
    state directory's second CA, which no card bundle holds."""
    out = state_dir / "fault-certificates"
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{host}-{kind}"
    now = datetime.now(UTC)
    if kind in _FAULT_WINDOWS:
        starts, ends = _FAULT_WINDOWS[kind]
        cert, key = issue_server_certificate(
            ca,
            [host],
            out,
            stem=stem,
            not_before=now + timedelta(days=starts),
            not_after=now + timedelta(days=ends),
            loopback=False,
        )
        return cert, key, ca
    if kind == "wrong_name":
        cert, key = issue_server_certificate(ca, names, out, stem=stem, loopback=False)
        return cert, key, ca
    if kind == "unknown_ca":
        other = ensure_ca(state_dir, name="untrusted-ca", label="spkit sandbox untrusted CA")
        cert, key = issue_server_certificate(other, [host], out, stem=stem, loopback=False)
        return cert, key, other
    raise ValueError(kind)


def backend_certificate_der(host: str) -> bytes:
    """The certificate of a farm's own IIS binding behind a TLS-offloading load balancer: self-signed for
    ``host`` (as internal bindings often are), made in memory, never served to a client (the balancer serves
    its own); only Extended Protection's channel binding check reads it (DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = build_certificate(
        common_name(host),
        key,
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=397),
        extensions=[
            (x509.SubjectAlternativeName([x509.DNSName(host)]), False),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        ],
    )
    return cert.public_bytes(serialization.Encoding.DER)
