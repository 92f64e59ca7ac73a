"""Sandboxes of the fault scenarios (``fault_scenarios/*.yaml``), one per scenario, started in this process
on first use and stopped when the test module ends (each module's ``world`` fixture holds a ``Worlds``). Clients reach them over real HTTPS through the card,
as they would a CLI-started one (``spkit sandbox start --scenario fault_scenarios/<name>.yaml``)."""

from __future__ import annotations

import base64
import json
import socket
import ssl
from pathlib import Path

import jwt
import requests
from cryptography import x509

from spkit.http.session import session_for_card
from spkit.sandbox.runner import RunningSandbox, SandboxOptions

SCENARIOS = Path(__file__).parent / "fault_scenarios"


class Worlds:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.running: dict[str, RunningSandbox] = {}

    def __call__(self, name: str) -> dict:
        """The card of the running sandbox of scenario ``name`` (started now if it is not yet)."""
        if name not in self.running:
            options = SandboxOptions(
                state_dir=self.root / name, scenario=SCENARIOS / f"{name}.yaml", directory=False
            )
            self.running[name] = RunningSandbox(options)
        return json.loads(self.running[name].card_path.read_text("utf-8"))

    def close(self) -> None:
        for sandbox in self.running.values():
            sandbox.stop()
        self.running.clear()

    def __enter__(self) -> Worlds:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def tenant_of(card: dict, name: str = "contoso") -> dict:
    return next(t for t in card["tenants"] if t["name"] == name)


def app_of(card: dict, name: str, tenant: str = "contoso") -> dict:
    return next(a for a in tenant_of(card, tenant)["apps"] if a["name"] == name)


def token_url(card: dict, tenant: str = "contoso") -> str:
    return f"{card['cloud']['authority_host']}/{tenant_of(card, tenant)['tenant_id']}/oauth2/v2.0/token"


def secret_token(
    card: dict, app: str, scope: str | None = None, tenant: str = "contoso"
) -> requests.Response:
    """A client-credentials request with the app's secret, answered as it is (no retries)."""
    entry = app_of(card, app, tenant)
    form = {
        "grant_type": "client_credentials",
        "client_id": entry["client_id"],
        "client_secret": entry["client_secret"],
        "scope": scope or f"{card['cloud']['graph_url']}/.default",
    }
    with session_for_card(card, retries=0) as session:
        return session.post(token_url(card, tenant), data=form)


def msal_certificate_token(card: dict, app: str, scope: str | None = None, tenant: str = "contoso") -> dict:
    """MSAL's client credentials with the app's certificate (its private key and SHA-1 thumbprint)."""
    import msal

    entry = app_of(card, app, tenant)
    client = msal.ConfidentialClientApplication(
        entry["client_id"],
        authority=f"{card['cloud']['authority_host']}/{tenant_of(card, tenant)['tenant_id']}",
        client_credential={
            "private_key": Path(entry["certificate"]["pem"]).read_text(),
            "thumbprint": entry["certificate"]["thumbprint"],
        },
        http_client=session_for_card(card, retries=0),
        instance_discovery=False,
    )
    return client.acquire_token_for_client([scope or f"{card['cloud']['graph_url']}/.default"])


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def aadsts(response: requests.Response) -> int:
    return response.json()["error_codes"][0]


def mapped(card: dict, host: str, port: int = 443) -> tuple[str, int]:
    address, _, mapped_port = card["connect_to"][f"{host}:{port}"].rpartition(":")
    return address, int(mapped_port)


def tls_handshake(card: dict, host: str, port: int = 443, cafile: str | None = None) -> bytes:
    """The DER certificate ``host:port`` presents, after verifying it against ``cafile`` (default: the
    card's bundle) and the host name, as any TLS client does; ``ssl.SSLCertVerificationError`` if it fails."""
    context = ssl.create_default_context(cafile=cafile or card["ca_bundle"])
    with (
        socket.create_connection(mapped(card, host, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.getpeercert(binary_form=True) or b""


def unverified_certificate(card: dict, host: str, port: int = 443) -> x509.Certificate:
    """What the host presents, read without verifying it (as ``openssl s_client`` shows it)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(mapped(card, host, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True) or b"")


def dns_names(cert: x509.Certificate) -> list[str]:
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    )


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def admin_graph_token(card: dict, upn: str = "admin@contoso.onmicrosoft.com", tenant: str = "contoso") -> str:
    """A Global Administrator's delegated Graph token (ROPC with Microsoft Graph Command Line Tools), to read
    the directory the way a consultant's sign-in would to find the evidence."""
    import warnings

    import msal

    entry = tenant_of(card, tenant)
    user = next(u for u in entry["users"] if u["upn"] == upn)
    client = msal.PublicClientApplication(
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        authority=f"{card['cloud']['authority_host']}/{entry['tenant_id']}",
        http_client=session_for_card(card, retries=0),
        instance_discovery=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ROPC: fine against a sandbox
        result = client.acquire_token_by_username_password(upn, user["password"], ["Application.Read.All"])
    return result["access_token"]


def graph_get(card: dict, token: str, path: str) -> requests.Response:
    with session_for_card(card, retries=0) as session:
        return session.get(
            f"{card['cloud']['graph_url']}/v1.0{path}", headers={"Authorization": f"Bearer {token}"}
        )
