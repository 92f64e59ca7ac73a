"""The floor for ``spkit sites --format csv``: plain MSAL, plain requests, one loop over getAllSites pages.

Nothing of spkit is imported. It asks for the same pages spkit asks for (the same ``$select``, the same
``$top`` when given) and writes the same CSV, so ``bench/enumerate.py`` can compare both outputs byte for
byte. The only addition to a script a person would write is the socket map that sends the sandbox's
host names to its loopback port (spkit's connect-to, as one dictionary lookup per new connection).

Usage: python -I bench/floor_sites.py CARD.json [--top N] [--include-onedrive]   (CSV on stdout)
"""

import csv
import json
import os
import sys

import msal
import requests
import urllib3.util.connection

SELECT = "id,webUrl,displayName,name,createdDateTime,isPersonalSite,siteCollection"
APP = "spkit-certificate"


def connect(card: dict) -> tuple[requests.Session, str]:
    """A plain requests session to the sandbox of ``card`` with a Graph token from plain MSAL, and the
    Graph URL."""
    mapping = {}
    for source, target in card["connect_to"].items():
        host, _, port = source.rpartition(":")
        address, _, target_port = target.rpartition(":")
        mapping[(host, int(port))] = (address, int(target_port))
    original = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        return original(mapping.get(address, address), *args, **kwargs)

    urllib3.util.connection.create_connection = create_connection

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(name, None)  # else they win over session.verify (psf/requests#3829)
    tenant = card["tenants"][0]
    app = next(a for a in tenant["apps"] if a["name"] == APP)
    session = requests.Session()
    session.verify = card["ca_bundle"]
    with open(app["certificate"]["pem"], encoding="ascii") as pem:
        private_key = pem.read()
    client = msal.ConfidentialClientApplication(
        app["client_id"],
        authority=f"{card['cloud']['authority_host']}/{tenant['tenant_id']}",
        client_credential={"private_key": private_key, "thumbprint": app["certificate"]["thumbprint"]},
        http_client=session,
        instance_discovery=False,
    )
    graph = card["cloud"]["graph_url"]
    result = client.acquire_token_for_client(scopes=[f"{graph}/.default"])
    session.headers["Authorization"] = f"Bearer {result['access_token']}"
    session.headers["Accept"] = "application/json"
    return session, graph


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as file:
        card = json.load(file)
    top = sys.argv[sys.argv.index("--top") + 1] if "--top" in sys.argv else None
    include_onedrive = "--include-onedrive" in sys.argv
    session, graph = connect(card)

    writer = csv.writer(sys.stdout)
    writer.writerow(("title", "url", "is_personal", "created", "id"))
    url = f"{graph}/v1.0/sites/getAllSites?$select={SELECT}" + (f"&$top={top}" if top else "")
    while url:
        response = session.get(url, timeout=60)
        response.raise_for_status()
        page = response.json()
        for item in page["value"]:
            personal = item.get("isPersonalSite") is True
            if personal and not include_onedrive:
                continue
            title = item.get("displayName") or item.get("name") or ""
            created = item.get("createdDateTime") or ""
            writer.writerow((title, item.get("webUrl", ""), personal, created, item.get("id", "")))
        url = page.get("@odata.nextLink")
    return 0


if __name__ == "__main__":
    sys.exit(main())
