"""The scenario's top-level ``faults:`` section: what goes wrong between a client and the services.

Faults of one principal live with it (a tenant's ``cloud``, an app's ``service_principal``, a farm's
``authentication``; see ``scenario.py``); here are those of the network, TLS and the services as a whole::

    faults:
      clock_skew_s: 3600            # the Microsoft cloud's clock minus this machine's (+/-)
      consent_delay_s: 3            # like --consent-delay (the option wins when given)
      server_certificates:          # a certificate of its own for some hosts (SNI), on every port of the host
        - hosts: [contoso.sharepoint.localhost]
          certificate: expired      # expired | not_yet_valid | wrong_name | unknown_ca
          names: [sp01.contoso.local]   # wrong_name only: the names it carries (default: not-<host>)
      closed_ports: [graph.localhost, "sharepoint.fabrikam.localhost:2016"]   # host[:port], port 443
      throttle:                     # answer a route as throttled (429, a farm 503), with Retry-After
        - host: graph.localhost
          path: "/v1.0/sites/.*"    # a regex the path must match whole (case-insensitive); default: any
          count: 10                 # consecutive answers, then served again; default: every request
          retry_after_s: 1
      server_errors:                # answer a route with an unexpected server error, in the service's shape
        - host: graph.localhost
          path: "/v1.0/sites/root"  # a regex the path must match whole (case-insensitive); default: any
          status: 500               # 500 (the service's internal error) or 502 (its front end's bad gateway)
          count: 3                  # consecutive answers, then served again; default: every request

A farm answers its server errors after IIS authentication (as SharePoint's own 500s come), the online
services before authenticating (their front ends answer them). 500 and 502 are not retried by spkit (nor
by Microsoft's SDKs: they retry 429, 503 and 504), so one answer is the diagnosis.

Every problem is a ``SandboxInputError`` found when the scenario is loaded, before anything starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import SandboxInputError
from .ca import CERTIFICATE_FAULTS
from .faults import ServerErrorRule, ThrottleRule

KNOWN_KEYS = {
    "clock_skew_s",
    "consent_delay_s",
    "server_certificates",
    "closed_ports",
    "throttle",
    "server_errors",
}
_CERT_KEYS = {"host", "hosts", "certificate", "names"}
_THROTTLE_KEYS = {"host", "path", "count", "retry_after_s"}
_SERVER_ERROR_KEYS = {"host", "path", "status", "count"}
SERVER_ERROR_STATUSES = (500, 502)
MAX_CLOCK_SKEW_S = 10 * 365 * 86400
_DNS = re.compile(
    r"(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
)


def _bad(problem: str) -> SandboxInputError:
    return SandboxInputError(f"scenario: faults: {problem}", code="SANDBOX_SCENARIO")


@dataclass(frozen=True)
class CertificateFault:
    host: str
    certificate: str  # expired | not_yet_valid | wrong_name | unknown_ca
    names: tuple[str, ...] = ()


@dataclass
class ScenarioFaults:
    """The ``faults:`` section, checked. ``closed_ports`` are ``host:port`` keys of the card's connect_to."""

    clock_skew_s: float = 0.0
    consent_delay_s: float | None = None
    certificates: list[CertificateFault] = field(default_factory=list)
    closed_ports: list[str] = field(default_factory=list)
    throttle: list[dict[str, Any]] = field(default_factory=list)
    server_errors: list[dict[str, Any]] = field(default_factory=list)

    def throttle_rules(self) -> list[ThrottleRule]:
        """Fresh rules (their counts start at zero) for one sandbox run."""
        return [ThrottleRule(**rule) for rule in self.throttle]

    def server_error_rules(self) -> list[ServerErrorRule]:
        """Fresh rules (their counts start at zero) for one sandbox run."""
        return [ServerErrorRule(**rule) for rule in self.server_errors]


def parse_faults(value: Any, hosts: dict[str, set[int]]) -> ScenarioFaults:
    """``value`` (the section, or None) checked against the sandbox's ``hosts`` (host -> its ports)."""
    if value is None:
        return ScenarioFaults()
    if not isinstance(value, dict):
        raise _bad("must be a mapping")
    unknown = set(value) - KNOWN_KEYS
    if unknown:
        raise _bad(f"unknown key(s) {sorted(map(str, unknown))}; known: {sorted(KNOWN_KEYS)}")
    faults = ScenarioFaults()
    faults.clock_skew_s = _number(value, "clock_skew_s", -MAX_CLOCK_SKEW_S, MAX_CLOCK_SKEW_S) or 0.0
    faults.consent_delay_s = _number(value, "consent_delay_s", 0, 600)
    seen: set[str] = set()
    for entry in _list(value, "server_certificates"):
        faults.certificates += _certificates(entry, hosts, seen)
    for entry in _list(value, "closed_ports"):
        faults.closed_ports.append(_closed_port(entry, hosts))
    for entry in _list(value, "throttle"):
        faults.throttle.append(_throttle(entry, hosts))
    for entry in _list(value, "server_errors"):
        faults.server_errors.append(_server_error(entry, hosts))
    return faults


def _list(value: dict, key: str) -> list:
    items = value.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise _bad(f"'{key}' must be a list")
    return items


def _number(value: dict, key: str, low: float, high: float) -> float | None:
    raw = value.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not low <= raw <= high:
        raise _bad(f"'{key}' must be a number from {low:,} to {high:,}, not {raw!r}")
    return float(raw)


def _host(raw: Any, hosts: dict[str, set[int]], what: str) -> str:
    if not isinstance(raw, str) or raw.strip().lower() not in hosts:
        raise _bad(f"{what}: {raw!r} is not a host of this sandbox; its hosts: {', '.join(sorted(hosts))}")
    return raw.strip().lower()


def _certificates(entry: Any, hosts: dict[str, set[int]], seen: set[str]) -> list[CertificateFault]:
    if not isinstance(entry, dict) or set(entry) - _CERT_KEYS:
        raise _bad(f"each server_certificates entry is a mapping of {sorted(_CERT_KEYS)}")
    kind = entry.get("certificate")
    if kind not in CERTIFICATE_FAULTS:
        raise _bad(
            f"server_certificates: 'certificate' is one of {', '.join(CERTIFICATE_FAULTS)}, not {kind!r}"
        )
    listed = entry.get("hosts", [])
    if "host" in entry:
        listed = [entry["host"], *listed]
    if not isinstance(listed, list) or not listed:
        raise _bad("server_certificates: each entry names its 'host' or 'hosts'")
    names = entry.get("names")
    if names is not None:
        if kind != "wrong_name":
            raise _bad("server_certificates: 'names' goes with certificate: wrong_name only")
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and _DNS.fullmatch(n.lower()) for n in names)
        ):
            raise _bad("server_certificates: 'names' is a list of DNS names")
    out = []
    for raw in listed:
        host = _host(raw, hosts, "server_certificates")
        if host in seen:
            raise _bad(f"server_certificates: {host} is named twice")
        seen.add(host)
        chosen = tuple(n.lower() for n in names) if names else (f"not-{host}",)
        if kind == "wrong_name" and host in chosen:
            raise _bad(f"server_certificates: a wrong_name certificate for {host} cannot name {host}")
        out.append(CertificateFault(host, kind, chosen if kind == "wrong_name" else ()))
    return out


def _closed_port(entry: Any, hosts: dict[str, set[int]]) -> str:
    text = str(entry).strip().lower() if isinstance(entry, str | int) else ""
    host, sep, port_text = text.rpartition(":") if ":" in text else (text, "", "443")
    host = _host(host, hosts, "closed_ports")
    if not port_text.isdigit() or int(port_text) not in hosts[host]:
        raise _bad(
            f"closed_ports: {entry!r}: {host} answers on port(s) {', '.join(map(str, sorted(hosts[host])))}"
        )
    return f"{host}:{int(port_text)}"


def _throttle(entry: Any, hosts: dict[str, set[int]]) -> dict[str, Any]:
    if not isinstance(entry, dict) or set(entry) - _THROTTLE_KEYS:
        raise _bad(f"each throttle entry is a mapping of {sorted(_THROTTLE_KEYS)}")
    rule: dict[str, Any] = {"host": _host(entry.get("host"), hosts, "throttle")}
    rule["path"] = _path(entry, "throttle")
    rule["count"] = _count(entry, "throttle")
    retry = entry.get("retry_after_s", 1)
    if isinstance(retry, bool) or not isinstance(retry, int) or not 0 <= retry <= 3600:
        raise _bad(f"throttle: 'retry_after_s' is a whole number of seconds from 0 to 3,600, not {retry!r}")
    rule["retry_after_s"] = retry
    return rule


def _path(entry: dict, what: str) -> str:
    path = entry.get("path", ".*")
    if not isinstance(path, str):
        raise _bad(f"{what}: 'path' is a regular expression (a string), not {path!r}")
    try:
        re.compile(path)
    except re.error as exc:
        raise _bad(f"{what}: 'path' {path!r} is not a regular expression: {exc}") from exc
    return path


def _server_error(entry: Any, hosts: dict[str, set[int]]) -> dict[str, Any]:
    if not isinstance(entry, dict) or set(entry) - _SERVER_ERROR_KEYS:
        raise _bad(f"each server_errors entry is a mapping of {sorted(_SERVER_ERROR_KEYS)}")
    rule: dict[str, Any] = {"host": _host(entry.get("host"), hosts, "server_errors")}
    rule["path"] = _path(entry, "server_errors")
    status = entry.get("status", 500)
    if isinstance(status, bool) or status not in SERVER_ERROR_STATUSES:
        raise _bad(
            f"server_errors: 'status' is 500 or 502, not {status!r} (503 and 429 are throttling: 'throttle')"
        )
    rule["status"] = status
    rule["count"] = _count(entry, "server_errors")
    return rule


def _count(entry: dict, what: str) -> int | None:
    """How many matching requests a rule answers: 1 to 1,000,000, or every one (absent)."""
    count = entry.get("count")
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1_000_000
    ):
        raise _bad(f"{what}: 'count' is a whole number from 1 to 1,000,000, not {count!r}")
    return count
