"""What the rungs of one run share: the profile, the session, the hosts to reach, and what earlier rungs
found (``state``), so each rung stays a small function of the context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..http.connect_to import ConnectToMap, parse_connect_to
from ..http.session import SpkitSession
from ..models.results import VerificationResult


@dataclass(frozen=True)
class Endpoint:
    """A host and port the profile needs, and why (``role``): the sign-in host, Graph, SharePoint, …"""

    role: str  # login | graph | sharepoint | admin | farm | central_admin
    label: str  # for people: "sign-in (Entra ID)"
    scheme: str
    host: str
    port: int
    tentative: bool = False  # a host guessed from a custom domain: failing it warns, discovery decides

    @classmethod
    def of(cls, role: str, label: str, url: str, *, tentative: bool = False) -> Endpoint:
        parts = urlsplit(url)
        scheme = parts.scheme or "https"
        port = parts.port or (443 if scheme == "https" else 80)
        return cls(role, label, scheme, (parts.hostname or "").lower(), port, tentative)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return f"{self.scheme}://{self.host}" + ("" if self.port == default else f":{self.port}")


@dataclass
class CheckContext:
    """One run of a ladder for one profile."""

    profile: Any
    result: VerificationResult
    session: SpkitSession
    endpoints: list[Endpoint]
    options: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    parts: set[str] = field(default_factory=set)  # "tls:login": that host passed that network rung

    @property
    def card(self) -> dict[str, Any] | None:
        return getattr(self.profile, "card", None)

    @property
    def connect_to(self) -> ConnectToMap:
        """The sandbox's connect-to map (what a resolver answers for its hosts), empty without a card;
        ``parse_connect_to`` keeps the card's map parsed, so asking again costs nothing."""
        card = self.card
        return parse_connect_to(card.get("connect_to") or {}) if card else ConnectToMap()

    def endpoint(self, role: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.role == role), None)

    def describe(self, need: str) -> str:
        """A need as a skip reason says it: ``tls for login.localhost:443``."""
        rung_name, _, role = need.partition(":")
        endpoint = self.endpoint(role) if role else None
        return f"{rung_name} for {endpoint.address}" if endpoint else rung_name

    def satisfied(self, need: str, usable: set[str]) -> bool:
        """A whole rung is usable when it passed or warned; a host part when that host got through it
        (a host the profile does not use, such as Graph in a cloud without it, needs nothing)."""
        if ":" not in need:
            return need in usable
        role = need.partition(":")[2]
        return need in self.parts or self.endpoint(role) is None
