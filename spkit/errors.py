"""The typed error hierarchy: every failure carries a diagnosis (stable code, evidence, fix).

Callers catch by meaning (``InputError`` for bad input, ``CheckError`` for a connection that does not
work); faces render ``diagnosis`` and map ``exit_code``. Messages never contain secret values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong, what we saw, and what to do about it."""

    code: str
    summary: str
    evidence: str = ""
    fix: str = ""

    def one_line(self) -> str:
        """The summary and the fix on one line, as the CLI prints it."""
        text = f"[{self.code}] {self.summary}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class SpkitError(Exception):
    """Base of every error spkit raises on purpose."""

    default_code = "SPKIT_ERROR"
    exit_code = 1

    def __init__(self, summary: str, *, code: str | None = None, evidence: str = "", fix: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.code = code or self.default_code
        self.evidence = evidence
        self.fix = fix

    @property
    def diagnosis(self) -> Diagnosis:
        return Diagnosis(code=self.code, summary=self.summary, evidence=self.evidence, fix=self.fix)

    def __str__(self) -> str:
        return self.summary


# --- bad input: exit 2 -------------------------------------------------------------------------


class InputError(SpkitError):
    """The user gave something spkit cannot use (a file, a field, an address, an argument)."""

    default_code = "INPUT_INVALID"
    exit_code = 2


class ProfileError(InputError):
    """A connection profile (parameters file, wizard form, saved connection) is invalid.

    ``field`` names the offending key so every face can point at it.
    """

    default_code = "PROFILE_INVALID"

    def __init__(
        self,
        field: str,
        problem: str,
        *,
        source: str = "",
        code: str | None = None,
        fix: str = "",
        evidence: str = "",
    ) -> None:
        self.field = field
        self.source = source
        self.problem = problem
        where = f"{source}: " if source else ""
        super().__init__(f"{where}field '{field}': {problem}", code=code, evidence=evidence, fix=fix)


class AddressError(InputError):
    """A SharePoint or server address that cannot be understood."""

    default_code = "ADDRESS_INVALID"


class CloudError(InputError):
    """An unknown cloud name, or a cloud definition that cannot be used."""

    default_code = "CLOUD_UNKNOWN"


class SecretReferenceError(InputError):
    """A secret reference that is malformed or does not resolve (the value itself is never shown)."""

    default_code = "SECRET_UNRESOLVED"


class CertificateError(InputError):
    """A certificate or key that cannot be loaded or is not acceptable (size, expiry, pairing)."""

    default_code = "CERTIFICATE_INVALID"


# --- a connection that does not work: exit 1 --------------------------------------------------


class CheckError(SpkitError):
    """A step of connecting or verifying failed for a reason outside the input's form."""

    default_code = "CHECK_FAILED"
    exit_code = 1


class NetworkError(CheckError):
    """Name resolution, TCP, TLS or timeouts: the service could not be reached."""

    default_code = "NETWORK_UNREACHABLE"


class TlsError(NetworkError):
    """The server's certificate was not trusted or did not match the host."""

    default_code = "TLS_UNTRUSTED"


class DiscoveryError(CheckError):
    """The tenant could not be discovered (unknown tenant, wrong cloud)."""

    default_code = "TENANT_NOT_FOUND"


class AuthenticationError(CheckError):
    """The identity platform (or the farm) refused to authenticate; ``aadsts`` holds Entra's code."""

    default_code = "AUTH_FAILED"

    def __init__(self, summary: str, *, aadsts: int | None = None, **kwargs) -> None:
        super().__init__(summary, **kwargs)
        self.aadsts = aadsts


class AuthorizationError(CheckError):
    """Authenticated, but the resource refused the request (missing roles, unsupported token)."""

    default_code = "ACCESS_DENIED"


class ThrottledError(CheckError):
    """The service kept answering 429/503 after the retries spkit allows."""

    default_code = "THROTTLED"


class ServiceError(CheckError):
    """The service answered with an error spkit has no more specific diagnosis for."""

    default_code = "SERVICE_ERROR"


class SandboxError(SpkitError):
    """The local sandbox could not be started, found or stopped."""

    default_code = "SANDBOX_ERROR"


class SandboxInputError(SandboxError, InputError):
    """A sandbox argument or scenario that cannot be used: bad input, so exit 2 like every InputError."""

    default_code = "SANDBOX_USAGE"
    exit_code = 2
