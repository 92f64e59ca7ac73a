"""Emulated Microsoft Graph (``graph.<suffix>``): sites (and Sites.Selected permissions), organization, the
signed-in user and directory roles, users, app registrations, service principals and consent, with Graph's
errors and paging."""

from __future__ import annotations

from ..access_tokens import TokenService
from ..service import Service
from ..state import SandboxState
from .responses import GraphService

__all__ = ["GraphService", "make_service"]


def make_service(state: SandboxState, tokens: TokenService) -> Service:
    return GraphService(state, tokens)
