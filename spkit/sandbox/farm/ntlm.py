"""NTLM (and Negotiate carrying NTLM) as IIS does it, with pyspnego as the acceptor.

* Credentials reach pyspnego the only way its NTLM acceptor takes them: the file named by the environment
  variable ``NTLM_USER_FILE`` (lines ``DOMAIN:USER:PASSWORD``; ``:user@upn.suffix:PASSWORD`` for UPN logons,
  which send an empty domain). pyspnego 0.12 ignores credentials passed to ``spnego.server`` for NTLM. The
  scenario builder writes the file (mode 0600) into the state directory; ``acceptor_environment`` points
  the process at it, under a lock, before every acceptor step (pyspnego reads the variable when an acceptor
  is made and again when it checks the response), so in-process sandboxes of different state directories
  do not authenticate against each other's file. It also sets ``LM_COMPAT_LEVEL=5`` (NTLMv2 only), which
  pyspnego reads when an acceptor is made; ``inspect_authenticate`` enforces NTLMv2 on its own too, so a
  test that changes the variable cannot weaken the sandbox.
* NTLM authenticates the connection, not the request: the handshake (type 1 -> 401 with the type 2
  challenge -> type 3) must stay on one keep-alive connection, and the connection stays authenticated for
  its later requests (IIS's default ``authPersistNonNTLM``/connection-based NTLM). Handshake state lives in
  ``Request.connection``.
* Kerberos-only farms (``authentication: kerberos``, IIS's providers ``Negotiate:Kerberos``): only ``Negotiate``
  is offered, and an NTLM token, raw or inside SPNEGO, is refused. The sandbox has no KDC, so a Kerberos
  ticket cannot be checked either: every logon is refused, as a client without a ticket for the farm's SPN
  sees it (401 ``Negotiate`` again).
* Extended Protection (``extended_protection: required``): the type 3 message must carry a channel binding
  token (MsvAvChannelBindings) equal to MD5 of the ``tls-server-end-point`` bindings of the listener's
  certificate (RFC 5929: the certificate hashed with its signature's hash, SHA-256 for MD5/SHA-1). A client
  that sends none, or all zeros (a client unaware of channel binding), is refused, as IIS does with
  ``tokenChecking="Require"``: the client sees the same 401 again, forever.
* TLS offload (``tls_offload: true``): a load balancer terminates TLS in front of the web application and
  opens its own TLS connection to the farm. The client's channel binding names the balancer's certificate
  (the one it was served), the farm checks it against its own binding's (``ca.backend_certificate_der``), so
  with Extended Protection every NTLM logon through the balancer is refused, the right password included;
  Central Administration, reached directly, is not behind it.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import struct
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...fileio import atomic_write

if TYPE_CHECKING:
    from .state import Farm

log = logging.getLogger("spkit.sandbox.farm")

USER_FILE_NAME = "ntlm-users"
SIGNATURE = b"NTLMSSP\x00"
_AV_EOL, _AV_CHANNEL_BINDINGS, _AV_FLAGS = 0x0000, 0x000A, 0x0006
_NTLM_MECH = bytes.fromhex("060a2b06010401823702020a")  # OID 1.3.6.1.4.1.311.2.2.10, DER

# The handshake state in Request.connection.
PENDING = "ntlm.pending"  # (scheme, acceptor) between the challenge and the authenticate message


# --- the credential file --------------------------------------------------------------------------------


def user_file_lines(farms: Iterable[Farm]) -> list[str]:
    """pyspnego's lines for every account (enabled or not: a disabled account's password is still checked,
    and the farm refuses it afterwards, as AD does with STATUS_ACCOUNT_DISABLED).

    Each account logs on as ``NETBIOS\\sam``, ``dns.domain\\sam`` [unsure: Windows accepts the DNS domain name
    in the NTLM domain field; so does the sandbox] and ``sam@upn.suffix`` with an empty domain.
    """
    lines: list[str] = []
    for farm in farms:
        for user in farm.users.values():
            for secret in (user.password,):
                if any(c in secret for c in ":\r\n"):
                    raise ValueError(
                        f"the password of {user.sam_account_name} cannot go into an NTLM user file"
                    )
            lines += [
                f"{farm.netbios_domain}:{user.sam_account_name}:{user.password}",
                f"{farm.dns_domain}:{user.sam_account_name}:{user.password}",
                f":{user.upn}:{user.password}",
            ]
    return lines


def write_user_file(state_dir: Path, farms: Iterable[Farm]) -> Path:
    path = state_dir / USER_FILE_NAME
    atomic_write(path, ("\n".join(user_file_lines(farms)) + "\n").encode("utf-8"), mode=0o600)
    return path.resolve()


_ENV_LOCK = threading.RLock()
_ENV_BEFORE: dict[str, str | None] = {}  # the values the process had before a sandbox first set them
_ACTIVE: list[Path] = []  # the user files of the sandboxes running in this process, oldest first


def _set_env(name: str, value: str) -> None:
    if os.environ.get(name) != value:
        _ENV_BEFORE.setdefault(name, os.environ.get(name))
        os.environ[name] = value


@contextlib.contextmanager
def acceptor_environment(user_file: Path) -> Iterator[None]:
    """Hold the lock with ``NTLM_USER_FILE`` naming ``user_file`` and ``LM_COMPAT_LEVEL=5``."""
    with _ENV_LOCK:
        _set_env("NTLM_USER_FILE", str(user_file))
        _set_env("LM_COMPAT_LEVEL", "5")
        yield


def activate_environment(user_file: Path) -> None:
    """When a sandbox starts: the process's NTLM variables name its file (until another one's handshake)."""
    with acceptor_environment(user_file):
        _ACTIVE.append(user_file)


def release_environment(user_file: Path) -> None:
    """When a sandbox stops: if the variables name its file, they name the file of another sandbox still
    running in this process, or get the process's own values back."""
    with _ENV_LOCK:
        if user_file in _ACTIVE:
            _ACTIVE.remove(user_file)
        if os.environ.get("NTLM_USER_FILE") != str(user_file):
            return
        if _ACTIVE:
            _set_env("NTLM_USER_FILE", str(_ACTIVE[-1]))
            return
        for name, before in list(_ENV_BEFORE.items()):
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before
        _ENV_BEFORE.clear()


# --- channel binding ------------------------------------------------------------------------------------


def tls_server_end_point(certificate_der: bytes) -> bytes:
    """RFC 5929 ``tls-server-end-point``: the certificate hashed with the hash of its signature algorithm
    (SHA-256 when that is MD5 or SHA-1)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_der_x509_certificate(certificate_der)
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or isinstance(algorithm, hashes.MD5 | hashes.SHA1):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(certificate_der)
    return digest.finalize()


def channel_bindings(certificate_der: bytes):
    from spnego.channel_bindings import GssChannelBindings

    return GssChannelBindings(
        application_data=b"tls-server-end-point:" + tls_server_end_point(certificate_der)
    )


# --- reading the client's authenticate message ---------------------------------------------------------


@dataclass(frozen=True)
class AuthenticateInfo:
    """What the sandbox reads itself from a type 3 message (pyspnego checks the cryptography)."""

    ntlm_v2: bool
    channel_bindings: bytes | None  # the 16-byte MsvAvChannelBindings, None when absent
    domain: str
    user: str


def _field(message: bytes, at: int) -> bytes:
    length, _, offset = struct.unpack_from("<HHI", message, at)
    return message[offset : offset + length]


def message_type(token: bytes) -> int | None:
    """1, 2 or 3 for a raw NTLMSSP message; None for anything else (SPNEGO, garbage)."""
    if token.startswith(SIGNATURE) and len(token) >= 12:
        return struct.unpack_from("<I", token, 8)[0]
    return None


def inspect_authenticate(token: bytes) -> AuthenticateInfo | None:
    """The type 3 message in ``token`` (raw, or inside SPNEGO's NegTokenResp, where it lies whole)."""
    start = token.find(SIGNATURE + b"\x03\x00\x00\x00")
    if start < 0:
        return None
    message = token[start:]
    try:
        nt_response = _field(message, 20)
        flags = struct.unpack_from("<I", message, 60)[0]
        encoding = "utf-16-le" if flags & 0x1 else "cp437"
        domain = _field(message, 28).decode(encoding, "replace")
        user = _field(message, 36).decode(encoding, "replace")
    except struct.error:
        return None
    if len(nt_response) <= 24:  # LM / NTLMv1 (24 bytes) or anonymous (empty)
        return AuthenticateInfo(False, None, domain, user)
    # NTLMv2: NTProofStr (16) + NTLMv2_CLIENT_CHALLENGE: resp types (2), reserved (6), timestamp (8),
    # client challenge (8), reserved (4), then the AV pairs the client echoes (plus its own).
    bindings = None
    at = 16 + 28
    while at + 4 <= len(nt_response):
        av_id, av_len = struct.unpack_from("<HH", nt_response, at)
        if av_id == _AV_EOL:
            break
        if av_id == _AV_CHANNEL_BINDINGS:
            bindings = nt_response[at + 4 : at + 4 + av_len]
        at += 4 + av_len
    return AuthenticateInfo(True, bindings, domain, user)


# --- the handshake --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one request's ``Authorization`` header leads to.

    ``kind``: ``anonymous`` (no usable header: 401 offering Negotiate and NTLM), ``challenge`` (401 carrying
    ``header``), ``refused`` (401 offering the schemes again; ``reason`` is for the log only) or
    ``authenticated`` (``principal`` as pyspnego names it; ``header`` is a final Negotiate token, if any).
    """

    kind: str
    principal: str | None = None
    header: str | None = None
    reason: str = ""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _farm_challenge(acceptor: Any, token: bytes, farm: Farm) -> bytes:
    """The type 2 message as a domain member server sends it: the target is the AD domain
    (NTLMSSP_TARGET_TYPE_DOMAIN), and the AV pairs name the server and the domain, where pyspnego names the
    machine it runs on and "WORKSTATION". Relies on pyspnego's private ``_temp_challenge`` (which it also
    uses for the MIC, so both must change together); if that is not there, the original token is sent.
    """
    try:
        from spnego._ntlm_raw.messages import AvId, Challenge, FileTime, NegotiateFlags, TargetInfo

        original = acceptor._temp_challenge
        if not isinstance(original, Challenge):
            return token
        info = TargetInfo()
        info[AvId.nb_domain_name] = farm.netbios_domain
        info[AvId.nb_computer_name] = farm.server_name
        info[AvId.dns_domain_name] = farm.dns_domain
        info[AvId.dns_computer_name] = f"{farm.server_name.lower()}.{farm.dns_domain}"
        info[AvId.dns_tree_name] = farm.dns_domain
        info[AvId.timestamp] = FileTime.now()
        flags = (original.flags & ~NegotiateFlags.target_type_server) | NegotiateFlags.target_type_domain
        challenge = Challenge(
            flags,
            original.server_challenge,
            target_name=farm.netbios_domain,
            target_info=info,
            version=original.version,
        )
        acceptor._temp_challenge = challenge
        return challenge.pack()
    except Exception as exc:  # a pyspnego without these internals: keep its own challenge
        log.debug("NTLM challenge left as pyspnego made it: %s", exc)
        return token


class NtlmGate:
    """The Windows authentication of one farm's IIS site: Negotiate and NTLM, connection-based."""

    def __init__(self, farm: Farm, user_file: Path, *, offloaded: bool = False) -> None:
        self.farm = farm
        self.user_file = user_file
        # Behind a TLS-offloading balancer: the certificate of the farm's own binding, never served.
        self.own_certificate_der: bytes | None = None
        if offloaded:
            from ..ca import backend_certificate_der

            self.own_certificate_der = backend_certificate_der(farm.host)

    @property
    def extended_protection(self) -> bool:
        return self.farm.extended_protection == "required"

    def step(self, headers: Any, connection: dict[str, Any], certificate_der: bytes | None) -> Outcome:
        import spnego
        from spnego.exceptions import SpnegoError

        scheme, _, data = (headers.get("Authorization") or "").strip().partition(" ")
        canonical = {"ntlm": "NTLM", "negotiate": "Negotiate"}.get(scheme.lower())
        if canonical is None or not data.strip():
            return Outcome("anonymous", reason=f"no NTLM/Negotiate token ({scheme or 'no Authorization'})")
        try:
            token = base64.b64decode(data.strip(), validate=True)
        except ValueError:
            connection.pop(PENDING, None)
            return Outcome("refused", reason="the token is not base64")
        kind = message_type(token)
        if self.farm.authentication == "kerberos":
            connection.pop(PENDING, None)
            if canonical == "NTLM" or kind is not None or SIGNATURE in token or _NTLM_MECH in token:
                return Outcome("refused", reason="an NTLM token: this farm allows Kerberos only")
            return Outcome("refused", reason="a Kerberos token: the sandbox has no KDC to check it")
        starts = kind == 1 or (kind is None and token[:1] == b"\x60")  # NTLM NEGOTIATE or SPNEGO NegTokenInit
        if starts:
            if certificate_der and self.own_certificate_der:  # the balancer's TLS ends before the farm
                certificate_der = self.own_certificate_der
            bindings = (
                channel_bindings(certificate_der) if certificate_der and self.extended_protection else None
            )
            try:
                with acceptor_environment(self.user_file):
                    acceptor = spnego.server(
                        protocol="ntlm" if kind == 1 else "negotiate", channel_bindings=bindings
                    )
                    answer = acceptor.step(token)
            except (SpnegoError, ValueError, struct.error) as exc:
                connection.pop(PENDING, None)
                return Outcome("refused", reason=f"bad negotiate message: {exc}")
            if kind == 1 and answer:
                answer = _farm_challenge(acceptor, answer, self.farm)
            connection[PENDING] = (canonical, acceptor)
            return Outcome("challenge", header=f"{canonical} {_b64(answer or b'')}")
        pending = connection.pop(PENDING, None)
        if pending is None:
            return Outcome("refused", reason="an authenticate message without a challenge on this connection")
        info = inspect_authenticate(token)
        if info is None:
            return Outcome("refused", reason="no NTLM authenticate message in the token")
        who = f"{info.domain}\\{info.user}" if info.domain else info.user
        if not info.ntlm_v2:
            return Outcome("refused", reason=f"{who}: LM/NTLMv1 response refused (LmCompatibilityLevel 5)")
        if self.extended_protection and (not info.channel_bindings or not any(info.channel_bindings)):
            return Outcome(
                "refused", reason=f"{who}: no channel binding token (Extended Protection required)"
            )
        _, acceptor = pending
        try:
            with acceptor_environment(self.user_file):
                answer = acceptor.step(token)
        except (SpnegoError, ValueError, struct.error) as exc:
            return Outcome("refused", reason=f"{who}: {exc}")
        if not acceptor.complete or not acceptor.client_principal:
            return Outcome("refused", reason=f"{who}: the handshake did not complete")
        final = f"Negotiate {_b64(answer)}" if answer and pending[0] == "Negotiate" else None
        return Outcome("authenticated", principal=acceptor.client_principal, header=final)
