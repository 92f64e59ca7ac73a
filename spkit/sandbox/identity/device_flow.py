"""The device code flow's user side: the device authorization (``/devicecode``), the verification pages'
steps at ``login.<suffix>/devicelogin`` (code, sign-in, MFA approval, cancel) and the tests' hook that
decides a code without a browser. The device's polling is a grant (``delegated_grants``).

Every page step consumes its flow's single-use nonce and returns a ``PageStep`` for ``pages.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..state import Tenant, User
from . import exceptions as aad
from .context import IdentityContext
from .models import APPROVED, DECLINED, FAILED, DeviceCode, PageStep, TokenRequest, WebFlow
from .scopes import requested_scopes
from .sign_in import check_consent, delegated_client, sign_in_user
from .tenants import request_tenant, same_cloud

# How long one browser may take over the verification pages (each step's nonce lives this long).
WEB_FLOW_LIFETIME_S = 900.0


def verification_uri(ctx: IdentityContext) -> str:
    return f"{ctx.authority}/devicelogin"


def device_authorization(ctx: IdentityContext, tenant_ref: str, form: Mapping[str, str]) -> dict:
    """``POST /{tenant}/oauth2/v2.0/devicecode``: a device code and the user code to type at
    ``verification_uri``. Interval and lifetime come from the state (Entra's 5 s and 900 s by default)."""
    tenant = request_tenant(ctx.state, tenant_ref)
    if tenant is not None:
        same_cloud(tenant, form)
    client = delegated_client(ctx.state, TokenRequest(tenant_ref=tenant_ref, form=form), tenant)
    scopes = requested_scopes(ctx.state, form.get("scope"), client, tenant, tenant_ref)
    interval = max(1, int(ctx.state.device_code_interval_s))
    lifetime = max(1, int(ctx.state.device_code_lifetime_s))
    code = ctx.device_codes.create(
        now=ctx.clock(),
        lifetime_s=lifetime,
        interval_s=interval,
        tenant_ref=tenant_ref,
        tenant_id=tenant.tenant_id if tenant is not None else None,
        client=client,
        scopes=scopes,
    )
    uri = verification_uri(ctx)
    return {
        "user_code": code.user_code,
        "device_code": code.device_code,
        "verification_uri": uri,
        "expires_in": lifetime,
        "interval": interval,
        "message": (
            f"To sign in, use a web browser to open the page {uri} and enter the code {code.user_code} "
            "to authenticate."
        ),
    }


# --- the verification pages (login.<suffix>/devicelogin) ----------------------------------------------


def _code_tenant(ctx: IdentityContext, code: DeviceCode) -> Tenant | None:
    return ctx.state.tenant_by_id(code.tenant_id) if code.tenant_id else None


def _take_flow(ctx: IdentityContext, nonce: str | None, *stages: str) -> WebFlow:
    now = ctx.clock()
    for stage in stages:
        flow = ctx.device_codes.take_flow(nonce, stage, now)
        if flow is not None:
            return flow
    raise aad.FlowRejected()


def _next_flow(ctx: IdentityContext, stage: str, **fields: str) -> str:
    return ctx.device_codes.start_flow(ctx.clock(), WEB_FLOW_LIFETIME_S, stage=stage, **fields)


def begin_device_login(ctx: IdentityContext) -> PageStep:
    """``GET /devicelogin``: the code-entry form, with a fresh flow."""
    return PageStep("code", nonce=_next_flow(ctx, "code"))


def submit_user_code(ctx: IdentityContext, nonce: str | None, user_code: str) -> PageStep:
    """The code form: a pending code leads to the sign-in form; any other code shows its error
    (70018 unknown, 70019 expired, 90120 already used, 90119 empty) on the code form again."""
    _take_flow(ctx, nonce, "code")
    try:
        code = ctx.device_codes.pending(user_code, ctx.clock())
    except aad.AadstsError as err:
        return PageStep("code", nonce=_next_flow(ctx, "code"), error=err, login=user_code)
    return PageStep("signin", code, nonce=_next_flow(ctx, "signin", user_code=code.user_code))


def submit_credentials(ctx: IdentityContext, nonce: str | None, login: str, password: str) -> PageStep:
    """The sign-in form. Unknown user (50034) or wrong password (50126): the form again, the code still
    pending. Disabled (50057), blocked by Conditional Access (53003) or no consent (65001): the error
    page, and the device code fails with that error, which the device's next poll receives. An MFA
    user goes on to the approval page; anyone else approves the code here."""
    flow = _take_flow(ctx, nonce, "signin")
    try:
        code = ctx.device_codes.pending(flow.user_code or "", ctx.clock())
    except aad.AadstsError as err:
        return PageStep("error", error=err)
    try:
        home, user, _ = sign_in_user(
            ctx.state, _code_tenant(ctx, code), code.tenant_ref, login, password, app_password_ok=False
        )
        check_consent(code.client, code.scopes)
    except aad.AadstsError as err:
        if err.code in (50034, 50126):
            retry = _next_flow(ctx, "signin", user_code=code.user_code)
            return PageStep("signin", code, nonce=retry, error=err, login=login)
        return _fail(ctx, code, err)
    if user.mfa:
        nonce = _next_flow(
            ctx, "mfa", user_code=code.user_code, user_tenant_id=home.tenant_id, user_upn=user.upn
        )
        return PageStep("mfa", code, nonce=nonce, login=user.upn)
    return _approve(ctx, code.user_code, home, user)


def approve_sign_in(ctx: IdentityContext, nonce: str | None) -> PageStep:
    """The "Approve sign in request" page's button: the sandbox's stand-in for the authenticator app."""
    flow = _take_flow(ctx, nonce, "mfa")
    home = ctx.state.tenant_by_id(flow.user_tenant_id or "")
    user = home.user(flow.user_upn or "") if home is not None else None
    if home is None or user is None:
        raise aad.FlowRejected()
    return _approve(ctx, flow.user_code or "", home, user)


def cancel_sign_in(ctx: IdentityContext, nonce: str | None) -> PageStep:
    """The pages' Cancel button: the user declines; the device's next poll gets authorization_declined."""
    flow = _take_flow(ctx, nonce, "signin", "mfa")
    try:
        code = ctx.device_codes.decide(flow.user_code or "", ctx.clock(), status=DECLINED)
    except aad.AadstsError as err:
        return PageStep("error", error=err)
    return PageStep("declined", code)


def _approve(ctx: IdentityContext, user_code: str, home: Tenant, user: User) -> PageStep:
    try:
        code = ctx.device_codes.decide(
            user_code, ctx.clock(), status=APPROVED, user=(home.tenant_id, user.upn)
        )
    except aad.AadstsError as err:
        return PageStep("error", error=err)
    return PageStep("done", code, login=user.upn)


def _fail(ctx: IdentityContext, code: DeviceCode, err: aad.AadstsError) -> PageStep:
    try:
        ctx.device_codes.decide(code.user_code, ctx.clock(), status=FAILED, failure=err)
    except aad.AadstsError as late:  # expired or decided meanwhile: show that instead
        return PageStep("error", code, error=late)
    return PageStep("error", code, error=err)


# --- the tests' hook ----------------------------------------------------------------------------------


def hook_device_code(ctx: IdentityContext, form: Mapping[str, str]) -> dict:
    """``POST /_sandbox/devicecode`` (tests only): decide a user code without a browser. ``decline``
    needs only the code (the pages' Cancel comes before sign-in); ``approve`` applies the sign-in
    form's rules to ``upn`` and ``password``, and approves an MFA user as if they approved in the
    app. Errors raise; 50057 / 53003 / 65001 also fail the code, as the page does."""
    user_code = form.get("user_code") or ""
    action = (form.get("action") or "approve").strip().lower()
    now = ctx.clock()
    if action == "decline":
        code = ctx.device_codes.decide(user_code, now, status=DECLINED)
        return {"user_code": code.user_code, "status": "declined"}
    if action != "approve":
        raise aad.AadstsError(90100, "invalid_request", f"The parameter 'action' is not valid: '{action}'.")
    code = ctx.device_codes.pending(user_code, now)
    try:
        home, user, _ = sign_in_user(
            ctx.state,
            _code_tenant(ctx, code),
            code.tenant_ref,
            form.get("upn") or "",
            form.get("password") or "",
            app_password_ok=False,
        )
        check_consent(code.client, code.scopes)
    except aad.AadstsError as err:
        if err.code not in (50034, 50126):
            ctx.device_codes.decide(code.user_code, now, status=FAILED, failure=err)
        raise
    ctx.device_codes.decide(code.user_code, now, status=APPROVED, user=(home.tenant_id, user.upn))
    return {"user_code": code.user_code, "status": "approved", "upn": user.upn}
