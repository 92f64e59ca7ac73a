"""``spkit sites PARAMS.yaml``: stream the site collections a profile can see (table, CSV or JSON)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from ..models.profile import load_profile
from ..services.sites import open_site_listing

COLUMNS = ("title", "url", "is_personal", "created", "id")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sites", help="list the site collections a connection profile can see")
    parser.add_argument(
        "profile", type=Path, metavar="PARAMS.yaml", help="connection profile (parameters file)"
    )
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--include-onedrive", action="store_true", help="also list OneDrive personal sites")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    out = sys.stdout
    count = 0
    with open_site_listing(profile) as sites:
        rows = (s for s in sites if args.include_onedrive or not s.is_personal)
        if args.format == "csv":
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for site in rows:
                writer.writerow([site.title, site.url, site.is_personal, site.created or "", site.id])
                count += 1
        elif args.format == "json":
            out.write("[")
            for site in rows:
                item = {
                    "title": site.title,
                    "url": site.url,
                    "is_personal": site.is_personal,
                    "created": site.created,
                    "id": site.id,
                }
                out.write(("," if count else "") + "\n  " + json.dumps(item))
                count += 1
            out.write("\n]\n")
        else:
            for site in rows:
                kind = "onedrive" if site.is_personal else "site"
                out.write(f"{kind:8}  {site.title[:40]:<40}  {site.url}\n")
                count += 1
    print(f"{count} site(s)", file=sys.stderr)
    return 0
