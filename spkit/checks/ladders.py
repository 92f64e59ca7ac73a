"""The ladders: the rungs of each kind of connection, in order, and the hosts each kind needs.

Verification and diagnosis run the same ladder (``spkit verify``, ``spkit diagnose``, the wizard's
Configure, batch runs and the onboarding record all call ``spkit.services.verification``)."""

from __future__ import annotations

from typing import Any

from . import farm, graph, identity, network, sharepoint
from .context import Endpoint
from .rung import Rung

ONLINE: tuple[Rung, ...] = (
    sharepoint.address,
    network.dns,
    network.tcp,
    network.tls,
    identity.discovery,
    identity.token,
    identity.claims,
    graph.graph,
    graph.tenant_name,
    graph.account,
    graph.sites,
    sharepoint.sharepoint,
    sharepoint.admin_center,
)

ONPREM: tuple[Rung, ...] = (
    farm.address,
    network.dns,
    network.tcp,
    network.tls,
    farm.http,
    farm.ntlm,
    farm.web,
    farm.search,
    farm.central_admin,
    farm.requirements,
)

LADDERS = {"online": ONLINE, "onprem": ONPREM}


def ladder_for(kind: str) -> tuple[Rung, ...]:
    """The ladder of a profile's kind (``online`` or ``onprem``)."""
    return LADDERS[kind]


def endpoints_for(profile: Any) -> list[Endpoint]:
    """Every host:port the profile's checks talk to, each with its role."""
    return ENDPOINTS[profile.kind](profile)


def _online_endpoints(profile: Any) -> list[Endpoint]:
    cloud, address = profile.cloud_obj, profile.address
    guessed = address.needs_confirmation
    found = [Endpoint.of("login", "sign-in (Entra ID)", cloud.authority_host)]
    if cloud.graph_url:
        found.append(Endpoint.of("graph", "Microsoft Graph", cloud.graph_url))
    found.append(Endpoint.of("sharepoint", "SharePoint", address.sharepoint_url, tentative=guessed))
    found.append(Endpoint.of("admin", "SharePoint admin center", address.admin_url, tentative=guessed))
    return found


def _onprem_endpoints(profile: Any) -> list[Endpoint]:
    found = [Endpoint.of("farm", "the farm", profile.server.url)]
    if profile.central_admin_url:
        found.append(Endpoint.of("central_admin", "Central Administration", profile.central_admin_url))
    return found


ENDPOINTS = {"online": _online_endpoints, "onprem": _onprem_endpoints}
