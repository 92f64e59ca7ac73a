"""Raw HTTP/1.1 over TLS to the shared sandbox: what a hostile or careless client can put on the wire."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    raw_head: bytes = field(repr=False, default=b"")

    def json(self):
        return json.loads(self.body)


class Dropped(AssertionError):
    """The server closed (or reset) the connection without a complete answer."""


class Wire:
    """One TLS connection to ``host:port`` through the card's connect-to map."""

    def __init__(self, card: dict, host: str, port: int = 443, timeout: float = 15) -> None:
        address, _, mapped = card["connect_to"][f"{host}:{port}"].rpartition(":")
        context = ssl.create_default_context(cafile=card["ca_bundle"])
        raw = socket.create_connection((address, int(mapped)), timeout=timeout)
        self.sock = context.wrap_socket(raw, server_hostname=host)
        self.host = host if port == 443 else f"{host}:{port}"
        self.buffer = b""

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:  # a reset or a TLS EOF while the request was still going out
            raise Dropped(f"connection ended while sending: {exc!r}") from exc

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes = b"",
        *,
        length: bool = True,
    ) -> Answer:
        pairs = list(headers.items() if isinstance(headers, dict) else headers or [])
        if not any(k.lower() == "host" for k, _ in pairs):
            pairs.insert(0, ("Host", self.host))
        if (
            length
            and body
            and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in pairs)
        ):
            pairs.append(("Content-Length", str(len(body))))
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
        self.send(head.encode("utf-8", "surrogateescape") + body)
        return self.answer(head_only=method == "HEAD")

    def _fill(self) -> bool:
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, TimeoutError) as exc:
            raise Dropped(f"connection ended without an answer: {exc!r}") from exc
        self.buffer += chunk
        return bool(chunk)

    def answer(self, head_only: bool = False) -> Answer:
        """The next response on the connection (1xx interim answers skipped)."""
        while True:
            while b"\r\n\r\n" not in self.buffer:
                if not self._fill():
                    raise Dropped(f"connection closed without an answer (got {self.buffer[:200]!r})")
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if 100 <= status < 200:
                continue
            size = 0 if head_only else int(headers.get("content-length", "0"))
            while len(self.buffer) < size:
                if not self._fill():
                    raise Dropped("connection closed in the middle of the answer's body")
            body, self.buffer = self.buffer[:size], self.buffer[size:]
            return Answer(status, headers, body, head)


def still_answers(card: dict) -> None:
    """The sandbox answers a plain request on a fresh connection (the OIDC document)."""
    with Wire(card, "login.localhost") as wire:
        answer = wire.request("GET", "/common/v2.0/.well-known/openid-configuration")
    assert answer.status == 200, answer
