"""The national clouds a sandbox tenant may live in: what Entra's global discovery answers for a tenant of
one, and where that cloud's Graph and authority are."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NationalCloud:
    """What Entra's discovery says of a tenant of a national cloud asked through the global endpoint
    (``cloud_instance_name`` and the region fields), and where that cloud's Graph is."""

    name: str  # the scenario's word
    instance_name: str  # cloud_instance_name: microsoftonline.us
    region_scope: str  # tenant_region_scope
    region_sub_scope: str | None  # tenant_region_sub_scope
    graph_host: str  # msgraph_host
    login_host: str  # the cloud's authority host (the card says it; the sandbox does not serve it)


# [unsure] the region fields: GCC High tenants are reported with tenant_region_scope "USGov" and sub-scope
# "DODCON", DoD ones "USGov" / "DOD", 21Vianet's "AS" / none; the instance names and Graph hosts are the
# clouds' documented ones.
CLOUDS = {
    "usgov": NationalCloud(
        "usgov", "microsoftonline.us", "USGov", "DODCON", "graph.microsoft.us", "login.microsoftonline.us"
    ),
    "usgovdod": NationalCloud(
        "usgovdod", "microsoftonline.us", "USGov", "DOD", "dod-graph.microsoft.us", "login.microsoftonline.us"
    ),
    "china": NationalCloud(
        "china",
        "partner.microsoftonline.cn",
        "AS",
        None,
        "microsoftgraph.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    ),
}
