"""The one place where a profile's kind picks its services: Online or on-premises, each with its own
verification and site listing. Workflows that serve both kinds ask here instead of branching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .online.admin_evidence import refine_with_admin
from .online.site_listing import open_online_sites
from .online.verification import verify_online
from .onprem.site_listing import open_farm_sites
from .onprem.verification import verify_onprem


@dataclass(frozen=True)
class KindServices:
    """What a kind of connection does: verify, list its sites, and (Online only) refine a diagnosis with
    what a delegated admin can read; and the verification options that mean something to it (the others
    are Online's tuning, ignored for a farm)."""

    verify: Callable[..., Any]
    open_sites: Callable[..., Any]
    verify_options: frozenset[str]
    personal_sites: str  # what its personal sites are called: OneDrive or My Sites
    refine_with_admin: Callable[..., Any] | None = None


KINDS: dict[str, KindServices] = {
    "online": KindServices(
        verify=verify_online,
        open_sites=open_online_sites,
        verify_options=frozenset({"sample_size", "page_size"}),
        personal_sites="OneDrive sites",
        refine_with_admin=refine_with_admin,
    ),
    "onprem": KindServices(
        verify=verify_onprem,
        open_sites=open_farm_sites,
        verify_options=frozenset(),
        personal_sites="My Sites",
    ),
}


def services_for(profile: Any) -> KindServices:
    """The services of the profile's kind (``online`` or ``onprem``); anything with a ``kind``, such as a
    verification result, will do."""
    try:
        return KINDS[profile.kind]
    except KeyError:
        raise InputError(f"unknown connection kind {profile.kind!r}", code="PROFILE_INVALID") from None
