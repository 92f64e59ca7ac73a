"""Emulated SharePoint Online (``<t>.``, ``<t>-admin.``, ``<t>-my.`` + the SharePoint suffix): the REST
``/_api/web``, ``/_api/site`` and ``POST /_api/contextinfo`` endpoints, SharePoint's token rules and its
error shapes."""

from __future__ import annotations

from ..access_tokens import TokenService
from ..service import Service
from ..state import SandboxState
from .responses import SharePointService

__all__ = ["SharePointService", "make_service"]


def make_service(state: SandboxState, tokens: TokenService) -> Service:
    return SharePointService(state, tokens)
