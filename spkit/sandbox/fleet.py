"""A fleet of Online tenants for ``spkit sandbox start --tenants N``: hundreds of real connections offline.

``--tenants N`` means N tenants in all: the scenario's own (contoso, for the built-in one) first and
unchanged, then generated ones, ``tenant002`` .. ``tenantNNN`` (numbered by their place in the list),
each with the domain ``<name>.onmicrosoft.com``, SharePoint at ``https://<name>.sharepoint.localhost``,
three users, the same kinds of apps as contoso and 25 to 200 site collections (the lazy catalog: a site
costs nothing until it is asked for). Their credentials are made once per state directory, like every
other, and published on the card.

Speed: an RSA key takes ~70 ms to make and ~60 ms to load (its consistency check), so hundreds of
certificate apps would take most of a minute. The generated tenants' app certificates therefore share one
RSA key per state directory (``fleet-app-key.pem``); each app still has its own certificate, thumbprint and
files, which is all Entra (and the sandbox) looks at. On a restart only the certificates are read back.
Those files are written atomically but not fsync'd one by one (that alone took 5 s for 200 tenants): one
lost in a crash is unreadable or missing at the next start, and then made again, as a missing one is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import SandboxInputError
from ..fileio import atomic_write, private_folder
from .app_certificates import write_app_certificate
from .certificate_builder import private_key_pem
from .scenario import CredentialVault
from .state import SandboxState

MAX_TENANTS = 5000
FLEET_KEY_NAME = "fleet-app-key.pem"
_FULL = [
    "Graph/Sites.FullControl.All",
    "Graph/User.Read.All",
    "Graph/Group.Read.All",
    "SharePoint/Sites.FullControl.All",
]


def tenant_name(index: int) -> str:
    """The generated tenant at place ``index`` (1-based) of the tenant list: ``tenant002``."""
    return f"tenant{index:03d}"


def tenant_spec(index: int) -> dict[str, Any]:
    """A generated tenant in scenario form: the users and kinds of apps contoso has, a modest site count."""
    name = tenant_name(index)
    domain = f"{name}.onmicrosoft.com"
    sites = 25 + (index * 37) % 176  # 25..200, varying from tenant to tenant (deterministic)
    return {
        "name": name,
        "display_name": f"Tenant {index:03d}",
        "domains": [domain],
        "sites": sites,
        "personal_sites": sites // 5,
        "users": [
            {
                "upn": f"admin@{domain}",
                "display_name": f"Admin {index:03d}",
                "roles": ["Global Administrator"],
            },
            {
                "upn": f"sp.admin@{domain}",
                "display_name": f"SharePoint Admin {index:03d}",
                "roles": ["SharePoint Administrator"],
            },
            {"upn": f"user@{domain}", "display_name": f"User {index:03d}", "roles": []},
        ],
        "apps": [
            {"name": "spkit-secret", "secret": "valid", "granted": list(_FULL)},
            {"name": "spkit-certificate", "certificate": True, "granted": list(_FULL)},
            {"name": "spkit-expired-secret", "secret": "expired", "granted": list(_FULL)},
            {"name": "spkit-unconsented", "secret": "valid", "certificate": True, "granted": []},
        ],
    }


def with_tenants(scenario: dict[str, Any], total: int | None) -> tuple[dict[str, Any], frozenset[str]]:
    """The scenario with generated tenants appended up to ``total`` in all, and the generated names."""
    if total is None:
        return scenario, frozenset()
    own = [str(t["name"]).lower() for t in scenario["tenants"]]
    if not 1 <= total <= MAX_TENANTS:
        raise SandboxInputError(f"--tenants must be between 1 and {MAX_TENANTS:,}, not {total}")
    if total < len(own):
        raise SandboxInputError(
            f"--tenants {total} is fewer than the scenario's {len(own)} tenants (it counts them too)",
            fix=f"give --tenants {len(own)} or more",
        )
    specs = [tenant_spec(i) for i in range(len(own) + 1, total + 1)]
    clash = sorted({s["name"] for s in specs} & set(own))
    if clash:
        raise SandboxInputError(
            f"--tenants: the scenario already has a tenant named {clash[0]}, a name generated tenants take",
            fix="rename that tenant in the scenario",
        )
    return {**scenario, "tenants": [*scenario["tenants"], *specs]}, frozenset(s["name"] for s in specs)


def server_names(state: SandboxState, generated: frozenset[str]) -> list[str]:
    """The server certificate's names for the Online hosts: the scenario tenants' one by one (as without
    a fleet), the generated tenants' as one ``*.sharepoint.localhost``, as SharePoint Online's own
    certificate is a wildcard. Hundreds of names would make every handshake carry ~35 bytes a name (past
    OpenSSL's 100 KB certificate limit near a thousand tenants) and every TLS check's evidence list them."""
    suffix = state.sharepoint_suffix
    mine = {f"{name}{tail}.{suffix}" for name in generated for tail in ("", "-admin", "-my")}
    names = [h for h in state.hostnames() if h not in mine]
    return [*names, f"*.{suffix}"] if generated else names


class FleetVault(CredentialVault):
    """The state directory's credentials, making the generated tenants' app certificates the fast way."""

    def __init__(self, state_dir: Path, generated: frozenset[str]) -> None:
        super().__init__(state_dir)
        self.generated = generated
        self._key: rsa.RSAPrivateKey | None = None

    def app_certificate(self, tenant: str, app: str, kind: str = "valid"):
        if tenant not in self.generated or kind != "valid":
            return super().app_certificate(tenant, app, kind)
        folder = private_folder(self.state_dir, "tenants", tenant, "apps")
        common_name = f"{app} ({tenant} sandbox)"
        return write_app_certificate(folder, app, common_name, key=self._fleet_key(), durable=False)

    def _fleet_key(self) -> rsa.RSAPrivateKey:
        if self._key is None:
            path = self.state_dir / FLEET_KEY_NAME
            if path.exists():
                loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
                assert isinstance(loaded, rsa.RSAPrivateKey)
                self._key = loaded
            else:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                atomic_write(path, private_key_pem(self._key))
        return self._key
