"""List a profile's site collections as a stream, whatever its kind: Graph for Online, search for a farm."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager

from ..models.profile import Profile
from .kinds import services_for
from .online.graph_sites import Progress


def open_site_listing(
    profile: Profile, page_size: int | None = None, *, on_progress: Progress | None = None
) -> AbstractContextManager[Iterator]:
    """A context whose value iterates every site collection lazily (OneDrive / My Sites included,
    flagged); ``on_progress(listed)`` hears how many have been listed so far."""
    return services_for(profile).open_sites(profile, page_size, on_progress=on_progress)
