"""Which admin sign-in to use, once for every face: a cached sign-in, else a password, else a device code.

The CLI, the wizard and the notebooks all call ``sign_in_admin``; they only differ in where a password
comes from and how a device code is shown. The code shown always carries a link a browser on this
machine can open (against the sandbox: ``https://login.localhost:<port>/devicelogin``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from ...errors import InputError
from ...http.session import SpkitSession
from .admin_signin import AdminAuthenticator, AdminSignIn, DeviceCode
from .tenant_target import Target

ShowCode = Callable[[DeviceCode], None]


def reachable_code(code: DeviceCode, session: SpkitSession) -> DeviceCode:
    """The device code with a verification link that opens in a browser here (and a message that says it)."""
    uri = session.browser_url(code.verification_uri)
    if uri == code.verification_uri:
        return code
    message = code.message.replace(code.verification_uri, uri) if code.message else code.message
    return replace(code, verification_uri=uri, message=message)


def sign_in_admin(
    target: Target,
    session: SpkitSession,
    tenant_id: str,
    upn: str,
    *,
    password: str | None = None,
    show_code: ShowCode | None = None,
    client_id: str | None = None,
    timeout_s: float | None = None,
    use_cache: bool = True,
    cancel: threading.Event | None = None,
) -> AdminSignIn:
    """Sign ``upn`` in to the tenant: MSAL's cached sign-in (unless a password is given or
    ``use_cache`` is off), else the password (an app password for MFA accounts), else a device code
    shown through ``show_code``; setting ``cancel`` ends a pending device-code sign-in
    (``AUTH_CANCELLED``). The persisted token cache is saved whatever happens, and a sign-in as
    somebody else than ``upn`` is refused (``ADMIN_MISMATCH``)."""
    from ...store.token_cache import open_token_cache, save_token_cache

    upn = (upn or "").strip()
    if not upn:
        raise InputError(
            "the admin's user name is empty",
            code="ADMIN_UPN_MISSING",
            fix="give the Microsoft 365 admin's sign-in name, e.g. admin@contoso.onmicrosoft.com",
        )
    cache = open_token_cache()
    auth = AdminAuthenticator(
        cloud=target.cloud, tenant_id=tenant_id, session=session, client_id=client_id, token_cache=cache
    )
    try:
        signin = auth.cached(upn) if use_cache and password is None else None
        if signin is None and password is not None:
            signin = auth.password(upn, password)
        elif signin is None:
            if show_code is None:
                raise InputError(
                    f"{upn} is not signed in and there is no way to show a device code",
                    code="ADMIN_SIGNIN_NEEDED",
                    fix="give the admin's password (or app password), or sign in with a device code",
                )
            signin = auth.device_code(
                lambda code: show_code(reachable_code(code, session)), timeout_s=timeout_s, cancel=cancel
            )
    finally:
        save_token_cache(cache)
    if signin.upn and signin.upn.lower() != upn.lower():
        raise InputError(
            f"signed in as {signin.upn}, not as {upn}",
            code="ADMIN_MISMATCH",
            fix=f"sign in with {upn}, or give the account that signed in as the admin",
        )
    return signin
