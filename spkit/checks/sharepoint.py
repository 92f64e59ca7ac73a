"""SharePoint Online's rungs: the address as typed, one site through SharePoint REST with a
SharePoint token, and the admin center."""

from __future__ import annotations

from typing import Any

from ..errors import AuthorizationError
from ..models.results import StepStatus
from ..services.online.sharepoint_rest import get_web
from ..services.online.token_claims import summarise_claims
from .context import CheckContext
from .rung import Skip, Warn, rung

# The claims rung's codes for a Graph token without roles: no admin consent (or none effective yet).
NO_CONSENT_CODES = {"TOKEN_NO_ROLES", "CONSENT_NOT_EFFECTIVE"}


@rung("address", "SharePoint address")
def address(context: CheckContext):
    """Normalise what was typed; derive the admin center and OneDrive hosts."""
    profile = context.profile
    typed, cloud = profile.address, profile.cloud_obj
    facts = {
        "sharepoint_url": typed.sharepoint_url,
        "admin_url": typed.admin_url,
        "onedrive_url": typed.onedrive_url,
        "tenant_name": typed.tenant,
    }
    notes = [w for w in (cloud.warning,) if w]
    if typed.needs_confirmation:
        notes.append(f"'{typed.tenant}' was guessed from a custom domain; it is confirmed by discovery")
    detail = f"{typed.sharepoint_url} (admin center {typed.admin_url})"
    if notes:
        raise Warn(detail + "; " + "; ".join(notes), facts)
    return detail, facts, None


@rung("sharepoint", "Connect to a site (SharePoint REST)", needs=("token", "tls:sharepoint"))
def sharepoint(context: CheckContext):
    """``/_api/web`` of one site (the profile's, else one Graph listed) with a SharePoint token."""
    current = context.state.get("address", context.profile.address)
    counted = context.state.get("sites")
    site_url = current.site_url or (counted.sample[0].url if counted and counted.sample else None)
    site_url = site_url or current.sharepoint_url
    acquired = context.state["auth"].acquire(current.sharepoint_url, "SharePoint token")
    # A refusal is explained by the SharePoint token's own roles (SPO_SITE_NOT_GRANTED for Sites.Selected).
    try:
        web = get_web(context.session, site_url, acquired.token)
    except AuthorizationError as error:
        reason = _explained_by_claims(context, acquired.claims, error)
        if reason:
            raise Skip(reason) from error
        raise
    facts = {
        "site": site_url,
        "title": web.get("Title"),
        "web_id": web.get("Id"),
        "token": summarise_claims(acquired.claims),
    }
    return f"{site_url}: '{web.get('Title')}'", facts, web


def _explained_by_claims(
    context: CheckContext, claims: dict[str, Any] | None, error: AuthorizationError
) -> str:
    """Why SharePoint's refusal is the cause the claims rung already gave, or "" when it is not.

    With no admin consent, the SharePoint token carries no roles either, so SharePoint refuses it; a
    diagnosis of its own (a missing SharePoint permission, a wrong audience) would send the user
    elsewhere. A refusal that holds whatever the consent (a client secret's token) is still reported."""
    if error.code == "SPO_SECRET_TOKEN_REFUSED" or not claims or claims.get("roles") or claims.get("scp"):
        return ""
    step = next((s for s in context.result.steps if s.step == "claims"), None)
    if step is None or step.status is not StepStatus.FAILED or step.diagnosis is None:
        return ""
    if step.diagnosis.code not in NO_CONSENT_CODES:
        return ""
    answer = error.evidence.split(";", 1)[0]
    return (
        f"SharePoint refused the token ({answer}), which carries no application role either: the admin "
        f"consent the claims rung found missing ({step.diagnosis.code}) is the cause"
    )


@rung("admin_center", "SharePoint admin center", needs=("sharepoint", "tls:admin"))
def admin_center(context: CheckContext):
    """The SharePoint admin center answers (a warning when the permissions do not open it)."""
    current = context.state.get("address", context.profile.address)
    acquired = context.state["auth"].acquire(current.admin_url, "SharePoint admin center token")
    try:
        web = get_web(context.session, current.admin_url, acquired.token, what="SharePoint admin center")
    except AuthorizationError as error:
        if error.code != "SPO_ACCESS_DENIED":
            raise
        raise Warn(
            f"{current.admin_url} answered, but these permissions do not open the admin center "
            "(it needs SharePoint Sites.FullControl.All)",
            {"admin_url": current.admin_url, "evidence": error.evidence},
        ) from error
    return f"{current.admin_url}: '{web.get('Title')}'", {"admin_url": current.admin_url}, web
