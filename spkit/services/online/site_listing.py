"""An Online profile's site collections as a stream: discovery, token, then Graph pages on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ...models.online_profile import OnlineProfile
from .app_tokens import AppAuthenticator
from .graph_sites import Progress, SiteInfo, iter_sites, reusing_token
from .profile_access import app_credential, session_for_profile
from .tenant_discovery import discover_tenant


@contextmanager
def open_online_sites(
    profile: OnlineProfile, page_size: int | None = None, *, on_progress: Progress | None = None
) -> Iterator[Iterator[SiteInfo]]:
    """A context whose value iterates every site collection (OneDrive included, flagged) lazily, Graph
    page after page; the first token is taken on entry, so that a refusal fails before any output."""
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
        token = reusing_token(lambda: auth.acquire(cloud.graph_url, "Graph token"))
        yield iter_sites(
            session,
            cloud.graph_url,
            token,
            onedrive_host=cloud.onedrive_host(address.tenant),
            page_size=page_size,
            on_progress=on_progress,
        )
