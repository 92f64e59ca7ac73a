"""The SharePoint Online profile (``kind: online``): an Entra ID app registration, its credential held by
reference (a client secret, a certificate file, or an installed certificate by thumbprint), and the
SharePoint address. Validated on the shared field rules, beside the on-premises profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from spkit.errors import AddressError, CertificateError, CloudError, InputError
from spkit.models.address import SharePointAddress, parse_sharepoint_address
from spkit.models.certificates import CERTIFICATE_EXTENSIONS, normalise_thumbprint
from spkit.models.clouds import GLOBAL, Cloud, canonical_cloud_name, get_cloud, sandbox_cloud
from spkit.models.online_fields import parse_application_account, parse_client_id, parse_tenant_ref
from spkit.models.profile_fields import FieldBuilder, type_name
from spkit.models.secrets import SecretRef

ONLINE_KEYS = (
    "name",
    "kind",
    "cloud",
    "sharepoint_url",
    "tenant_id",
    "client_id",
    "application_account",
    "client_secret",
    "certificate",
    "sandbox",
    "ca_bundle",
)
REQUIRED_KEYS = ("name", "kind", "sharepoint_url", "client_id", "application_account")
CERT_FILE_KEYS = ("path", "key_path", "password")
CERT_STORE_KEYS = ("thumbprint",)
# The pseudo-field that errors about the choice between client_secret and certificate point at.
CREDENTIAL_FIELD = "credential"


@dataclass(frozen=True)
class ClientSecretCredential:
    """The app authenticates with a client secret, held by reference."""

    secret: SecretRef
    kind: ClassVar[str] = "client_secret"

    def to_dict(self) -> dict[str, Any]:
        return {"client_secret": self.secret.text}


@dataclass(frozen=True)
class CertificateFileCredential:
    """The app authenticates with a certificate file (.pem, .pfx/.p12, or .cer/.crt + key)."""

    path: Path
    key_path: Path | None = None
    password: SecretRef | None = None
    kind: ClassVar[str] = "certificate_file"

    def to_dict(self) -> dict[str, Any]:
        cert: dict[str, Any] = {"path": str(self.path)}
        if self.key_path is not None:
            cert["key_path"] = str(self.key_path)
        if self.password is not None:
            cert["password"] = self.password.text
        return {"certificate": cert}


@dataclass(frozen=True)
class CertificateThumbprintCredential:
    """The app authenticates with an installed certificate named by its SHA-1 thumbprint."""

    thumbprint: str
    kind: ClassVar[str] = "certificate_thumbprint"

    def to_dict(self) -> dict[str, Any]:
        return {"certificate": {"thumbprint": self.thumbprint}}


Credential = ClientSecretCredential | CertificateFileCredential | CertificateThumbprintCredential


@dataclass(frozen=True)
class OnlineProfile:
    """A SharePoint Online connection through an Entra ID app registration (no secret values)."""

    name: str
    cloud: str
    sharepoint_url: str
    client_id: str
    application_account: str
    credential: Credential
    tenant_id: str | None = None
    sandbox: Path | None = None
    ca_bundle: Path | None = None
    kind: str = field(default="online", init=False)
    address: SharePointAddress | None = field(default=None, compare=False, repr=False)
    cloud_obj: Cloud = field(default=GLOBAL, compare=False, repr=False)
    card: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    source: str = field(default="<dict>", compare=False, repr=False)

    def __post_init__(self) -> None:
        # Built directly (not via profile_from_dict): derive what the builder would have supplied.
        if not self.cloud_obj.is_sandbox and self.cloud_obj.name != self.cloud:
            object.__setattr__(self, "cloud_obj", get_cloud(self.cloud))
        if self.address is None:
            object.__setattr__(self, "address", parse_sharepoint_address(self.sharepoint_url, self.cloud_obj))

    @property
    def tenant(self) -> str:
        """The tenant name (``contoso``), possibly a guess until sign-in confirms it."""
        return self._address.tenant

    @property
    def admin_url(self) -> str:
        """The SharePoint admin center URL derived from the address."""
        return self._address.admin_url

    @property
    def _address(self) -> SharePointAddress:
        assert self.address is not None  # set by __post_init__
        return self.address

    @property
    def warnings(self) -> list[str]:
        """Things to tell the user that do not stop the profile from loading."""
        found = [self.cloud_obj.warning] if self.cloud_obj.warning else []
        if self._address.note:
            found.append(self._address.note)
        return found

    def to_dict(self) -> dict[str, Any]:
        """Plain data (absolute paths, secrets as references) that ``profile_from_dict`` reads back."""
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "cloud": self.cloud,
            "sharepoint_url": self.sharepoint_url,
        }
        if self.tenant_id is not None:
            data["tenant_id"] = self.tenant_id
        data["client_id"] = self.client_id
        data["application_account"] = self.application_account
        data.update(self.credential.to_dict())
        if self.sandbox is not None:
            data["sandbox"] = str(self.sandbox)
        if self.ca_bundle is not None:
            data["ca_bundle"] = str(self.ca_bundle)
        return data


def build_online(b: FieldBuilder) -> OnlineProfile:
    """Validate the fields of an Online profile (any ``kind`` but on-premises ends here, so an unknown
    kind is refused here, after the keys: a misspelt key is the likelier mistake)."""
    b.check_keys(ONLINE_KEYS)
    kind = b.required("kind").lower()
    if kind != "online":
        raise b.fail(
            "kind",
            f"must be online or onprem, not '{kind}'",
            "use kind: online (SharePoint Online) or kind: onprem (SharePoint Server)",
            code="PROFILE_KIND_INVALID",
        )
    for key in REQUIRED_KEYS:
        b.required(key)
    name = b.name(example="contoso-prod")
    cloud_name, cloud_obj, card, sandbox = _cloud(b)
    try:
        address = parse_sharepoint_address(b.required("sharepoint_url"), cloud_obj)
    except AddressError as exc:
        raise b.fail("sharepoint_url", exc.summary, exc.fix, code=exc.code) from None
    tenant_id = _tenant_id(b)
    client_id = parse_client_id(b.required("client_id"), source=b.source)
    account = parse_application_account(b.required("application_account"), source=b.source)
    ca_text = b.text("ca_bundle")
    return OnlineProfile(
        name=name,
        cloud=cloud_name,
        sharepoint_url=address.normalised,
        client_id=client_id,
        application_account=account,
        credential=_credential(b),
        tenant_id=tenant_id,
        sandbox=sandbox,
        ca_bundle=b.path("ca_bundle", ca_text, what="CA bundle") if ca_text else None,
        address=address,
        cloud_obj=cloud_obj,
        card=card,
        source=b.source,
    )


def _cloud(b: FieldBuilder) -> tuple[str, Cloud, dict[str, Any] | None, Path | None]:
    try:
        name = canonical_cloud_name(b.text("cloud") or "global")
    except CloudError as exc:
        raise b.fail("cloud", exc.summary, exc.fix, code=exc.code) from None
    sandbox_text = b.text("sandbox")
    if name != "sandbox":
        if sandbox_text is not None:
            raise b.fail(
                "sandbox",
                "is only used with cloud: sandbox",
                "set cloud: sandbox, or remove sandbox:",
                code="PROFILE_SANDBOX_UNEXPECTED",
            )
        return name, get_cloud(name), None, None
    if sandbox_text is None:
        raise b.fail(
            "sandbox",
            "is required with cloud: sandbox",
            "add sandbox: <path to the sandbox.json card>",
            code="PROFILE_MISSING",
        )
    card_path, card = b.sandbox_card(sandbox_text)
    try:
        cloud = sandbox_cloud(card)
    except InputError as exc:
        raise b.fail("sandbox", exc.summary, exc.fix, code=exc.code) from None
    return name, cloud, card, card_path


def _tenant_id(b: FieldBuilder) -> str | None:
    value = b.text("tenant_id")
    return None if value is None else parse_tenant_ref(value, source=b.source)


def _credential(b: FieldBuilder) -> Credential:
    has_secret, has_cert = "client_secret" in b.data, "certificate" in b.data
    if has_secret and has_cert:
        raise b.fail(
            CREDENTIAL_FIELD,
            "give exactly one of client_secret or certificate, not both",
            "remove one of client_secret and certificate",
            code="PROFILE_CREDENTIAL_BOTH",
        )
    if not has_secret and not has_cert:
        raise b.fail(
            CREDENTIAL_FIELD,
            "no credential: give client_secret or certificate",
            "add certificate: {path: app.pem} (needed for SharePoint REST) or client_secret: env:NAME",
            code="PROFILE_CREDENTIAL_MISSING",
        )
    if has_secret:
        return ClientSecretCredential(b.secret_ref("client_secret", b.data["client_secret"]))
    cert = b.data["certificate"]
    if not isinstance(cert, dict) or not cert:
        raise b.fail(
            "certificate",
            f"must be a mapping, not {type_name(cert)}",
            "write certificate: {path: FILE.pem} or certificate: {thumbprint: HEX}",
            code="PROFILE_WRONG_TYPE",
        )
    b.check_keys(CERT_FILE_KEYS + CERT_STORE_KEYS, mapping=cert, prefix="certificate.")
    if "thumbprint" in cert:
        if len(cert) > 1:
            raise b.fail(
                "certificate",
                "thumbprint cannot be combined with path, key_path or password",
                "give either {thumbprint: HEX} or {path: FILE}",
                code="PROFILE_CREDENTIAL_BOTH",
            )
        text = b.text("thumbprint", mapping=cert, label="certificate.thumbprint", secret=True)
        try:
            return CertificateThumbprintCredential(normalise_thumbprint(text or ""))
        except CertificateError as exc:
            raise b.fail("certificate.thumbprint", exc.summary, exc.fix, code=exc.code) from None
    path_text = b.text("path", mapping=cert, label="certificate.path")
    if path_text is None:
        raise b.fail(
            "certificate.path",
            "is required (or give certificate.thumbprint)",
            "add path: FILE.pem|FILE.pfx|FILE.cer",
            code="PROFILE_MISSING",
        )
    if Path(path_text).suffix.lower() not in CERTIFICATE_EXTENSIONS:
        raise b.fail(
            "certificate.path",
            f"has an unknown extension (use {', '.join(CERTIFICATE_EXTENSIONS)})",
            "export the certificate as .pem or .pfx",
            code="PROFILE_CERT_EXTENSION",
        )
    path = b.path("certificate.path", path_text, what="certificate file")
    key_text = b.text("key_path", mapping=cert, label="certificate.key_path")
    key_path = b.path("certificate.key_path", key_text, what="key file") if key_text else None
    password = b.secret_ref("certificate.password", cert["password"]) if "password" in cert else None
    return CertificateFileCredential(path=path, key_path=key_path, password=password)
