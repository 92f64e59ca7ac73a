"""What a Windows-authentication exchange shows, read from the messages themselves: the schemes a farm
offers (``WWW-Authenticate``) and whether the NTLM authenticate message carried a channel binding token
(Extended Protection). MS-NLMP section 2.2.1.3 (AUTHENTICATE_MESSAGE) and 2.2.2.1 (AV_PAIR)."""

from __future__ import annotations

import base64
import binascii
import re
import struct

SIGNATURE = b"NTLMSSP\x00"
AV_EOL, AV_CHANNEL_BINDINGS = 0x0000, 0x000A
_SCHEME = re.compile(r"^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s|$)")


def offered_schemes(header: str | None) -> list[str]:
    """The authentication schemes of a (possibly merged) ``WWW-Authenticate`` header, in order:
    ``'Negotiate, NTLM'`` → ``['Negotiate', 'NTLM']``; ``'Basic realm="x", NTLM'`` → ``['Basic', 'NTLM']``.
    Parameters (``realm="x"``) and tokens after a scheme are not schemes."""
    schemes: list[str] = []
    for part in (header or "").split(","):
        found = _SCHEME.match(part.strip())
        if found and "=" not in found.group(1) and found.group(1) not in schemes:
            schemes.append(found.group(1))
    return schemes


def has_windows_auth(schemes: list[str]) -> bool:
    return any(s.lower() in ("ntlm", "negotiate") for s in schemes)


def ntlm_message(authorization: str | None) -> bytes | None:
    """The NTLM message inside an ``Authorization: NTLM|Negotiate <base64>`` header (raw, or wrapped in
    SPNEGO), or None."""
    scheme, _, data = (authorization or "").strip().partition(" ")
    if scheme.lower() not in ("ntlm", "negotiate") or not data.strip():
        return None
    try:
        token = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    start = token.find(SIGNATURE)
    return token[start:] if start >= 0 else None


def message_type(message: bytes | None) -> int | None:
    if not message or len(message) < 12:
        return None
    return struct.unpack_from("<I", message, 8)[0]


def channel_binding_sent(authorization: str | None) -> bool | None:
    """Did this AUTHENTICATE message (type 3) carry a channel binding token? True/False, or None when the
    header holds no authenticate message. An all-zero token counts as none (a client unaware of it)."""
    message = ntlm_message(authorization)
    if message_type(message) != 3 or message is None or len(message) < 28:
        return None
    length, _, offset = struct.unpack_from("<HHI", message, 20)  # NtChallengeResponseFields
    response = message[offset : offset + length]
    if len(response) <= 24:  # NTLMv1: no AV pairs, so no channel binding
        return False
    blob = response[16:]  # after NTProofStr: RespType, HiRespType, reserved, time, client challenge, reserved
    index = 28
    while index + 4 <= len(blob):
        av_id, av_len = struct.unpack_from("<HH", blob, index)
        index += 4
        if av_id == AV_EOL:
            break
        value = blob[index : index + av_len]
        index += av_len
        if av_id == AV_CHANNEL_BINDINGS:
            return any(value)
    return False
