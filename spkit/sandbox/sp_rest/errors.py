"""The REST (OData) layer's refusals, the same in SharePoint Online and SharePoint Server:
``{"odata.error": {"code": "<hresult>, <exception type>", "message": {"lang", "value"}}}``, or
``{"error": {...}}`` when the client asked for ``odata=verbose``.

The authentication layers in front of it differ (Online's bearer-token refusals in
``sharepoint/exceptions.py``, IIS Windows authentication's in ``farm/exceptions.py``) and are not here;
each product's ``exceptions.py`` names these shared classes for its answers.
"""

from __future__ import annotations

from typing import Any

ACCESS_DENIED_CODE = "-2147024891, System.UnauthorizedAccessException"
ACCESS_DENIED_MESSAGE = (
    "Access denied. You do not have permission to perform this action or access this resource."
)


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
    """403 (or 401 for an Online app-only token carrying no SharePoint role; see ``models.authorize_read``)."""

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

    def __init__(self, method: str) -> None:
        super().__init__(f"The HTTP method '{method}' cannot be used on this resource.")


class Throttled(SharePointError):
    status = 429


class InternalError(SharePointError):
    # [unsure] SharePoint's generic server failure.
    status = 500
    code = "-2146233088, System.InvalidOperationException"

    def __init__(self, message: str = "Sorry, something went wrong.") -> None:
        super().__init__(message)


def unknown_target(path: str) -> SharePointError:
    """The refusal for a path no route takes: an unknown ``_api`` resource (404 InvalidClientQuery naming
    its first segment) or, outside ``/_api/``, a file that is not there."""
    _, sep, rest = path.partition("/_api/")
    if sep:
        return InvalidClientQuery(
            f"Cannot find resource for the request {rest.split('/')[0] or '_api'}.", status=404
        )
    return FileNotFound()


def error_body(err: SharePointError, mode: str) -> dict[str, Any]:
    """The JSON body of a refusal in OData flavour ``mode`` (see ``odata.odata_mode``)."""
    message = {"code": err.code, "message": {"lang": "en-US", "value": err.message}}
    return {"error": message} if mode == "verbose" else {"odata.error": message}
