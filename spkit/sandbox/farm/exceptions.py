"""The farm's error shapes: every refusal ``responses.py`` and ``models.py`` answer with comes from here.

SharePoint Server's REST (OData) layer is the same code as SharePoint Online's and refuses alike: those
refusals are ``sp_rest.errors``' shared classes, named here as the farm uses them (Online's
``sharepoint/exceptions.py`` names the same ones). What is the farm's own: IIS Windows authentication in
front of it (``ntlm.py``), which answers 401 with ``WWW-Authenticate: Negotiate`` / ``NTLM`` and a
plain-text body, and SharePoint Server's request throttling, a plain-text 503.
"""

from __future__ import annotations

from ..sp_rest.errors import (
    AccessDenied,
    FileNotFound,
    InternalError,
    InvalidClientQuery,
    MethodNotAllowed,
    SharePointError,
    error_body,
    unknown_target,
)

__all__ = [
    "BUSY_BODY",
    "UNAUTHORIZED_BODY",
    "AccessDenied",
    "FileNotFound",
    "InternalError",
    "InvalidClientQuery",
    "MethodNotAllowed",
    "SharePointError",
    "error_body",
    "unknown_target",
]

# What SharePoint Server sends with a 401 (text/plain; Content-Length 16), whatever the cause: no reason
# leaks to the client (centreon/centreon-plugins#4147 shows the headers and the length).
UNAUTHORIZED_BODY = "401 UNAUTHORIZED"
# The body of its throttling 503. [unsure] SharePoint shows "The server is busy now. Try again later." to
# browsers.
BUSY_BODY = "The server is busy now. Try again later."
