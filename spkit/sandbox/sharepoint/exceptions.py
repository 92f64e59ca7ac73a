"""SharePoint Online's own refusals: those of its authentication module.

SharePoint answers from two layers:

* the authentication module refuses a bearer token before any site code runs: 401 with a bare
  ``{"error_description": "..."}`` body, an ``x-ms-diagnostics`` header and the ``WWW-Authenticate:
  Bearer realm=..`` challenge (AzureAD/azure-activedirectory-library-for-js#589 shows all three); that
  is this module;
* the REST (OData) layer, the same as SharePoint Server's, whose refusals are in ``sp_rest.errors``.
"""

from __future__ import annotations


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
