"""``spkit sites PARAMS.yaml``: stream the site collections a profile can see (table, CSV, JSON or
JSON Lines). Interrupted (Ctrl-C) or cut short by a failed page, the output still parses: what was
listed is written as whole records, the JSON array closed, JSON Lines only complete lines."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

COLUMNS = ("title", "url", "is_personal", "created", "id")
CHUNK_ROWS = 256  # rows per write: still a stream, but one write per chunk, not one per row


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sites", help="list the site collections a connection profile can see")
    parser.add_argument(
        "profile", type=Path, metavar="PARAMS.yaml", help="connection profile (parameters file)"
    )
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json", "jsonl"),
        default="table",
        help="jsonl: one JSON object per line (a stream a reader can follow, never a half record)",
    )
    parser.add_argument("--include-onedrive", action="store_true", help="also list OneDrive personal sites")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..models.profile import load_profile  # here, not at the top: `spkit sites --help` stays fast
    from ..services.site_listing import open_site_listing
    from .progress import counter

    profile = load_profile(args.profile)
    out = sys.stdout
    with counter("Listing site collections") as shown:
        write = out.write if shown is None else lambda text: shown.write(text, out)
        with open_site_listing(profile, on_progress=shown.update if shown is not None else None) as sites:
            rows = (s for s in sites if args.include_onedrive or not s.is_personal)
            count = FORMATS[args.format](rows, write)
    print(f"{count} site(s)", file=sys.stderr)
    return 0


def _csv(rows: Iterable, write: Callable[[str], object]) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    count = 0
    try:
        for site in rows:
            writer.writerow((site.title, site.url, site.is_personal, site.created or "", site.id))
            count += 1
            if count % CHUNK_ROWS == 0:
                write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
    finally:  # what was listed is written, even when a later page fails
        write(buffer.getvalue())
    return count


def _record(site) -> str:
    return json.dumps(
        {
            "title": site.title,
            "url": site.url,
            "is_personal": site.is_personal,
            "created": site.created,
            "id": site.id,
        }
    )


def _json(rows: Iterable, write: Callable[[str], object]) -> int:
    try:
        return _chunked(("\n  " + _record(site) for site in rows), write, first="[", separator=",")
    finally:  # closed even when interrupted or a later page fails: stdout stays one valid JSON array
        write("\n]\n")


def _jsonl(rows: Iterable, write: Callable[[str], object]) -> int:
    return _chunked((_record(site) + "\n" for site in rows), write)


def _table(rows: Iterable, write: Callable[[str], object]) -> int:
    def line(site) -> str:
        kind = "onedrive" if site.is_personal else "site"
        return f"{kind:8}  {site.title[:40]:<40}  {site.url}\n"

    return _chunked((line(site) for site in rows), write)


def _chunked(
    lines: Iterable[str], write: Callable[[str], object], first: str = "", separator: str = ""
) -> int:
    """Write ``lines`` (joined by ``separator``) in chunks of ``CHUNK_ROWS``; the number written."""
    chunk = [first]
    count = 0
    try:
        for text in lines:
            chunk.append(separator + text if count else text)
            count += 1
            if count % CHUNK_ROWS == 0:
                write("".join(chunk))
                chunk.clear()
    finally:  # what was listed is written, even when a later page fails
        write("".join(chunk))
    return count


FORMATS = {"csv": _csv, "json": _json, "jsonl": _jsonl, "table": _table}
