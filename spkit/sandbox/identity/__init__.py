"""The sandbox's Microsoft identity platform (``login.<suffix>``): OIDC discovery, JWKS, user realm and the
v2.0 token endpoint with the client-credentials grant, failing with Entra's AADSTS codes.

``models.py`` holds the rules, ``client_assertions.py`` the certificate-assertion checks, ``exceptions.py``
the AADSTS catalog and error body, ``responses.py`` the ``Service``, ``urls.py`` the routes.
"""

from __future__ import annotations

from ..access_tokens import TokenService
from ..service import Service
from ..state import SandboxState
from .exceptions import AadstsError
from .models import IdentityBackend
from .responses import IdentityService


def make_service(state: SandboxState, tokens: TokenService) -> Service:
    """The identity ``Service`` over ``state``, signing with ``tokens``."""
    return IdentityService(IdentityBackend(state, tokens, clock=state.now))


__all__ = ["AadstsError", "IdentityBackend", "IdentityService", "make_service"]
