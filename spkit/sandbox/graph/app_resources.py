"""How Graph renders app registrations, service principals, app role assignments and delegated grants.

The ``EntityType``s say which properties each resource has (for ``$select``, ``$filter`` and for telling a
writable property from an unknown one); the ``*_resource`` functions render one object in full, exactly as
the Graph docs' examples show it. The rules (``applications.py`` and friends) never render.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization

from ..state import App, ClientSecret, KeyCredential, OAuth2Grant, SandboxState, Tenant
from ..timestamps import iso_ticks, iso_z
from . import catalog
from .odata import EntityType

if TYPE_CHECKING:
    from .app_role_assignments import Assignment
    from .service_principals import ServicePrincipal

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
APPLICATION_WRITABLE = frozenset(APPLICATION.properties) - {
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
SERVICE_PRINCIPAL_WRITABLE = frozenset(SERVICE_PRINCIPAL.properties) - {
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


def key_credential_resource(key: KeyCredential, *, with_key: bool = False) -> dict[str, Any]:
    """``customKeyIdentifier`` defaults to the certificate's thumbprint, which Graph shows as hex; ``key``
    is only sent for one object selected with ``$select=keyCredentials`` (keyCredential resource docs)."""
    cert = key.certificate
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "customKeyIdentifier": key.custom_key_identifier or key.thumbprint,
        "displayName": key.display_name,
        "endDateTime": iso_z(key.end or cert.not_valid_after_utc),
        "key": base64.b64encode(der).decode("ascii") if with_key else None,
        "keyId": key.key_id,
        "startDateTime": iso_z(key.start or cert.not_valid_before_utc),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    }


def password_resource(secret: ClientSecret, *, secret_text: str | None = None) -> dict[str, Any]:
    return {
        "customKeyIdentifier": None,
        "displayName": secret.display_name,
        "endDateTime": iso_z(secret.end),
        "hint": secret.hint,
        "keyId": secret.key_id,
        "secretText": secret_text,
        "startDateTime": iso_z(secret.start),
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
        "createdDateTime": iso_ticks(app.created),
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
        "createdDateTime": iso_z(created),
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


def assignment_resource(assignment: Assignment, tenant: Tenant) -> dict[str, Any]:
    app = assignment.app
    return {
        "id": assignment.assignment_id,
        "deletedDateTime": None,
        "appRoleId": assignment.role.id,
        "createdDateTime": iso_ticks(app.consented_at.get(assignment.permission, app.created)),
        "principalDisplayName": app.name,
        "principalId": app.service_principal_id,
        "principalType": "ServicePrincipal",
        "resourceDisplayName": assignment.resource.display_name,
        "resourceId": assignment.resource.service_principal_id(tenant.tenant_id),
    }


def grant_resource(grant: OAuth2Grant) -> dict[str, Any]:
    return {
        "clientId": grant.client_id,
        "consentType": grant.consent_type,
        "id": grant.grant_id,
        "principalId": grant.principal_id,
        "resourceId": grant.resource_id,
        "scope": grant.scope,
    }
