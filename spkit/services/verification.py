"""Verify a connection: the ladder of its kind (``spkit.checks``), rung by rung; each rung times
itself, records its evidence and, when it fails, the diagnosis; a rung whose needs failed is skipped
with the reason. ``verify_profile`` is the one entry every face calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..checks import Progress
from ..models.profile import Profile
from ..models.results import VerificationResult
from .kinds import services_for


def verify_profile(
    profile: Profile,
    *,
    progress: Progress | None = None,
    on_sites: Callable[[int], None] | None = None,
    **options: Any,
) -> VerificationResult:
    """Verify any profile, Online or on-premises, with the ladder of its kind. ``options`` tune Online's
    ladder (``sample_size``, ``page_size``); ``on_sites(listed)`` hears the site-collection step's count
    as it grows (a face's counter)."""
    kind = services_for(profile)
    wanted = {name: value for name, value in options.items() if name in kind.verify_options}
    return kind.verify(profile, progress=progress, on_sites=on_sites, **wanted)
