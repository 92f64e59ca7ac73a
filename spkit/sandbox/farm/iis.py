"""A port of the farm's server that answers, but not as SharePoint: IIS's "Default Web Site" (the welcome
page ``iisstart.htm``, anonymous, no SharePoint headers), as found where a profile expects Central
Administration on a port that another site holds.

What tells it apart from SharePoint is what a client can see: no ``MicrosoftSharePointTeamServices``
header, no ``WWW-Authenticate`` challenge, IIS's HTML 404 page for ``/_api/...``.
"""

from __future__ import annotations

from ..http import Request, Response, Route
from .state import Farm

IIS_SERVER = "Microsoft-IIS/10.0"
_WELCOME = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n'
    '<html xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n'
    '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />\r\n'
    "<title>IIS Windows Server</title>\r\n</head>\r\n<body>\r\n"
    '<div id="container">\r\n<a href="http://go.microsoft.com/fwlink/?linkid=66138&amp;clcid=0x409">'
    '<img src="iisstart.png" alt="IIS" width="960" height="600" /></a>\r\n</div>\r\n</body>\r\n</html>'
)
_NOT_FOUND = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n'
    '<html xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n'
    "<title>404 - File or directory not found.</title>\r\n</head>\r\n<body>\r\n"
    '<div id="header"><h1>Server Error</h1></div>\r\n<div id="content">\r\n'
    ' <div class="content-container"><fieldset>\r\n'
    "  <h2>404 - File or directory not found.</h2>\r\n"
    "  <h3>The resource you are looking for might have been removed, had its name changed, or is "
    "temporarily unavailable.</h3>\r\n </fieldset></div>\r\n</div>\r\n</body>\r\n</html>\r\n"
)


HTTPSYS_SERVER = "Microsoft-HTTPAPI/2.0"
_HTTPSYS_TITLES = {400: "Bad Request", 413: "Request Entity Too Large", 501: "Not Implemented"}


def httpsys_refusal(status: int, message: str) -> Response:
    """HTTP.sys's own page for a request it will not hand to IIS (bad framing, too large): on a farm the
    kernel driver answers these before SharePoint sees them."""
    title = _HTTPSYS_TITLES.get(status, "Bad Request")
    heading = f"{title} - Invalid Content Length" if status == 400 else title
    page = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
        f"<HTML><HEAD><TITLE>{title}</TITLE>\r\n"
        '<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
        f"<BODY><h2>{heading}</h2>\r\n<hr><p>HTTP Error {status}. {message}</p>\r\n</BODY></HTML>\r\n"
    )
    return Response(
        status,
        page.encode("ascii", "replace"),
        [("Content-Type", "text/html; charset=us-ascii"), ("Server", HTTPSYS_SERVER)],
    )


class IisDefaultSite:
    """One farm host's other port (``other_ports: [{port, answer: not_sharepoint}]``)."""

    throttleable = False
    on_premises = True

    def __init__(self, farm: Farm, port: int) -> None:
        self.farm = farm
        self.port = port
        self.name = f"iis:{farm.name}:{port}"

    def serves(self, host: str, port: int) -> bool:
        return host == self.farm.host and port == self.port

    def routes(self) -> list[Route]:
        return [Route.of("GET,HEAD", r"/(iisstart\.htm)?", self.welcome)]

    @staticmethod
    def _headers() -> list[tuple[str, str]]:
        return [("Server", IIS_SERVER), ("X-Powered-By", "ASP.NET"), ("Accept-Ranges", "bytes")]

    def welcome(self, request: Request, match) -> Response:
        return Response.html(200, _WELCOME, self._headers())

    def not_found(self, request: Request) -> Response:
        return Response.html(404, _NOT_FOUND, self._headers())

    def method_not_allowed(self, request: Request) -> Response:
        # [unsure] IIS's static file handler answers 405 with an HTML page of its own.
        return Response.html(
            405, "<h2>405 - HTTP verb used to access this page is not allowed.</h2>", self._headers()
        )

    def throttled(self, request: Request, retry_after: int) -> Response:
        return Response.html(
            503, "<h2>503 - Service Unavailable</h2>", [*self._headers(), ("Retry-After", str(retry_after))]
        )

    def internal_error(self, request: Request, error: Exception) -> Response:
        return Response.html(500, "<h2>500 - Internal server error.</h2>", self._headers())

    def unreadable(self, request: Request, status: int, message: str) -> Response:
        return httpsys_refusal(status, message)
