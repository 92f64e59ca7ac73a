"""Entra's AADSTS codes → spkit diagnoses: the same code always gets the same explanation and fix.

Where one AADSTS code has several causes, what the client knows about its own request tells them apart
(``ClientFacts``): the secret's shape, the certificate's thumbprint, this machine's clock against the
``Date`` of Entra's answer. Secret values never reach a diagnosis, only their shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ...errors import AuthenticationError, CheckError, DiscoveryError

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
    53000: (
        "AUTH_CONDITIONAL_ACCESS",
        "a Conditional Access policy requires a compliant device",
        "ask the tenant's admins to allow this sign-in (Entra admin center > Protection > Conditional Access), "
        "or sign in from a compliant device",
    ),
    53001: (
        "AUTH_CONDITIONAL_ACCESS",
        "a Conditional Access policy requires a domain-joined device",
        "ask the tenant's admins to allow this sign-in (Entra admin center > Protection > Conditional Access), "
        "or sign in from a joined device",
    ),
    50158: (
        "AUTH_CONDITIONAL_ACCESS",
        "a Conditional Access policy asks for an external security challenge",
        "complete the sign-in in a browser (device code), or ask the tenant's admins about the policy",
    ),
    50055: (
        "AUTH_PASSWORD_EXPIRED",
        "the account's password has expired",
        "change the password (sign in once at https://myaccount.microsoft.com), then update the reference",
    ),
    50053: (
        "AUTH_ACCOUNT_LOCKED",
        "the account is locked after too many failed sign-ins (or blocked by Entra's smart lockout)",
        "wait for the lockout to end (a few minutes), or ask an admin to unblock the account; check the password",
    ),
    7000229: (
        "AUTH_SP_MISSING",
        "the application has no service principal (enterprise application) in the tenant",
        "restore it (Entra admin center > Enterprise applications > Deleted applications), or create it again by "
        "granting admin consent for the app (App registrations > the app > API permissions)",
    ),
    7000112: (
        "AUTH_APP_DISABLED",
        "the application is disabled in the tenant",
        "enable it: Entra admin center > Enterprise applications > the app > Properties > Enabled for users to "
        "sign-in: Yes",
    ),
    900382: (
        "TENANT_WRONG_CLOUD",
        "the tenant lives in another cloud (Entra refuses a confidential client across clouds)",
        "choose the cloud the tenant belongs to (cloud: usgov-high, usgov-dod or china)",
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


GUID_SHAPE = re.compile(r"^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$", re.I)
CLOCK_TOLERANCE_S = 120  # beyond this, this machine's clock is the cause of a time-range refusal
_FOUND_KEY = re.compile(r"Found key 'Start=([^,']+), End=([^,']+)'")
_KEY_TIME = "%m/%d/%Y %H:%M:%S"


def secret_shape(secret: str) -> str | None:
    """``"guid"`` when a client secret has the shape of a GUID: a Secret ID, not a secret's Value."""
    return "guid" if GUID_SHAPE.match(secret.strip()) else None


@dataclass(frozen=True)
class ClientFacts:
    """What the client knows about its own request, to tell apart causes that share one AADSTS code."""

    secret_shape: str | None = None  # "guid" when the secret sent looks like a Secret ID
    thumbprint: str | None = None  # SHA-1 thumbprint of the certificate that signed the assertion
    local_time: float | None = None  # when the answer arrived, by this machine's clock (epoch seconds)
    server_date: str | None = None  # the answer's Date header

    def server_time(self) -> datetime | None:
        if not self.server_date:
            return None
        try:
            return parsedate_to_datetime(self.server_date).astimezone(UTC)
        except (TypeError, ValueError):
            return None

    def skew_s(self) -> float | None:
        """This machine's clock minus Entra's (positive: ahead), or None when not measured."""
        server = self.server_time()
        if server is None or self.local_time is None:
            return None
        return self.local_time - server.timestamp()

    def clock_evidence(self) -> str:
        server, skew = self.server_time(), self.skew_s()
        if server is None or skew is None or self.local_time is None:
            return "this machine's clock was not compared with Entra's (no Date header)"
        local = datetime.fromtimestamp(self.local_time, UTC)
        side = "ahead of" if skew > 0 else "behind"
        return (
            f"this machine's clock {local:%Y-%m-%d %H:%M:%S} UTC, Entra's Date {server:%Y-%m-%d %H:%M:%S} UTC: "
            f"{abs(skew):.0f} s {side} Entra"
        )


def _found_key_end(payload: dict[str, Any]) -> datetime | None:
    """The registered key's end, from 700027's "Found key 'Start=..., End=...'" (Entra's own record)."""
    found = _FOUND_KEY.search(str(payload.get("error_description", "")))
    if not found:
        return None
    try:
        return datetime.strptime(found.group(2).strip(), _KEY_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


def _refine(
    number: int | None, payload: dict[str, Any], facts: ClientFacts, code: str, meaning: str, fix: str
):
    """The AADSTS diagnosis made exact by what the client knows: (code, meaning, fix, extra evidence)."""
    extra: list[str] = []
    if facts.thumbprint and number in (700027, 700024):
        extra.append(f"certificate sent: thumbprint {facts.thumbprint}")
    if number == 7000215 and facts.secret_shape == "guid":
        return (
            "AUTH_SECRET_ID_PASTED",
            "the client secret sent is a Secret ID (a GUID), not the secret's Value",
            "copy the secret's Value, not its Secret ID: Entra admin center > App registrations > the app > "
            "Certificates & secrets shows the Value only right after it is created; create a new secret if "
            "it was not copied then",
            ["the secret sent has the shape of a GUID (8-4-4-4-12 hex digits); a secret's Value does not"],
        )
    if number == 700024:
        skew = facts.skew_s()
        extra.append(facts.clock_evidence())
        if skew is not None and abs(skew) > CLOCK_TOLERANCE_S:
            fix = (
                f"set this machine's clock right: it is {abs(skew):.0f} s {'ahead' if skew > 0 else 'behind'} "
                "(Linux: timedatectl set-ntp true; Windows: w32tm /resync)"
            )
        elif skew is not None:
            fix = (
                "this machine's clock agrees with Entra's, so the assertion's own times are wrong: make sure "
                "nothing caches or replays client assertions (MSAL builds a fresh one per request)"
            )
    if number == 700027:
        end = _found_key_end(payload)
        now = facts.server_time() or datetime.now(UTC)
        if end is not None and end <= now:
            return (
                "AUTH_CERT_KEY_EXPIRED",
                f"the certificate registered on the application expired on {end:%Y-%m-%d %H:%M} UTC",
                "upload a new certificate to the app (Entra admin center > App registrations > the app > "
                "Certificates & secrets > Certificates) and use it in the profile ('spkit certs new', "
                "'spkit certs export THUMBPRINT --out app.cer'), or rotate it with 'spkit register "
                "--rotate-certificate'",
                [*extra, f"registered key valid until {end:%Y-%m-%d %H:%M:%S} UTC"],
            )
        if end is not None:
            return (
                "AUTH_ASSERTION_SIGNATURE_INVALID",
                "the certificate is registered on the application, but the assertion's signature does not verify",
                "use the private key that belongs to the registered certificate (a .pfx or .pem holding both), "
                "and check that the profile's certificate file was not replaced",
                [*extra, f"registered key valid until {end:%Y-%m-%d %H:%M:%S} UTC"],
            )
    return code, meaning, fix, extra


def auth_error(payload: dict[str, Any], what: str, facts: ClientFacts | None = None) -> CheckError:
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
    code, meaning, fix, extra = _refine(number, payload, facts or ClientFacts(), code, meaning, fix)
    summary = f"{what}: {meaning}" + (f" (AADSTS{number})" if number else "")
    evidence = "; ".join([first_line(payload), *extra]).strip("; ")
    if code.startswith("TENANT_"):
        return DiscoveryError(summary, code=code, evidence=evidence, fix=fix)
    return AuthenticationError(summary, aadsts=number, code=code, evidence=evidence, fix=fix)
