"""The verification pages of the device code flow (``login.<suffix>/devicelogin``), as small plain HTML.

No script, no styles beyond a few inline rules: the pages exist so a person (or a test driving them with
``requests``) can enter a code, sign in, approve an MFA request or cancel. Every form carries the flow's
single-use nonce in a hidden ``flowToken`` field; every value echoed back is HTML-escaped. Errors show the
message a user of Entra sees and the AADSTS line under it.
"""

from __future__ import annotations

from html import escape

from ..http import Response
from . import exceptions as aad
from .models import PageStep

PAGE_HEADERS = [
    ("Cache-Control", "no-store, no-cache"),
    ("Pragma", "no-cache"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
]

# What Entra's pages say for each error, above the AADSTS line. [unsure] exact page wording.
_USER_MESSAGES = {
    50034: "We couldn't find an account with that username. Try another, or get a new account.",
    50126: "Your account or password is incorrect. If you don't remember your password, reset it now.",
    50057: "Your account has been disabled. Contact your administrator.",
    53003: (
        "You cannot access this right now. Your sign-in was successful but does not meet the criteria to "
        "access this resource."
    ),
    65001: "Need admin approval. The application needs permission to access resources in your organization.",
    70018: "That code didn't work. Check the code and try again.",
    70019: "That code has expired. Go back to the application on your device and get a new code.",
    90119: "Enter the code displayed on your app or device.",
    90120: "That code has already been used. Go back to the application on your device and get a new code.",
}


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>\n"
        '<body style="font-family: Segoe UI, sans-serif; max-width: 28em; margin: 3em auto">\n'
        f"<main>\n{body}\n</main>\n</body></html>\n"
    )
    return Response.html(status, html, PAGE_HEADERS)


def _error_block(err: aad.AadstsError | None) -> str:
    if err is None:
        return ""
    message = _USER_MESSAGES.get(err.code, "Sorry, but we're having trouble signing you in.")
    return (
        '<div role="alert" id="error">'
        f"<p>{escape(message)}</p>"
        f'<p><small id="error-code">AADSTS{err.code}: {escape(err.description)}</small></p>'
        "</div>"
    )


def _hidden(nonce: str | None) -> str:
    return f'<input type="hidden" name="flowToken" value="{escape(nonce or "")}">'


def _cancel(nonce: str | None) -> str:
    return (
        '<form method="post" action="/devicelogin/cancel">'
        f'{_hidden(nonce)}<button type="submit" name="cancel" value="1">Cancel</button></form>'
    )


def render(step: PageStep) -> Response:
    """The page for one step of the flow."""
    if step.page == "code":
        return _code_page(step)
    if step.page == "signin":
        return _signin_page(step)
    if step.page == "mfa":
        return _mfa_page(step)
    if step.page == "done":
        return _done_page(step)
    if step.page == "declined":
        return _declined_page(step)
    return _error_page(step)


def _app_name(step: PageStep) -> str:
    return escape(step.code.client.name) if step.code is not None else "the application"


def _code_page(step: PageStep) -> Response:
    body = (
        "<h1>Enter code</h1>\n"
        f"{_error_block(step.error)}\n"
        "<p>Enter the code displayed on your app or device.</p>\n"
        '<form method="post" action="/devicelogin">'
        f"{_hidden(step.nonce)}"
        '<label for="otc">Code</label> '
        f'<input id="otc" name="otc" type="text" autocomplete="off" value="{escape(step.login)}" required> '
        '<button type="submit">Next</button></form>'
    )
    return _page("Enter code", body)


def _signin_page(step: PageStep) -> Response:
    body = (
        "<h1>Sign in</h1>\n"
        f"<p>to continue to {_app_name(step)}</p>\n"
        f"{_error_block(step.error)}\n"
        '<form method="post" action="/devicelogin/signin">'
        f"{_hidden(step.nonce)}"
        '<p><label for="login">Email, phone, or Skype</label><br>'
        f'<input id="login" name="login" type="email" autocomplete="username" value="{escape(step.login)}" '
        "required></p>"
        '<p><label for="passwd">Password</label><br>'
        '<input id="passwd" name="passwd" type="password" autocomplete="current-password" required></p>'
        '<button type="submit">Sign in</button></form>\n'
        f"{_cancel(step.nonce)}"
    )
    return _page("Sign in to your account", body)


def _mfa_page(step: PageStep) -> Response:
    body = (
        "<h1>Approve sign in request</h1>\n"
        f"<p>{escape(step.login)}</p>\n"
        f"<p>Open your Authenticator app, and approve the request to sign in to {_app_name(step)}.</p>\n"
        "<p><small>In this sandbox the button below stands in for the Authenticator app.</small></p>\n"
        '<form method="post" action="/devicelogin/approve">'
        f'{_hidden(step.nonce)}<button type="submit" name="approve" value="1">Approve</button></form>\n'
        f"{_cancel(step.nonce)}"
    )
    return _page("Approve sign in request", body)


def _done_page(step: PageStep) -> Response:
    name = _app_name(step)
    body = (
        f"<h1>{name}</h1>\n"
        f"<p>You have signed in to the {name} application on your device. You may now close this window.</p>"
    )
    return _page(step.code.client.name if step.code else "Signed in", body)


def _declined_page(step: PageStep) -> Response:
    name = _app_name(step)
    body = (
        "<h1>Sign-in cancelled</h1>\n"
        f"<p>You have declined to sign in to the {name} application on your device. "
        "You may now close this window.</p>"
    )
    return _page("Sign-in cancelled", body)


def _error_page(step: PageStep) -> Response:
    body = f"<h1>Sign in</h1>\n{_error_block(step.error)}\n<p>You may now close this window.</p>"
    return _page("Sign in to your account", body)


def flow_rejected() -> Response:
    """A form whose flow nonce is missing, spent, expired or for another step (a replay, a forged post, a
    page left open too long): nothing is decided. [sandbox wording]"""
    body = (
        "<h1>Sign in</h1>\n"
        '<div role="alert" id="error"><p>This sign-in page is no longer valid. '
        'Start again at <a href="/devicelogin">/devicelogin</a>.</p></div>'
    )
    return _page("Sign in to your account", body, status=400)
