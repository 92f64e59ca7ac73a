"""What every emulated service offers the server: which hosts it answers, its routes, its error shapes."""

from __future__ import annotations

from typing import Protocol

from .http import Request, Response, Route


class Service(Protocol):
    name: str
    throttleable: bool  # Graph and SharePoint are throttled by the --throttle knob; login is not

    def serves(self, host: str, port: int) -> bool: ...

    def routes(self) -> list[Route]: ...

    def not_found(self, request: Request) -> Response: ...

    def method_not_allowed(self, request: Request) -> Response: ...

    def throttled(self, request: Request, retry_after: int) -> Response: ...

    def internal_error(self, request: Request, error: Exception) -> Response: ...

    # Optional: ``unreadable(request, status, message)``, the service's answer to a request whose body the
    # HTTP layer refused (400 bad framing, 413 too large); without it the refusal is plain text.
