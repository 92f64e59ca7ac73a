"""The login host's route table. Paths full-match case-insensitively (``Route.of``); ``tenant`` is the raw
path segment (the handler URL-decodes it, so ``a%20b`` reaches the tenant rules as ``a b``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..http import Route

if TYPE_CHECKING:
    from .responses import IdentityService

TENANT = r"(?P<tenant>[^/]+)"


def url_routes(service: IdentityService) -> list[Route]:
    """Every endpoint the sandbox's identity platform answers, in match order."""
    return [
        Route.of("GET", rf"/{TENANT}/v2\.0/\.well-known/openid-configuration", service.openid_configuration),
        Route.of("GET", rf"/{TENANT}/\.well-known/openid-configuration", service.openid_configuration_v1),
        Route.of("GET", rf"/{TENANT}/discovery/v2\.0/keys", service.keys),
        Route.of("GET", rf"/{TENANT}/discovery/keys", service.keys),
        Route.of("GET,POST", r"/getuserrealm\.srf", service.user_realm),
        Route.of("POST", rf"/{TENANT}/oauth2/v2\.0/token", service.token),
    ]
