"""Build the sandbox's world from a scenario file, with credentials kept per state directory.

Names and GUIDs are derived from the scenario (stable across runs, so parameters files can name them);
passwords, secrets and certificates are generated once per state directory and reused, so a sandbox
restarted on the same directory keeps accepting what its card published.
"""

from __future__ import annotations

import json
import re
import secrets as random_secrets
import string
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..errors import SandboxInputError
from ..fileio import atomic_write as write_private
from ..fileio import atomic_write_json as write_json
from ..fileio import private_folder
from .access_tokens import SigningKey, new_signing_key
from .app_certificates import APP_CERTIFICATE_KINDS
from .certificate_builder import private_key_pem
from .clouds import CLOUDS
from .farm.state import (
    ALL,
    FARM_BUILDS,
    FARM_DEPARTMENTS,
    FARM_SPECIAL_GROUPS,
    Farm,
    FarmSiteCatalog,
    FarmUser,
)
from .guids import stable_guid
from .scenario_faults import ScenarioFaults, parse_faults
from .site_catalog import SiteCatalog
from .state import App, ClientSecret, KeyCredential, SandboxState, Tenant, User

_KNOWN_TOP_KEYS = {"tenants", "farms", "faults"}
_KNOWN_TENANT_KEYS = {"name", "display_name", "domains", "sites", "personal_sites", "users", "apps", "cloud"}
_KNOWN_USER_KEYS = {"upn", "display_name", "roles", "mfa", "app_password", "enabled", "conditional_access"}
_KNOWN_APP_KEYS = {
    "name",
    "secret",
    "certificate",
    "granted",
    "service_principal",
    "conditional_access",
    "consent_delay_s",
}
# certificate: true/valid (a registered key in force) or key_expired (the registered keyCredential's
# endDateTime is past, the certificate file itself still valid); expired / not_yet_valid (the certificate
# itself ended yesterday / starts tomorrow, registered with its own validity); small_key (a 1024-bit key,
# which Entra does not register: the file only); false/absent: none. See app_certificates.py.
_APP_CERTIFICATES = (True, False, None, "valid", "key_expired", "expired", "not_yet_valid", "small_key")
_CLOUDS = ("global", *CLOUDS)
_MAX_SITES = 10_000_000
_KNOWN_FARM_KEYS = {
    "name",
    "host",
    "netbios_domain",
    "dns_domain",
    "version",
    "scheme",
    "central_admin",
    "central_admin_port",
    "extended_protection",
    "sites",
    "personal_sites",
    "users",
    "authentication",
    "alternate_access_mapping",
    "other_ports",
    "tls_offload",
    "search",
}
_FARM_AUTHENTICATION = ("ntlm", "kerberos", "basic", "forms")  # forms: the web application only
# search: crawled (the index holds every site collection) or not_crawled (a Search Service Application
# that never crawled the web application: every query answers no rows).
_FARM_SEARCH = ("crawled", "not_crawled")
_OTHER_PORT_ANSWERS = ("not_sharepoint", "closed")
_AAM = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?/?")
_KNOWN_FARM_USER_KEYS = {
    "sam_account_name",
    "upn",
    "display_name",
    "enabled",
    "farm_admin",
    "site_collection_admin",
    "read",
    "web_application_policy",
}
_MAX_FARM_SITES = 100_000
_FARM_GROUPS = frozenset(FARM_DEPARTMENTS + FARM_SPECIAL_GROUPS)
_SAM_FORBIDDEN = set('"/\\[]:;|=,+*?<>@')  # AD's forbidden sAMAccountName characters (and '@')
_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_NETBIOS = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,14}")
_BUILD = re.compile(r"16\.0\.\d{4,5}\.\d{1,5}")
_APP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")  # it names files in the state directory


def _bad(problem: str) -> SandboxInputError:
    return SandboxInputError(f"scenario: {problem}", code="SANDBOX_SCENARIO")


def default_scenario_text() -> str:
    return resources.files("spkit.sandbox").joinpath("scenarios/default.yaml").read_text("utf-8")


def load_scenario(path: Path | None) -> dict[str, Any]:
    """The scenario mapping from a YAML file (or the packaged default), checked for its shape.

    Every problem is a ``SandboxInputError`` raised here, before anything starts, so a detached start
    reports it itself rather than through a child process that died.
    """
    where = str(path) if path else "default"
    try:
        text = path.read_text("utf-8") if path else default_scenario_text()
        data = yaml.safe_load(text)
    except OSError as exc:
        raise SandboxInputError(
            f"cannot read scenario file {path}: {exc.strerror}", code="SANDBOX_SCENARIO"
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SandboxInputError(
            f"scenario file {path} is not valid YAML: {_yaml_problem(exc)}", code="SANDBOX_SCENARIO"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("tenants"), list) or not data["tenants"]:
        raise _bad(f"{where}: needs a non-empty 'tenants' list")
    unknown = set(data) - _KNOWN_TOP_KEYS
    if unknown:
        raise _bad(
            f"{where}: unknown top-level key(s) {sorted(map(str, unknown))}; known: {sorted(_KNOWN_TOP_KEYS)}"
        )
    names: set[str] = set()
    for tenant in data["tenants"]:
        _check_tenant(tenant)
        name = tenant["name"].lower()
        if name in names:
            raise _bad(f"tenant {name!r} is named twice")
        names.add(name)
    seen: dict[str, set[str]] = {"name": set(), "host": set(), "domain": set()}
    for farm in _list(data, "farms", where):
        _check_farm(farm)
        for kind, value in (
            ("name", farm["name"].lower()),
            ("host", _farm_host(farm)),
            ("domain", _farm_netbios(farm).upper()),
        ):
            if value in seen[kind]:
                raise _bad(
                    f"farm {farm['name']}: another farm has the {kind} {value!r} (each farm has its own)"
                )
            seen[kind].add(value)
    parse_faults(data.get("faults"), sandbox_hosts(data))
    return data


def sandbox_hosts(scenario: dict[str, Any], suffix: str = "localhost") -> dict[str, set[int]]:
    """Every host the scenario's sandbox answers for, with the ports it answers on (as on the card)."""
    hosts: dict[str, set[int]] = {f"login.{suffix}": {443}, f"graph.{suffix}": {443}}
    for tenant in scenario["tenants"]:
        name = tenant["name"].lower()
        for label in (name, f"{name}-admin", f"{name}-my"):
            hosts[f"{label}.sharepoint.{suffix}"] = {443}
    for farm in scenario.get("farms") or []:
        ports = {80 if farm.get("scheme") == "http" else 443, int(farm.get("central_admin_port", 2016))}
        ports |= {int(p["port"]) for p in farm.get("other_ports") or []}
        hosts.setdefault(_farm_host(farm), set()).update(ports)
    return hosts


def scenario_faults(scenario: dict[str, Any]) -> ScenarioFaults:
    """The scenario's ``faults:`` section (checked again; ``load_scenario`` already did)."""
    return parse_faults(scenario.get("faults"), sandbox_hosts(scenario))


def _yaml_problem(exc: Exception) -> str:
    """PyYAML's problem and where it is, on one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else str(problem)


def _check_tenant(tenant: Any) -> None:
    _check_keys(tenant, _KNOWN_TENANT_KEYS, "tenant")
    name = tenant.get("name")
    if not isinstance(name, str) or not name.isascii() or not name.isalnum():
        raise _bad("every tenant needs a 'name' of letters and digits")
    _check_int(tenant, "sites", 1, _MAX_SITES, f"tenant {name}")
    _check_int(tenant, "personal_sites", 0, _MAX_SITES, f"tenant {name}")
    _check_strings(tenant, "domains", f"tenant {name}")
    if tenant.get("cloud", "global") not in _CLOUDS:
        raise _bad(f"tenant {name}: 'cloud' is one of {', '.join(_CLOUDS)}, not {tenant.get('cloud')!r}")
    upns: set[str] = set()
    for user in _list(tenant, "users", f"tenant {name}"):
        _check_keys(user, _KNOWN_USER_KEYS, f"user of {name}")
        upn = user.get("upn")
        if not isinstance(upn, str) or upn.count("@") != 1 or upn.lower() in upns:
            raise _bad(f"tenant {name}: every user needs a distinct 'upn' like name@domain")
        upns.add(upn.lower())
        _check_strings(user, "roles", f"user {upn}")
        if user.get("conditional_access", "allow") not in ("allow", "block"):
            raise _bad(f"user {upn}: 'conditional_access' is allow or block")
    apps: set[str] = set()
    for app in _list(tenant, "apps", f"tenant {name}"):
        _check_keys(app, _KNOWN_APP_KEYS, f"app of {name}")
        app_name = app.get("name")
        if not isinstance(app_name, str) or not _APP_NAME.fullmatch(app_name) or app_name in apps:
            raise _bad(f"tenant {name}: every app needs a distinct 'name' of letters, digits, '.', '_', '-'")
        apps.add(app_name)
        if app.get("secret") not in (None, "none", "valid", "expired"):
            raise _bad(f"app {app_name}: 'secret' must be valid, expired or none")
        if app.get("certificate") not in _APP_CERTIFICATES:
            raise _bad(
                f"app {app_name}: 'certificate' is true, false, valid, key_expired, expired, not_yet_valid "
                "or small_key"
            )
        if app.get("service_principal", "present") not in ("present", "deleted", "disabled"):
            raise _bad(f"app {app_name}: 'service_principal' is present, deleted or disabled")
        if app.get("conditional_access", "allow") not in ("allow", "block"):
            raise _bad(f"app {app_name}: 'conditional_access' is allow or block")
        delay = app.get("consent_delay_s")
        if delay is not None and (
            isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 86400
        ):
            raise _bad(f"app {app_name}: 'consent_delay_s' is a number of seconds from 0 to 86,400")
        _check_strings(app, "granted", f"app {app_name}")


def _farm_host(farm: dict) -> str:
    return str(farm.get("host") or f"sharepoint.{farm['name']}.localhost").lower()


def _farm_netbios(farm: dict) -> str:
    return str(farm.get("netbios_domain") or farm["name"][:15]).upper()


def _farm_choice(farm: dict, key: str, default: str, allowed: tuple[str, ...]) -> str:
    """A farm's enumerated setting. YAML reads a bare ``off`` as false (and ``on`` as true)."""
    value = farm.get(key, default)
    if isinstance(value, bool) and key == "extended_protection":
        value = "required" if value else "off"
    if value not in allowed:
        raise _bad(f"farm {farm['name']}: '{key}' is one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _farm_version(farm: dict) -> tuple[str, str]:
    """(version label, full build) from ``version``: 2016, 2019, SE, or a build like 16.0.10417.20018."""
    value = str(farm.get("version", "2019")).strip()
    label = value.upper() if value.upper() == "SE" else value
    if label in FARM_BUILDS:
        return label, FARM_BUILDS[label]
    if _BUILD.fullmatch(value):
        return value, value
    raise _bad(
        f"farm {farm['name']}: 'version' is 2016, 2019, SE or a build like 16.0.10337.12109, not {value!r}"
    )


def _farm_groups(value: Any, key: str, who: str) -> frozenset[str]:
    """``all``, ``none`` or a list of site collection groups (departments, portal, mysite, personal)."""
    if value in (None, "none", False):
        return frozenset()
    if value in ("all", True):
        return frozenset({ALL})
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(f"farm user {who}: '{key}' is all, none or a list of site groups")
    unknown = sorted({v.lower() for v in value} - _FARM_GROUPS)
    if unknown:
        raise _bad(
            f"farm user {who}: unknown site group(s) {unknown} in '{key}'; known: {sorted(_FARM_GROUPS)}"
        )
    return frozenset(v.lower() for v in value)


def _check_farm(farm: Any) -> None:
    _check_keys(farm, _KNOWN_FARM_KEYS, "farm")
    name = farm.get("name")
    if not isinstance(name, str) or not name.isascii() or not name.isalnum():
        raise _bad("every farm needs a 'name' of letters and digits")
    if not _HOST.fullmatch(_farm_host(farm)):
        raise _bad(f"farm {name}: 'host' must be a DNS name like sharepoint.{name}.localhost")
    if not _NETBIOS.fullmatch(_farm_netbios(farm)):
        raise _bad(f"farm {name}: 'netbios_domain' is 1 to 15 letters, digits or '-'")
    dns_domain = str(farm.get("dns_domain") or f"{name}.local").lower()
    if not _HOST.fullmatch(dns_domain):
        raise _bad(f"farm {name}: 'dns_domain' must be a DNS name like {name}.local")
    _farm_version(farm)
    scheme = _farm_choice(farm, "scheme", "https", ("https", "http"))
    _farm_choice(farm, "central_admin", "open", ("open", "closed"))
    if (
        _farm_choice(farm, "extended_protection", "off", ("off", "required")) == "required"
        and scheme == "http"
    ):
        raise _bad(f"farm {name}: Extended Protection binds to the TLS channel: it needs scheme https")
    if not isinstance(farm.get("tls_offload", False), bool):
        raise _bad(f"farm {name}: 'tls_offload' is true or false")
    if farm.get("tls_offload") and scheme == "http":
        raise _bad(f"farm {name}: 'tls_offload' (a load balancer terminating TLS) needs scheme https")
    _check_int(farm, "central_admin_port", 1, 65535, f"farm {name}")
    if farm.get("central_admin_port") in (80, 443):
        raise _bad(f"farm {name}: 'central_admin_port' must differ from the web application's port")
    _farm_choice(farm, "authentication", "ntlm", _FARM_AUTHENTICATION)
    _farm_choice(farm, "search", "crawled", _FARM_SEARCH)
    aam = farm.get("alternate_access_mapping")
    if aam is not None and (not isinstance(aam, str) or not _AAM.fullmatch(aam)):
        raise _bad(
            f"farm {name}: 'alternate_access_mapping' is a URL like http://spserver or https://sp.contoso.com"
        )
    taken = {80 if scheme == "http" else 443, int(farm.get("central_admin_port", 2016))}
    for other in _list(farm, "other_ports", f"farm {name}"):
        if not isinstance(other, dict) or set(other) - {"port", "answer"}:
            raise _bad(f"farm {name}: each of 'other_ports' is a mapping of port and answer")
        _check_int(other, "port", 1, 65535, f"farm {name} other_ports")
        if other.get("port") is None or other["port"] in taken:
            raise _bad(f"farm {name}: each of 'other_ports' needs a 'port' of its own (not {sorted(taken)})")
        taken.add(other["port"])
        if other.get("answer") not in _OTHER_PORT_ANSWERS:
            raise _bad(f"farm {name}: other_ports 'answer' is one of {', '.join(_OTHER_PORT_ANSWERS)}")
    _check_int(farm, "sites", 1, _MAX_FARM_SITES, f"farm {name}")
    sites = int(farm.get("sites", 60))
    _check_int(farm, "personal_sites", 0, max(sites - 2, 0), f"farm {name} (at most sites - 2)")
    sams: set[str] = set()
    for user in _list(farm, "users", f"farm {name}"):
        _check_keys(user, _KNOWN_FARM_USER_KEYS, f"user of farm {name}")
        sam = user.get("sam_account_name")
        if (
            not isinstance(sam, str)
            or not 1 <= len(sam) <= 20
            or set(sam) & _SAM_FORBIDDEN
            or sam.strip() != sam
            or sam.lower() in sams
        ):
            raise _bad(
                f"farm {name}: every user needs a distinct 'sam_account_name' of 1 to 20 characters "
                'without " / \\ [ ] : ; | = , + * ? < > @'
            )
        sams.add(sam.lower())
        upn = user.get("upn")
        if upn is not None and (not isinstance(upn, str) or upn.count("@") != 1 or len(upn) > 1024):
            raise _bad(f"farm user {sam}: 'upn' must look like name@dns.suffix")
        for key in ("enabled", "farm_admin"):
            if not isinstance(user.get(key, False), bool):
                raise _bad(f"farm user {sam}: '{key}' is true or false")
        _farm_groups(user.get("site_collection_admin"), "site_collection_admin", sam)
        _farm_groups(user.get("read"), "read", sam)
        if user.get("web_application_policy", "none") not in ("none", "full_read", "full_control"):
            raise _bad(f"farm user {sam}: 'web_application_policy' is none, full_read or full_control")


def _list(item: dict, key: str, what: str) -> list:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f"{what}: '{key}' must be a list")
    return value


def _check_strings(item: dict, key: str, what: str) -> None:
    if not all(isinstance(v, str) for v in _list(item, key, what)):
        raise _bad(f"{what}: '{key}' must be a list of strings")


def _check_int(item: dict, key: str, low: int, high: int, what: str) -> None:
    value = item.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{what}: '{key}' must be a whole number from {low:,} to {high:,}, not {value!r}")


def _check_keys(item: Any, known: set[str], what: str) -> None:
    if not isinstance(item, dict):
        raise _bad(f"each {what} must be a mapping")
    unknown = set(item) - known
    if unknown:
        raise _bad(f"unknown key(s) {sorted(map(str, unknown))} in a {what}; known: {sorted(known)}")


def _password() -> str:
    """A password that meets Entra's complexity rules."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(random_secrets.choice(alphabet) for _ in range(14))
    return f"Sb{core}!7"


def _client_secret_value() -> str:
    """A value shaped like an Entra client secret (three characters, ``8Q~``, then 34)."""
    alphabet = string.ascii_letters + string.digits + "~_.-"
    head = "".join(random_secrets.choice(string.ascii_letters) for _ in range(3))
    return head + "8Q~" + "".join(random_secrets.choice(alphabet) for _ in range(34))


class CredentialVault:
    """Generated passwords, secrets and certificates of a state directory, made once and reused."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.path = state_dir / "credentials.json"
        self.data: dict[str, Any] = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        self.dirty = False

    def value(self, key: str, make) -> Any:
        if key not in self.data:
            self.data[key] = make()
            self.dirty = True
        return self.data[key]

    def save(self) -> None:
        if self.dirty:
            write_json(self.path, self.data)
            self.dirty = False

    def signing_key(self) -> SigningKey:
        key_path, cert_path = self.state_dir / "token-signing-key.pem", self.state_dir / "token-signing.pem"
        if key_path.exists() and cert_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            return SigningKey(key, x509.load_pem_x509_certificate(cert_path.read_bytes()))  # type: ignore[arg-type]
        made = new_signing_key()
        write_private(key_path, private_key_pem(made.private_key))
        write_private(cert_path, made.certificate.public_bytes(serialization.Encoding.PEM), mode=0o644)
        return made

    def app_certificate(
        self, tenant: str, app: str, kind: str = "valid"
    ) -> tuple[Path, Path, x509.Certificate]:
        """(pem with key, pfx without password, certificate) of an app, made on first use (and again when
        the scenario asks for another ``kind``: app_certificates.py)."""
        from .app_certificates import write_app_certificate

        folder = private_folder(self.state_dir, "tenants", tenant, "apps")
        return write_app_certificate(folder, app, f"{app} ({tenant} sandbox)", kind)


def build_state(
    scenario: dict[str, Any],
    state_dir: Path,
    *,
    sites: int | None = None,
    state: SandboxState | None = None,
    vault: CredentialVault | None = None,
) -> tuple[SandboxState, CredentialVault]:
    """The world a scenario describes, its generated credentials stored in ``state_dir`` (by ``vault``,
    when given: a fleet's makes its generated tenants' certificates faster, see fleet.py)."""
    state = state or SandboxState()
    vault = vault or CredentialVault(state_dir)
    faults = scenario_faults(scenario)
    state.faults.clock_skew_s = faults.clock_skew_s
    state.faults.throttle_rules = faults.throttle_rules()
    state.faults.server_error_rules = faults.server_error_rules()
    now = datetime.now(UTC)
    for spec in scenario["tenants"]:
        state.add_tenant(_build_tenant(spec, state, vault, now, sites))
    for spec in scenario.get("farms") or []:
        state.add_farm(_build_farm(spec, vault))
    if state.farms:
        from .farm.ntlm import write_user_file

        state.ntlm_user_file = write_user_file(state_dir, state.farms.values())
    vault.save()
    return state, vault


def _domain_sid(farm_id: str) -> str:
    """A domain SID (S-1-5-21-a-b-c) derived from the farm, stable across runs."""
    raw = uuid.UUID(farm_id).int
    parts = [(raw >> shift) & 0xFFFFFFFF for shift in (0, 32, 64)]
    return "S-1-5-21-" + "-".join(str(p) for p in parts)


def _build_farm(spec: dict[str, Any], vault: CredentialVault) -> Farm:
    name = spec["name"].lower()
    farm_id = stable_guid("farm", name)
    netbios = _farm_netbios(spec)
    dns_domain = str(spec.get("dns_domain") or f"{name}.local").lower()
    version, build = _farm_version(spec)
    domain_sid = _domain_sid(farm_id)
    users: dict[str, FarmUser] = {}
    for rid, u in enumerate(spec.get("users") or [], start=1105):
        sam = u["sam_account_name"]
        users[sam.lower()] = FarmUser(
            sam_account_name=sam,
            upn=str(u.get("upn") or f"{sam}@{dns_domain}").lower(),
            display_name=u.get("display_name") or sam,
            password=vault.value(f"farms/{name}/users/{sam.lower()}/password", _password),
            sid=f"{domain_sid}-{rid}",
            enabled=bool(u.get("enabled", True)),
            farm_admin=bool(u.get("farm_admin", False)),
            admin_of=_farm_groups(u.get("site_collection_admin"), "site_collection_admin", sam),
            reads=_farm_groups(u.get("read"), "read", sam),
            web_application_policy=u.get("web_application_policy", "none"),
        )
    total = int(spec.get("sites", 60))
    return Farm(
        name=name,
        farm_id=farm_id,
        host=_farm_host(spec),
        scheme=_farm_choice(spec, "scheme", "https", ("https", "http")),
        netbios_domain=netbios,
        dns_domain=dns_domain,
        version=version,
        build=build,
        central_admin_port=int(spec.get("central_admin_port", 2016)),
        central_admin=_farm_choice(spec, "central_admin", "open", ("open", "closed")),
        extended_protection=_farm_choice(spec, "extended_protection", "off", ("off", "required")),
        users=users,
        sites=FarmSiteCatalog(name, farm_id, total, int(spec.get("personal_sites", 5)), version),
        authentication=_farm_choice(spec, "authentication", "ntlm", _FARM_AUTHENTICATION),
        alternate_access_mapping=spec.get("alternate_access_mapping"),
        other_ports=[(int(p["port"]), p["answer"]) for p in spec.get("other_ports") or []],
        tls_offload=bool(spec.get("tls_offload", False)),
        search_crawled=_farm_choice(spec, "search", "crawled", _FARM_SEARCH) == "crawled",
    )


def _build_tenant(
    spec: dict[str, Any], state: SandboxState, vault: CredentialVault, now: datetime, sites: int | None
) -> Tenant:
    name = spec["name"].lower()
    tenant_id = stable_guid("tenant", name)
    domains = [d.lower() for d in spec.get("domains") or [f"{name}.onmicrosoft.com"]]
    if not any(d.endswith(".onmicrosoft.com") for d in domains):
        domains.insert(0, f"{name}.onmicrosoft.com")
    total = int(sites if sites is not None else spec.get("sites", 250))
    personal = int(spec.get("personal_sites", 40))
    users: dict[str, User] = {}
    for u in spec.get("users", []):
        upn = u["upn"].lower()
        users[upn] = User(
            upn=upn,
            password=vault.value(f"{name}/users/{upn}/password", _password),
            display_name=u.get("display_name") or upn.split("@")[0],
            object_id=stable_guid(tenant_id, "user", upn),
            roles=list(u.get("roles") or []),
            mfa=bool(u.get("mfa", False)),
            app_password=(
                vault.value(
                    f"{name}/users/{upn}/app_password",
                    lambda: "".join(random_secrets.choice(string.ascii_lowercase) for _ in range(16)),
                )
                if u.get("app_password")
                else None
            ),
            enabled=bool(u.get("enabled", True)),
            blocked_by_conditional_access=u.get("conditional_access") == "block",
        )
    apps: dict[str, App] = {}
    for a in spec.get("apps", []):
        app = App(
            name=a["name"],
            client_id=stable_guid(tenant_id, "app", a["name"]),
            object_id=stable_guid(tenant_id, "app-object", a["name"]),
            service_principal_id=stable_guid(tenant_id, "service-principal", a["name"]),
            granted=list(a.get("granted") or []),
            notes="spkit sandbox scenario app",
        )
        secret_kind = a.get("secret")
        if secret_kind in ("valid", "expired"):
            value = vault.value(f"{name}/apps/{app.name}/secret", _client_secret_value)
            start = now - timedelta(days=400 if secret_kind == "expired" else 1)
            end = now - timedelta(days=35) if secret_kind == "expired" else now + timedelta(days=365)
            app.secrets.append(
                ClientSecret(stable_guid(app.client_id, "secret"), value, "sandbox secret", start, end)
            )
        elif secret_kind not in (None, "none"):
            raise _bad(f"app {app.name}: 'secret' must be valid, expired or none")
        certificate = a.get("certificate")
        if certificate:
            kind = (
                certificate if certificate in APP_CERTIFICATE_KINDS else "valid"
            )  # key_expired: a valid file
            _, _, cert = vault.app_certificate(name, app.name, kind)
            key = KeyCredential(stable_guid(app.client_id, "key"), cert, "sandbox certificate")
            if certificate == "key_expired":
                # The registration's end date is past while the file is still valid, as when a key was
                # registered with a shorter endDateTime than the certificate's (Graph allows it).
                key.start, key.end = now - timedelta(days=400), now - timedelta(days=1)
            if kind != "small_key":  # [unsure] Entra refuses to register keys under 2048 bits: file only
                app.key_credentials.append(key)
        app.blocked_by_conditional_access = a.get("conditional_access") == "block"
        if a.get("service_principal") == "deleted":
            # Deleting a service principal deletes its app role assignments with it.
            app.service_principal_id, app.granted = None, []
        elif a.get("service_principal") == "disabled":
            app.sign_in_enabled = False  # "Enabled for users to sign-in: No": its consents stay
        if a.get("service_principal") != "deleted" and a.get("consent_delay_s"):
            ready = now + timedelta(seconds=float(a["consent_delay_s"]))
            app.granted_at = {permission: ready for permission in app.granted}
            app.consented_at = {permission: now for permission in app.granted}
        apps[app.client_id] = app
    return Tenant(
        name=name,
        tenant_id=tenant_id,
        domains=domains,
        display_name=spec.get("display_name") or name.capitalize(),
        users=users,
        apps=apps,
        sites=SiteCatalog(name, tenant_id, state.sharepoint_suffix, total, personal),
        cloud=spec.get("cloud", "global"),
    )
