"""Verify a SharePoint Online profile: the Online ladder (``spkit.checks``) over the profile's session."""

from __future__ import annotations

from collections.abc import Callable

from ...checks import CheckContext, Progress, endpoints_for, ladder_for, run_ladder
from ...models.online_profile import OnlineProfile
from ...models.results import VerificationResult
from .profile_access import session_for_profile


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
