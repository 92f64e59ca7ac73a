"""SharePoint Online's own error shapes.

Two families, because SharePoint answers from two layers:

* the authentication module refuses a bearer token before any site code runs: 401 with a bare
  ``{"error_description": "..."}`` body, an ``x-ms-diagnostics`` header and the ``WWW-Authenticate:
  Bearer realm=..`` challenge (AzureAD/azure-activedirectory-library-for-js#589 shows all three);
* the REST (OData) layer answers ``{"odata.error": {"code": "<hresult>, <exception type>", "message":
  {"lang", "value"}}}``, or ``{"error": {...}}`` when the client asked for ``odata=verbose``.
"""

from __future__ import annotations

ACCESS_DENIED_CODE = "-2147024891, System.UnauthorizedAccessException"
ACCESS_DENIED_MESSAGE = (
    "Access denied. You do not have permission to perform this action or access this resource."
)


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


class SharePointError(Exception):
    """A refusal from the REST layer, rendered in the OData flavour the client asked for."""

    status = 400
    code = "-1, Microsoft.SharePoint.Client.InvalidClientQueryException"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class AccessDenied(SharePointError):
    """403 (or 401 for an app-only token carrying no SharePoint role; see ``models.authorize``)."""

    status = 403
    code = ACCESS_DENIED_CODE

    def __init__(self, message: str = ACCESS_DENIED_MESSAGE, *, status: int | None = None) -> None:
        super().__init__(message, status=status)


class FileNotFound(SharePointError):
    # [unsure] the code SharePoint gives for a site URL no site collection owns.
    status = 404
    code = "-2147024894, System.IO.FileNotFoundException"

    def __init__(self, message: str = "File Not Found.") -> None:
        super().__init__(message)


class InvalidClientQuery(SharePointError):
    """400/404 for a malformed query or an unknown ``_api`` resource ("Cannot find resource for the
    request x.")."""


class MethodNotAllowed(SharePointError):
    # [unsure] wording and status for a verb the endpoint does not take.
    status = 405


class Throttled(SharePointError):
    status = 429


class InternalError(SharePointError):
    # [unsure] SharePoint's generic server failure.
    status = 500
    code = "-2146233088, System.InvalidOperationException"
