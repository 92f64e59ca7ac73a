"""A web application zone with forms-based (claims) authentication only, as SharePoint Server answers a
request without its sign-in cookie ([MS-OFBA] 2.2): no ``WWW-Authenticate`` at all. A client that says it
speaks MS-OFBA (``X-FORMS_BASED_AUTH_ACCEPTED: t``) or does not look like a browser gets ``403`` naming the
login page in ``X-Forms_Based_Auth_Required``; a browser gets ``302`` to that page. The sandbox keeps no
membership provider: the login page is served, and nobody signs in (an NTLM client has nothing to offer).
Central Administration stays on Windows authentication, as it always is."""

from __future__ import annotations

from urllib.parse import quote

from ..http import Request, Response
from .state import Farm

LOGIN_PATH = "/_login/default.aspx"
ERROR_PAGE = "/_layouts/15/Error.aspx"
# [unsure] the exact wording of the WebDAV extended error SharePoint adds (MS-WEBDAVE 2.2.3, 0x000E0098).
DAV_ERROR = (
    "917656; Access+denied.+Before+opening+files+in+this+location%2c+you+must+first+browse+to+the+web+site+"
    "and+select+the+option+to+login+automatically."
)
_LOGIN_PAGE = (
    '<!DOCTYPE html><html><head><title>Sign In</title></head><body><form method="post" '
    'action="{action}"><label>User name <input name="ctl00$PlaceHolderMain$signInControl$UserName"></label>'
    '<label>Password <input type="password" name="ctl00$PlaceHolderMain$signInControl$password"></label>'
    '<input type="submit" value="Sign In"></form></body></html>'
)


def _browser(request: Request) -> bool:
    """MS-OFBA 2.2.1: the accepted header, else the user agent, tells a browser from another client."""
    if (request.header("X-FORMS_BASED_AUTH_ACCEPTED") or "").strip().lower() == "t":
        return False
    return "mozilla" in (request.header("User-Agent") or "").lower()


def forms_answer(request: Request, farm: Farm, headers: list[tuple[str, str]]) -> Response:
    """The answer to any request of the zone (none carries a sign-in cookie the sandbox issued)."""
    origin = farm.public_url
    if request.path.lower().startswith("/_login/"):
        action = quote(request.path, safe="/.")
        return Response.html(200, _LOGIN_PAGE.format(action=action), headers)
    if _browser(request):
        location = f"{origin}{LOGIN_PATH}?ReturnUrl={quote(request.path, safe='')}"
        return Response.html(
            302,
            f'<html><body>Object moved to <a href="{location}">here</a>.</body></html>',
            [
                *headers,
                ("Location", location),
            ],
        )
    login = (
        f"{origin}{LOGIN_PATH}?ReturnUrl={quote(ERROR_PAGE, safe='')}&Source={quote(request.path, safe='')}"
    )
    return Response.text(
        403,
        "403 FORBIDDEN",  # [unsure] the body; clients read the headers
        headers=[
            *headers,
            ("X-Forms_Based_Auth_Required", login),
            ("X-Forms_Based_Auth_Return_Url", f"{origin}{ERROR_PAGE}"),
            ("X-MSDAVEXT_Error", DAV_ERROR),
        ],
    )
