"""Microsoft Graph's own error shapes.

Every Graph refusal is ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}``; the codes and messages below are the ones public error reports quote (cited per
class). Clients branch on ``code`` (and SDKs surface ``message``), so a sandbox that invents either would
teach clients the wrong thing.
"""

from __future__ import annotations

from typing import Any


class GraphError(Exception):
    """One Graph refusal; ``responses.py`` renders it with the request's ids."""

    status = 400
    code = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        inner_code: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.inner_code = inner_code
        self.headers = headers
        self.details = details

    def body(self, *, date: str, request_id: str, client_request_id: str) -> dict[str, Any]:
        inner: dict[str, Any] = {}
        if self.inner_code:
            inner["code"] = self.inner_code
        inner.update({"date": date, "request-id": request_id, "client-request-id": client_request_id})
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        error["innerError"] = inner
        return {"error": error}


class InvalidAuthenticationToken(GraphError):
    """401: missing, malformed, badly signed, expired or wrong-audience token.

    Messages seen from graph.microsoft.com: "Access token is empty.", "CompactToken parsing failed with
    error code: 80049217" (not a JWT), "Lifetime validation failed, the token is expired.", "Access token
    validation failure. Invalid audience." (microsoftgraph/microsoft-graph-docs#16208).
    """

    status = 401
    code = "InvalidAuthenticationToken"


class AccessDenied(GraphError):
    """403 from the SharePoint-backed workloads (sites): ``accessDenied`` / "Access denied"
    (microsoftgraph/microsoft-graph-docs-contrib#9064)."""

    status = 403
    code = "accessDenied"


class AuthorizationRequestDenied(GraphError):
    """403 from the directory workloads (organization, users, applications)."""

    status = 403
    code = "Authorization_RequestDenied"


class ItemNotFound(GraphError):
    status = 404
    code = "itemNotFound"


class InvalidRequest(GraphError):
    """400 from the SharePoint-backed workloads (lower-camel codes, like ``itemNotFound``)."""

    status = 400
    code = "invalidRequest"


class BadRequest(GraphError):
    """400 from Graph's OData front end (unknown segment, bad query option)."""

    status = 400
    code = "BadRequest"


class MethodNotAllowed(GraphError):
    # [unsure] wording: the OData front end's message for a verb the segment does not support.
    status = 405
    code = "BadRequest"


class Throttled(GraphError):
    """429. Sites answer ``activityLimitReached`` / "The request has been throttled" with inner code
    ``throttledRequest`` (learn.microsoft.com Q&A 648796); directory workloads ``TooManyRequests``
    [unsure wording]."""

    status = 429


class GeneralException(GraphError):
    # [unsure] the SharePoint-backed workloads' catch-all.
    status = 500
    code = "generalException"


# --- the directory workloads (users, applications, service principals, grants) ----------------------------

INSUFFICIENT_PRIVILEGES = "Insufficient privileges to complete the operation."


class ResourceNotFound(GraphError):
    """404 for a directory object that does not exist (``Request_ResourceNotFound``)."""

    status = 404
    code = "Request_ResourceNotFound"

    @classmethod
    def of(cls, reference: str) -> ResourceNotFound:
        return cls(
            f"Resource '{reference}' does not exist or one of its queried reference-property objects are "
            "not present."
        )


class RequestBadRequest(GraphError):
    """400 from the directory workloads (``Request_BadRequest``), e.g. "Invalid object identifier 'x'."."""

    status = 400
    code = "Request_BadRequest"


class ObjectConflict(GraphError):
    """409: a directory object with the same key exists (a second service principal for one appId)."""

    status = 409
    code = "Request_MultipleObjectsWithSameKeyValue"


def insufficient_privileges() -> AuthorizationRequestDenied:
    return AuthorizationRequestDenied(INSUFFICIENT_PRIVILEGES)
