"""Verify an on-premises profile: the farm's ladder (``spkit.checks``), first without credentials (is
SharePoint answering?), then over the NTLM session the sign-in rung opens."""

from __future__ import annotations

from collections.abc import Callable

from ...checks import CheckContext, Progress, endpoints_for, ladder_for, run_ladder
from ...http.session import session_for
from ...models.onprem_profile import OnpremProfile
from ...models.results import VerificationResult


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
