"""``spkit wizard``: the connection wizard as a standalone web app (Voilà) on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "wizard",
        help="serve the connection wizard as a web app on 127.0.0.1 (until Ctrl-C)",
        description="Serve notebooks/connect_sharepoint.ipynb with Voilà (no code shown) on 127.0.0.1, "
        "print 'wizard: URL' and run until Ctrl-C. With a sandbox card (--sandbox, or the card of a "
        "running sandbox in ./.sandbox or the default state directory) the wizard offers and "
        "preselects the sandbox cloud.",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one)")
    parser.add_argument(
        "--sandbox", type=Path, default=None, metavar="CARD", help="the sandbox.json of a running sandbox"
    )
    parser.add_argument("--no-browser", action="store_true", help="print the URL, do not open a browser")
    parser.set_defaults(handler=run_wizard)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def run_wizard(args: argparse.Namespace) -> int:
    from ..services.wizard_app import serve_wizard  # here, not at the top: `spkit wizard --help` stays fast

    signal.signal(signal.SIGTERM, _interrupt)  # a stopped wizard stops its server, whichever signal
    ran = serve_wizard(
        args.port,
        args.sandbox,
        on_ready=lambda server: print(f"wizard: {server.url}", flush=True),
        open_browser=not args.no_browser,
    )
    if ran.interrupted:
        print("wizard: stopped", file=sys.stderr)
        return 130
    print(f"spkit: error [WIZARD_EXITED]: the wizard server exited (code {ran.exit_code})", file=sys.stderr)
    print(f"  fix: see {ran.server.log_path}", file=sys.stderr)
    return 1
