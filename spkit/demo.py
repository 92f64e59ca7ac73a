"""``make demo``: start the sandbox (if needed), then ``spkit batch parameters/ --out out/demo``: every
sample profile verified through the notebook with papermill, the table of results, and where the report
(``out/demo/summary.html``) and the executed notebooks are."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

INTERRUPTED = 130  # the CLI's status for Ctrl-C


def ensure_sandbox(state_dir: Path) -> None:
    from .sandbox import runner

    info = runner.status(state_dir)
    if info["answers"]:
        print(f"sandbox already running (pid {info['pid']}), card {state_dir / 'sandbox.json'}")
        return
    if info.get("running"):
        runner.stop(state_dir)
    card = runner.start_detached(runner.SandboxOptions(state_dir=state_dir))
    print(f"sandbox started (pid {card['pid']}), card {state_dir / 'sandbox.json'}")


def main(argv: list[str] | None = None) -> int:
    """The demo; Ctrl-C at any point is one line, ``spkit: interrupted`` (or batch's own), never a
    traceback. (The sandbox, started detached, keeps running: ``make sandbox-stop`` ends it.)"""
    try:
        return _demo(argv)
    except KeyboardInterrupt:
        print("spkit: interrupted", file=sys.stderr)
        return INTERRUPTED


def _demo(argv: list[str] | None) -> int:
    from .errors import SpkitError

    parser = argparse.ArgumentParser(prog="spkit-demo")
    parser.add_argument("--state", type=Path, default=Path(".sandbox"))
    parser.add_argument("--parameters", type=Path, default=Path("parameters"))
    parser.add_argument("--out", type=Path, default=Path("out/demo"))
    args = parser.parse_args(argv)
    try:
        ensure_sandbox(args.state.resolve())
    except SpkitError as error:
        print(
            f"demo: [{error.code}] {error.summary}" + (f" fix: {error.fix}" if error.fix else ""),
            file=sys.stderr,
        )
        return error.exit_code
    from .cli.main import main as spkit

    command = ["batch", f"{args.parameters}/", "--out", str(args.out)]
    print(f"spkit {' '.join(command)}", flush=True)
    code = spkit(command)
    if code == INTERRUPTED:  # batch said so in one line, and wrote what finished
        return code
    print(f"executed notebooks: {args.out}/<name>.ipynb and .html; open {args.out}/summary.html in a browser")
    print("the sandbox keeps running for you to explore; stop it with: make sandbox-stop")
    if code != 1:
        return code
    # A failed check is what the demo shows (the secret profile fails on purpose); a connection that
    # could not be verified at all (error, timeout) fails the demo.
    counts = json.loads((args.out / "summary.json").read_text(encoding="utf-8"))["meta"]["counts"]
    return 1 if counts.get("error") or counts.get("timeout") else 0


if __name__ == "__main__":
    raise SystemExit(main())
