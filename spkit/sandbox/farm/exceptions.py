"""The farm's error shapes: SharePoint Server's REST (OData) layer answers exactly as SharePoint Online's
(``{"odata.error": {"code": "<hresult>, <exception type>", "message": {"lang", "value"}}}``, or
``{"error": ...}`` with ``odata=verbose``), so the classes are SharePoint Online's. What differs is the
authentication layer in front of it: IIS Windows authentication (``ntlm.py``), which answers 401 with
``WWW-Authenticate: Negotiate`` / ``NTLM`` and the plain-text body ``401 UNAUTHORIZED``.
"""

from __future__ import annotations

from ..sharepoint.exceptions import (
    ACCESS_DENIED_CODE,
    ACCESS_DENIED_MESSAGE,
    AccessDenied,
    FileNotFound,
    InternalError,
    InvalidClientQuery,
    MethodNotAllowed,
    SharePointError,
)

__all__ = [
    "ACCESS_DENIED_CODE",
    "ACCESS_DENIED_MESSAGE",
    "UNAUTHORIZED_BODY",
    "AccessDenied",
    "FileNotFound",
    "InternalError",
    "InvalidClientQuery",
    "MethodNotAllowed",
    "SharePointError",
]

# What SharePoint Server sends with a 401 (text/plain; Content-Length 16), whatever the cause: no reason
# leaks to the client (centreon/centreon-plugins#4147 shows the headers and the length).
UNAUTHORIZED_BODY = "401 UNAUTHORIZED"
