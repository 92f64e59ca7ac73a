"""A small sandbox world for the identity tests, built by hand (independent of the scenario file), plus
helpers that build client assertions the way MSAL does. Imported by test_identity_models/_http."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from spkit.sandbox.access_tokens import TokenService, new_signing_key
from spkit.sandbox.guids import stable_guid
from spkit.sandbox.site_catalog import SiteCatalog
from spkit.sandbox.state import App, ClientSecret, KeyCredential, SandboxState, Tenant

FULL = ["Graph/Sites.Read.All", "Graph/User.Read.All", "SharePoint/Sites.FullControl.All"]


@dataclass
class Cert:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def sha1(self) -> bytes:
        return self.certificate.fingerprint(hashes.SHA1())  # noqa: S303

    @property
    def sha256(self) -> bytes:
        return self.certificate.fingerprint(hashes.SHA256())

    @property
    def pem(self) -> str:
        return (
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + self.certificate.public_bytes(serialization.Encoding.PEM)
        ).decode()


def make_cert(name: str, *, days: int = 365, expired: bool = False) -> Cert:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    start, end = (
        (now - timedelta(days=400), now - timedelta(days=30))
        if expired
        else (now - timedelta(days=1), now + timedelta(days=days))
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    return Cert(key, cert)


@dataclass
class World:
    state: SandboxState
    tokens: TokenService
    contoso: Tenant
    fabrikam: Tenant
    apps: dict[str, App] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # app name -> secret value
    certs: dict[str, Cert] = field(default_factory=dict)  # app name -> its registered certificate


def _tenant(name: str, domains: list[str], display: str) -> Tenant:
    tid = stable_guid("test-tenant", name)
    return Tenant(
        name=name,
        tenant_id=tid,
        domains=domains,
        display_name=display,
        users={},
        apps={},
        sites=SiteCatalog(name, tid, "sharepoint.localhost", 5, 1),
    )


def _app(tenant: Tenant, name: str, granted: list[str]) -> App:
    app = App(
        name=name,
        client_id=stable_guid(tenant.tenant_id, "app", name),
        object_id=stable_guid(tenant.tenant_id, "obj", name),
        service_principal_id=stable_guid(tenant.tenant_id, "sp", name),
        granted=list(granted),
    )
    tenant.apps[app.client_id] = app
    return app


def _secret(world: World, app: App, *, expired: bool = False) -> None:
    now = datetime.now(UTC)
    value = f"{app.name}~{uuid.uuid4().hex}"
    start, end = (
        (now - timedelta(days=400), now - timedelta(days=35))
        if expired
        else (now - timedelta(days=1), now + timedelta(days=365))
    )
    app.secrets.append(ClientSecret(stable_guid(app.client_id, "secret"), value, "test", start, end))
    world.secrets[app.name] = value


def _certificate(world: World, app: App, cert: Cert) -> None:
    app.key_credentials.append(KeyCredential(stable_guid(app.client_id, "key"), cert.certificate, "test"))
    world.certs[app.name] = cert


def build_world() -> World:
    """contoso: secret-app, expired-app, cert-app, noroles-app, oldcert-app (registered cert expired);
    fabrikam: fab-app. Every app with a secret has its value in ``world.secrets``."""
    state = SandboxState()
    contoso = _tenant("contoso", ["contoso.onmicrosoft.com", "contoso.com"], "Contoso")
    fabrikam = _tenant("fabrikam", ["fabrikam.onmicrosoft.com"], "Fabrikam")
    state.add_tenant(contoso)
    state.add_tenant(fabrikam)
    world = World(state, TokenService(new_signing_key(), state.authority_host), contoso, fabrikam)
    specs = [
        (contoso, "secret-app", FULL),
        (contoso, "expired-app", FULL),
        (contoso, "cert-app", FULL),
        (contoso, "noroles-app", []),
        (contoso, "oldcert-app", FULL),
        (fabrikam, "fab-app", FULL),
    ]
    for tenant, name, granted in specs:
        world.apps[name] = _app(tenant, name, granted)
    for name in ("secret-app", "noroles-app", "fab-app"):
        _secret(world, world.apps[name])
    _secret(world, world.apps["expired-app"], expired=True)
    _certificate(world, world.apps["cert-app"], make_cert("cert-app"))
    _certificate(world, world.apps["noroles-app"], make_cert("noroles-app"))
    _certificate(world, world.apps["oldcert-app"], make_cert("oldcert-app", expired=True))
    return world


def b64url(data: bytes, *, padded: bool = True) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if padded else text.rstrip("=")


def assertion(
    cert: Cert,
    client_id: str,
    aud: object,
    *,
    alg: str = "RS256",
    padded: bool = True,
    header_key: str | None = None,
    **claims: object,
) -> str:
    """A client assertion as MSAL builds it: RS256 + x5t (SHA-1) or PS256 + x5t#S256, padded base64url,
    float times, a jti, no nbf. ``claims`` override (None removes a claim)."""
    now = time.time()
    body: dict = {
        "aud": aud,
        "iss": client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 600,
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    name = header_key or ("x5t#S256" if alg == "PS256" else "x5t")
    digest = cert.sha256 if name == "x5t#S256" else cert.sha1
    return jwt.encode(body, cert.key, algorithm=alg, headers={name: b64url(digest, padded=padded)})


def token_url(tenant: str, v1: bool = False) -> str:
    return f"https://login.localhost/{tenant}/oauth2/{'' if v1 else 'v2.0/'}token"
