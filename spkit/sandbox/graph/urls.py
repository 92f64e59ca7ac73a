"""Graph's route table. Order matters: the first route whose path matches wins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..http import Route

if TYPE_CHECKING:
    from .responses import GraphService

_VERSION = r"/(?P<version>v1\.0|beta)"


def routes(service: GraphService) -> list[Route]:
    return [
        # Graph also answers the namespace-qualified and call forms of the function.
        Route.of(
            "GET",
            _VERSION + r"/sites/(?:microsoft\.graph\.|oneDrive\.)?getAllSites(?:\(\))?",
            service.get_all_sites,
        ),
        Route.of("GET", _VERSION + r"/sites/root", service.get_root_site),
        # host | host,siteGuid[,webGuid] | host:/server/relative/path[:]
        Route.of("GET", _VERSION + r"/sites/(?P<ref>[^/]+(?::/[^:]*:?)?)", service.get_site),
        Route.of("GET", _VERSION + r"/organization", service.get_organization),
    ]
