"""A farm profile's site collections as a stream: search (``contentclass:STS_Site``) over the NTLM
session, page after page, counted for a face's progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ...models.onprem_profile import OnpremProfile
from .ntlm_session import session_for_onprem
from .search import iter_site_collections

Progress = Callable[[int], None]


@contextmanager
def open_farm_sites(
    profile: OnpremProfile, page_size: int | None = None, *, on_progress: Progress | None = None
) -> Iterator[Iterator]:
    """A context whose value iterates the farm's site collections lazily; ``page_size`` is Graph's
    and has no meaning here (search pages are the farm's)."""
    with session_for_onprem(profile) as session:
        sites = iter_site_collections(session, profile.server.url, profile.account.text)
        yield sites if on_progress is None else _counted(sites, on_progress)


def _counted(sites: Iterator, on_progress: Progress, every: int = 100) -> Iterator:
    """``sites`` as they come, telling ``on_progress`` the count every ``every`` sites and at the end."""
    listed = 0
    for listed, site in enumerate(sites, 1):
        yield site
        if listed % every == 0:
            on_progress(listed)
    on_progress(listed)
