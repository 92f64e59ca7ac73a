"""The per-sandbox wiring every identity rule reads, in one small value instead of a class of methods."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..access_tokens import TokenService
from ..state import SandboxState
from .stores import DeviceCodeStore, RefreshTokenStore


@dataclass(frozen=True)
class IdentityContext:
    """The shared state, the token signer, the clock (injectable, so time-window rules are testable) and
    delegated sign-in's own stores. One per sandbox; the rules are free functions taking it."""

    state: SandboxState
    tokens: TokenService
    clock: Callable[[], float] = time.time
    device_codes: DeviceCodeStore = field(default_factory=DeviceCodeStore)
    refresh_tokens: RefreshTokenStore = field(default_factory=RefreshTokenStore)

    @property
    def authority(self) -> str:
        """``https://login.<suffix>``: the base of every endpoint, issuer and assertion audience."""
        return self.state.authority_host
