"""The sandbox's Microsoft identity platform (``login.<suffix>``): OIDC discovery, JWKS, user realm, the
v2.0 token endpoint (client credentials, ROPC, refresh tokens, the device code flow) and the device code
flow's verification pages, failing with Entra's AADSTS codes.

The rules are free functions in topic modules over the shared state: ``tenants``, ``discovery``,
``token_endpoint`` (the grant table), ``client_credentials``, ``client_auth`` with ``client_assertions``,
``delegated_grants``, ``sign_in``, ``scopes``, ``user_tokens`` and ``device_flow``. ``models`` holds
identity's own value types, ``stores`` the device codes and refresh tokens, ``context`` the per-sandbox
wiring the rules take; ``exceptions`` the AADSTS catalog and error body, ``responses`` the ``Service``,
``urls`` the routes, ``pages`` the verification pages' HTML, ``first_party`` Microsoft's public clients.
"""

from __future__ import annotations

from ..access_tokens import TokenService
from ..service import Service
from ..state import SandboxState
from .exceptions import AadstsError
from .responses import IdentityService


def make_service(state: SandboxState, tokens: TokenService) -> Service:
    """The identity ``Service`` over ``state``, signing with ``tokens``."""
    return IdentityService(state, tokens, clock=state.now)


__all__ = ["AadstsError", "IdentityService", "make_service"]
