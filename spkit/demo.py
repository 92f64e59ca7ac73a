"""``make demo``: start the sandbox (if needed), verify every sample profile through the notebook with
papermill, and print the summary and where the report and the executed notebooks are."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .errors import SpkitError
from .sandbox import runner
from .services.batch import report_frame, run_batch, write_report


def ensure_sandbox(state_dir: Path) -> None:
    info = runner.status(state_dir)
    if info["answers"]:
        print(f"sandbox already running (pid {info['pid']}), card {state_dir / 'sandbox.json'}")
        return
    if info.get("running"):
        runner.stop(state_dir)
    card = runner.start_detached(runner.SandboxOptions(state_dir=state_dir))
    print(f"sandbox started (pid {card['pid']}), card {state_dir / 'sandbox.json'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spkit-demo")
    parser.add_argument("--state", type=Path, default=Path(".sandbox"))
    parser.add_argument("--parameters", type=Path, default=Path("parameters"))
    parser.add_argument("--out", type=Path, default=Path("out/demo"))
    args = parser.parse_args(argv)
    try:
        ensure_sandbox(args.state.resolve())
        profiles = sorted(args.parameters.glob("*.yaml"))
        print(f"verifying {len(profiles)} profile(s) from {args.parameters}/ with papermill ...", flush=True)
        runs = run_batch(
            profiles,
            args.out.resolve(),
            progress=lambda run: print(
                f"  {run.profile_path.name}: {'passed' if run.passed else 'FAILED'}", flush=True
            ),
        )
    except SpkitError as error:
        print(
            f"demo: [{error.code}] {error.summary}" + (f" fix: {error.fix}" if error.fix else ""),
            file=sys.stderr,
        )
        return error.exit_code
    frame = report_frame(runs)
    csv_path, html_path = write_report(frame, args.out.resolve())
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print()
        print(
            frame[
                ["profile", "status", "failed_step", "code", "site_collections", "onedrive_sites"]
            ].to_string(index=False)
        )
    print()
    print(f"executed notebooks: {args.out}/")
    for run in runs:
        print(f"  {run.notebook_path}")
    print(f"report: {html_path} and {csv_path}")
    print("the sandbox keeps running for you to explore; stop it with: make sandbox-stop")
    errors = [run for run in runs if run.result is None]
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
