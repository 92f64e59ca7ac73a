"""List a profile's site collections as a stream: discovery, token, then Graph pages on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..models.profile import Profile
from .auth import AppAuthenticator
from .connection import app_credential, session_for_profile
from .discovery import discover_tenant
from .enumeration import Progress, SiteInfo, iter_sites, reusing_token


@contextmanager
def open_site_listing(
    profile: Profile, page_size: int | None = None, *, on_progress: Progress | None = None
) -> Iterator[Iterator[SiteInfo]]:
    """A context whose value iterates every site collection (OneDrive included, flagged) lazily;
    ``on_progress(listed)`` hears how many have been listed so far, page after page."""
    if profile.kind == "onprem":
        from .onprem.search import iter_site_collections
        from .onprem.session import session_for_onprem

        with session_for_onprem(profile) as session:
            sites = iter_site_collections(session, profile.server.url, profile.account.text)
            yield sites if on_progress is None else _counted(sites, on_progress)
        return
    cloud, address = profile.cloud_obj, profile.address
    with session_for_profile(profile) as session:
        tenant = discover_tenant(session, cloud, profile.tenant_id or cloud.initial_domain(address.tenant))
        auth = AppAuthenticator(
            cloud=cloud,
            tenant_id=tenant.tenant_id,
            client_id=profile.client_id,
            credential=app_credential(profile),
            session=session,
        )
        # The first token now, so that a refusal fails here, before the caller starts printing.
        token = reusing_token(lambda: auth.acquire(cloud.graph_url, "Graph token"))
        yield iter_sites(
            session,
            cloud.graph_url,
            token,
            onedrive_host=cloud.onedrive_host(address.tenant),
            page_size=page_size,
            on_progress=on_progress,
        )


def _counted(sites: Iterator, on_progress: Progress, every: int = 100) -> Iterator:
    """``sites`` as they come, telling ``on_progress`` the count every ``every`` sites and at the end."""
    listed = 0
    for listed, site in enumerate(sites, 1):
        yield site
        if listed % every == 0:
            on_progress(listed)
    on_progress(listed)
