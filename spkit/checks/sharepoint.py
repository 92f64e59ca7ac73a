"""SharePoint Online's rungs: the address as typed, one site through SharePoint REST with a
SharePoint token, and the admin center."""

from __future__ import annotations

from ..errors import AuthorizationError
from ..services.sharepoint_rest import get_web
from ..services.tokens import summarise_claims
from .context import CheckContext
from .rung import Warn, rung


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
    web = get_web(context.session, site_url, acquired.token)
    facts = {
        "site": site_url,
        "title": web.get("Title"),
        "web_id": web.get("Id"),
        "token": summarise_claims(acquired.claims),
    }
    return f"{site_url}: '{web.get('Title')}'", facts, web


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
