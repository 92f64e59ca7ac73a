"""The network rungs, for every host the profile needs (sign-in, Graph, SharePoint, the admin center;
the farm and its Central Administration port): ``dns`` → ``tcp`` → ``tls``, each host with its own
evidence. A host that fails one rung is skipped by the next (with the reason) while the other hosts go
on, and the rungs above need only the hosts they talk to (``tls:graph``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Diagnosis, NetworkError, SpkitError
from ..models.results import StepStatus
from . import probes
from .context import CheckContext, Endpoint
from .rung import Outcome, Skip, rung

GUESSED = "the name was guessed from a custom domain; the tenant's root site confirms it after sign-in"


@dataclass
class _Rows:
    """The per-host lines of one network rung and how the rung ends because of them."""

    rung: str
    prior: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[SpkitError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, context: CheckContext, endpoints: list[Endpoint], status: str, line: str, **facts: Any):
        labels = ", ".join(e.label for e in endpoints)
        self.rows.append({"host": _where(self.rung, endpoints[0]), "for": labels, "status": status, **facts})
        if status in ("passed", "warning", "not used"):
            context.parts.update(f"{self.rung}:{e.role}" for e in endpoints)
        self.rows[-1]["evidence"] = f"{_where(self.rung, endpoints[0])} ({labels}): {line}"

    def fail(self, context: CheckContext, endpoints: list[Endpoint], error: SpkitError) -> None:
        if all(e.tentative for e in endpoints):  # a guess that does not answer: tenant_name corrects it
            self.add(context, endpoints, "warning", f"{error.summary} ({GUESSED}); {error.evidence}")
            context.state.setdefault("unconfirmed", set()).update(e.role for e in endpoints)
            return
        self.failures.append(error)
        self.add(context, endpoints, "failed", f"failed [{error.code}] {error.evidence}", code=error.code)

    def guessed(self, context: CheckContext, endpoint: Endpoint) -> bool:
        """A guessed host that already failed: not tried again, and not held against the rungs above."""
        if endpoint.role not in context.state.get("unconfirmed", ()):
            return False
        self.add(context, [endpoint], "not used", f"not tried: {GUESSED}")
        return True

    def skip(self, context: CheckContext, endpoints: list[Endpoint]) -> None:
        self.skipped.append(_where(self.rung, endpoints[0]))
        self.add(context, endpoints, "skipped", f"not tried: it did not pass {self.prior}")

    @property
    def through(self) -> int:
        """How many hosts got through this rung."""
        return sum(row["status"] in ("passed", "warning") for row in self.rows)

    def outcome(self, passed: str) -> Outcome:
        facts = {"hosts": self.rows}
        evidence = "\n".join(row["evidence"] for row in self.rows)
        if self.skipped and len(self.skipped) == len(self.rows):
            raise Skip(f"needs {self.prior} for {', '.join(self.skipped)}")
        if self.failures:
            first = self.failures[0]
            detail = first.summary
            others = len(self.failures) - 1
            if others:
                detail += f" (and {others} more host{'s' if others > 1 else ''})"
            diagnosis = Diagnosis(first.code, detail, first.evidence, first.fix)
            return Outcome(detail, facts, None, evidence, StepStatus.FAILED, diagnosis)
        if self.skipped:
            passed += f"; not tried: {', '.join(self.skipped)} (did not pass {self.prior})"
        warned = [row for row in self.rows if row["status"] == "warning"]
        if warned:
            detail = "; ".join(row["evidence"] for row in warned)
            return Outcome(detail, facts, None, evidence, StepStatus.WARNING)
        return Outcome(passed, facts, None, evidence)


def _where(rung_name: str, endpoint: Endpoint) -> str:
    return endpoint.host if rung_name == "dns" else endpoint.address


def _by_host(endpoints: list[Endpoint]) -> dict[str, list[Endpoint]]:
    hosts: dict[str, list[Endpoint]] = {}
    for endpoint in endpoints:
        hosts.setdefault(endpoint.host, []).append(endpoint)
    return hosts


@rung("dns", "Name resolution (DNS)")
def dns(context: CheckContext) -> Outcome:
    """Every host name the profile needs resolves (through the sandbox's map when it has a card)."""
    rows = _Rows("dns", None)
    answers: dict[str, list[str]] = context.state.setdefault("addresses", {})
    connect_to = context.connect_to
    for host, endpoints in _by_host(context.endpoints).items():
        mapped = bool(probes.mapped_addresses(connect_to, host))
        proxy = probes.proxy_for(endpoints[0], mapped)
        name, port = probes.proxy_address(proxy) if proxy else (host, endpoints[0].port)
        try:
            (addresses, via), seconds = probes.timed(probes.resolve, name, port, connect_to)
        except SpkitError as error:
            rows.fail(context, endpoints, _retired_cloud(context, error))
            continue
        answers[host] = addresses
        line = f"{', '.join(addresses)} (answered by {via}) in {probes.ms(seconds)}"
        if proxy:  # the client resolves only its proxy; the proxy resolves the host
            via = f"the proxy {name}:{port}, which resolves {host} itself"
            line = f"through the proxy {name}:{port} ({', '.join(addresses)}), which resolves {host} itself"
        rows.add(context, endpoints, "passed", line, addresses=addresses, via=via, seconds=round(seconds, 4))
    count = rows.through
    return rows.outcome(f"{count} host name{'s resolve' if count != 1 else ' resolves'}")


def _retired_cloud(context: CheckContext, error: SpkitError) -> SpkitError:
    """A host of a retired national cloud that no longer resolves: the cloud is the cause."""
    cloud = getattr(context.profile, "cloud_obj", None)
    if cloud is None or getattr(cloud, "retired_on", None) is None:
        return error
    return NetworkError(
        f"{cloud.display_name} was retired on {cloud.retired_on.isoformat()}: {error.summary}",
        code="CLOUD_RETIRED",
        evidence=error.evidence,
        fix=cloud.advice or "use the global cloud",
    )


def _ca_unreachable(endpoint: Endpoint, error: SpkitError) -> SpkitError:
    """Central Administration's port keeps its own public diagnosis."""
    return NetworkError(
        f"Central Administration is not reachable at {endpoint.url}: {error.summary}",
        code="ONPREM_CA_UNREACHABLE",
        evidence=error.evidence,
        fix="check the Central Administration port (chosen at deployment; see its URL on the server) "
        "and the firewall",
    )


@rung("tcp", "TCP connection")
def tcp(context: CheckContext) -> Outcome:
    """Every host:port accepts a TCP connection (where the session's socket would go: the mapped
    address, the proxy, or the resolved addresses)."""
    rows = _Rows("tcp", "dns")
    connect_to = context.connect_to
    for endpoint in context.endpoints:
        if rows.guessed(context, endpoint):
            continue
        if f"dns:{endpoint.role}" not in context.parts:
            rows.skip(context, [endpoint])
            continue
        addresses = context.state.get("addresses", {}).get(endpoint.host, [])
        try:
            way = probes.route(endpoint, connect_to, addresses)
            (sock, peer), seconds = probes.timed(probes.connect, endpoint, way)
            sock.close()
        except SpkitError as error:
            rows.fail(
                context,
                [endpoint],
                _ca_unreachable(endpoint, error) if endpoint.role == "central_admin" else error,
            )
            continue
        through = "" if way.via == "DNS" else f" ({way.via})"
        rows.add(
            context,
            [endpoint],
            "passed",
            f"connected to {peer}{through} in {probes.ms(seconds)}",
            connected=peer,
            via=way.via,
            seconds=round(seconds, 4),
        )
    count = rows.through
    return rows.outcome(f"{count} port{'s accept' if count != 1 else ' accepts'} connections")


@rung("tls", "TLS handshake and certificate")
def tls(context: CheckContext) -> Outcome:
    """Every https:// host completes a verified handshake: TLS version, and the certificate's subject,
    issuer and expiry, checked against the CA bundle the session uses."""
    rows = _Rows("tls", "tcp")
    bundle, source = probes.ca_bundle_for(getattr(context.profile, "ca_bundle", None), context.card)
    connect_to = context.connect_to
    for endpoint in context.endpoints:
        if endpoint.scheme != "https":
            rows.add(
                context, [endpoint], "not used", "http://: no TLS, credentials cross the network in clear"
            )
            continue
        if rows.guessed(context, endpoint):
            continue
        if f"tcp:{endpoint.role}" not in context.parts:
            rows.skip(context, [endpoint])
            continue
        addresses = context.state.get("addresses", {}).get(endpoint.host, [])
        try:
            way = probes.route(endpoint, connect_to, addresses)
            seen, seconds = probes.timed(probes.handshake, endpoint, way, bundle, source)
        except SpkitError as error:
            rows.fail(context, [endpoint], error)
            continue
        line = (
            f"{seen.version}, certificate CN={seen.subject} issued by CN={seen.issuer}, valid until "
            f"{seen.not_after}; trusted through {source} ({bundle}) in {probes.ms(seconds)}"
        )
        status = "passed"
        if seen.days_left is not None and seen.days_left < 14:
            status, line = "warning", line + f"; it expires in {seen.days_left} days"
        rows.add(
            context,
            [endpoint],
            status,
            line,
            version=seen.version,
            cipher=seen.cipher,
            subject=seen.subject,
            issuer=seen.issuer,
            not_after=seen.not_after,
            names=seen.names,
            ca_bundle=bundle,
            seconds=round(seconds, 4),
        )
    if not any(row["status"] != "not used" for row in rows.rows):
        return rows.outcome("no host uses TLS (http://)")
    version = ", ".join(sorted({row["version"] for row in rows.rows if row.get("version")}))
    count = rows.through
    return rows.outcome(f"{count} host{'s pass' if count != 1 else ' passes'} the TLS handshake ({version})")
