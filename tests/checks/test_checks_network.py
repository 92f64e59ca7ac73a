"""The network rungs at the service layer, against the shared sandbox: every host the profile needs has
its own evidence (resolved addresses and who answered, the connection, the TLS version and the
certificate); a closed port or a name that does not resolve fails its rung and skips exactly the rungs
that need that host; TLS failures name the certificate and the CA bundle."""

from __future__ import annotations

import json
import select
import socket
import threading
from pathlib import Path

from spkit.models.profile import load_profile
from spkit.models.results import StepStatus
from spkit.services.verification import verify_profile
from tests.cli.test_cli_onprem import write_onprem
from tests.helpers import card_tenant, write_profile

OTHER_CA = Path(__file__).resolve().parents[1] / "data" / "other-ca.pem"


def _steps(result) -> dict:
    return {s.step: s for s in result.steps}


def _verify(path: Path):
    return verify_profile(load_profile(path))


def _card_copy(tmp_path: Path, card: dict, **connect_to: str) -> tuple[Path, dict]:
    """The running sandbox's card with some connect-to entries changed (the sandbox itself untouched)."""
    changed = json.loads(json.dumps(card))
    changed["connect_to"].update(connect_to)
    path = tmp_path / "changed-card.json"
    path.write_text(json.dumps(changed))
    return path, changed


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connecting to it is refused
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_online_host_has_its_own_network_evidence(tmp_path, card, card_path):
    result = _verify(write_profile(tmp_path, card_path, card, "spkit-certificate"))
    steps = _steps(result)
    tenant = card_tenant(card)
    hosts = [
        "login.localhost",
        "graph.localhost",
        urlhost(tenant["sharepoint_url"]),
        urlhost(tenant["admin_url"]),
    ]
    dns, tcp, tls = steps["dns"], steps["tcp"], steps["tls"]
    assert [row["host"] for row in dns.facts["hosts"]] == hosts
    assert [row["host"] for row in tcp.facts["hosts"]] == [f"{h}:443" for h in hosts]
    for row in dns.facts["hosts"]:
        assert row["status"] == "passed" and row["addresses"] == ["127.0.0.1"]
        assert "connect-to map" in row["via"] and "resolver" in row["via"]  # the map stands in for DNS
    for row in tcp.facts["hosts"]:
        assert row["connected"] == card["connect_to"][row["host"]]
    for row, host in zip(tls.facts["hosts"], hosts, strict=True):
        assert row["version"] in ("TLSv1.2", "TLSv1.3")
        assert row["issuer"].startswith("spkit sandbox CA") and row["ca_bundle"] == card["ca_bundle"]
        assert host in row["names"] and row["not_after"]
    for step in (dns, tcp, tls):
        assert step.status is StepStatus.PASSED
        assert all(h in step.evidence for h in hosts)  # one line per host
    assert result.passed


def urlhost(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[0]


def test_a_closed_port_fails_tcp_for_that_host_and_skips_only_what_needs_it(tmp_path, card):
    path, changed = _card_copy(tmp_path, card, **{"graph.localhost:443": f"127.0.0.1:{_closed_port()}"})
    steps = _steps(_verify(write_profile(tmp_path, path, changed, "spkit-certificate", name="no-graph")))
    tcp = steps["tcp"]
    assert tcp.status is StepStatus.FAILED and tcp.diagnosis.code == "NETWORK_REFUSED"
    assert "graph.localhost:443" in tcp.detail
    assert {r["host"]: r["status"] for r in tcp.facts["hosts"]}["graph.localhost:443"] == "failed"
    assert [r["status"] for r in steps["tls"].facts["hosts"]] == ["passed", "skipped", "passed", "passed"]
    for name in ("discovery", "token", "claims", "sharepoint", "admin_center"):  # they never touch Graph
        assert steps[name].status is StepStatus.PASSED, (name, steps[name].detail)
    assert steps["graph"].detail == "skipped: needs tls for graph.localhost:443"
    for name in ("tenant_name", "account", "sites"):
        assert steps[name].detail == "skipped: needs graph"


def test_a_name_that_does_not_resolve_fails_dns_and_skips_every_rung_above(tmp_path, card, card_path):
    profile = write_onprem(
        tmp_path,
        card_path,
        card,
        "spfarm",
        sharepoint_url="https://sharepoint.nosuch.invalid",
        name="nxdomain",
    )
    result = _verify(profile)
    steps = _steps(result)
    assert steps["dns"].status is StepStatus.FAILED and steps["dns"].diagnosis.code == "NETWORK_DNS"
    assert "sharepoint.nosuch.invalid" in steps["dns"].detail
    assert "getaddrinfo" in steps["dns"].diagnosis.evidence
    assert steps["tcp"].detail.startswith("skipped: needs dns for sharepoint.nosuch.invalid")
    assert [s.status for s in result.steps[4:]] == [StepStatus.SKIPPED] * 6
    assert [s.step for s in result.failed_steps] == ["dns"]


def test_a_closed_central_administration_port_is_diagnosed_by_tcp_and_skips_only_central_admin(
    tmp_path, card, card_path
):
    profile = write_onprem(tmp_path, card_path, card, "spfarm", central_admin_port=2017, name="ca2017")
    steps = _steps(_verify(profile))
    tcp = steps["tcp"]
    assert tcp.diagnosis.code == "ONPREM_CA_UNREACHABLE" and "2017" in tcp.detail
    assert [r["status"] for r in tcp.facts["hosts"]] == ["passed", "failed"]
    for name in ("http", "ntlm", "web", "search"):
        assert steps[name].status is StepStatus.PASSED, (name, steps[name].detail)
    assert steps["central_admin"].detail == "skipped: needs tls for sharepoint.fabrikam.localhost:2017"
    assert steps["requirements"].status is not StepStatus.SKIPPED


def test_an_untrusted_ca_names_the_issuer_and_the_bundle(tmp_path, card, card_path):
    profile = write_profile(
        tmp_path, card_path, card, "spkit-certificate", name="other-ca", ca_bundle=str(OTHER_CA)
    )
    steps = _steps(_verify(profile))
    tls = steps["tls"]
    assert tls.status is StepStatus.FAILED and tls.diagnosis.code == "TLS_UNTRUSTED"
    assert "spkit sandbox CA" in tls.diagnosis.evidence and str(OTHER_CA) in tls.diagnosis.evidence
    assert "ca_bundle" in tls.diagnosis.fix and "inspect" in tls.diagnosis.fix  # corporate TLS inspection
    assert steps["discovery"].detail == "skipped: needs tls for login.localhost:443"


def test_a_certificate_for_another_name_is_a_name_mismatch(tmp_path, card):
    farm = card["farms"][0]
    target = card["connect_to"][f"{farm['host']}:443"]
    path, changed = _card_copy(tmp_path, card, **{"intranet.localhost:443": target})
    profile = write_onprem(
        tmp_path,
        path,
        changed,
        "spfarm",
        sharepoint_url="https://intranet.localhost",
        central_admin_port=None,
        name="alias",
    )
    steps = _steps(_verify(profile))
    tls = steps["tls"]
    assert tls.diagnosis.code == "TLS_NAME_MISMATCH"
    assert "intranet.localhost" in tls.detail and farm["host"] in tls.diagnosis.evidence  # the names it has
    assert steps["http"].status is StepStatus.SKIPPED


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on loopback that knows the farm's ports and relays bytes: what stands
    between a consultant's machine and a customer's farm."""

    def __init__(self, targets: dict[str, tuple[str, int]]) -> None:
        self.targets, self.asked = targets, []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            target = head.split(b" ", 2)[1].decode()
            self.asked.append(target)
            if target not in self.targets:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection(self.targets[target]) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                pair = [client, upstream]
                while True:
                    ready, _, _ = select.select(pair, [], [], 10)
                    if not ready:
                        return
                    for side in ready:
                        try:
                            data = side.recv(65536)
                            if data:
                                (upstream if side is client else client).sendall(data)
                        except OSError:  # either end hung up: the tunnel is over
                            data = b""
                        if not data:
                            return

    def close(self) -> None:
        self.server.close()


def test_a_farm_behind_a_proxy_is_reached_through_its_tunnel(tmp_path, card, monkeypatch):
    farm = card["farms"][0]
    entries = {f"{farm['host']}:443", f"{farm['host']}:{farm['central_admin_port']}"}
    unmapped = json.loads(json.dumps(card))
    targets = {e: tuple(unmapped["connect_to"].pop(e).rsplit(":", 1)) for e in entries}
    path = tmp_path / "no-farm-map.json"
    path.write_text(json.dumps(unmapped))
    proxy = ConnectProxy({e: (host, int(port)) for e, (host, port) in targets.items()})
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
    try:
        result = _verify(write_onprem(tmp_path, path, unmapped, "spfarm", name="proxied"))
    finally:
        proxy.close()
    steps = _steps(result)
    assert result.passed, result.summary_line()
    dns = steps["dns"].facts["hosts"][0]
    assert dns["addresses"] == ["127.0.0.1"] and f"proxy 127.0.0.1:{proxy.port}" in dns["via"]
    assert farm["host"] in dns["via"]  # the proxy resolves the farm's name, not this machine
    assert all(r["connected"] == f"127.0.0.1:{proxy.port}" for r in steps["tcp"].facts["hosts"])
    assert {r["status"] for r in steps["tls"].facts["hosts"]} == {"passed"}  # TLS inside the tunnel
    assert set(proxy.asked) == entries  # the rungs and the HTTP calls asked the proxy for both ports
