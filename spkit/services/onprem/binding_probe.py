"""Why a farm refused a sign-in that carried a TLS channel binding: a wrong password, or Extended
Protection checking our binding against another certificate than the one we were served (a load balancer
terminating TLS, or a TLS-inspecting proxy, between this machine and the farm).

Told apart by statuses only: the same account tried once more where no balancer stands between (Central
Administration, reached directly, with a channel binding), or, without Central Administration, once
without a channel binding (a farm with Extended Protection 'Accept' takes it). Only when one of them signs
in (any answer but 401 after an NTLM authenticate message) is the refused attempt repeated, with the
password now known to be right, to record the certificate our binding named. A wrong password therefore
costs one more failed logon, never more (account lockout thresholds)."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests_ntlm import HttpNtlmAuth

from ...errors import AuthenticationError, NetworkError, SpkitError
from ...http.session import session_for
from ...models.onprem_profile import OnpremProfile
from ..secret_values import secret_value
from .auth_evidence import channel_binding_sent

VERSION_HEADER = "MicrosoftSharePointTeamServices"


class _RecordingAuth(HttpNtlmAuth):
    """requests-ntlm's NTLM that remembers the certificate hash its channel binding was made from."""

    bound_to: bytes | None = None

    def _get_server_cert(self, response: requests.Response) -> bytes | None:
        found = super()._get_server_cert(response)
        self.bound_to = found
        return found


@dataclass(frozen=True)
class Attempt:
    """One sign-in: the final status, whether an NTLM authenticate message went (and with a channel
    binding), and the hash of the certificate the binding named (RFC 5929 tls-server-end-point)."""

    url: str
    status: int | None
    bound: bool | None  # None: no authenticate message was sent (no challenge, or no answer)
    certificate_hash: bytes | None = None

    @property
    def signed_in(self) -> bool:
        """The farm took the credentials: SharePoint answered something else than 401 to an authenticate
        message (200, 403 for an account without access, 404, 503 throttled: all after IIS's sign-in)."""
        return self.bound is not None and self.status not in (None, 401)

    def shown(self) -> str:
        binding = {True: "with a channel binding", False: "without a channel binding", None: "no NTLM logon"}
        status = f"HTTP {self.status}" if self.status is not None else "no answer"
        return f"GET {self.url}: {status} ({binding[self.bound]})"


def try_sign_in(profile: OnpremProfile, url: str, *, send_cbt: bool) -> Attempt:
    """The profile's account signs in at ``url`` on a fresh session, with or without a channel binding."""
    password = secret_value(profile.admin_password, profile.card)
    auth = _RecordingAuth(profile.account.text, password, send_cbt=send_cbt)
    with session_for(profile.card, profile.ca_bundle) as session:
        try:
            response = session.get(url, headers={"Accept": "application/json;odata=nometadata"}, auth=auth)
        except (requests.RequestException, PermissionError, KeyError, NetworkError):
            return Attempt(url, None, None)
        sent = response.request.headers.get("Authorization") if response.request else None
        is_sharepoint = VERSION_HEADER in response.headers
        bound = channel_binding_sent(sent) if is_sharepoint else None
        return Attempt(url, response.status_code, bound, auth.bound_to if bound else None)


def _fingerprint(digest: bytes | None) -> str:
    return ":".join(f"{b:02X}" for b in digest) if digest else "?"


def binding_mismatch(profile: OnpremProfile, refused_url: str) -> AuthenticationError | None:
    """After ``refused_url`` answered 401 to a complete NTLM handshake over https: ONPREM_EPA_CHANNEL_MISMATCH
    when the same account signs in elsewhere and the refused attempt, repeated, carried a channel binding;
    None when nothing shows the password is right (the caller's diagnosis stands)."""
    if profile.auth != "ntlm" or not refused_url.startswith("https://"):
        return None
    proofs: list[Attempt] = []
    central_admin = profile.central_admin_url
    if central_admin and central_admin.rstrip("/") != profile.server.url.rstrip("/"):
        proofs.append(try_sign_in(profile, f"{central_admin}/_api/web", send_cbt=True))
    else:
        proofs.append(try_sign_in(profile, refused_url, send_cbt=False))
    if not proofs[-1].signed_in:
        return None
    again = try_sign_in(profile, refused_url, send_cbt=True)
    if again.status != 401 or again.bound is not True:
        return None  # it signs in now, or the binding was not sent: nothing to blame on Extended Protection
    proof = proofs[-1]
    where = "at Central Administration (reached directly)" if proof.bound else "without a channel binding"
    return AuthenticationError(
        f"signing in to the farm: the account's password is right (it signs in {where}), but the web "
        "application refuses the TLS channel binding: Extended Protection checks it against another "
        "certificate than the one this machine was served (TLS offload or inspection in front of the farm)",
        code="ONPREM_EPA_CHANNEL_MISMATCH",
        evidence=f"{again.shown()}, the binding naming the certificate served here (tls-server-end-point "
        f"{_fingerprint(again.certificate_hash)}); the same account: {proof.shown()}",
        fix="have the load balancer or proxy pass TLS through to the farm (no offload or inspection for its "
        "address), or bind the balancer's certificate on the farm's IIS site too; otherwise set Extended "
        "Protection to Off on the web application's IIS site (IIS Manager > the site > Authentication > "
        "Windows Authentication > Advanced Settings) and rely on the balancer's TLS",
    )


def explain_refused(profile: OnpremProfile, refused_url: str, error: SpkitError) -> SpkitError:
    """``error`` (a refused sign-in), or the channel binding mismatch that explains it."""
    if error.code != "ONPREM_AUTH_FAILED":
        return error
    return binding_mismatch(profile, refused_url) or error
