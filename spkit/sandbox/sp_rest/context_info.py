"""``POST /_api/contextinfo`` (SP.ContextWebInformation), as SharePoint Online and Server both answer it.

Clients fetch it before their first request for the form digest they send as ``X-RequestDigest``
(Office365-REST-Python-Client, PnPjs, CSOM all do), so a SharePoint that does not serve it fails them at
their first call whatever they meant to do.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from .odata import Entity, render_entity

FORM_DIGEST_TIMEOUT_S = 1800  # SharePoint's default form digest lifetime
SCHEMA_VERSIONS = ["14.0.0.0", "15.0.0.0"]


def digest_date(now: datetime, offset: str | None = None) -> str:
    """The date a form digest ends with: ``16 Mar 2025 09:12:40 -0000`` (Online writes ``-0000``; a farm the
    offset of its own zone, ``offset`` None)."""
    return now.strftime("%d %b %Y %H:%M:%S ") + (offset if offset is not None else now.strftime("%z"))


def context_info(url: str, library_version: str, when: str) -> dict[str, Any]:
    """SP.ContextWebInformation's fields in SharePoint's (alphabetical) order; ``when`` from ``digest_date``."""
    digest = uuid.uuid4().hex.upper() * 4
    return {
        "FormDigestTimeoutSeconds": FORM_DIGEST_TIMEOUT_S,
        "FormDigestValue": f"0x{digest[:128]},{when}",
        "LibraryVersion": library_version,
        "SiteFullUrl": url,
        "SupportedSchemaVersions": list(SCHEMA_VERSIONS),
        "WebFullUrl": url,
    }


def render_context_info(info: dict[str, Any], mode: str, url: str) -> dict[str, Any]:
    """The body in OData flavour ``mode``: verbose wraps it in ``d.GetContextWebInformation`` (the function's
    name), the others are flat. [unsure] the OData v4 context fragment (Online only)."""
    if mode == "verbose":
        body = render_entity(Entity("SP.ContextWebInformation", "contextinfo", "", url, info), mode)["d"]
        body["__metadata"] = {"type": "SP.ContextWebInformation"}
        return {"d": {"GetContextWebInformation": body}}
    if mode == "minimal":
        return {"odata.metadata": f"{url}/_api/$metadata#SP.ContextWebInformation", **info}
    if mode == "v4":
        return {"@odata.context": f"{url}/_api/$metadata#SP.ContextWebInformation", **info}
    return dict(info)
