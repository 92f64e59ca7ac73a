"""The farm's route tables: REST under any site collection of the web application, and Central
Administration's own site plus the sandbox's farm endpoints (``/_api/farm...``, not Microsoft's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..http import Route

if TYPE_CHECKING:
    from .responses import FarmService

_WEB = r"(?P<web>(?:/[^/]+)*?)"


def _site_routes(service: FarmService) -> list[Route]:
    return [
        Route.of("GET", _WEB + r"/_api/web/?", service.get_web),
        Route.of("GET", _WEB + r"/_api/site/?", service.get_site),
        Route.of("GET", _WEB + r"/_api/web/currentuser/?", service.get_current_user),
        Route.of("POST", _WEB + r"/_api/contextinfo/?", service.post_context_info),
    ]


def web_routes(service: FarmService) -> list[Route]:
    return [*_site_routes(service), Route.of("GET", _WEB + r"/_api/search/query/?", service.search_query)]


def central_admin_routes(service: FarmService) -> list[Route]:
    return [
        *_site_routes(service),
        Route.of("GET", r"/_api/farm/?", service.get_farm),
        Route.of("GET", r"/_api/farm/webapplications/?", service.list_web_applications),
        Route.of("GET", r"/_api/farm/sitecollections/?", service.list_site_collections),
    ]
