"""docs/troubleshooting.md, generated from the catalog: ``python -m spkit.diagnosis.docs --out FILE``
(``make docs``), or to stdout without ``--out``. Grouped by ladder and rung, then by area."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from .catalog import CATALOG
from .entry import AREAS, ONLINE_RUNGS, ONPREM_RUNGS, CatalogEntry

NETWORK_RUNGS = ("dns", "tcp", "tls")
RUNG_TITLES = {
    "address": "address: the SharePoint address",
    "dns": "dns: name resolution",
    "tcp": "tcp: the TCP connection (and the proxy)",
    "tls": "tls: the TLS handshake and the server's certificate",
    "discovery": "discovery: the tenant's OpenID metadata",
    "token": "token: the app-only token",
    "claims": "claims: the token's roles",
    "graph": "graph: Microsoft Graph accepts the token",
    "tenant_name": "tenant_name: the SharePoint name confirmed",
    "account": "account: the application account",
    "sites": "sites: site collections through Graph",
    "sharepoint": "sharepoint: SharePoint REST on a site",
    "admin_center": "admin_center: the SharePoint admin center",
    "http": "http: SharePoint answers",
    "ntlm": "ntlm: the Windows sign-in",
    "web": "web: the web and its alternate access mapping",
    "search": "search: site collections through search",
    "central_admin": "central_admin: Central Administration",
    "requirements": "requirements: the admin account's requirements",
}
_COMMAND = re.compile(r"'((?:spkit|make|pip|az|kinit|nslookup|getent|curl|date|timedatectl|w32tm) [^']*)'")
_SPECIAL = re.compile(r"([\\*<|\[\]`])")  # ">" is harmless mid-line

HEADER = """\
<!-- Generated from spkit/diagnosis by `make docs` (python -m spkit.diagnosis.docs). Do not edit. -->
# Troubleshooting

Every diagnosis code spkit can print, what it means, the evidence it shows, the fix in steps, and what
to tell the customer's administrator. `spkit verify` and `spkit diagnose` run one ladder of checks from the
network up; the first rung that fails names its code:

```
spkit diagnose PARAMS.yaml|--connection NAME [--json]
```

A rung that fails stops the rungs that need it (they are skipped, with the reason) and not the others.
Codes outside the ladder come from bad input (exit 2), the local stores, the admin sign-in, the
registration, the Active Directory browse, the sandbox and the faces. The [index](#index) at the end
lists every code.
"""


def _text(value: str) -> str:
    """Markdown for catalog text: commands in code spans, the rest escaped."""
    out, last = [], 0
    for found in _COMMAND.finditer(value):
        out.append(_SPECIAL.sub(r"\\\1", value[last : found.start()]))
        out.append(f"`{found.group(1)}`")
        last = found.end()
    out.append(_SPECIAL.sub(r"\\\1", value[last:]))
    return "".join(out)


def _entry(item: CatalogEntry) -> list[str]:
    lines = [
        f'<a id="{item.code}"></a>',
        f"#### `{item.code}` — {_text(item.title)}",
        "",
        f"**What it means.** {_text(item.meaning)}",
        "",
        f"**Evidence.** {_text(item.evidence)}",
        "",
        "**Fix.**",
        "",
    ]
    lines += [f"{n}. {_text(step)}" for n, step in enumerate(item.fix_steps, 1)]
    lines += ["", f"**What to tell the customer.** {_text(item.tell_customer)}", ""]
    if item.also:
        lines += [f"*Also reported by:* {', '.join(item.also)}.", ""]
    return lines


def _section(title: str, items: Iterable[CatalogEntry], level: str = "###") -> list[str]:
    chosen = sorted(items, key=lambda e: e.code)
    if not chosen:
        return []
    lines = [f"{level} {title}", ""]
    for item in chosen:
        lines += _entry(item)
    return lines


def render() -> str:
    """The whole troubleshooting page."""
    entries = list(CATALOG.values())
    lines = [HEADER]
    lines += ["## Network (both ladders)", ""]
    for rung in NETWORK_RUNGS:
        lines += _section(RUNG_TITLES[rung], (e for e in entries if e.rung == rung))
    lines += ["## The Online ladder", ""]
    for rung in ONLINE_RUNGS:
        if rung not in NETWORK_RUNGS:
            lines += _section(
                RUNG_TITLES[rung], (e for e in entries if e.rung == rung and e.ladder == "online")
            )
    lines += ["## The on-premises ladder", ""]
    for rung in ONPREM_RUNGS:
        if rung not in NETWORK_RUNGS:
            lines += _section(
                RUNG_TITLES[rung], (e for e in entries if e.rung == rung and e.ladder == "onprem")
            )
    lines += ["## Outside the ladder", ""]
    for area, title in AREAS.items():
        lines += _section(title, (e for e in entries if e.rung is None and e.area == area))
    lines += ["## Index", "", "| code | title | reported by |", "|---|---|---|"]
    for item in sorted(entries, key=lambda e: e.code):
        lines.append(f"| [`{item.code}`](#{item.code}) | {_text(item.title)} | {_text(item.where)} |")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spkit.diagnosis.docs", description=__doc__)
    parser.add_argument("--out", type=Path, help="write the page there (default: stdout)")
    args = parser.parse_args(argv)
    page = render()
    if args.out is None:
        sys.stdout.write(page)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out} ({len(CATALOG)} codes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
