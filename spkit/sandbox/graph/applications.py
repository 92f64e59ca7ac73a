"""App registrations, service principals and consent, without HTTP.

An application lives in ``tenant.apps`` as a ``state.App`` (``client_id`` = appId, ``object_id`` = id), so
the identity platform issues tokens for it as soon as Graph created it. Its service principal is the
``service_principal_id`` (None until ``POST /servicePrincipals``). Application consent (an app role
assignment) adds ``"<Graph|SharePoint>/<role>"`` to ``app.granted`` and takes effect in issued tokens
``state.consent_delay_s`` later (``app.granted_at``), like Entra's propagation delay that clients poll
through. The resource service principals of Microsoft Graph and SharePoint are not apps of the tenant:
they come from ``catalog``.

Deleting an application deletes it for good (Entra keeps it 30 days in ``deletedItems``; the sandbox does
not model restore), with its service principal, its app role assignments, its delegated grants and its
Sites.Selected grants.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..state import App, ClientSecret, KeyCredential, OAuth2Grant, SandboxState, Tenant
from . import catalog
from .catalog import ResourceApp
from .directory import (
    APP_ADMINS,
    APP_CREATORS,
    CONSENT_ADMINS,
    GRAPH_CONSENT_ADMINS,
    holds_role,
    require_any,
)
from .exceptions import (
    BadRequest,
    ObjectConflict,
    RequestBadRequest,
    ResourceNotFound,
    insufficient_privileges,
)
from .models import Caller, require_permissions
from .odata import EntityType

# --- permissions -----------------------------------------------------------------------------------------

READ_SCOPES = frozenset(
    {
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    }
)
READ_ROLES = frozenset(
    {
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Application.ReadWrite.OwnedBy",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
# POST /applications: delegated Application.ReadWrite.All; application Application.ReadWrite.OwnedBy or
# Application.ReadWrite.All (application-post-applications). Directory.ReadWrite.All does not create apps.
WRITE_SCOPES = frozenset({"Application.ReadWrite.All", "Directory.AccessAsUser.All"})
WRITE_ROLES = frozenset({"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"})
# App role assignments need AppRoleAssignment.ReadWrite.All *and* a permission to read the service
# principals involved (Application.Read.All or more): with AppRoleAssignment.ReadWrite.All alone Graph
# answers 403 (microsoftgraph/microsoft-graph-docs#12833).
ASSIGN = "AppRoleAssignment.ReadWrite.All"
ASSIGN_READ = frozenset(
    {"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
)
GRANT_SCOPES = frozenset(
    {"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
)
GRANT_ROLES = frozenset({"DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"})
GRANT_READ_SCOPES = GRANT_SCOPES | {"DelegatedPermissionGrant.Read.All", "Directory.Read.All"}
GRANT_READ_ROLES = GRANT_ROLES | {"DelegatedPermissionGrant.Read.All", "Directory.Read.All"}

SIGN_IN_AUDIENCES = (
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
)
# What Entra sets when POST /applications names no signInAudience (the create example's answer).
DEFAULT_SIGN_IN_AUDIENCE = "AzureADandPersonalMicrosoftAccount"
SECRET_LIFETIME = timedelta(days=730)  # [unsure] addPassword's default endDateTime: two years


def authorize_read(caller: Caller) -> None:
    require_any(caller, READ_SCOPES, READ_ROLES)


def authorize_create(caller: Caller) -> None:
    """Registering an app: the permission, and (signed in) a role that may register apps here."""
    require_any(caller, WRITE_SCOPES, WRITE_ROLES)
    if caller.delegated and not holds_role(caller, APP_CREATORS):
        raise insufficient_privileges()


def owner_id(caller: Caller) -> str | None:
    """The object id that owns what this caller creates: the user, or the calling app's service principal."""
    if caller.delegated:
        return caller.object_id or None
    app = caller.tenant.app(caller.client_id)
    return app.service_principal_id if app else None


def authorize_manage(caller: Caller, app: App) -> None:
    """Changing or deleting one app (and its service principal): an app administrator, or its owner."""
    require_any(caller, WRITE_SCOPES, WRITE_ROLES)
    owned = owner_id(caller) in app.owner_ids
    if caller.delegated:
        if holds_role(caller, APP_ADMINS) or owned:
            return
    elif "Application.ReadWrite.All" in caller.roles or owned:
        return
    raise insufficient_privileges()


def authorize_assign(caller: Caller, resource: ResourceApp | None) -> None:
    """Granting or revoking application permissions on one resource's app roles."""
    require_permissions(caller)
    granted = caller.granted
    allowed = ASSIGN in granted and bool(granted & ASSIGN_READ)
    if caller.delegated:
        allowed = allowed or "Directory.AccessAsUser.All" in granted
        admins = GRAPH_CONSENT_ADMINS if resource is catalog.GRAPH else CONSENT_ADMINS
        if allowed and not holds_role(caller, admins):
            raise insufficient_privileges()
    if not allowed:
        raise insufficient_privileges()


def authorize_read_grants(caller: Caller) -> None:
    require_any(caller, GRANT_READ_SCOPES, GRANT_READ_ROLES)


def authorize_write_grants(caller: Caller) -> None:
    """Delegated consent: Global, Privileged Role, Application or Cloud Application Administrator."""
    require_any(caller, GRANT_SCOPES, GRANT_ROLES)
    if caller.delegated and not holds_role(caller, CONSENT_ADMINS):
        raise insufficient_privileges()


# --- shapes ---------------------------------------------------------------------------------------------

APPLICATION = EntityType(
    name="application",
    resource="Application",
    properties=(
        "id",
        "deletedDateTime",
        "addIns",
        "api",
        "appId",
        "applicationTemplateId",
        "appRoles",
        "certification",
        "createdDateTime",
        "defaultRedirectUri",
        "description",
        "disabledByMicrosoftStatus",
        "displayName",
        "groupMembershipClaims",
        "identifierUris",
        "info",
        "isDeviceOnlyAuthSupported",
        "isFallbackPublicClient",
        "keyCredentials",
        "notes",
        "optionalClaims",
        "parentalControlSettings",
        "passwordCredentials",
        "publicClient",
        "publisherDomain",
        "requestSignatureVerification",
        "requiredResourceAccess",
        "samlMetadataUrl",
        "serviceManagementReference",
        "servicePrincipalLockConfiguration",
        "signInAudience",
        "spa",
        "tags",
        "tokenEncryptionKeyId",
        "uniqueName",
        "verifiedPublisher",
        "web",
    ),
    eq=frozenset({"id", "appId", "displayName", "publisherDomain", "signInAudience", "uniqueName"}),
    startswith=frozenset({"displayName"}),
    any=frozenset({"tags", "identifierUris"}),
)
# Properties a client may send; those the sandbox does not model are accepted and ignored.
_APPLICATION_WRITABLE = frozenset(APPLICATION.properties) - {
    "id",
    "deletedDateTime",
    "appId",
    "createdDateTime",
    "publisherDomain",
}

SERVICE_PRINCIPAL = EntityType(
    name="servicePrincipal",
    resource="ServicePrincipal",
    properties=(
        "id",
        "deletedDateTime",
        "accountEnabled",
        "addIns",
        "alternativeNames",
        "appDescription",
        "appDisplayName",
        "appId",
        "applicationTemplateId",
        "appOwnerOrganizationId",
        "appRoleAssignmentRequired",
        "appRoles",
        "createdDateTime",
        "description",
        "disabledByMicrosoftStatus",
        "displayName",
        "homepage",
        "info",
        "keyCredentials",
        "loginUrl",
        "logoutUrl",
        "notes",
        "notificationEmailAddresses",
        "oauth2PermissionScopes",
        "passwordCredentials",
        "preferredSingleSignOnMode",
        "preferredTokenSigningKeyThumbprint",
        "replyUrls",
        "resourceSpecificApplicationPermissions",
        "samlSingleSignOnSettings",
        "servicePrincipalNames",
        "servicePrincipalType",
        "signInAudience",
        "tags",
        "tokenEncryptionKeyId",
        "verifiedPublisher",
    ),
    eq=frozenset(
        {"id", "appId", "displayName", "servicePrincipalType", "accountEnabled", "appOwnerOrganizationId"}
    ),
    startswith=frozenset({"displayName"}),
    any=frozenset({"servicePrincipalNames", "tags"}),
)
_SERVICE_PRINCIPAL_WRITABLE = frozenset(SERVICE_PRINCIPAL.properties) - {
    "id",
    "deletedDateTime",
    "createdDateTime",
}

ASSIGNMENT = EntityType(
    name="appRoleAssignment",
    resource="AppRoleAssignment",
    properties=(
        "id",
        "deletedDateTime",
        "appRoleId",
        "createdDateTime",
        "principalDisplayName",
        "principalId",
        "principalType",
        "resourceDisplayName",
        "resourceId",
    ),
    eq=frozenset({"principalId", "resourceId", "appRoleId"}),
)

GRANT = EntityType(
    name="oAuth2PermissionGrant",
    resource="OAuth2PermissionGrant",
    properties=("clientId", "consentType", "id", "principalId", "resourceId", "scope"),
    eq=frozenset({"clientId", "consentType", "principalId", "resourceId"}),
)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_precise(value: datetime) -> str:
    """Graph's createdDateTime: seven fractional digits (``2019-09-17T19:10:35.2742618Z``)."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond:06d}0Z"


def key_credential_resource(key: KeyCredential, *, with_key: bool = False) -> dict[str, Any]:
    """``customKeyIdentifier`` defaults to the certificate's thumbprint, which Graph shows as hex; ``key``
    is only sent for one object selected with ``$select=keyCredentials`` (keyCredential resource docs)."""
    cert = key.certificate
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "customKeyIdentifier": key.custom_key_identifier or key.thumbprint,
        "displayName": key.display_name,
        "endDateTime": iso(key.end or cert.not_valid_after_utc),
        "key": base64.b64encode(der).decode("ascii") if with_key else None,
        "keyId": key.key_id,
        "startDateTime": iso(key.start or cert.not_valid_before_utc),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    }


def password_resource(secret: ClientSecret, *, secret_text: str | None = None) -> dict[str, Any]:
    return {
        "customKeyIdentifier": None,
        "displayName": secret.display_name,
        "endDateTime": iso(secret.end),
        "hint": secret.hint,
        "keyId": secret.key_id,
        "secretText": secret_text,
        "startDateTime": iso(secret.start),
    }


def application_resource(app: App, tenant: Tenant, *, with_keys: bool = False) -> dict[str, Any]:
    """A microsoft.graph.application as ``GET /applications/{id}`` renders it (create doc's example)."""
    return {
        "id": app.object_id,
        "deletedDateTime": None,
        "addIns": [],
        "api": {
            "acceptMappedClaims": None,
            "knownClientApplications": [],
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": [],
            "requestedAccessTokenVersion": None,
        },
        "appId": app.client_id,
        "applicationTemplateId": None,
        "appRoles": [],
        "certification": None,
        "createdDateTime": iso_precise(app.created),
        "defaultRedirectUri": None,
        "description": None,
        "disabledByMicrosoftStatus": None,
        "displayName": app.name,
        "groupMembershipClaims": None,
        "identifierUris": [],
        "info": {
            "logoUrl": None,
            "marketingUrl": None,
            "privacyStatementUrl": None,
            "supportUrl": None,
            "termsOfServiceUrl": None,
        },
        "isDeviceOnlyAuthSupported": None,
        "isFallbackPublicClient": None,
        "keyCredentials": [key_credential_resource(k, with_key=with_keys) for k in app.key_credentials],
        "notes": app.notes,
        "optionalClaims": None,
        "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
        "passwordCredentials": [password_resource(s) for s in app.secrets],
        "publicClient": {"redirectUris": []},
        "publisherDomain": tenant.initial_domain,
        "requestSignatureVerification": None,
        "requiredResourceAccess": [
            {
                "resourceAppId": r["resourceAppId"],
                "resourceAccess": [dict(a) for a in r["resourceAccess"]],
            }
            for r in app.required_resource_access
        ],
        "samlMetadataUrl": None,
        "serviceManagementReference": None,
        "servicePrincipalLockConfiguration": None,
        "signInAudience": app.sign_in_audience,
        "spa": {"redirectUris": []},
        "tags": list(app.tags),
        "tokenEncryptionKeyId": None,
        "uniqueName": None,
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
        "web": {
            "homePageUrl": None,
            "logoutUrl": None,
            "redirectUris": [],
            "implicitGrantSettings": {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": False},
        },
    }


# --- request bodies ---------------------------------------------------------------------------------------


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


def _invalid(prop: str, resource: str) -> RequestBadRequest:
    return RequestBadRequest(f"Invalid value specified for property '{prop}' of resource '{resource}'.")


def _guid(value: Any, prop: str, resource: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise _invalid(prop, resource) from None


def _datetime(value: Any, prop: str, resource: str) -> datetime:
    if not isinstance(value, str):
        raise _invalid(prop, resource)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(prop, resource) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _strings(value: Any, prop: str, resource: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(prop, resource)
    return list(value)


def parse_required_resource_access(value: Any) -> list[dict]:
    """``[{resourceAppId, resourceAccess: [{id, type: Role|Scope}]}]``; ids are kept as written."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid("requiredResourceAccess", "Application")
    parsed = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("resourceAccess", []), list):
            raise _invalid("requiredResourceAccess", "Application")
        accesses = []
        for access in entry.get("resourceAccess") or []:
            if not isinstance(access, dict) or access.get("type") not in ("Role", "Scope"):
                raise _invalid("resourceAccess", "RequiredResourceAccess")
            accesses.append({"id": _guid(access.get("id"), "id", "ResourceAccess"), "type": access["type"]})
        parsed.append(
            {
                "resourceAppId": _guid(entry.get("resourceAppId"), "resourceAppId", "RequiredResourceAccess"),
                "resourceAccess": accesses,
            }
        )
    return parsed


def _certificate(raw: Any) -> x509.Certificate:
    """``key``: the certificate's DER, base64 (a base64 of its PEM text is accepted too)."""
    if not isinstance(raw, str) or not raw.strip():
        raise _invalid("key", "KeyCredential")
    try:
        data = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("key", "KeyCredential") from None
    for load in (x509.load_der_x509_certificate, x509.load_pem_x509_certificate):
        try:
            return load(data)
        except ValueError:
            continue
    # [unsure] Entra's wording for a key that is not a certificate.
    raise _invalid("key", "KeyCredential")


def parse_key_credentials(value: Any, existing: Iterable[KeyCredential] = ()) -> list[KeyCredential]:
    """The new set of certificates. A PATCH replaces the whole set; an entry with the ``keyId`` of a
    registered key and no ``key`` keeps that key [unsure: Entra may want the key value resent]."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid("keyCredentials", "Application")
    registered = {k.key_id: k for k in existing}
    keys: list[KeyCredential] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise _invalid("keyCredentials", "Application")
        key_id = _guid(entry["keyId"], "keyId", "KeyCredential") if entry.get("keyId") else None
        if entry.get("key") is None and key_id in registered:
            keys.append(registered[key_id])
            continue
        if entry.get("type") != "AsymmetricX509Cert":
            # The sandbox models certificate credentials only (no Symmetric / X509CertAndPassword).
            raise _invalid("type", "KeyCredential")
        if entry.get("usage") != "Verify":
            raise _invalid("usage", "KeyCredential")
        certificate = _certificate(entry.get("key"))
        start = (
            _datetime(entry["startDateTime"], "startDateTime", "KeyCredential")
            if entry.get("startDateTime")
            else None
        )
        end = (
            _datetime(entry["endDateTime"], "endDateTime", "KeyCredential")
            if entry.get("endDateTime")
            else None
        )
        if end is not None and end > certificate.not_valid_after_utc + timedelta(seconds=1):
            raise RequestBadRequest("Key credential end date is invalid.")  # [unsure] wording
        if start is not None and end is not None and end <= start:
            raise RequestBadRequest("Key credential end date is invalid.")
        custom = entry.get("customKeyIdentifier")
        if custom is not None and not isinstance(custom, str):
            raise _invalid("customKeyIdentifier", "KeyCredential")
        display_name = entry.get("displayName")
        keys.append(
            KeyCredential(
                key_id=key_id or str(uuid.uuid4()),
                certificate=certificate,
                display_name=display_name
                if isinstance(display_name, str)
                else certificate.subject.rfc4514_string(),
                start=start,
                end=end,
                custom_key_identifier=custom,
            )
        )
    ids = [k.key_id for k in keys]
    if len(ids) != len(set(ids)):
        raise _invalid("keyId", "KeyCredential")
    return keys


def _audience(value: Any) -> str:
    if value not in SIGN_IN_AUDIENCES:
        raise _invalid("signInAudience", "Application")
    return str(value)


def _notes(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _invalid("notes", "Application")
    return value


MAX_DISPLAY_NAME = 256  # the application resource's documented limit on displayName


def _display_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RequestBadRequest("A value is required for property 'displayName' of resource 'Application'.")
    if len(value) > MAX_DISPLAY_NAME:
        # [unsure] that a name over the limit gets this wording; it is Entra's for an invalid displayName.
        raise RequestBadRequest(
            "Invalid value specified for property 'displayName' of resource 'Application'."
        )
    return value


# --- applications ---------------------------------------------------------------------------------------


def create_application(state: SandboxState, caller: Caller, body: Any, now: datetime) -> App:
    body = check_properties(body, _APPLICATION_WRITABLE, "application")
    if body.get("passwordCredentials"):
        # [unsure] wording; the docs say secrets cannot be added at creation (use addPassword).
        raise RequestBadRequest(
            "Adding passwordCredentials when creating an application is not supported. Use addPassword."
        )
    owner = owner_id(caller)
    app = App(
        name=_display_name(body.get("displayName")),
        client_id=str(uuid.uuid4()),
        object_id=str(uuid.uuid4()),
        service_principal_id=None,
        key_credentials=parse_key_credentials(body.get("keyCredentials")),
        notes=_notes(body.get("notes")),
        tags=_strings(body.get("tags"), "tags", "Application"),
        sign_in_audience=_audience(body.get("signInAudience", DEFAULT_SIGN_IN_AUDIENCE)),
        required_resource_access=parse_required_resource_access(body.get("requiredResourceAccess")),
        created=now,
        owner_ids=[owner] if owner else [],
    )
    with state.lock:
        caller.tenant.apps[app.client_id] = app
    return app


def update_application(state: SandboxState, app: App, body: Any) -> None:
    """PATCH: the properties sent replace the app's (``keyCredentials`` as a whole: certificate rotation)."""
    body = check_properties(body, _APPLICATION_WRITABLE, "application")
    if "passwordCredentials" in body:
        # [unsure] wording; secrets change through addPassword/removePassword only.
        raise RequestBadRequest(
            "Updates to passwordCredentials are not supported. Use addPassword or removePassword."
        )
    changes: dict[str, Any] = {}
    if "displayName" in body:
        changes["name"] = _display_name(body["displayName"])
    if "keyCredentials" in body:
        changes["key_credentials"] = parse_key_credentials(body["keyCredentials"], app.key_credentials)
    if "notes" in body:
        changes["notes"] = _notes(body["notes"])
    if "tags" in body:
        changes["tags"] = _strings(body["tags"], "tags", "Application")
    if "signInAudience" in body:
        changes["sign_in_audience"] = _audience(body["signInAudience"])
    if "requiredResourceAccess" in body:
        changes["required_resource_access"] = parse_required_resource_access(body["requiredResourceAccess"])
    with state.lock:
        for name, value in changes.items():
            setattr(app, name, value)


def delete_application(state: SandboxState, tenant: Tenant, app: App) -> None:
    with state.lock:
        remove_service_principal(tenant, app)
        tenant.apps.pop(app.client_id, None)
        for grants in tenant.site_grants.values():
            grants.pop(app.client_id, None)


def add_password(state: SandboxState, app: App, body: Any, now: datetime) -> tuple[ClientSecret, str]:
    """A new client secret; its value is shown in this answer only."""
    if body is None:
        body = {}
    if not isinstance(body, dict) or not isinstance(body.get("passwordCredential", {}), dict | None):
        raise _invalid("passwordCredential", "Application")
    spec = body.get("passwordCredential") or {}
    start = (
        _datetime(spec["startDateTime"], "startDateTime", "PasswordCredential")
        if spec.get("startDateTime")
        else now
    )
    end = (
        _datetime(spec["endDateTime"], "endDateTime", "PasswordCredential")
        if spec.get("endDateTime")
        else start + SECRET_LIFETIME
    )
    if end <= start:
        raise _invalid("endDateTime", "PasswordCredential")
    display_name = spec.get("displayName")
    if display_name is not None and not isinstance(display_name, str):
        raise _invalid("displayName", "PasswordCredential")
    value = _secret_value()
    secret = ClientSecret(str(uuid.uuid4()), value, display_name or "", start, end)
    with state.lock:
        app.secrets.append(secret)
    return secret, value


def remove_password(state: SandboxState, app: App, body: Any) -> None:
    key_id = _guid(body.get("keyId") if isinstance(body, dict) else None, "keyId", "PasswordCredential")
    with state.lock:
        kept = [s for s in app.secrets if s.key_id != key_id]
        if len(kept) == len(app.secrets):
            # [unsure] Entra's status and wording for an unknown keyId.
            raise RequestBadRequest(f"No password credential found with keyId '{key_id}'.")
        app.secrets = kept


def _secret_value() -> str:
    """Shaped like an Entra client secret: three characters, ``8Q~``, then 34."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~_.-"
    head = "".join(secrets.choice(alphabet[:52]) for _ in range(3))
    return head + "8Q~" + "".join(secrets.choice(alphabet) for _ in range(34))


def application_by_object_id(tenant: Tenant, object_id: str) -> App:
    app = tenant.app_by_object_id(object_id.lower())
    if app is None:
        raise ResourceNotFound.of(object_id)
    return app


def application_by_app_id(tenant: Tenant, app_id: str) -> App:
    app = tenant.app(app_id)
    if app is None:
        raise ResourceNotFound.of(app_id)
    return app


def applications_visible(caller: Caller) -> list[App]:
    """Every app of the tenant, oldest first; an app holding only Application.ReadWrite.OwnedBy sees the
    apps it owns."""
    apps = sorted(caller.tenant.apps.values(), key=lambda a: (a.created, a.object_id))
    if not caller.delegated and not caller.roles & (READ_ROLES - {"Application.ReadWrite.OwnedBy"}):
        owner = owner_id(caller)
        apps = [a for a in apps if owner in a.owner_ids]
    return apps


# --- service principals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServicePrincipal:
    """A service principal of the tenant: a Microsoft resource (``resource``) or one of its apps (``app``)."""

    id: str
    app_id: str
    display_name: str
    resource: ResourceApp | None = None
    app: App | None = None


def service_principals(tenant: Tenant) -> list[ServicePrincipal]:
    resources = [
        ServicePrincipal(r.service_principal_id(tenant.tenant_id), r.app_id, r.display_name, resource=r)
        for r in catalog.RESOURCES
    ]
    apps = sorted(
        (a for a in tenant.apps.values() if a.service_principal_id),
        key=lambda a: (a.created, a.object_id),
    )
    return resources + [
        ServicePrincipal(a.service_principal_id or "", a.client_id, a.name, app=a) for a in apps
    ]


def service_principal_by_id(tenant: Tenant, sp_id: str) -> ServicePrincipal:
    wanted = sp_id.strip().lower()
    found = next((sp for sp in service_principals(tenant) if sp.id == wanted), None)
    if found is None:
        raise ResourceNotFound.of(sp_id)
    return found


def service_principal_by_app_id(tenant: Tenant, app_id: str) -> ServicePrincipal:
    wanted = app_id.strip().lower()
    found = next((sp for sp in service_principals(tenant) if sp.app_id == wanted), None)
    if found is None:
        raise ResourceNotFound.of(app_id)
    return found


def service_principal_resource(sp: ServicePrincipal, state: SandboxState, tenant: Tenant) -> dict[str, Any]:
    resource, app = sp.resource, sp.app
    if resource is not None:
        names = [resource.app_id]
        names.append(
            state.graph_url if resource is catalog.GRAPH else f"{resource.app_id}/*.{state.sharepoint_suffix}"
        )
        owner_org = catalog.MICROSOFT_SERVICES_TENANT_ID
        created = tenant.created
    else:
        assert app is not None
        names = [app.client_id]
        owner_org = tenant.tenant_id
        created = app.created
    return {
        "id": sp.id,
        "deletedDateTime": None,
        "accountEnabled": app.sign_in_enabled if app is not None else True,
        "addIns": [],
        "alternativeNames": [],
        "appDescription": None,
        "appDisplayName": sp.display_name,
        "appId": sp.app_id,
        "applicationTemplateId": None,
        "appOwnerOrganizationId": owner_org,
        "appRoleAssignmentRequired": False,
        "appRoles": [r.resource() for r in resource.app_roles] if resource else [],
        "createdDateTime": iso(created),
        "description": None,
        "disabledByMicrosoftStatus": None,
        "displayName": sp.display_name,
        "homepage": None,
        "info": {
            "logoUrl": None,
            "marketingUrl": None,
            "privacyStatementUrl": None,
            "supportUrl": None,
            "termsOfServiceUrl": None,
        },
        "keyCredentials": [],
        "loginUrl": None,
        "logoutUrl": None,
        "notes": None,
        "notificationEmailAddresses": [],
        "oauth2PermissionScopes": [s.resource() for s in resource.scopes] if resource else [],
        "passwordCredentials": [],
        "preferredSingleSignOnMode": None,
        "preferredTokenSigningKeyThumbprint": None,
        "replyUrls": [],
        "resourceSpecificApplicationPermissions": [],
        "samlSingleSignOnSettings": None,
        "servicePrincipalNames": names,
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs" if resource else (app.sign_in_audience if app else None),
        "tags": [],
        "tokenEncryptionKeyId": None,
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
    }


def create_service_principal(state: SandboxState, caller: Caller, body: Any) -> ServicePrincipal:
    """``POST /servicePrincipals {appId}``: the app's identity in this tenant, which consent attaches to."""
    require_any(caller, WRITE_SCOPES, WRITE_ROLES)
    body = check_properties(body, _SERVICE_PRINCIPAL_WRITABLE, "servicePrincipal")
    tenant = caller.tenant
    app_id = body.get("appId")
    if not isinstance(app_id, str) or not app_id.strip():
        raise RequestBadRequest("A value is required for property 'appId' of resource 'ServicePrincipal'.")
    app_id = app_id.strip().lower()
    resource = catalog.resource_by_app_id(app_id)
    app = tenant.app(app_id) if resource is None else None
    if resource is None and app is None:
        message = (
            f"The appId '{app_id}' of the service principal does not reference a valid application object."
        )
        raise RequestBadRequest(
            message, details=[{"code": "NoBackingApplicationObject", "message": message, "target": "appId"}]
        )
    if app is not None:
        authorize_manage(caller, app)
    elif caller.delegated and not holds_role(caller, APP_ADMINS):
        raise insufficient_privileges()
    with state.lock:
        if resource is not None or (app is not None and app.service_principal_id):
            raise ObjectConflict(
                "The service principal cannot be created, updated, or restored because the service principal "
                f"name {app_id} is already in use."
            )
        assert app is not None
        app.service_principal_id = str(uuid.uuid4())
    return ServicePrincipal(app.service_principal_id, app.client_id, app.name, app=app)


def delete_service_principal(state: SandboxState, caller: Caller, sp: ServicePrincipal) -> None:
    if sp.app is None:
        # [unsure] Entra lets a Global Administrator delete Microsoft's service principals; the sandbox
        # keeps its two resources, which every consent refers to.
        require_any(caller, WRITE_SCOPES, WRITE_ROLES)
        raise insufficient_privileges()
    authorize_manage(caller, sp.app)
    with state.lock:
        remove_service_principal(caller.tenant, sp.app)


def remove_service_principal(tenant: Tenant, app: App) -> None:
    """Deleting a service principal deletes its app role assignments and delegated grants with it."""
    if app.service_principal_id:
        for grant_id in [
            g.grant_id for g in tenant.oauth2_grants.values() if g.client_id == app.service_principal_id
        ]:
            tenant.oauth2_grants.pop(grant_id, None)
    app.granted = []
    app.granted_at = {}
    app.consented_at = {}
    app.assignment_ids = {}
    app.service_principal_id = None


# --- app role assignments (application consent) ----------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    app: App
    resource: ResourceApp
    role: catalog.AppRole

    @property
    def permission(self) -> str:
        return f"{self.resource.key}/{self.role.value}"


def assignment_id(principal_id: str, tail: bytes) -> str:
    """Entra's assignment ids: base64url of the principal's GUID (as .NET lays it out) and 16 more bytes
    (``-WmtM5na…`` for principal ``33ad69f9-…``, serviceprincipal-post-approleassignedto example)."""
    raw = uuid.UUID(principal_id).bytes_le + tail
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def assignments(tenant: Tenant) -> list[Assignment]:
    """Every app role assignment of the tenant's apps (scenario grants get stable ids on first sight)."""
    found = []
    for app in sorted(tenant.apps.values(), key=lambda a: (a.created, a.object_id)):
        if not app.service_principal_id:
            continue
        for permission in app.granted:
            key, _, value = permission.partition("/")
            resource = catalog.resource_by_key(key)
            role = resource.role_by_value(value) if resource else None
            if resource is None or role is None:
                continue
            known = app.assignment_ids.get(permission)
            if known is None:
                tail = uuid.uuid5(uuid.UUID(app.service_principal_id), permission).bytes
                known = assignment_id(app.service_principal_id, tail)
                app.assignment_ids[permission] = known
            found.append(Assignment(known, app, resource, role))
    return found


def assignments_of(tenant: Tenant, sp: ServicePrincipal, *, as_resource: bool) -> list[Assignment]:
    """``appRoleAssignedTo`` (granted on this resource) or ``appRoleAssignments`` (granted to this app)."""
    if as_resource:
        return [a for a in assignments(tenant) if sp.resource is not None and a.resource is sp.resource]
    return [a for a in assignments(tenant) if sp.app is not None and a.app is sp.app]


def assignment_resource(assignment: Assignment, tenant: Tenant) -> dict[str, Any]:
    app = assignment.app
    return {
        "id": assignment.assignment_id,
        "deletedDateTime": None,
        "appRoleId": assignment.role.id,
        "createdDateTime": iso_precise(app.consented_at.get(assignment.permission, app.created)),
        "principalDisplayName": app.name,
        "principalId": app.service_principal_id,
        "principalType": "ServicePrincipal",
        "resourceDisplayName": assignment.resource.display_name,
        "resourceId": assignment.resource.service_principal_id(tenant.tenant_id),
    }


def assign(
    state: SandboxState,
    tenant: Tenant,
    body: Any,
    *,
    resource_sp: ServicePrincipal | None = None,
    principal_sp: ServicePrincipal | None = None,
    now: datetime,
) -> Assignment:
    """Grant one app role. The path names the resource (``appRoleAssignedTo``) or the principal
    (``appRoleAssignments``); the body names both, and must agree with the path."""
    check_properties(body, frozenset(ASSIGNMENT.properties), "appRoleAssignment")
    principal_id = _guid(body.get("principalId"), "principalId", "AppRoleAssignment")
    resource_id = _guid(body.get("resourceId"), "resourceId", "AppRoleAssignment")
    role_id = _guid(body.get("appRoleId"), "appRoleId", "AppRoleAssignment")
    if resource_sp is not None and resource_id != resource_sp.id:
        raise RequestBadRequest("Not a valid reference update.")  # [unsure] for a body/path mismatch
    if principal_sp is not None and principal_id != principal_sp.id:
        raise RequestBadRequest("Not a valid reference update.")
    resource_sp = resource_sp or service_principal_by_id(tenant, resource_id)
    principal_sp = principal_sp or service_principal_by_id(tenant, principal_id)
    app = principal_sp.app
    if app is None:
        raise RequestBadRequest("Not a valid reference update.")  # [unsure] a Microsoft SP as principal
    resource = resource_sp.resource
    role = resource.role_by_id(role_id) if resource else None
    if resource is None or role is None:
        # [unsure] the end of the message (the resource named by its appId).
        raise RequestBadRequest(
            f"Permission being assigned was not found on application '{resource_sp.app_id}'."
        )
    permission = f"{resource.key}/{role.value}"
    with state.lock:
        if permission in app.granted:
            raise RequestBadRequest("Permission being assigned already exists on the object.")
        new_id = assignment_id(app.service_principal_id or principal_id, secrets.token_bytes(16))
        app.granted.append(permission)
        app.granted_at[permission] = now + timedelta(seconds=state.consent_delay_s)
        app.consented_at[permission] = now
        app.assignment_ids[permission] = new_id
    return Assignment(new_id, app, resource, role)


def unassign(
    state: SandboxState, tenant: Tenant, sp: ServicePrincipal, wanted: str, *, as_resource: bool
) -> None:
    """Revoke one assignment: new tokens lose the role at once."""
    found = next(
        (a for a in assignments_of(tenant, sp, as_resource=as_resource) if a.assignment_id == wanted), None
    )
    if found is None:
        raise ResourceNotFound.of(wanted)
    with state.lock:
        app = found.app
        if found.permission in app.granted:
            app.granted.remove(found.permission)
        app.granted_at.pop(found.permission, None)
        app.consented_at.pop(found.permission, None)
        app.assignment_ids.pop(found.permission, None)


# --- delegated permission grants --------------------------------------------------------------------------


def grant_resource(grant: OAuth2Grant) -> dict[str, Any]:
    return {
        "clientId": grant.client_id,
        "consentType": grant.consent_type,
        "id": grant.grant_id,
        "principalId": grant.principal_id,
        "resourceId": grant.resource_id,
        "scope": grant.scope,
    }


def grant_id(client_id: str, resource_id: str, principal_id: str | None) -> str:
    """Entra's grant ids: base64url of the client's and the resource's GUIDs (and the user's)."""
    raw = uuid.UUID(client_id).bytes_le + uuid.UUID(resource_id).bytes_le
    if principal_id:
        raw += uuid.UUID(principal_id).bytes_le
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _scope(value: Any, resource: ResourceApp | None) -> str:
    if not isinstance(value, str):
        raise _invalid("scope", "OAuth2PermissionGrant")
    names = value.split()
    if resource is None or any(resource.scope_by_value(n) is None for n in names):
        raise _invalid("scope", "OAuth2PermissionGrant")  # [unsure] wording for an unknown scope
    return " ".join(dict.fromkeys(resource.scope_by_value(n).value for n in names))  # type: ignore[union-attr]


def create_grant(state: SandboxState, tenant: Tenant, body: Any) -> OAuth2Grant:
    check_properties(body, frozenset(GRANT.properties) | {"expiryTime", "startTime"}, "oAuth2PermissionGrant")
    client_id = _guid(body.get("clientId"), "clientId", "OAuth2PermissionGrant")
    resource_id = _guid(body.get("resourceId"), "resourceId", "OAuth2PermissionGrant")
    consent_type = body.get("consentType")
    if consent_type not in ("AllPrincipals", "Principal"):
        raise _invalid("consentType", "OAuth2PermissionGrant")
    principal_id = body.get("principalId")
    if consent_type == "Principal":
        principal_id = _guid(principal_id, "principalId", "OAuth2PermissionGrant")
        if not any(u.object_id.lower() == principal_id for u in tenant.users.values()):
            raise ResourceNotFound.of(principal_id)
    elif principal_id is not None:
        raise _invalid("principalId", "OAuth2PermissionGrant")
    service_principal_by_id(tenant, client_id)
    resource_sp = service_principal_by_id(tenant, resource_id)
    scope = _scope(body.get("scope"), resource_sp.resource)
    grant = OAuth2Grant(
        grant_id(client_id, resource_id, principal_id),
        client_id,
        consent_type,
        principal_id,
        resource_id,
        scope,
    )
    with state.lock:
        if grant.grant_id in tenant.oauth2_grants:
            raise ObjectConflict("Permission entry already exists.")  # [unsure] wording
        tenant.oauth2_grants[grant.grant_id] = grant
    return grant


def grant_by_id(tenant: Tenant, wanted: str) -> OAuth2Grant:
    grant = tenant.oauth2_grants.get(wanted)
    if grant is None:
        raise ResourceNotFound.of(wanted)
    return grant


def update_grant(state: SandboxState, tenant: Tenant, grant: OAuth2Grant, body: Any) -> None:
    check_properties(body, frozenset({"scope"}), "oAuth2PermissionGrant")
    if "scope" in body:
        resource = catalog.resource_by_sp_id(tenant.tenant_id, grant.resource_id)
        scope = _scope(body["scope"], resource)
        with state.lock:
            grant.scope = scope


def delete_grant(state: SandboxState, tenant: Tenant, grant: OAuth2Grant) -> None:
    with state.lock:
        tenant.oauth2_grants.pop(grant.grant_id, None)
