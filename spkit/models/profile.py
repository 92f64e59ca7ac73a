"""The connection profile: one validated model behind the wizard, the parameters files and the store.

Every face builds a profile through ``profile_from_dict`` (``load_profile`` for YAML files), so every
face rejects the same mistakes with the same message: the source, the field, the problem and the fix.
Only ``kind: online`` exists so far; an on-premises profile will be a second dataclass next to
``OnlineProfile``, chosen by ``kind`` in ``profile_from_dict``.
"""

from __future__ import annotations

import difflib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Union

import yaml

from spkit.errors import AddressError, CertificateError, CloudError, InputError, ProfileError
from spkit.models.address import SharePointAddress, parse_sharepoint_address
from spkit.models.card import load_running_card, resolve_card_path
from spkit.models.certificates import CERTIFICATE_EXTENSIONS, normalise_thumbprint
from spkit.models.clouds import GLOBAL, Cloud, canonical_cloud_name, get_cloud, sandbox_cloud
from spkit.models.secrets import REFERENCE_FORMS, SecretRef, parse_secret_ref

if TYPE_CHECKING:
    from spkit.models.onprem_profile import OnpremProfile

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

_NAME_RE = re.compile(r"[A-Za-z0-9_.\- ]{1,64}")
_GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PASTE_JUNK = dict.fromkeys(map(ord, " \t\r\n\u00a0\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
_MICROSOFT_APP_IDS = {
    "00000003-0000-0000-c000-000000000000": "Microsoft Graph",
    "00000003-0000-0ff1-ce00-000000000000": "SharePoint Online",
}
_GUID_EXAMPLE = "00000000-0000-0000-0000-000000000000"


class ProfileFieldError(ProfileError):
    """A ``ProfileError`` whose text is one line with the source, the field, the problem and the fix."""

    def __init__(self, field: str, problem: str, *, source: str, fix: str, code: str | None = None) -> None:
        super().__init__(field, problem, source=source, code=code, fix=fix)
        where = f"{source}: " if source else ""
        self.summary = f"{where}field '{field}': {problem}" if field else f"{where}{problem}"
        self.args = (self.summary,)

    def __str__(self) -> str:
        return f"{self.summary}; fix: {self.fix}" if self.fix else self.summary


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
Profile = Union["OnlineProfile", "OnpremProfile"]


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


class _DuplicateKeyError(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            if key in seen:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
        except TypeError:  # an unhashable key; the mapping check reports it
            continue
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_profile(path: str | Path) -> Profile:
    """Load a profile from a YAML parameters file; relative paths inside are relative to the file."""
    file = Path(path).expanduser()
    source = str(file)

    def fail(problem: str, fix: str, code: str = "PROFILE_FILE_INVALID") -> ProfileFieldError:
        return ProfileFieldError("", problem, source=source, fix=fix, code=code)

    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("file not found", "check the path of the parameters file", "PROFILE_NOT_FOUND") from None
    except IsADirectoryError:
        raise fail("is a directory, not a file", "name the parameters file") from None
    except UnicodeDecodeError:
        raise fail("is not UTF-8 text", "save the file as UTF-8") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})", "check the file's permissions") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except _DuplicateKeyError as exc:
        raise ProfileFieldError(
            str(exc.key),
            f"is given twice (again on line {exc.line})",
            source=source,
            fix="keep one of the two",
            code="PROFILE_DUPLICATE_KEY",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise fail(
            f"is not valid YAML ({where}{problem})", "fix the YAML syntax (indentation, colons, quotes)"
        ) from None
    return profile_from_dict(data, source=source, base_dir=file.parent)


def _type_name(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _clean_paste(text: str) -> str:
    return text.translate(_PASTE_JUNK)


# --- field rules, public so that a form (the wizard) checks one field with the profile's own rule -----


def parse_guid(value: str, *, field: str, what: str, source: str = "") -> str:
    """A pasted GUID (braces, blanks, invisible characters, upper case, no hyphens) as 8-4-4-4-12."""
    cleaned = _clean_paste(value).lower().removeprefix("{").removesuffix("}")
    if not _GUID_RE.fullmatch(cleaned):
        raise ProfileFieldError(
            field,
            f"is not a GUID (expected 8-4-4-4-12 hexadecimal digits like {_GUID_EXAMPLE})",
            source=source,
            fix=f"copy the {what} from the app registration's Overview page in the Entra admin center",
            code="PROFILE_GUID_INVALID",
        )
    return str(uuid.UUID(cleaned))


def parse_client_id(value: str, *, source: str = "") -> str:
    """The app's Application (client) ID: a GUID, and not the ID of Microsoft Graph or SharePoint."""
    client_id = parse_guid(value, field="client_id", what="Application (client) ID", source=source)
    if client_id in _MICROSOFT_APP_IDS:
        raise ProfileFieldError(
            "client_id",
            f"is the ID of {_MICROSOFT_APP_IDS[client_id]} itself, not of your app",
            source=source,
            fix="copy the Application (client) ID of your own app registration",
            code="PROFILE_GUID_INVALID",
        )
    return client_id


def parse_tenant_ref(value: str, *, source: str = "") -> str:
    """A tenant ID (GUID) or one of the tenant's domains, cleaned and lower-cased."""
    cleaned = _clean_paste(value).lower().rstrip(".")
    if "." not in cleaned:
        return parse_guid(cleaned, field="tenant_id", what="Directory (tenant) ID", source=source)
    if not _is_domain(cleaned):
        raise ProfileFieldError(
            "tenant_id",
            "is neither a tenant GUID nor a domain name",
            source=source,
            fix="copy the Directory (tenant) ID, or write a domain like contoso.onmicrosoft.com",
            code="PROFILE_TENANT_INVALID",
        )
    return cleaned


def parse_application_account(value: str, *, field: str = "application_account", source: str = "") -> str:
    """The e-mail (UPN) of a user of the tenant, as a profile's ``application_account`` takes it."""
    account = value.strip()
    if not _is_email(account):
        raise ProfileFieldError(
            field,
            "must be the e-mail (UPN) of a user of the tenant",
            source=source,
            fix="write it like admin@contoso.onmicrosoft.com",
            code="PROFILE_ACCOUNT_INVALID",
        )
    return account


def parse_profile_name(value: str, *, source: str = "", example: str = "contoso-prod") -> str:
    """A profile's (and a saved connection's) name: 1-64 letters, digits, spaces or ``- _ .``."""
    name = value.strip()
    if not _NAME_RE.fullmatch(name):
        raise ProfileFieldError(
            "name",
            "must be 1-64 letters, digits, spaces or - _ .",
            source=source,
            fix=f"rename it, e.g. {example}",
            code="PROFILE_NAME_INVALID",
        )
    return name


class _Builder:
    """Validates one profile's fields, raising ``ProfileFieldError`` tied to the source."""

    def __init__(self, data: dict[str, Any], source: str, base_dir: Path) -> None:
        self.data = data
        self.source = source
        self.base_dir = base_dir

    def fail(self, field: str, problem: str, fix: str, code: str | None = None) -> ProfileFieldError:
        return ProfileFieldError(field, problem, source=self.source, fix=fix, code=code)

    def text(
        self,
        key: str,
        *,
        secret: bool = False,
        mapping: dict[str, Any] | None = None,
        label: str | None = None,
    ) -> str | None:
        """The stripped text of ``key`` (None when absent); anything but text is refused."""
        container = self.data if mapping is None else mapping
        label = label or key
        if key not in container:
            return None
        value = container[key]
        if not isinstance(value, str):
            fix = "write it as text" if secret else "write it as text (quote it if YAML reads it as a number)"
            raise self.fail(label, f"must be text, not {_type_name(value)}", fix, code="PROFILE_WRONG_TYPE")
        value = value.strip()
        if not value:
            raise self.fail(label, "is empty", "give a value or remove the key", code="PROFILE_MISSING")
        return value

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            raise self.fail(key, "is required but missing", f"add {key}: ...", code="PROFILE_MISSING")
        return value

    def path(self, key: str, value: str, *, what: str) -> Path:
        """An existing file; relative to the profile's directory."""
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        path = path.resolve()
        if not path.is_file():
            problem = "is a directory, not a file" if path.is_dir() else f"{what} {path} does not exist"
            raise self.fail(
                key,
                problem,
                f"check the path (relative paths start at {self.base_dir})",
                code="PROFILE_FILE_MISSING",
            )
        return path

    def guid(self, key: str, value: str, what: str) -> str:
        return parse_guid(value, field=key, what=what, source=self.source)

    def secret_ref(self, label: str, value: object) -> SecretRef:
        if not isinstance(value, str):  # never show the value: it may be a pasted secret
            raise self.fail(
                label,
                f"must be a secret reference ({REFERENCE_FORMS}), not {_type_name(value)}",
                f"use {REFERENCE_FORMS}",
                code="PROFILE_WRONG_TYPE",
            )
        try:
            return parse_secret_ref(value, field=label, base_dir=self.base_dir)
        except ProfileError as exc:
            raise self.fail(label, exc.problem, exc.fix, code=exc.code) from None


def _check_keys(builder: _Builder, mapping: dict[str, Any], known: tuple[str, ...], prefix: str = "") -> None:
    for key in mapping:
        if not isinstance(key, str):
            raise builder.fail(
                f"{prefix}{key}",
                "keys must be text",
                "use field names such as client_id",
                code="PROFILE_UNKNOWN_KEY",
            )
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean '{prefix}{close[0]}'?" if close else f"known keys: {', '.join(known)}"
            raise builder.fail(
                f"{prefix}{key}",
                f"is not a known key ({hint})",
                f"rename it to '{prefix}{close[0]}'" if close else "remove it, or fix its spelling",
                code="PROFILE_UNKNOWN_KEY",
            )


def profile_from_dict(data: Any, *, source: str = "<dict>", base_dir: str | Path | None = None) -> Profile:
    """Validate plain data (from YAML, the wizard or the store) into a profile."""
    base = Path(base_dir).expanduser() if base_dir is not None else Path.cwd()
    builder = _Builder({}, source, base.resolve())
    if data is None or data == {}:
        raise builder.fail(
            "",
            "is empty",
            "write the profile's fields (name, kind, sharepoint_url, ...)",
            code="PROFILE_EMPTY",
        )
    if not isinstance(data, dict):
        raise builder.fail(
            "",
            f"must be a mapping of field: value, not {_type_name(data)}",
            "write one 'field: value' per line",
            code="PROFILE_NOT_MAPPING",
        )
    builder.data = data
    kind = data.get("kind")
    if isinstance(kind, str) and kind.strip().lower() in ("onprem", "on-prem", "on-premises"):
        # Checked before the keys: an on-premises profile has keys an online one does not.
        from .onprem_profile import build_onprem

        return build_onprem(builder)
    _check_keys(builder, data, ONLINE_KEYS)
    kind = builder.required("kind").lower()
    if kind != "online":
        raise builder.fail(
            "kind",
            f"must be online or onprem, not '{kind}'",
            "use kind: online (SharePoint Online) or kind: onprem (SharePoint Server)",
            code="PROFILE_KIND_INVALID",
        )
    for key in REQUIRED_KEYS:
        builder.required(key)
    return _build_online(builder)


def _build_online(b: _Builder) -> OnlineProfile:
    name = parse_profile_name(b.required("name"), source=b.source)
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


def _cloud(b: _Builder) -> tuple[str, Cloud, dict[str, Any] | None, Path | None]:
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
    card_path = resolve_card_path(sandbox_text, b.base_dir)
    try:
        card = load_running_card(card_path)  # SANDBOX_NOT_RUNNING (not a bad path) when it is stopped
        cloud = sandbox_cloud(card)
    except InputError as exc:
        raise b.fail("sandbox", exc.summary, exc.fix, code=exc.code) from None
    return name, cloud, card, card_path


def _tenant_id(b: _Builder) -> str | None:
    value = b.text("tenant_id")
    return None if value is None else parse_tenant_ref(value, source=b.source)


def _is_domain(text: str) -> bool:
    labels = text.split(".")
    return (
        len(labels) >= 2
        and all(_LABEL_RE.fullmatch(label) for label in labels)
        and labels[-1].isalpha()
        and len(labels[-1]) >= 2
    )


def _is_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(
        at
        and local
        and "@" not in local
        and not any(c.isspace() for c in text)
        and _is_domain(domain.lower())
    )


def _credential(b: _Builder) -> Credential:
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
            f"must be a mapping, not {_type_name(cert)}",
            "write certificate: {path: FILE.pem} or certificate: {thumbprint: HEX}",
            code="PROFILE_WRONG_TYPE",
        )
    _check_keys(b, cert, CERT_FILE_KEYS + CERT_STORE_KEYS, prefix="certificate.")
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
