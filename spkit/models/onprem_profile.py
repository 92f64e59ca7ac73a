"""The on-premises connection profile (``kind: onprem``): server address, Central Administration port,
the admin account and its password by reference. Validated on the shared field rules, beside the Online
profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AddressError, InputError
from .accounts import WindowsAccount, parse_account
from .profile_fields import FieldBuilder
from .secrets import SecretRef
from .server_address import ServerAddress, check_port, parse_server_address

ONPREM_KEYS = (
    "name",
    "kind",
    "sharepoint_url",
    "central_admin_port",
    "admin_upn",
    "admin_password",
    "auth",
    "ca_bundle",
    "sandbox",
)
AUTH_METHODS = ("ntlm", "negotiate")


@dataclass(frozen=True)
class OnpremProfile:
    """A SharePoint Server farm reached with a Windows account (no secret values)."""

    name: str
    sharepoint_url: str
    admin_upn: str
    admin_password: SecretRef
    central_admin_port: int | None = None
    auth: str = "ntlm"
    ca_bundle: Path | None = None
    sandbox: Path | None = None
    kind: str = field(default="onprem", init=False)
    server: ServerAddress | None = field(default=None, compare=False, repr=False)
    account: WindowsAccount | None = field(default=None, compare=False, repr=False)
    card: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    source: str = field(default="<dict>", compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.server is None:
            object.__setattr__(self, "server", parse_server_address(self.sharepoint_url))
        if self.account is None:
            object.__setattr__(self, "account", parse_account(self.admin_upn))

    @property
    def central_admin_url(self) -> str | None:
        assert self.server is not None
        return self.server.central_admin_url(self.central_admin_port) if self.central_admin_port else None

    @property
    def warnings(self) -> list[str]:
        assert self.server is not None
        return list(self.server.warnings)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind, "sharepoint_url": self.sharepoint_url}
        if self.central_admin_port:
            data["central_admin_port"] = self.central_admin_port
        data["admin_upn"] = self.admin_upn
        data["admin_password"] = self.admin_password.text
        if self.auth != "ntlm":
            data["auth"] = self.auth
        if self.ca_bundle is not None:
            data["ca_bundle"] = str(self.ca_bundle)
        if self.sandbox is not None:
            data["sandbox"] = str(self.sandbox)
        return data


def build_onprem(b: FieldBuilder) -> OnpremProfile:
    """Validate the fields of an on-premises profile (the builder names the source and field in errors)."""
    b.check_keys(ONPREM_KEYS)
    name = b.name(example="fabrikam-farm")
    try:
        server = parse_server_address(b.required("sharepoint_url"))
    except AddressError as exc:
        raise b.fail("sharepoint_url", exc.summary, exc.fix, code=exc.code) from None
    port = b.data.get("central_admin_port")
    if port is not None:
        try:
            check_port(port)
        except AddressError as exc:
            raise b.fail("central_admin_port", exc.summary, exc.fix, code=exc.code) from None
    try:
        account = parse_account(b.required("admin_upn"))
    except InputError as exc:
        raise b.fail("admin_upn", exc.summary, exc.fix, code=exc.code) from None
    if "admin_password" not in b.data:
        raise b.fail(
            "admin_password",
            "is required but missing",
            "add admin_password: env:NAME (or file:, keyring:, store:)",
            code="PROFILE_MISSING",
        )
    password = b.secret_ref("admin_password", b.data["admin_password"])
    auth = (b.text("auth") or "ntlm").lower()
    if auth not in AUTH_METHODS:
        raise b.fail(
            "auth",
            f"must be one of {', '.join(AUTH_METHODS)}",
            "use auth: ntlm (the default)",
            code="PROFILE_AUTH_INVALID",
        )
    ca_text = b.text("ca_bundle")
    sandbox_text = b.text("sandbox")
    sandbox, card = b.sandbox_card(sandbox_text) if sandbox_text is not None else (None, None)
    return OnpremProfile(
        name=name,
        sharepoint_url=server.url,
        admin_upn=account.text,
        admin_password=password,
        central_admin_port=port,
        auth=auth,
        ca_bundle=b.path("ca_bundle", ca_text, what="CA bundle") if ca_text else None,
        sandbox=sandbox,
        server=server,
        account=account,
        card=card,
        source=b.source,
    )
