"""The sandbox's request and response objects: what a service's ``responses.py`` sees and returns."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    host: str  # from the Host header, lower case, without port
    port: int  # the port the client addressed (443 unless the Host header names another)
    path: str  # the raw path, without the query string
    query_string: str
    headers: Message
    body: bytes = b""
    # Per-connection scratch space (NTLM keeps its handshake here across keep-alive requests).
    connection: dict[str, Any] = field(default_factory=dict)
    client_address: tuple[str, int] = ("127.0.0.1", 0)
    # The DER of the listener's certificate, for channel binding (tls-server-end-point).
    server_certificate_der: bytes | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter; OData names match with or without ``$``."""
        q = self.query
        for key in (name, name.lstrip("$"), "$" + name.lstrip("$")):
            if key in q:
                return q[key][0]
        return default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def form(self) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body; repeated fields keep the first value."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def form_multi(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def origin(self) -> str:
        return f"https://{self.host}" + ("" if self.port == 443 else f":{self.port}")

    @property
    def url(self) -> str:
        return self.origin + self.path + (f"?{self.query_string}" if self.query_string else "")

    def bearer_token(self) -> str | None:
        auth = self.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls,
        status: int,
        payload: Any,
        headers: Iterable[tuple[str, str]] = (),
        content_type: str = "application/json; charset=utf-8",
    ) -> Response:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return cls(status, body, [("Content-Type", content_type), *headers])

    @classmethod
    def text(
        cls,
        status: int,
        text: str,
        content_type: str = "text/plain; charset=utf-8",
        headers: Iterable[tuple[str, str]] = (),
    ) -> Response:
        return cls(status, text.encode("utf-8"), [("Content-Type", content_type), *headers])

    @classmethod
    def html(cls, status: int, html: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return cls.text(status, html, "text/html; charset=utf-8", headers)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


Handler = Callable[[Request, re.Match], Response]


@dataclass(frozen=True)
class Route:
    """One route: HTTP method(s) and a path regex (full match, case-insensitive)."""

    methods: tuple[str, ...]
    pattern: re.Pattern
    handler: Handler

    @classmethod
    def of(cls, methods: str, pattern: str, handler: Handler) -> Route:
        return cls(tuple(m.strip().upper() for m in methods.split(",")), re.compile(pattern, re.I), handler)
