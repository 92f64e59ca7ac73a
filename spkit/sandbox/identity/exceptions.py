"""The identity platform's own error shapes: ``AADSTS<n>`` errors, catalogued and rendered like Entra.

Every refusal the sandbox's login host gives goes through ``AadstsError`` so callers (MSAL, spkit's
diagnostics) see exactly the body Entra sends: ``error``, ``error_description`` with the trace /
correlation / timestamp trailer, ``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id`` and
``error_uri``. The messages are the ones Entra sends today (quoted from public error reports); where no
source confirmed a code or wording the factory says ``[unsure]``.

No HTTP here beyond building the ``Response``; the rules that decide *which* error live in the topic
modules (``token_endpoint``, ``client_auth``, ``device_flow``, ...). ``FlowRejected`` is the verification
pages' one refusal that is not an AADSTS error.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ..http import Response
from ..timestamps import iso_space_z, iso_ticks

CERT_CREDENTIALS_DOC = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"


class AadstsError(Exception):
    """One Entra refusal. ``status`` defaults the way Entra answers: 401 for ``invalid_client``, else 400."""

    def __init__(
        self, code: int, error: str, description: str, status: int | None = None, suberror: str | None = None
    ) -> None:
        super().__init__(f"AADSTS{code}: {description}")
        self.code = code
        self.error = error
        self.description = description
        self.status = status if status is not None else (401 if error == "invalid_client" else 400)
        self.suberror = suberror


class FlowRejected(Exception):
    """A verification-page form whose flow nonce is unknown, spent, expired or for another step."""


def error_body(
    err: AadstsError,
    authority_host: str,
    *,
    now: datetime | None = None,
    trace_id: str | None = None,
    correlation_id: str | None = None,
) -> dict:
    """The JSON object Entra sends for ``err``; fresh trace (and, unless given, correlation) ids each time."""
    now = now or datetime.now(UTC)
    trace_id = trace_id or str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    stamp = iso_space_z(now)
    body: dict = {
        "error": err.error,
        "error_description": (
            f"AADSTS{err.code}: {err.description}\r\nTrace ID: {trace_id}"
            f"\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {stamp}"
        ),
        "error_codes": [err.code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{authority_host.rstrip('/')}/error?code={err.code}",
    }
    if err.suberror:
        body["suberror"] = err.suberror
    return body


def error_response(
    err: AadstsError,
    authority_host: str,
    *,
    correlation_id: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    """``err`` as Entra's HTTP answer (status, JSON body, no-cache headers, ``x-ms-request-id``)."""
    body = error_body(err, authority_host, correlation_id=correlation_id)
    extra = [
        ("Cache-Control", "no-store, no-cache"),
        ("Pragma", "no-cache"),
        ("x-ms-request-id", body["trace_id"]),
        *(headers or []),
    ]
    return Response.json(err.status, body, extra)


# --- the catalog ---------------------------------------------------------------------------------
# One factory per AADSTS code the sandbox emits, so the wording lives in one place.


def tenant_not_found(ref: str) -> AadstsError:
    """90002: a well-formed tenant reference (GUID or DNS name) that is not one of ours."""
    return AadstsError(
        90002,
        "invalid_tenant",
        (
            f"Tenant '{ref}' not found. Check to make sure you have the correct tenant ID and are signing into "
            "the correct cloud. Check with your subscription administrator, this may happen if there are no "
            "active subscriptions for the tenant."
        ),
    )


def invalid_tenant_identifier(ref: str) -> AadstsError:
    """900023: the tenant segment is neither a GUID nor a DNS name (``not_a_tenant!``, spaces, braces)."""
    return AadstsError(
        900023,
        "invalid_request",
        f"Specified tenant identifier '{ref}' is neither a valid DNS name, nor a valid external domain.",
    )


def missing_parameter(name: str) -> AadstsError:
    """900144: a required form field is absent (also what a JSON body to the token endpoint gets)."""
    return AadstsError(
        900144, "invalid_request", f"The request body must contain the following parameter: '{name}'."
    )


def missing_credential_field(name: str) -> AadstsError:
    """90014: a field missing *inside* something (the ``scope`` of a client-credentials request, or a
    claim of a client assertion). Wording as Entra sends it for a missing scope."""
    return AadstsError(
        90014,
        "invalid_request",
        f"The required field '{name}' is missing from the credential. Ensure that you have "
        "all the necessary parameters for the login request.",
    )


def unsupported_grant_type(grant_type: str, *, sandbox_gap: bool = False) -> AadstsError:
    """70003. ``sandbox_gap`` marks a grant Entra has but this sandbox does not emulate yet."""
    text = f"The app requested an unsupported grant type '{grant_type}'."
    if sandbox_gap:
        text += " (This grant type is not supported by this sandbox yet.)"
    return AadstsError(70003, "unsupported_grant_type", text)


def grant_not_on_common(tenant_ref: str) -> AadstsError:
    """9001023: client credentials over /common or /consumers."""
    return AadstsError(
        9001023,
        "invalid_request",
        "The grant type is not supported over the /common or /consumers endpoints. Please "
        "use the /organizations or tenant-specific endpoint.",
    )


def no_tenant_information() -> AadstsError:
    """50059: client credentials over /organizations: nothing says which tenant. [unsure] Entra's exact
    answer here; 50059 is its documented 'no tenant-identifying information' error."""
    return AadstsError(
        50059,
        "invalid_request",
        "No tenant-identifying information found in either the request or implied by any "
        "provided credentials.",
    )


def app_not_found(client_id: str, tenant_ref: str) -> AadstsError:
    """700016: no such application in *this* directory (wrong tenant, a typo, or not a GUID at all).
    [unsure] whether Entra names the directory as given or by GUID; we echo the request's reference."""
    return AadstsError(
        700016,
        "unauthorized_client",
        (
            f"Application with identifier '{client_id}' was not found in the directory '{tenant_ref}'. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )


def missing_service_principal(client_id: str, tenant_id: str) -> AadstsError:
    """7000229: the app is registered but has no service principal (enterprise application) in the tenant:
    never created (``az ad app create`` makes none) or deleted. Wording from Entra's answers quoted in the
    Teams SDK's troubleshooting guide and Azure SDK issue #46762; the same guide shows status 401 (the
    status of Entra's other invalid_client errors), which the sandbox follows."""
    return AadstsError(
        7000229,
        "invalid_client",
        f"The client application {client_id} is missing service principal in the tenant {tenant_id}. "
        "See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119",
    )


def app_disabled(client_id: str, app_name: str) -> AadstsError:
    """7000112: the app's service principal is disabled in the tenant (accountEnabled false, "Enabled for
    users to sign-in: No"). Wording from Microsoft's troubleshooting article for the error ("Application
    '<appIdentifier>'(<appName>) is disabled."). [unsure] the ``error`` name and status (400) Entra pairs
    with it for client credentials."""
    return AadstsError(7000112, "unauthorized_client", f"Application '{client_id}'({app_name}) is disabled.")


def app_blocked_by_conditional_access() -> AadstsError:
    """53003 for an app-only request: a Conditional Access policy for workload identities blocks the
    service principal. [unsure] the ``error`` name Entra pairs with it for client credentials."""
    return AadstsError(
        53003,
        "unauthorized_client",
        "Access has been blocked by Conditional Access policies. The access policy does not allow token "
        "issuance.",
    )


def cross_cloud_confidential_client() -> AadstsError:
    """900382: a confidential client asked this (the global) cloud for a token of a national cloud's
    tenant (sjkp/letsencrypt-siteextension#399: a GCC High tenant at login.microsoftonline.com).
    [unsure] the ``error`` name and status."""
    return AadstsError(
        900382, "invalid_request", "Confidential Client is not supported in Cross Cloud request."
    )


def scope_needs_default(scope: str) -> AadstsError:
    """1002012: client credentials need ``<resource>/.default``."""
    return AadstsError(
        1002012,
        "invalid_scope",
        (
            f"The provided value for scope {scope} is not valid. Client credential flows must have a scope "
            "value with /.default suffixed to the resource identifier (application ID URI)."
        ),
    )


def scope_multiple_resources(scope: str) -> AadstsError:
    """700022: more than one resource in one request. [unsure] wording; code from Entra's table
    (InvalidMultipleResourcesScope)."""
    return AadstsError(
        700022,
        "invalid_scope",
        (
            "The provided value for the input parameter scope is not valid because it contains more than one "
            f"resource. Scope {scope} is not valid."
        ),
    )


def resource_not_found(resource: str, tenant_name: str) -> AadstsError:
    """500011: the resource named by the scope has no service principal in this tenant."""
    return AadstsError(
        500011,
        "invalid_resource",
        (
            f"The resource principal named {resource} was not found in the tenant named {tenant_name}. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
        ),
    )


def no_client_credential() -> AadstsError:
    """7000218: neither a secret nor an assertion (typical of a public-client app used as confidential)."""
    return AadstsError(
        7000218,
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


def two_client_credentials() -> AadstsError:
    """Both a secret and an assertion. [unsure] Entra's code and wording; 90023 is its generic
    InvalidRequest."""
    return AadstsError(
        90023,
        "invalid_request",
        "The request body must contain only one of the following parameters: "
        "'client_assertion' or 'client_secret'.",
    )


def bad_assertion_type(value: str) -> AadstsError:
    """An unknown ``client_assertion_type``. [unsure] code; 90100 is Entra's InvalidRequestParameter."""
    return AadstsError(
        90100,
        "invalid_request",
        f"The parameter 'client_assertion_type' is empty or not valid: '{value}'. Expected "
        "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
    )


def invalid_client_secret(client_id: str) -> AadstsError:
    """7000215: wrong secret, most often the secret's ID pasted instead of its value."""
    return AadstsError(
        7000215,
        "invalid_client",
        (
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
            f"value, not the client secret ID, for a secret added to app '{client_id}'."
        ),
    )


def expired_client_secret(client_id: str) -> AadstsError:
    """7000222: the secret is right but every matching key has expired."""
    return AadstsError(
        7000222,
        "invalid_client",
        (
            f"The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to "
            "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
            "credentials for added security: https://aka.ms/certCreds."
        ),
    )


_GRAPH_DEPLOYMENTS = "https://docs.microsoft.com/en-us/graph/deployments"
_GRAPH_APP_GET = "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http"


def _keys_hint(client_id: str, graph_url: str) -> str:
    return (
        "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys "
        f"for app Id '{client_id}'. Review the documentation at {_GRAPH_DEPLOYMENTS} to determine the "
        f"corresponding service endpoint and {_GRAPH_APP_GET} to build a query request URL, such as "
        f"'{graph_url}/beta/applications/{client_id}'"
    )


def assertion_key_not_found(client_id: str, thumbprint: str | None, graph_url: str) -> AadstsError:
    """700027: the certificate that signed the assertion is not registered on the app. The thumbprint is
    quoted only when the header carried a decodable one, as Entra does."""
    shown = f"Thumbprint of key used by client: '{thumbprint}', " if thumbprint else ""
    return AadstsError(
        700027,
        "invalid_client",
        (
            "The certificate with identifier used to sign the client assertion is not registered on application. "
            f"[Reason - The key was not found., {shown}{_keys_hint(client_id, graph_url)}]."
        ),
    )


def assertion_bad_signature(
    client_id: str,
    thumbprint: str,
    key_window: str,
    graph_url: str,
    reason: str = "Key was found, but use of the key to verify the signature failed.",
) -> AadstsError:
    """700027: the key is registered but the signature does not verify (or the key has expired)."""
    return AadstsError(
        700027,
        "invalid_client",
        (
            f"Client assertion failed signature validation. [Reason - {reason}, Thumbprint of key used by "
            f"client: '{thumbprint}', Found key '{key_window}', {_keys_hint(client_id, graph_url)}]."
        ),
    )


def assertion_malformed(detail: str = "") -> AadstsError:
    """50027: the assertion is not a JWT we can read, or its audience is not this token endpoint.
    [unsure] Entra's code for a wrong single ``aud``; 50027 lists 'unexpected audience'."""
    text = "JWT token is invalid or malformed."
    return AadstsError(50027, "invalid_client", f"{text} {detail}".strip())


def assertion_too_many_audiences(count: int) -> AadstsError:
    """5002741: ``aud`` is a list of more than one value."""
    return AadstsError(
        5002741,
        "invalid_client",
        f"Number of audience values in the provided client credential exceed maximum allowed. "
        f"{count} audience values provided, maximum allowed is 1.",
    )


def assertion_subject_mismatch() -> AadstsError:
    """50048: ``sub`` differs from ``iss``."""
    return AadstsError(
        50048, "invalid_client", "Subject must match the issuer claim in the client assertion."
    )


def assertion_client_mismatch() -> AadstsError:
    """700021: ``iss``/``sub`` is not the ``client_id`` of the request. [unsure] code and wording."""
    return AadstsError(
        700021,
        "invalid_client",
        "Client assertion application identifier doesn't match 'client_id' parameter. "
        f"Review the documentation at {CERT_CREDENTIALS_DOC} .",
    )


def assertion_time_range(now: float, not_before: float | None, expires: float) -> AadstsError:
    """700024: expired (beyond the allowed clock skew) or not yet valid. A missing ``nbf`` shows as
    1970-01-01, exactly as Entra prints it (``iso_ticks``: seven fractional digits)."""
    return AadstsError(
        700024,
        "invalid_client",
        (
            f"Client assertion is not within its valid time range. Current time: {iso_ticks(now)}, "
            f"assertion valid from {iso_ticks(not_before or 0)}, "
            f"expiry time of assertion {iso_ticks(expires)}. "
            f"Review the documentation at {CERT_CREDENTIALS_DOC} ."
        ),
    )


def method_not_allowed(valid: list[str], received: str) -> AadstsError:
    """900561: e.g. a GET to the token endpoint. [unsure] Entra's status here; we answer 400."""
    return AadstsError(
        900561,
        "invalid_request",
        f"The endpoint only accepts {', '.join(valid)} requests. Received a {received} request.",
    )


def throttled() -> AadstsError:
    """429 from the login host (only if a test turns it on; Entra rarely throttles token requests).
    [unsure] Entra's body; 90055 is its documented TenantThrottlingError."""
    return AadstsError(
        90055,
        "temporarily_unavailable",
        "There are too many incoming requests. Please try again later.",
        status=429,
    )


def server_error() -> AadstsError:
    """50000: the sandbox itself failed (a bug), shaped like Entra's own service error."""
    return AadstsError(
        50000,
        "server_error",
        "There was an error issuing a token or an issue with our sign-in service.",
        status=500,
    )


# --- delegated sign-in (device code flow, ROPC, refresh tokens) -----------------------------------
# Device-flow error names are the ones Entra's device code documentation lists (authorization_pending,
# authorization_declined, bad_verification_code, expired_token); slow_down is RFC 8628's.

GRAPH_RESOURCE_ID = "00000003-0000-0000-c000-000000000000"


def authorization_pending() -> AadstsError:
    """70016: the user has not finished signing in at the verification page yet."""
    return AadstsError(
        70016,
        "authorization_pending",
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    )


def slow_down() -> AadstsError:
    """Polling faster than ``interval``. [unsure] Entra's code and wording; RFC 8628 3.5 makes slow_down a
    variant of authorization_pending, so the sandbox keeps 70016."""
    return AadstsError(
        70016,
        "slow_down",
        "OAuth 2.0 device flow error. The client is polling too frequently: wait 'interval' seconds "
        "between requests.",
    )


def device_code_expired() -> AadstsError:
    """70020: the device code outlived ``expires_in`` (wording as Entra sends it)."""
    return AadstsError(
        70020,
        "expired_token",
        "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
    )


def device_code_declined() -> AadstsError:
    """The user declined the request on the verification page. [unsure] the code: Entra documents only the
    error name; the sandbox uses 65004 (UserDeclinedConsent)."""
    return AadstsError(
        65004,
        "authorization_declined",
        "The end user declined the authorization request on the device login page.",
    )


def bad_verification_code() -> AadstsError:
    """A ``device_code`` the token endpoint does not know, or one already redeemed. [unsure] the code:
    70018 is Entra's BadVerificationCode; a spent code has also been seen answered with invalid_grant
    AADSTS7000014 and this same wording."""
    return AadstsError(
        70018,
        "bad_verification_code",
        "The provided value for the input parameter 'device_code' is not valid.",
    )


def user_code_not_recognized() -> AadstsError:
    """70018 on the verification page: the user typed a code that is not (or no longer) pending."""
    return AadstsError(
        70018,
        "invalid_request",
        "Invalid verification code. The code entered is not valid; check the code and try again.",
    )


def user_code_expired() -> AadstsError:
    """70019 on the verification page: the code's lifetime is over."""
    return AadstsError(
        70019, "invalid_request", "Verification code expired. Retry the sign-in on the device."
    )


def user_code_empty() -> AadstsError:
    """90119 on the verification page."""
    return AadstsError(90119, "invalid_request", "The user code is null or empty.")


def user_code_already_used() -> AadstsError:
    """90120: the code was already approved or declined."""
    return AadstsError(90120, "invalid_request", "The request was already authorized or declined.")


def invalid_username_or_password() -> AadstsError:
    """50126: wrong password (or an app password where only the real one counts)."""
    return AadstsError(
        50126, "invalid_grant", "Error validating credentials due to invalid username or password."
    )


def user_not_found(directory: str) -> AadstsError:
    """50034: no such user in the directory the request names. [unsure] the placeholder: Entra hides the
    account as '{EUII Hidden}' (older answers say '{EmailHidden}')."""
    return AadstsError(
        50034,
        "invalid_grant",
        f"The user account {{EUII Hidden}} does not exist in the {directory} directory. To sign into this "
        "application, the account must be added to the directory.",
    )


def user_disabled() -> AadstsError:
    """50057: the account is disabled (the password was right)."""
    return AadstsError(50057, "invalid_grant", "The user account is disabled.")


def mfa_required(resource_id: str = GRAPH_RESOURCE_ID) -> AadstsError:
    """50076: the user must do multi-factor authentication, which a password grant cannot."""
    return AadstsError(
        50076,
        "interaction_required",
        "Due to a configuration change made by your administrator, or because you moved to a new location, "
        f"you must use multi-factor authentication to access '{resource_id}'.",
        suberror="basic_action",
    )


def blocked_by_conditional_access() -> AadstsError:
    """53003: a Conditional Access policy blocks this sign-in (after a correct password)."""
    return AadstsError(
        53003,
        "interaction_required",
        "Access has been blocked by Conditional Access policies. The access policy does not allow token "
        "issuance.",
        suberror="message_only",
    )


def consent_required(client_id: str, client_name: str) -> AadstsError:
    """65001: no delegated consent for this client (e.g. a scenario app asking for Graph scopes).
    [unsure] exact wording."""
    return AadstsError(
        65001,
        "invalid_grant",
        f"The user or administrator has not consented to use the application with ID '{client_id}' named "
        f"'{client_name}'. Send an interactive authorization request for this user and resource.",
        suberror="consent_required",
    )


def scope_not_on_resource(client_name: str, scope: str, resource_id: str = GRAPH_RESOURCE_ID) -> AadstsError:
    """650053: a scope the resource does not define (e.g. 'User.Reed' on Graph). Entra names it
    invalid_client. [unsure] the status at the token endpoint: the sandbox answers 400."""
    return AadstsError(
        650053,
        "invalid_client",
        f"The application '{client_name}' asked for scope '{scope}' that doesn't exist on the resource "
        f"'{resource_id}'. Contact the app vendor.",
        status=400,
    )


def invalid_scope(scope: str, detail: str = "") -> AadstsError:
    """70011: a scope value that cannot be used as written."""
    text = (
        f"The provided value for the input parameter 'scope' is not valid. The scope '{scope}' is not valid."
    )
    return AadstsError(70011, "invalid_scope", f"{text} {detail}".strip())


def public_client_with_credential() -> AadstsError:
    """700025: a public client (no credentials) sent a client_secret or client_assertion."""
    return AadstsError(
        700025,
        "invalid_client",
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    )


def invalid_grant() -> AadstsError:
    """70000: a refresh token the sandbox never issued, or issued to another client or tenant."""
    return AadstsError(70000, "invalid_grant", "Provided grant is invalid or malformed.")
