"""SharePoint Online's error shapes: every refusal ``responses.py`` and ``models.py`` answer with comes
from here.

SharePoint answers from two layers:

* the authentication module refuses a bearer token before any site code runs: 401 with a bare
  ``{"error_description": "..."}`` body, an ``x-ms-diagnostics`` header and the ``WWW-Authenticate:
  Bearer realm=..`` challenge (AzureAD/azure-activedirectory-library-for-js#589 shows all three); those
  are Online's own, defined here;
* the REST (OData) layer, the same code as SharePoint Server's: its refusals are ``sp_rest.errors``'
  shared classes, named here as Online uses them (the farm's ``exceptions.py`` names the same ones).
"""

from __future__ import annotations

from ..sp_rest.errors import (
    AccessDenied,
    FileNotFound,
    InternalError,
    MethodNotAllowed,
    SharePointError,
    error_body,
    unknown_target,
)

__all__ = [
    "THROTTLED_BODY",
    "AccessDenied",
    "FileNotFound",
    "InternalError",
    "MethodNotAllowed",
    "SharePointError",
    "TokenRefused",
    "diagnostics",
    "error_body",
    "unknown_target",
]

# The body of SharePoint Online's 429. [unsure] reports quote a plain "429 TOO MANY REQUESTS".
THROTTLED_BODY = "429 TOO MANY REQUESTS"


class TokenRefused(Exception):
    """401 from the authentication module (bare ``error_description`` body)."""

    def __init__(self, description: str, diagnostics: str) -> None:
        super().__init__(description)
        self.description = description
        self.diagnostics = diagnostics  # the x-ms-diagnostics header value


def diagnostics(code: int, reason: str, category: str = "invalid_client") -> str:
    """SharePoint's ``x-ms-diagnostics`` value, e.g.
    ``3000003;reason="Invalid audience Uri '..'.";category="invalid_client"``."""
    return f'{code};reason="{reason}";category="{category}"'
