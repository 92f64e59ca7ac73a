"""A real OpenLDAP ``slapd`` for the AD browse tests: built, started and stopped from Python.

``build(state)`` writes a CA and a server certificate (``cryptography``), ``slapd.conf`` (mdb backend;
core, cosine, inetorgperson and ``ad-lite.schema``), and the seed (``fabrikam.ldif`` plus 1,200
generated users) loaded offline with ``slapadd``. ``start(state)`` runs ``slapd -d 0`` (foreground,
a normal child process) on two free loopback ports, LDAP (StartTLS-capable) and LDAPS. Test sessions
share one server across pytest-xdist workers: ``acquire``/``release`` count users under the caller's
file lock, and the last one stops it. A guardian process stops it too if pytest dies without
tearing down. Nothing here is silent: a missing slapd is an error that says how to install it.

By hand:  python -m tests.ldap.slapd start /tmp/slapd-state   (prints URLs, bind DN and timings)
          python -m tests.ldap.slapd stop /tmp/slapd-state
slapd and slapadd are looked up on PATH, then in the usual sbin/libexec folders; SPKIT_TEST_SLAPD_DIR
names their folder instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA_FILE = HERE / "ad-lite.schema"
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
    "(CI does this in .ci/run)."
)
_SBIN = (
    "/usr/sbin",
    "/usr/local/sbin",
    "/usr/libexec",
    "/usr/local/libexec",
    "/opt/homebrew/opt/openldap/libexec",
)
_MODULE_DIRS = (
    "/usr/lib/ldap",
    "/usr/lib64/openldap",
    "/usr/lib/openldap",
    "/usr/libexec/openldap",
    "/usr/local/libexec/openldap",
)
_SCHEMA_DIRS = (
    "/etc/ldap/schema",
    "/etc/openldap/schema",
    "/usr/local/etc/openldap/schema",
    "/opt/homebrew/etc/openldap/schema",
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


class SlapdUnavailable(RuntimeError):
    """slapd is not installed, or failed to start (the message carries its log)."""


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


# --- finding OpenLDAP ------------------------------------------------------------------------------


def _find(program: str) -> Path:
    override = os.environ.get("SPKIT_TEST_SLAPD_DIR")  # where slapd and slapadd are, if not the usual
    if override:
        candidate = Path(override) / program
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
        raise SlapdUnavailable(f"{program} not found in SPKIT_TEST_SLAPD_DIR={override}. {INSTALL_HINT}")
    found = shutil.which(program)
    if found:
        return Path(found)
    for folder in _SBIN:
        candidate = Path(folder) / program
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise SlapdUnavailable(f"{program} not found. {INSTALL_HINT}")


def _first_dir(candidates: tuple[str, ...], marker: str) -> Path | None:
    for folder in candidates:
        if (Path(folder) / marker).exists():
            return Path(folder)
    return None


# --- building: certificates, configuration, data -------------------------------------------------


def _write_certificates(state: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fabrikam-DC01-CA (spkit tests)")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dc01.fabrikam.local")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("dc01.fabrikam.local"),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (state / "ca.pem").write_bytes(ca.public_bytes(pem))
    (state / "server.pem").write_bytes(server.public_bytes(pem))
    key_file = state / "server.key"
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_file.chmod(0o600)


def _ssha(password: str) -> str:
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _ldif_line(attr: str, value: str) -> str:
    """One ``attr: value`` line, base64 (``attr:: ...``) when LDIF requires it (RFC 2849)."""
    safe = (
        value.isascii() and value == value.strip() and not value.startswith((":", "<")) and "\n" not in value
    )
    if safe:
        return f"{attr}: {value}"
    return f"{attr}:: {base64.b64encode(value.encode()).decode()}"


def _dn_value(value: str) -> str:
    """Escape an RDN value (RFC 4514): the comma in 'Müller, Jr.' and the like."""
    out = "".join("\\" + ch if ch in ',+"\\<>;=' else ch for ch in value)
    if out.startswith(("#", " ")):
        out = "\\" + out
    return out


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
    blocks = []
    for user in users:
        lines = [
            _ldif_line("dn", f"CN={_dn_value(user['cn'])},OU=Staff,{BASE}"),
            "objectClass: user",
            _ldif_line("cn", user["cn"]),
            _ldif_line("sn", user["last"]),
            _ldif_line("givenName", user["first"]),
            _ldif_line("displayName", user["cn"]),
            _ldif_line("userPrincipalName", user["upn"]),
            _ldif_line("sAMAccountName", user["sam"]),
            "objectCategory: person",
            "userAccountControl: 512",
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _slapd_conf(state: Path) -> str:
    schema_dir = _first_dir(_SCHEMA_DIRS, "core.schema")
    if schema_dir is None:
        raise SlapdUnavailable(f"OpenLDAP's schema files (core.schema) were not found. {INSTALL_HINT}")
    module_dir = _first_dir(_MODULE_DIRS, "back_mdb.la") or _first_dir(_MODULE_DIRS, "back_mdb.so")
    modules = f"modulepath {module_dir}\nmoduleload back_mdb\n" if module_dir else ""
    return f"""# Generated by tests/ldap/slapd.py for one test session. Not a production configuration.
include {schema_dir}/core.schema
include {schema_dir}/cosine.schema
include {schema_dir}/inetorgperson.schema
include {SCHEMA_FILE}
{modules}pidfile {state}/slapd.pid
argsfile {state}/slapd.args

TLSCACertificateFile {state}/ca.pem
TLSCertificateFile {state}/server.pem
TLSCertificateKeyFile {state}/server.key

# Like a domain controller: a base outside this domain is referred elsewhere (result 10); a subtree
# search with the empty base (the global catalog's "forest root") covers the domain; an unpaged
# search stops at {SERVER_SIZE_LIMIT} entries (AD's MaxPageSize), a paged one does not.
referral {REFERRAL_URL}
defaultsearchbase "{BASE}"
sizelimit size.soft={SERVER_SIZE_LIMIT} size.hard={SERVER_SIZE_LIMIT} size.prtotal=unlimited

# Like AD: the root DSE is public, the tree is readable by any authenticated account, not anonymously.
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read
access to attrs=userPassword by self read by anonymous auth by * none
access to * by users read by * none

database mdb
maxsize 268435456
suffix "{BASE}"
directory {state}/db
index objectClass,objectCategory eq
index userPrincipalName,sAMAccountName,cn eq,pres
index memberOf eq
"""


def build(state: Path) -> dict:
    """Write certificates, configuration and data into ``state`` (a fresh directory per session)."""
    started = time.perf_counter()
    slapadd = _find("slapadd")
    _find("slapd")
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    (state / "db").mkdir(exist_ok=True)
    _write_certificates(state)
    (state / "slapd.conf").write_text(_slapd_conf(state))
    passwords = {name: secrets.token_urlsafe(18) for name in ("spfarm", "spadmin", "reader")}
    seed = SEED_FILE.read_text()
    for name, password in passwords.items():
        seed = seed.replace(f"@PASSWORD:{name}@", _ssha(password))
    users = generated_users()
    ldif = state / "seed.ldif"
    ldif.write_text(seed.rstrip("\n") + "\n\n" + _generated_ldif(users))
    done = subprocess.run(
        [str(slapadd), "-q", "-f", str(state / "slapd.conf"), "-l", str(ldif)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise SlapdUnavailable(f"slapadd failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_slapd(pid: int) -> bool:
    try:
        return b"slapd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _alive(pid)  # no /proc (macOS): trust the pid we recorded


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start(state: Path, watch_pid: int | None = None, attempts: int = 3) -> SlapdInstance:
    """Start slapd on free loopback ports and wait until both listeners answer."""
    if not (state / "build.json").exists():
        build(state)
    info = json.loads((state / "build.json").read_text())
    slapd = _find("slapd")
    log_path = state / "slapd.log"
    last_log = ""
    for _attempt in range(attempts):
        ldap_port, ldaps_port = _free_port(), _free_port()
        urls = f"ldap://127.0.0.1:{ldap_port}/ ldaps://127.0.0.1:{ldaps_port}/"
        t0 = time.perf_counter()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [str(slapd), "-d", "0", "-h", urls, "-f", str(state / "slapd.conf")],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _listening(ldap_port) and _listening(ldaps_port):
                instance = SlapdInstance(
                    state=str(state),
                    host="127.0.0.1",
                    ldap_port=ldap_port,
                    ldaps_port=ldaps_port,
                    pid=proc.pid,
                    ca_pem=str(state / "ca.pem"),
                    base=BASE,
                    bind_dn=BIND_DN,
                    password=info["passwords"]["spadmin"],
                    build_seconds=info["build_seconds"],
                    start_seconds=round(time.perf_counter() - t0, 3),
                    users=info["users"],
                )
                _STARTED[proc.pid] = proc
                path = state / "instance.json"
                path.write_text(json.dumps(asdict(instance)))
                path.chmod(0o600)
                if watch_pid:
                    _spawn_guardian(watch_pid, proc.pid)
                return instance
            time.sleep(0.02)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        last_log = log_path.read_text(errors="replace")[-3000:]
        if "Address already in use" not in last_log:
            break  # not a port race: trying again will not help
    raise SlapdUnavailable(
        f"slapd did not start ({' '.join([str(slapd), '-f', str(state / 'slapd.conf')])}):\n{last_log}"
    )


def stop(state: Path) -> None:
    """Stop the slapd recorded in ``state`` (SIGTERM, then SIGKILL), and forget it."""
    path = state / "instance.json"
    if not path.exists():
        return
    pid = json.loads(path.read_text())["pid"]
    path.unlink()
    _terminate(pid)


def _terminate(pid: int, grace: float = 10.0) -> None:
    child = _STARTED.pop(pid, None)
    if _alive(pid) and _is_slapd(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    if child is not None:
        child.wait(timeout=grace)


def running(state: Path) -> SlapdInstance | None:
    path = state / "instance.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if not (_alive(data["pid"]) and _is_slapd(data["pid"])):
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


def _spawn_guardian(watch_pid: int, slapd_pid: int) -> None:
    """A detached watcher: when pytest (``watch_pid``) is gone and slapd is not, stop slapd."""
    subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "guard", str(watch_pid), str(slapd_pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _guard(watch_pid: int, slapd_pid: int) -> None:
    while _alive(slapd_pid):
        if not _alive(watch_pid):
            _terminate(slapd_pid)
            return
        time.sleep(0.5)


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "guard":
        _guard(int(argv[1]), int(argv[2]))
        return 0
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
