"""Reading a request body off the wire without trusting the sizes the client announces.

A body is framed by ``Content-Length`` or ``Transfer-Encoding: chunked`` (RFC 9112 §6). Both are the
client's word: this module reads in bounded pieces, caps the total at ``MAX_BODY`` whichever framing is
used, and turns every malformed frame (a negative, non-numeric or conflicting length, a bad chunk size, a
missing chunk terminator, too many trailers) into an ``Unreadable`` the server answers with a 4xx.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import BinaryIO

MAX_BODY = 16 * 1024 * 1024  # the same cap for both framings
PIECE = 64 * 1024  # never read (or allocate) more than this at once from a size the client sent
_LINE = 4096  # a chunk-size line or a trailer line
_MAX_TRAILERS = 100

_DIGITS = re.compile(rb"[0-9]{1,20}")  # ASCII only: int() would also take "²", "٣" or "1_0"
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
# RFC 9110 §5.6.2 token: what a method (and a header name) may be made of.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class Unreadable(Exception):
    """The body cannot be read as framed; ``status`` is the answer (400, 413, 501)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ClientGone(Exception):
    """The client closed the connection before the body it announced was complete."""


BAD_LENGTH = "There is an invalid content length or chunk length in the request."
TOO_LARGE = f"The request body is larger than the {MAX_BODY // (1024 * 1024)} MB this server accepts."


def declared_length(headers: Message) -> int | None:
    """The ``Content-Length`` (None without one); refuses what RFC 9112 §6.3 calls invalid."""
    values = headers.get_all("Content-Length") or []
    if not values:
        return None
    lengths = set()
    for value in values:
        for part in str(value).split(","):  # "42, 42" is one length said twice
            text = part.strip().encode("latin-1", "replace")
            if not _DIGITS.fullmatch(text):
                raise Unreadable(400, BAD_LENGTH)
            lengths.add(int(text))
    if len(lengths) != 1:
        raise Unreadable(400, BAD_LENGTH)
    return lengths.pop()


def is_chunked(headers: Message) -> bool:
    """True for ``Transfer-Encoding: chunked``; other codings are refused (the sandbox decodes none)."""
    values = headers.get_all("Transfer-Encoding") or []
    codings = [c.strip().lower() for v in values for c in str(v).split(",") if c.strip()]
    if not codings:
        return False
    if headers.get_all("Content-Length"):
        # Both framings at once is how request smuggling starts (RFC 9112 §6.3): refuse it.
        raise Unreadable(400, "A request may not carry both Content-Length and Transfer-Encoding.")
    if codings[-1] != "chunked":
        raise Unreadable(400, "The request's final transfer coding is not chunked.")
    if codings != ["chunked"]:
        raise Unreadable(501, "The request transfer encoding type is not supported.")
    return True


def read_body(rfile: BinaryIO, headers: Message) -> bytes:
    """The body of one request, at most ``MAX_BODY`` bytes, read in ``PIECE``-sized reads."""
    if is_chunked(headers):
        return _read_chunked(rfile)
    length = declared_length(headers) or 0
    if length > MAX_BODY:
        raise Unreadable(413, TOO_LARGE)
    body = bytearray()
    _read_into(rfile, length, body)
    return bytes(body)


def _read_into(rfile: BinaryIO, length: int, into: bytearray) -> None:
    remaining = length
    while remaining:
        piece = rfile.read(min(PIECE, remaining))
        if not piece:
            raise ClientGone()
        into += piece
        remaining -= len(piece)


def _line(rfile: BinaryIO) -> bytes:
    line = rfile.readline(_LINE + 1)
    if not line:
        raise ClientGone()
    if len(line) > _LINE or not line.endswith(b"\n"):
        raise Unreadable(400, BAD_LENGTH)
    return line.rstrip(b"\r\n")


def _read_chunked(rfile: BinaryIO) -> bytes:
    body = bytearray()
    while True:
        size_text = _line(rfile).split(b";", 1)[0].strip(b" \t")
        if not _HEX.fullmatch(size_text):
            raise Unreadable(400, BAD_LENGTH)
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise Unreadable(413, TOO_LARGE)
        _read_into(rfile, size, body)
        if _line(rfile) != b"":  # the chunk's data ends with CRLF, nothing else
            raise Unreadable(400, BAD_LENGTH)
    for _ in range(_MAX_TRAILERS + 1):
        if _line(rfile) == b"":
            return bytes(body)
    raise Unreadable(400, "The request has too many trailer fields.")
