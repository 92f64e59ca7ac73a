"""Emulated on-premises SharePoint Server farms: a web application (``<scheme>://sharepoint.<farm>.localhost``)
and Central Administration (the same host, at the port of its URL, on a listener of its own), both behind
real NTLM (pyspnego as the acceptor), with SharePoint Server's REST, search and error shapes.

``make_service`` gives the web applications of the HTTPS farms, served by the main listener;
``open_endpoints`` starts what else the farms need (Central Administration listeners, plain-HTTP web
applications, a reserved closed port for a closed Central Administration, the host's ``other_ports``: IIS's
default site or a closed port) and returns their connect-to map.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

from ..access_tokens import TokenService
from ..dispatch import Dispatcher
from ..server import Listener
from ..service import Service
from ..state import SandboxState
from .iis import IisDefaultSite
from .responses import FarmService

__all__ = ["FarmEndpoints", "FarmService", "make_service", "open_endpoints"]


def make_service(state: SandboxState, tokens: TokenService) -> Service:
    """The web applications of the HTTPS farms (they share the main listener's port 443)."""
    return FarmService(state, [f for f in state.farms.values() if f.scheme == "https"], role="web")


@dataclass
class FarmEndpoints:
    listeners: list[Listener] = field(default_factory=list)
    connect_to: dict[str, str] = field(default_factory=dict)
    # Sockets bound on loopback but never listening: a connection to one is refused at once.
    reserved: list[socket.socket] = field(default_factory=list)

    def stop(self) -> None:
        for listener in self.listeners:
            listener.stop()
        for sock in self.reserved:
            sock.close()
        self.listeners, self.reserved = [], []


def reserve_closed_port(host: str) -> tuple[socket.socket, str]:
    """A loopback port bound but never listening (a connection to it is refused at once): the socket, which
    must stay open while the port is to stay closed, and its ``address:port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    return sock, f"{host}:{sock.getsockname()[1]}"


def _closed_port(endpoints: FarmEndpoints, host: str) -> str:
    sock, address = reserve_closed_port(host)
    endpoints.reserved.append(sock)
    return address


def open_endpoints(
    state: SandboxState,
    cert_path: Path,
    key_path: Path,
    main_address: str,
    main_port: int,
    sni: dict[str, tuple[Path, Path]] | None = None,
) -> FarmEndpoints:
    """Start the farms' own listeners; the connect-to entries map every farm ``host:port`` of the card.
    ``sni``: the hosts with a certificate of their own (the scenario's TLS faults), on every port."""
    endpoints = FarmEndpoints()
    try:
        for farm in state.farms.values():
            tls = farm.scheme == "https"
            for port, answer in farm.other_ports:
                if answer == "closed":
                    endpoints.connect_to[f"{farm.host}:{port}"] = _closed_port(endpoints, main_address)
                    continue
                other = Listener(
                    Dispatcher(state, [IisDefaultSite(farm, port)]),
                    host=main_address,
                    public_port=port,
                    cert_path=cert_path if tls else None,
                    key_path=key_path if tls else None,
                    sni=sni,
                ).start()
                endpoints.listeners.append(other)
                endpoints.connect_to[f"{farm.host}:{port}"] = f"{other.address}:{other.port}"
            if tls:
                endpoints.connect_to[f"{farm.host}:443"] = f"{main_address}:{main_port}"
            else:
                web = Listener(
                    Dispatcher(state, [FarmService(state, [farm], role="web")]),
                    host=main_address,
                    public_port=80,
                ).start()
                endpoints.listeners.append(web)
                endpoints.connect_to[f"{farm.host}:80"] = f"{web.address}:{web.port}"
            key = f"{farm.host}:{farm.central_admin_port}"
            if farm.central_admin == "closed":
                endpoints.connect_to[key] = _closed_port(endpoints, main_address)
                continue
            admin = Listener(
                Dispatcher(state, [FarmService(state, [farm], role="central_admin")]),
                host=main_address,
                public_port=farm.central_admin_port,
                cert_path=cert_path if tls else None,
                key_path=key_path if tls else None,
                sni=sni,
            ).start()
            endpoints.listeners.append(admin)
            endpoints.connect_to[key] = f"{admin.address}:{admin.port}"
    except BaseException:
        endpoints.stop()
        raise
    return endpoints
