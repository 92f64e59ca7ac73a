"""The knobs that make the sandbox misbehave on purpose (throttling, server errors, latency, a skewed clock),
for tests, benchmarks and the scenario's ``faults:``; every service asks them before it answers."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


@dataclass
class _Rule:
    """Answer ``count`` consecutive requests to ``host`` whose path full-matches ``path`` (every one when
    ``count`` is None) in the rule's way; then serve again."""

    host: str
    path: str = ".*"
    count: int | None = None
    answered: int = 0

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.path, re.I)

    def take(self, host: str, path: str) -> bool:
        """Whether this request is the rule's; counts it if so (the caller holds the faults' lock)."""
        if host != self.host or self.pattern.fullmatch(path) is None:
            return False
        if self.count is not None and self.answered >= self.count:
            return False
        self.answered += 1
        return True


@dataclass
class ThrottleRule(_Rule):
    """Answered as throttled, each with ``Retry-After: retry_after_s``."""

    retry_after_s: int = 1


class ScenarioServerError(Exception):
    """What a ``server_errors`` fault hands a service's ``internal_error`` (its name is the answer's
    ``x-sandbox-error`` header, the sandbox's own, so a reader tells a fault from a sandbox bug)."""


@dataclass
class ServerErrorRule(_Rule):
    """Answered with an unexpected server error (``status`` 500 or 502, in the service's own error shape),
    as a service having a bad moment does."""

    status: int = 500


@dataclass
class Faults:
    """Knobs that make the sandbox misbehave on purpose, for tests and benchmarks."""

    throttle_rate: float = 0.0  # fraction of Graph/SharePoint (and farm) requests answered 429 / 503
    latency_ms: int = 0  # added to every request
    retry_after_s: int = 1
    # The Microsoft cloud's clock minus the real one: tokens, assertion checks and the Date header of
    # login/Graph/SharePoint Online follow it (a client whose own clock is off sees exactly this).
    clock_skew_s: float = 0.0
    throttle_rules: list[ThrottleRule] = field(default_factory=list)
    server_error_rules: list[ServerErrorRule] = field(default_factory=list)
    _credit: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def throttle(self, host: str, path: str, *, by_rate: bool) -> int | None:
        """The Retry-After (seconds) if this request is to be answered as throttled, else None.

        A matching rule decides first (its count runs down); then, when ``by_rate``, exactly
        ``throttle_rate`` of requests, spread evenly (deterministic, unlike a coin toss)."""
        with self._lock:
            rule = next((r for r in self.throttle_rules if r.take(host, path)), None)
            if rule is not None:
                return rule.retry_after_s
            if by_rate and self.throttle_rate > 0:
                self._credit += self.throttle_rate
                if self._credit >= 1.0:
                    self._credit -= 1.0
                    return self.retry_after_s
        return None

    def server_error(self, host: str, path: str) -> int | None:
        """The status (500 or 502) if this request is to be answered with a server error, else None."""
        with self._lock:
            rule = next((r for r in self.server_error_rules if r.take(host, path)), None)
        return rule.status if rule is not None else None
