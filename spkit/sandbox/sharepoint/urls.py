"""SharePoint's route table: the REST endpoints under any site's URL (``/sites/x``, ``/teams/x``,
``/personal/x`` or the host root). ``contextinfo`` is POST only, as SharePoint has it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..http import Route

if TYPE_CHECKING:
    from .responses import SharePointService

_WEB = r"(?P<web>(?:/[^/]+)*?)"


def routes(service: SharePointService) -> list[Route]:
    return [
        Route.of("GET", _WEB + r"/_api/web/?", service.get_web),
        Route.of("GET", _WEB + r"/_api/site/?", service.get_site),
        Route.of("POST", _WEB + r"/_api/contextinfo/?", service.post_context_info),
    ]
