"""Request bodies of the app registration endpoints, read as Graph reads them: a JSON object of the
type's properties, each value checked, and Graph's own 400 for the first one that is wrong.

Values are only parsed here; whether the caller may write them, and what writing does, is the rules'.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

from ..state import KeyCredential
from .app_resources import SERVICE_PRINCIPAL_WRITABLE
from .catalog import ResourceApp
from .exceptions import BadRequest, RequestBadRequest

SIGN_IN_AUDIENCES = (
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
)
# What Entra sets when POST /applications names no signInAudience (the create example's answer).
DEFAULT_SIGN_IN_AUDIENCE = "AzureADandPersonalMicrosoftAccount"


def check_properties(body: Any, writable: frozenset[str], type_name: str) -> dict[str, Any]:
    """A JSON object whose properties the type has (OData's error for one it does not)."""
    if not isinstance(body, dict):
        raise BadRequest(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and "
            "payload is of valid JSON format."
        )
    known = {p.lower() for p in writable} | {"@odata.type"}
    for name in body:
        if name.lower() not in known and name not in (
            "id",
            "appId",
            "createdDateTime",
            "deletedDateTime",
            "publisherDomain",
        ):
            raise BadRequest(
                f"The property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to "
                "only use property names that are defined by the type or mark the type as open type."
            )
    return body


def invalid(prop: str, resource: str) -> RequestBadRequest:
    return RequestBadRequest(f"Invalid value specified for property '{prop}' of resource '{resource}'.")


def guid(value: Any, prop: str, resource: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise invalid(prop, resource) from None


def instant(value: Any, prop: str, resource: str) -> datetime:
    if not isinstance(value, str):
        raise invalid(prop, resource)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(prop, resource) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def strings(value: Any, prop: str, resource: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(prop, resource)
    return list(value)


def parse_required_resource_access(value: Any) -> list[dict]:
    """``[{resourceAppId, resourceAccess: [{id, type: Role|Scope}]}]``; ids are kept as written."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("requiredResourceAccess", "Application")
    parsed = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("resourceAccess", []), list):
            raise invalid("requiredResourceAccess", "Application")
        accesses = []
        for access in entry.get("resourceAccess") or []:
            if not isinstance(access, dict) or access.get("type") not in ("Role", "Scope"):
                raise invalid("resourceAccess", "RequiredResourceAccess")
            accesses.append({"id": guid(access.get("id"), "id", "ResourceAccess"), "type": access["type"]})
        parsed.append(
            {
                "resourceAppId": guid(entry.get("resourceAppId"), "resourceAppId", "RequiredResourceAccess"),
                "resourceAccess": accesses,
            }
        )
    return parsed


def _certificate(raw: Any) -> x509.Certificate:
    """``key``: the certificate's DER, base64 (a base64 of its PEM text is accepted too)."""
    if not isinstance(raw, str) or not raw.strip():
        raise invalid("key", "KeyCredential")
    try:
        data = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise invalid("key", "KeyCredential") from None
    for load in (x509.load_der_x509_certificate, x509.load_pem_x509_certificate):
        try:
            return load(data)
        except ValueError:
            continue
    # [unsure] Entra's wording for a key that is not a certificate.
    raise invalid("key", "KeyCredential")


def parse_key_credentials(value: Any, existing: Iterable[KeyCredential] = ()) -> list[KeyCredential]:
    """The new set of certificates. A PATCH replaces the whole set; an entry with the ``keyId`` of a
    registered key and no ``key`` keeps that key [unsure: Entra may want the key value resent]."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("keyCredentials", "Application")
    registered = {k.key_id: k for k in existing}
    keys: list[KeyCredential] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise invalid("keyCredentials", "Application")
        key_id = guid(entry["keyId"], "keyId", "KeyCredential") if entry.get("keyId") else None
        if entry.get("key") is None and key_id in registered:
            keys.append(registered[key_id])
            continue
        if entry.get("type") != "AsymmetricX509Cert":
            # The sandbox models certificate credentials only (no Symmetric / X509CertAndPassword).
            raise invalid("type", "KeyCredential")
        if entry.get("usage") != "Verify":
            raise invalid("usage", "KeyCredential")
        certificate = _certificate(entry.get("key"))
        start = (
            instant(entry["startDateTime"], "startDateTime", "KeyCredential")
            if entry.get("startDateTime")
            else None
        )
        end = (
            instant(entry["endDateTime"], "endDateTime", "KeyCredential")
            if entry.get("endDateTime")
            else None
        )
        if end is not None and end > certificate.not_valid_after_utc + timedelta(seconds=1):
            raise RequestBadRequest("Key credential end date is invalid.")  # [unsure] wording
        if start is not None and end is not None and end <= start:
            raise RequestBadRequest("Key credential end date is invalid.")
        custom = entry.get("customKeyIdentifier")
        if custom is not None and not isinstance(custom, str):
            raise invalid("customKeyIdentifier", "KeyCredential")
        label = entry.get("displayName")
        keys.append(
            KeyCredential(
                key_id=key_id or str(uuid.uuid4()),
                certificate=certificate,
                display_name=label if isinstance(label, str) else certificate.subject.rfc4514_string(),
                start=start,
                end=end,
                custom_key_identifier=custom,
            )
        )
    ids = [k.key_id for k in keys]
    if len(ids) != len(set(ids)):
        raise invalid("keyId", "KeyCredential")
    return keys


def sign_in_audience(value: Any) -> str:
    """One of the four audiences Entra knows (``SIGN_IN_AUDIENCES``)."""
    if value not in SIGN_IN_AUDIENCES:
        raise invalid("signInAudience", "Application")
    return str(value)


def notes(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid("notes", "Application")
    return value


MAX_DISPLAY_NAME = 256  # the application resource's documented limit on displayName


def display_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RequestBadRequest("A value is required for property 'displayName' of resource 'Application'.")
    if len(value) > MAX_DISPLAY_NAME:
        # [unsure] that a name over the limit gets this wording; it is Entra's for an invalid displayName.
        raise RequestBadRequest(
            "Invalid value specified for property 'displayName' of resource 'Application'."
        )
    return value


def parse_scope(value: Any, resource: ResourceApp | None) -> str:
    """A grant's ``scope``: space-separated delegated permissions of ``resource``, each once, as it names them."""
    if not isinstance(value, str):
        raise invalid("scope", "OAuth2PermissionGrant")
    names = value.split()
    if resource is None or any(resource.scope_by_value(n) is None for n in names):
        raise invalid("scope", "OAuth2PermissionGrant")  # [unsure] wording for an unknown scope
    return " ".join(dict.fromkeys(resource.scope_by_value(n).value for n in names))  # type: ignore[union-attr]


def parse_password_credential(
    body: Any, now: datetime, lifetime: timedelta
) -> tuple[datetime, datetime, str]:
    """addPassword's ``{passwordCredential: {displayName, startDateTime, endDateTime}}`` (all optional):
    (start, end, display name), starting ``now`` and lasting ``lifetime`` unless the body says otherwise."""
    if body is None:
        body = {}
    if not isinstance(body, dict) or not isinstance(body.get("passwordCredential", {}), dict | None):
        raise invalid("passwordCredential", "Application")
    spec = body.get("passwordCredential") or {}
    start = (
        instant(spec["startDateTime"], "startDateTime", "PasswordCredential")
        if spec.get("startDateTime")
        else now
    )
    end = (
        instant(spec["endDateTime"], "endDateTime", "PasswordCredential")
        if spec.get("endDateTime")
        else start + lifetime
    )
    if end <= start:
        raise invalid("endDateTime", "PasswordCredential")
    label = spec.get("displayName")
    if label is not None and not isinstance(label, str):
        raise invalid("displayName", "PasswordCredential")
    return start, end, label or ""


def service_principal_app_id(body: Any) -> str:
    """``POST /servicePrincipals``: the ``appId`` it names (lower case), required."""
    body = check_properties(body, SERVICE_PRINCIPAL_WRITABLE, "servicePrincipal")
    app_id = body.get("appId")
    if not isinstance(app_id, str) or not app_id.strip():
        raise RequestBadRequest("A value is required for property 'appId' of resource 'ServicePrincipal'.")
    return app_id.strip().lower()
