"""Reading a delegated ``scope`` parameter: Graph permissions (bare, or under Graph's URL or app ID), the
OpenID scopes, Graph's ``.default``, and Entra's refusal for everything else."""

from __future__ import annotations

from ..state import GRAPH_APP_ID, SHAREPOINT_APP_ID, SandboxState, Tenant
from . import exceptions as aad
from .first_party import RESERVED_SCOPES, graph_permission
from .models import DelegatedClient, ScopeRequest


def requested_scopes(
    state: SandboxState, raw: str | None, client: DelegatedClient, tenant: Tenant | None, ref: str
) -> ScopeRequest:
    """The scopes a delegated request asks for; errors name the tenant, or the path segment over /common."""
    directory = tenant.display_name if tenant is not None else ref
    return parse_scopes(raw, state, client.name, directory)


def parse_scopes(raw: str | None, state: SandboxState, client_name: str, directory: str) -> ScopeRequest:
    """Read a delegated ``scope`` value. Graph scopes may be bare (``User.Read``) or qualified by Graph's URL
    or app ID; anything else is refused the way Entra refuses it."""
    values = list(dict.fromkeys((raw or "").split()))
    if not values:
        raise aad.missing_parameter("scope")
    graph: dict[str, str] = {}
    reserved: set[str] = set()
    default, default_resource = False, ""
    graph_ids = (state.graph_url.lower(), GRAPH_APP_ID)
    for value in values:
        if value.lower() in RESERVED_SCOPES:
            reserved.add(value.lower())
            continue
        resource, slash, name = value.rpartition("/")
        if slash:
            key = resource.lower().rstrip("/")
            if key not in graph_ids:
                raise _foreign_resource(value, resource, key, state, directory)
        if not name:
            raise aad.invalid_scope(value)
        if name.lower() == ".default":
            default, default_resource = True, resource or GRAPH_APP_ID
            continue
        canonical = graph_permission(name)
        if canonical is None:
            raise aad.scope_not_on_resource(client_name, name)
        graph.setdefault(canonical, value)
    if default and graph:
        raise aad.invalid_scope(
            " ".join(values), "'.default' cannot be combined with other scopes of the same resource."
        )
    return ScopeRequest(tuple(graph), tuple(graph.values()), frozenset(reserved), default, default_resource)


def _foreign_resource(
    value: str, resource: str, key: str, state: SandboxState, directory: str
) -> aad.AadstsError:
    """A scope on a resource other than Graph: SharePoint's are real but not emulated yet for users."""
    host = key.removeprefix("https://")
    if key == SHAREPOINT_APP_ID or (key.startswith("https://") and state.tenant_by_sharepoint_host(host)):
        return aad.invalid_scope(
            value,
            "(Delegated SharePoint scopes are not supported by this sandbox yet: ask for Graph scopes.)",
        )
    return aad.resource_not_found(resource, directory)
