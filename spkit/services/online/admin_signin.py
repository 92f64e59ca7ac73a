"""Admin sign-in (wizard step 4): device code (made for notebooks) or user name + password, then the
directory-role check. Tokens are delegated Graph tokens of a public client, kept in MSAL's cache."""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import msal
import requests

from ...errors import AuthenticationError, AuthorizationError, InputError
from ...http.session import SpkitSession
from ...models.clouds import Cloud
from ...models.permissions import GLOBAL_ADMINISTRATOR, SHAREPOINT_ADMINISTRATOR
from ..http_errors import network_error
from .aadsts import aadsts_code, auth_error
from .graph_client import GraphClient

# Microsoft Graph Command Line Tools, a first-party public client admins can consent to in any tenant
# [unsure: the widely used id; override with SPKIT_ADMIN_CLIENT_ID or --client-id].
DEFAULT_ADMIN_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
ADMIN_SCOPES = (
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
    "Sites.FullControl.All",  # Sites.Selected grants (grant-site) are made by the signed-in admin
    "User.Read",
)


@dataclass(frozen=True)
class DeviceCode:
    """What the person must do: open ``verification_uri`` and type ``user_code``."""

    user_code: str
    verification_uri: str
    message: str
    expires_in: int


@dataclass
class AdminSignIn:
    """A signed-in admin: who, in which tenant, with which directory roles; ``token()`` stays fresh."""

    upn: str
    tenant_id: str
    method: str
    roles: list[str]
    token: Callable[[], str] = field(repr=False)

    @property
    def is_global_admin(self) -> bool:
        return GLOBAL_ADMINISTRATOR in self.roles


_SIGNIN_FIXES = {
    50076: "this account has multi-factor authentication: its regular password is refused here. Use an app "
    "password for it, or sign in with a device code (the default; works with MFA)",
    50079: "the account must register for multi-factor authentication first; then use device-code sign-in",
}


class AdminAuthenticator:
    """MSAL's public client for one tenant, over spkit's session."""

    def __init__(
        self,
        *,
        cloud: Cloud,
        tenant_id: str,
        session: SpkitSession,
        client_id: str | None = None,
        token_cache: msal.TokenCache | None = None,
    ) -> None:
        self.cloud = cloud
        self.tenant_id = tenant_id
        self.session = session
        self.scopes = [f"{cloud.graph_url}/{scope}" for scope in ADMIN_SCOPES]
        self.app = msal.PublicClientApplication(
            client_id or DEFAULT_ADMIN_CLIENT_ID,
            authority=cloud.authority(tenant_id),
            http_client=session,
            instance_discovery=cloud.instance_discovery,
            token_cache=token_cache,
        )

    def _finish(self, result: dict, method: str, what: str) -> AdminSignIn:
        if "access_token" not in result:
            error = auth_error(result, what)
            number = aadsts_code(result)
            if number in _SIGNIN_FIXES:
                error.fix = _SIGNIN_FIXES[number]
            if result.get("error") == "authorization_declined":
                error = AuthenticationError(
                    f"{what}: the sign-in was declined",
                    code="AUTH_DECLINED",
                    evidence=str(result.get("error_description", ""))[:200],
                    fix="start again and approve the sign-in",
                )
            elif result.get("error") == "authorization_pending":
                error = AuthenticationError(
                    f"{what}: nobody completed the sign-in in time",
                    code="AUTH_SIGNIN_TIMEOUT",
                    fix="start again, open the link and enter the code before the time runs out",
                )
            elif result.get("error") == "expired_token":
                error = AuthenticationError(
                    f"{what}: the code expired before anyone signed in",
                    code="AUTH_CODE_EXPIRED",
                    fix="start again and enter the code within its lifetime",
                )
            raise error
        claims = result.get("id_token_claims") or {}
        upn = claims.get("preferred_username") or claims.get("upn") or ""
        account = next(iter(self.app.get_accounts(username=upn)), None) if upn else None

        def token() -> str:
            fresh = self.app.acquire_token_silent(self.scopes, account=account) if account else None
            return (fresh or result)["access_token"]

        graph = GraphClient(self.session, self.cloud.graph_url, token)
        return AdminSignIn(
            upn=upn, tenant_id=self.tenant_id, method=method, roles=directory_roles(graph), token=token
        )

    def device_code(
        self,
        show: Callable[[DeviceCode], None],
        *,
        timeout_s: float | None = None,
        cancel: threading.Event | None = None,
    ) -> AdminSignIn:
        """Show a code, then poll as the protocol says (pending, slow down, expiry, decline). Setting
        ``cancel`` ends the polling within about a second (``AUTH_CANCELLED``): MSAL stops polling once
        the flow's ``expires_at`` is past, so a watcher moves it to 0."""
        what = "device-code sign-in"
        try:
            flow = self.app.initiate_device_flow(scopes=self.scopes)
            if "user_code" not in flow:
                raise auth_error(flow, what)
            show(
                DeviceCode(
                    flow["user_code"],
                    flow["verification_uri"],
                    flow.get("message", ""),
                    int(flow.get("expires_in", 900)),
                )
            )
            if timeout_s is not None:
                flow["expires_at"] = min(
                    flow.get("expires_at", time.time() + timeout_s), time.time() + timeout_s
                )
            with _cancel_watch(flow, cancel):
                cancelled = cancel is not None and cancel.is_set()
                result = {} if cancelled else self.app.acquire_token_by_device_flow(flow)
        except requests.RequestException as exc:
            raise network_error(exc, self.cloud.authority_host, what) from exc
        if cancel is not None and cancel.is_set() and "access_token" not in result:
            raise AuthenticationError(
                f"{what}: the sign-in was cancelled",
                code="AUTH_CANCELLED",
                fix="start the sign-in again when you are ready",
            )
        return self._finish(result, "device code", what)

    def password(self, upn: str, password: str) -> AdminSignIn:
        """User name + password (ROPC), as the vendor does it; refused for MFA accounts."""
        what = f"sign-in of {upn}"
        if not password:
            raise InputError(
                "the admin password is empty",
                code="ADMIN_PASSWORD_EMPTY",
                fix="give the password (or the account's app password) by reference or on stdin",
            )
        try:
            with (
                warnings.catch_warnings()
            ):  # MSAL discourages ROPC; spkit offers it on purpose (the vendor's way)
                warnings.simplefilter("ignore", DeprecationWarning)
                result = self.app.acquire_token_by_username_password(upn, password, scopes=self.scopes)
        except requests.RequestException as exc:
            raise network_error(exc, self.cloud.authority_host, what) from exc
        return self._finish(result, "password", what)

    def cached(self, upn: str) -> AdminSignIn | None:
        """A sign-in kept in MSAL's cache from an earlier run (None if there is none or it expired)."""
        account = next(iter(self.app.get_accounts(username=upn)), None)
        if not account:
            return None
        result = self.app.acquire_token_silent(self.scopes, account=account)
        if not result or "access_token" not in result:
            return None
        result.setdefault("id_token_claims", {"preferred_username": upn})
        return self._finish(result, "cached", f"sign-in of {upn}")


@contextlib.contextmanager
def _cancel_watch(flow: dict, cancel: threading.Event | None) -> Iterator[None]:
    """While the block polls, a set ``cancel`` moves the flow's expiry to 0: MSAL's loop checks
    ``expires_at`` every second between polls and returns the last (pending) answer."""
    if cancel is None:
        yield
        return
    finished = threading.Event()

    def watch() -> None:
        while not finished.is_set():
            if cancel.wait(0.2):
                flow["expires_at"] = 0
                return

    watcher = threading.Thread(target=watch, name="spkit-device-code-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join(1.0)


def directory_roles(graph: GraphClient) -> list[str]:
    """Names of the signed-in user's directory roles (``/me/memberOf``)."""
    return sorted(
        item.get("displayName", "")
        for item in graph.values("/me/memberOf", "reading the admin's directory roles")
        if item.get("@odata.type") == "#microsoft.graph.directoryRole"
    )


def require_admin(signin: AdminSignIn, *, for_registration: bool = False) -> None:
    """SharePoint Administrator or Global Administrator; automatic registration needs Global Administrator."""
    held = ", ".join(signin.roles) or "no directory role"
    if for_registration and not signin.is_global_admin:
        raise AuthorizationError(
            f"{signin.upn} is not a Global Administrator (holds {held}): automatic registration needs one",
            code="ADMIN_NOT_GLOBAL_ADMIN",
            fix="sign in as a Global Administrator, or register the app manually and use manual registration",
        )
    if not {GLOBAL_ADMINISTRATOR, SHAREPOINT_ADMINISTRATOR} & set(signin.roles):
        raise AuthorizationError(
            f"{signin.upn} holds {held}: the SharePoint Administrator (or Global Administrator) role is missing",
            code="ADMIN_ROLE_MISSING",
            fix="assign the SharePoint Administrator role to the account in the Microsoft 365 admin center, "
            "or use another admin",
        )
