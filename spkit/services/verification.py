"""Verify a connection: the ladder of its kind (``spkit.checks``), rung by rung; each rung times
itself, records its evidence and, when it fails, the diagnosis; a rung whose needs failed is skipped
with the reason. ``verify_profile`` is the one entry every face calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..checks import CheckContext, Progress, endpoints_for, ladder_for, run_ladder
from ..http.session import session_for
from ..models.onprem_profile import OnpremProfile
from ..models.profile import OnlineProfile, Profile
from ..models.results import VerificationResult
from .connection import session_for_profile


def verify_online(
    profile: OnlineProfile,
    *,
    progress: Progress | None = None,
    sample_size: int = 10,
    page_size: int | None = None,
    on_sites: Callable[[int], None] | None = None,
) -> VerificationResult:
    """Verify an Online profile for real, from the network up: address, DNS, TCP, TLS for every host,
    discovery, token, claims, Graph, the tenant's name, the account, sites, SharePoint REST, the admin
    center."""
    result = VerificationResult(profile_name=profile.name, kind=profile.kind)
    address = profile.address
    result.facts.update(
        {
            "cloud": profile.cloud_obj.name,
            "sharepoint_url": address.sharepoint_url,
            "admin_url": address.admin_url,
            "client_id": profile.client_id,
        }
    )
    with session_for_profile(profile) as session:
        context = CheckContext(
            profile,
            result,
            session,
            endpoints_for(profile),
            options={"sample_size": sample_size, "page_size": page_size, "on_sites": on_sites},
        )
        return run_ladder(ladder_for("online"), context, progress)


def verify_onprem(
    profile: OnpremProfile,
    *,
    progress: Progress | None = None,
    sample_size: int = 5,
    on_sites: Callable[[int], None] | None = None,
) -> VerificationResult:
    """Verify an on-premises profile for real: address, DNS, TCP, TLS (the farm and Central
    Administration's port), SharePoint answering, the NTLM sign-in, the web, search, Central
    Administration, and which of the vendor's admin requirements are met."""
    result = VerificationResult(profile_name=profile.name, kind=profile.kind)
    result.facts.update(
        {
            "sharepoint_url": profile.server.url,
            "account": profile.account.text,
            "central_admin_url": profile.central_admin_url,
        }
    )
    anonymous = session_for(profile.card, profile.ca_bundle)  # no credentials: the http rung's probe
    context = CheckContext(
        profile,
        result,
        anonymous,
        endpoints_for(profile),
        options={"sample_size": sample_size, "on_sites": on_sites},
    )
    try:
        return run_ladder(ladder_for("onprem"), context, progress)
    finally:
        anonymous.close()
        if "farm_session" in context.state:
            context.state["farm_session"].close()


def verify_profile(
    profile: Profile,
    *,
    progress: Progress | None = None,
    on_sites: Callable[[int], None] | None = None,
    **options: Any,
) -> VerificationResult:
    """Verify any profile: Online or on-premises, by its kind, with the ladder of that kind.
    ``on_sites(listed)`` hears the site-collection step's count as it grows (a face's counter)."""
    if isinstance(profile, OnpremProfile) or profile.kind == "onprem":  # the options are Online's
        return verify_onprem(profile, progress=progress, on_sites=on_sites)  # type: ignore[arg-type]
    return verify_online(profile, progress=progress, on_sites=on_sites, **options)  # type: ignore[arg-type]
