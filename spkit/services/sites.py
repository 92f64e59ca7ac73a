"""List a profile's site collections as a stream: discovery, token, then Graph pages on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..models.profile import Profile
from .auth import AppAuthenticator
from .connection import app_credential, session_for_profile
from .discovery import discover_tenant
from .enumeration import SiteInfo, iter_sites


@contextmanager
def open_site_listing(profile: Profile, page_size: int | None = None) -> Iterator[Iterator[SiteInfo]]:
    """A context whose value iterates every site collection (OneDrive included, flagged) lazily."""
    if profile.kind == "onprem":
        from .onprem.search import iter_site_collections
        from .onprem.session import session_for_onprem

        with session_for_onprem(profile) as session:
            yield iter_site_collections(session, profile.server.url, profile.account.text)
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
        auth.acquire(cloud.graph_url, "Graph token")  # fail here, before the caller starts printing
        yield iter_sites(
            session,
            cloud.graph_url,
            lambda: auth.acquire(cloud.graph_url, "Graph token").token,
            onedrive_host=cloud.onedrive_host(address.tenant),
            page_size=page_size,
        )
