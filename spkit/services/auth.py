"""App-only tokens with MSAL, secret or certificate, over spkit's session; MSAL errors become diagnoses."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import msal
import requests

from ..errors import AuthenticationError, InputError
from ..http.session import SpkitSession
from ..models.certificates import check_usable, load_certificate
from ..models.clouds import Cloud
from .aadsts import ClientFacts, auth_error, secret_shape
from .http_errors import network_error
from .tokens import decode_claims


@dataclass(frozen=True)
class AccessToken:
    """A token and its decoded claims. ``repr`` never shows the token itself."""

    token: str = field(repr=False)
    resource: str
    claims: dict[str, Any]
    expires_on: float

    @property
    def roles(self) -> list[str]:
        return list(self.claims.get("roles") or [])


@dataclass(frozen=True)
class AppCredential:
    """What MSAL needs as ``client_credential``, and how to describe it without revealing it."""

    msal_value: Any = field(repr=False)
    kind: str  # "secret" | "certificate"
    description: str
    warnings: tuple[str, ...] = ()
    thumbprint: str | None = None  # the certificate's SHA-1 thumbprint (evidence for AADSTS700027)
    secret_shape: str | None = None  # "guid" when the secret looks like a Secret ID (never the value)


def secret_credential(secret: str, reference: str) -> AppCredential:
    if not secret:
        raise InputError(
            f"the client secret from {reference} is empty",
            code="SECRET_EMPTY",
            fix="put the secret's value where the reference points",
        )
    return AppCredential(
        secret, "secret", f"client secret from {reference}", secret_shape=secret_shape(secret)
    )


def certificate_credential(
    path: str, password: str | None = None, key_path: str | None = None
) -> AppCredential:
    """A certificate file as MSAL takes it: PEM → RS256 with ``x5t``; PFX → PS256 with ``x5t#S256``."""
    loaded = load_certificate(path, password, key_path=key_path)
    warnings = tuple(check_usable(loaded))
    description = f"certificate {loaded.thumbprint} ({loaded.subject}, expires {loaded.not_after:%Y-%m-%d})"
    if str(path).lower().endswith((".pfx", ".p12")):
        value: dict[str, Any] = {"private_key_pfx_path": str(path)}
        if password:
            value["passphrase"] = password
    else:
        value = {"private_key": loaded.private_key_pem().decode("ascii"), "thumbprint": loaded.thumbprint}
    return AppCredential(value, "certificate", description, warnings, thumbprint=loaded.thumbprint)


class AppAuthenticator:
    """One confidential client per (tenant, app); tokens per resource, cached by MSAL in memory."""

    def __init__(
        self,
        *,
        cloud: Cloud,
        tenant_id: str,
        client_id: str,
        credential: AppCredential,
        session: SpkitSession,
        token_cache: msal.TokenCache | None = None,
    ) -> None:
        self.cloud = cloud
        self.credential = credential
        self.session = session
        try:
            self.app = msal.ConfidentialClientApplication(
                client_id,
                authority=cloud.authority(tenant_id),
                client_credential=credential.msal_value,
                http_client=session,
                instance_discovery=cloud.instance_discovery,
                token_cache=token_cache,
            )
        except requests.RequestException as exc:
            raise network_error(
                exc, cloud.authority(tenant_id), "sign-in", ca_bundle=session.ca_bundle
            ) from exc
        except ValueError as exc:  # MSAL's word for an authority or credential it cannot use
            raise AuthenticationError(
                f"MSAL refused the configuration: {exc}",
                code="AUTH_CONFIG",
                fix="check tenant_id, the cloud and the credential",
            ) from exc

    def acquire(self, resource: str, what: str = "token") -> AccessToken:
        """An app-only token for ``resource`` (an origin like https://graph.microsoft.com)."""
        scope = resource.rstrip("/") + "/.default"
        answered: dict[str, Any] = {}

        def remember(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            """The token endpoint's Date and when it arrived here: a clock-skew diagnosis compares them."""
            if response.request is not None and response.request.method == "POST":
                answered.update(date=response.headers.get("Date"), at=time.time())

        self.session.hooks["response"].append(remember)
        try:
            result = self.app.acquire_token_for_client(scopes=[scope])
        except requests.RequestException as exc:
            raise network_error(
                exc, self.cloud.authority_host, what, ca_bundle=self.session.ca_bundle
            ) from exc
        finally:
            self.session.hooks["response"].remove(remember)
        if "access_token" not in result:
            facts = ClientFacts(
                secret_shape=self.credential.secret_shape,
                thumbprint=self.credential.thumbprint,
                local_time=answered.get("at"),
                server_date=answered.get("date"),
            )
            raise auth_error(result, what, facts)
        token = result["access_token"]
        return AccessToken(
            token=token,
            resource=resource,
            claims=decode_claims(token),
            expires_on=time.time() + float(result.get("expires_in", 0)),
        )
