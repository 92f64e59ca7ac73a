"""Entra's AADSTS codes → spkit diagnoses: the same code always gets the same explanation and fix."""

from __future__ import annotations

import re
from typing import Any

from ..errors import AuthenticationError, CheckError, DiscoveryError

# code: (spkit code, what it means, how to fix it)
AADSTS_DIAGNOSES: dict[int, tuple[str, str, str]] = {
    7000215: (
        "AUTH_INVALID_SECRET",
        "the client secret is wrong",
        "paste the secret's Value, not its Secret ID (Certificates & secrets shows the value only once; "
        "create a new secret if it was not copied)",
    ),
    7000222: (
        "AUTH_SECRET_EXPIRED",
        "the client secret has expired",
        "create a new client secret for the app (or better, a certificate) and update the reference",
    ),
    7000218: (
        "AUTH_NO_CREDENTIAL",
        "the request carried neither a client secret nor a certificate assertion",
        "give the profile exactly one of client_secret or certificate",
    ),
    700016: (
        "AUTH_APP_NOT_FOUND",
        "no application with this client ID exists in the tenant",
        "copy client_id and tenant_id from the same app registration's Overview page",
    ),
    700027: (
        "AUTH_CERT_NOT_REGISTERED",
        "the certificate is not registered on the application",
        "upload this certificate's public part to the app (Certificates & secrets), or use the "
        "certificate whose thumbprint the app lists",
    ),
    700024: (
        "AUTH_ASSERTION_TIME",
        "the client assertion is outside its valid time range",
        "check this machine's clock (it must be within minutes of real time)",
    ),
    90002: (
        "TENANT_NOT_FOUND",
        "the tenant does not exist in this cloud",
        "check tenant_id (Directory (tenant) ID) and the cloud; a GCC High or China tenant is not in global",
    ),
    900023: (
        "TENANT_INVALID",
        "the tenant identifier is neither a GUID nor a domain name",
        "use the Directory (tenant) ID GUID or a verified domain such as contoso.onmicrosoft.com",
    ),
    70011: (
        "AUTH_INVALID_SCOPE",
        "the requested scope is invalid",
        "client credentials need exactly one '<resource>/.default' scope",
    ),
    1002012: (
        "AUTH_INVALID_SCOPE",
        "the requested scope is invalid for client credentials",
        "client credentials need exactly one '<resource>/.default' scope",
    ),
    500011: (
        "AUTH_RESOURCE_NOT_FOUND",
        "the resource (Graph or this SharePoint address) is unknown in the tenant",
        "check that the SharePoint address belongs to this tenant and that the cloud is right",
    ),
    50126: ("AUTH_BAD_PASSWORD", "the user name or password is wrong", "check the account and its password"),
    50076: (
        "AUTH_MFA_REQUIRED",
        "the account requires multi-factor authentication",
        "use an app password or device-code sign-in",
    ),
    50079: (
        "AUTH_MFA_ENROLMENT",
        "the account must enrol in multi-factor authentication first",
        "complete MFA registration, then use device-code sign-in",
    ),
    50057: ("AUTH_USER_DISABLED", "the user account is disabled", "enable the account or use another admin"),
    50034: ("AUTH_USER_UNKNOWN", "the user does not exist in the tenant", "check the user principal name"),
    53003: (
        "AUTH_CONDITIONAL_ACCESS",
        "a Conditional Access policy blocked the sign-in",
        "ask the tenant's admins to allow this sign-in (location, device or app policy)",
    ),
    65001: (
        "AUTH_CONSENT_REQUIRED",
        "the user or an admin has not consented to the application",
        "grant admin consent to the app for its API permissions",
    ),
}

_CODE_RE = re.compile(r"AADSTS(\d+)")


def aadsts_code(payload: dict[str, Any]) -> int | None:
    codes = payload.get("error_codes")
    if isinstance(codes, list) and codes:
        try:
            return int(codes[0])
        except (TypeError, ValueError):
            pass
    match = _CODE_RE.search(str(payload.get("error_description", "")))
    return int(match.group(1)) if match else None


def first_line(payload: dict[str, Any]) -> str:
    text = str(payload.get("error_description") or payload.get("error") or "").strip()
    return text.splitlines()[0] if text else ""


def auth_error(payload: dict[str, Any], what: str) -> CheckError:
    """An AuthenticationError (or DiscoveryError for tenant codes) from an Entra/MSAL error payload."""
    number = aadsts_code(payload)
    code, meaning, fix = AADSTS_DIAGNOSES.get(
        number or -1,
        (
            "AUTH_FAILED",
            f"the identity platform refused the request ({payload.get('error', 'error')})",
            "read the AADSTS message in the evidence; look the code up in Entra's error reference",
        ),
    )
    summary = f"{what}: {meaning}" + (f" (AADSTS{number})" if number else "")
    evidence = first_line(payload)
    if code.startswith("TENANT_"):
        return DiscoveryError(summary, code=code, evidence=evidence, fix=fix)
    return AuthenticationError(summary, aadsts=number, code=code, evidence=evidence, fix=fix)
