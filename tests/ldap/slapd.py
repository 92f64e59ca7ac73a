"""A real OpenLDAP ``slapd`` for the AD browse tests: built, started and stopped from Python.

The launcher is the sandbox's (``spkit/sandbox/directory/slapd.py``: finding OpenLDAP, ``slapd.conf``,
``slapadd``, free ports, the guardian), with the same AD-like schema; this module adds what the tests
need: the CA and server certificate (the sandbox's CA code), the seed (``fabrikam.ldif`` plus 1,200
generated users, loaded offline with ``slapadd``), domain-controller-like limits (a referral for other
bases, AD's page size), and LDAP (StartTLS-capable) next to LDAPS on two free loopback ports. Test
sessions share one server across pytest-xdist workers: ``acquire``/``release`` count users under the
caller's file lock, and the last one stops it. A guardian process stops it too if pytest dies without
tearing down. Nothing here is silent: a missing slapd is an error that says how to install it.

By hand:  python -m tests.ldap.slapd start /tmp/slapd-state   (prints URLs, bind DN and timings)
          python -m tests.ldap.slapd stop /tmp/slapd-state
slapd and slapadd are looked up on PATH, then in the usual sbin/libexec folders; SPKIT_SLAPD_DIR
names their folder instead.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from spkit.sandbox.ca import ensure_ca, issue_server_certificate
from spkit.sandbox.directory import ldif
from spkit.sandbox.directory import slapd as openldap
from spkit.sandbox.directory.slapd import SlapdUnavailable

HERE = Path(__file__).resolve().parent
SEED_FILE = HERE / "fabrikam.ldif"
BASE = "DC=fabrikam,DC=local"
DOMAIN = "fabrikam.local"
BIND_DN = "CN=SharePoint Admin,CN=Users,DC=fabrikam,DC=local"
ADMINS_GROUP_DN = "CN=SharePoint Farm Admins,OU=Groups,DC=fabrikam,DC=local"
NAMED_UPNS = (
    "spfarm@fabrikam.local",
    "spadmin@fabrikam.local",
    "reader@fabrikam.local",
    "disabled@fabrikam.local",
)
GENERATED_USERS = 1200
SERVER_SIZE_LIMIT = 1000  # like AD's MaxPageSize: an unpaged search stops there
REFERRAL_URL = "ldap://dc01.contoso.local/"
CONTINUATION_REF = "ldap://DomainDnsZones.fabrikam.local/DC=DomainDnsZones,DC=fabrikam,DC=local"

INSTALL_HINT = (
    "OpenLDAP's slapd is needed by the AD browse tests and is not installed. Install it with: "
    "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils "
    "(make test does this: make system-deps)."
)

# fmt: off
FIRST_NAMES = [
    "Ada", "Alan", "Anita", "Boris", "Carla", "Chen", "Dana", "Diego", "Elif", "Emma", "Farah", "Felix",
    "Grace", "Hugo", "Ines", "Ivan", "Jana", "Jonas", "Kemal", "Lara", "Liam", "Maya", "Mateo", "Nadia",
    "Noah", "Olga", "Omar", "Paula", "Priya", "Quinn",
]
# fmt: on
# fmt: off
LAST_NAMES = [
    "Abbott", "Berg", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jansen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "Novak", "Okafor", "Petrov", "Quist", "Rossi", "Sato",
    "Schmidt", "Silva", "Tanaka", "Ueda", "Vargas", "Weber", "Xu", "Yilmaz", "Zhang", "Zimmer", "Becker",
    "Costa", "Duarte", "Engel", "Ferreira", "Gruber", "Hansen", "Iqbal", "Jovanovic", "Keller",
]
# fmt: on
# A few names that need care: UTF-8 in attribute values, and a comma that must be escaped in the DN.
SPECIAL_NAMES = (("Jürgen", "Müller, Jr."), ("Zoë", "O'Brien"), ("José", "Peña"))


# The slapd processes this process started: stopping one of them also reaps it (no zombie). One that
# another xdist worker stops is reaped by init once its starter has exited.
_STARTED: dict[int, subprocess.Popen] = {}


@dataclass
class SlapdInstance:
    state: str
    host: str
    ldap_port: int
    ldaps_port: int
    pid: int
    ca_pem: str
    base: str
    bind_dn: str
    password: str  # spadmin's, made for this session only
    build_seconds: float
    start_seconds: float
    users: int  # what the browse filter must list

    @property
    def ldap_url(self) -> str:
        return f"ldap://{self.host}:{self.ldap_port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.host}:{self.ldaps_port}"


# --- building: certificates, configuration, data -------------------------------------------------


def generated_users(count: int = GENERATED_USERS) -> list[dict[str, str]]:
    """``count`` staff accounts with unique UPNs and sAMAccountNames (deterministic)."""
    people: list[tuple[str, str]] = list(SPECIAL_NAMES)
    for i in range(count):
        if len(people) >= count:
            break
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        people.append((first, last))
    users = []
    for n, (first, last) in enumerate(people[:count], start=1):
        login = "".join(ch for ch in f"{first[0]}{last}".lower() if ch.isascii() and ch.isalnum())
        sam = f"{login[:15]}{n:04d}"  # unique, at most 20 characters
        users.append(
            {
                "cn": f"{first} {last}",
                "first": first,
                "last": last,
                "upn": f"{login}.{n:04d}@{DOMAIN}",
                "sam": sam,
            }
        )
    return users


def _generated_ldif(users: list[dict[str, str]]) -> str:
    blocks = [
        ldif.entry(
            f"CN={ldif.rdn_value(user['cn'])},OU=Staff,{BASE}",
            [
                ("objectClass", "user"),
                ("cn", user["cn"]),
                ("sn", user["last"]),
                ("givenName", user["first"]),
                ("displayName", user["cn"]),
                ("userPrincipalName", user["upn"]),
                ("sAMAccountName", user["sam"]),
                ("objectCategory", "person"),
                ("userAccountControl", 512),
            ],
        )
        for user in users
    ]
    return ldif.document(blocks)


# Like a domain controller: a base outside this domain is referred elsewhere (result 10); a subtree
# search with the empty base (the global catalog's "forest root") covers the domain; an unpaged
# search stops at SERVER_SIZE_LIMIT entries (AD's MaxPageSize), a paged one does not.
DC_LIMITS = f"""referral {REFERRAL_URL}
defaultsearchbase "{BASE}"
sizelimit size.soft={SERVER_SIZE_LIMIT} size.hard={SERVER_SIZE_LIMIT} size.prtotal=unlimited"""


def _config(state: Path, seed: str) -> openldap.Config:
    ca = ensure_ca(state)
    cert, key = issue_server_certificate(ca, ["dc01.fabrikam.local"], state)
    return openldap.Config(
        databases=[openldap.Database(BASE, seed, readers=(), maxsize=256 * 1024 * 1024)],
        cert=cert,
        key=key,
        ca=ca.pem_path,
        global_lines=DC_LIMITS,
    )


def build(state: Path) -> dict:
    """Write certificates, configuration and data into ``state`` (a fresh directory per session)."""
    started = time.perf_counter()
    openldap.find_program("slapadd")
    openldap.find_program("slapd")
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    passwords = {name: secrets.token_urlsafe(18) for name in ("spfarm", "spadmin", "reader")}
    seed = SEED_FILE.read_text()
    for name, password in passwords.items():
        seed = seed.replace(f"@PASSWORD:{name}@", ldif.ssha(password))
    users = generated_users()
    openldap.build(state, _config(state, seed.rstrip("\n") + "\n\n" + _generated_ldif(users)))
    info = {
        "passwords": passwords,
        "users": len(NAMED_UPNS) + len(users),
        "build_seconds": round(time.perf_counter() - started, 3),
    }
    secret_file = state / "build.json"
    secret_file.write_text(json.dumps(info))
    secret_file.chmod(0o600)
    return info


# --- running ---------------------------------------------------------------------------------------


def start(state: Path, watch_pid: int | None = None, attempts: int = 3) -> SlapdInstance:
    """Start slapd on free loopback ports (LDAP and LDAPS) and wait until both listeners answer."""
    if not (state / "build.json").exists():
        build(state)
    info = json.loads((state / "build.json").read_text())
    started = openldap.start(state, ldap=True, ldaps=True, attempts=attempts)
    assert started.ldap_port is not None and started.ldaps_port is not None
    instance = SlapdInstance(
        state=str(state),
        host="127.0.0.1",
        ldap_port=started.ldap_port,
        ldaps_port=started.ldaps_port,
        pid=started.pid,
        ca_pem=str(state / "ca.pem"),
        base=BASE,
        bind_dn=BIND_DN,
        password=info["passwords"]["spadmin"],
        build_seconds=info["build_seconds"],
        start_seconds=started.seconds,
        users=info["users"],
    )
    _STARTED[started.pid] = started.process
    path = state / "instance.json"
    path.write_text(json.dumps(asdict(instance)))
    path.chmod(0o600)
    if watch_pid:
        openldap.spawn_guardian(watch_pid, started.pid, state / "slapd.conf")
    return instance


def stop(state: Path) -> None:
    """Stop the slapd recorded in ``state`` (SIGTERM, then SIGKILL), and forget it."""
    path = state / "instance.json"
    if not path.exists():
        return
    pid = json.loads(path.read_text())["pid"]
    path.unlink()
    openldap.terminate(pid, _STARTED.pop(pid, None), state / "slapd.conf")


def running(state: Path) -> SlapdInstance | None:
    path = state / "instance.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if not (openldap.alive(data["pid"]) and openldap.is_slapd(data["pid"], state / "slapd.conf")):
        return None
    return SlapdInstance(**data)


# --- sharing one server across pytest-xdist workers (the caller holds a file lock) ----------------


def acquire(state: Path, watch_pid: int | None = None) -> SlapdInstance:
    """Count one more user of the shared server, starting it when nobody runs it."""
    count_file = state / "users.count"
    instance = running(state)
    count = int(count_file.read_text()) if instance and count_file.exists() else 0
    if instance is None:
        instance = start(state, watch_pid=watch_pid)
    count_file.write_text(str(count + 1))
    return instance


def release(state: Path) -> None:
    """Count one user less; the last one stops the server."""
    count_file = state / "users.count"
    count = int(count_file.read_text()) - 1 if count_file.exists() else 0
    if count <= 0:
        count_file.unlink(missing_ok=True)
        stop(state)
    else:
        count_file.write_text(str(count))


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] in ("start", "stop"):
        state = Path(argv[1]).absolute()
        if argv[0] == "stop":
            stop(state)
            return 0
        instance = start(state)
        print(
            json.dumps(
                {**asdict(instance), "ldap_url": instance.ldap_url, "ldaps_url": instance.ldaps_url}, indent=2
            )
        )
        return 0
    print(__doc__, file=sys.stderr)
    return 2


__all__ = ["SlapdInstance", "SlapdUnavailable", "acquire", "build", "release", "running", "start", "stop"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
