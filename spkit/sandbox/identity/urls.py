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
        Route.of("GET", r"/common/userrealm/(?P<login>[^/]+)", service.user_realm_v1),
        Route.of("POST", rf"/{TENANT}/oauth2/v2\.0/token", service.token),
        Route.of("POST", rf"/{TENANT}/oauth2/v2\.0/devicecode", service.devicecode),
        # The device code flow's verification pages, then the tests' hook that decides a code without them.
        Route.of("GET,POST", r"/devicelogin/?", service.device_login),
        Route.of("POST", r"/devicelogin/signin", service.device_login_signin),
        Route.of("POST", r"/devicelogin/approve", service.device_login_approve),
        Route.of("POST", r"/devicelogin/cancel", service.device_login_cancel),
        Route.of("POST", r"/_sandbox/devicecode", service.sandbox_device_code),
    ]
