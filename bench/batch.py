"""Batch speed: the same sandbox profiles verified by (a) a sequential loop of the ``papermill`` CLI over
``verify_connection.ipynb``, (b) ``spkit batch`` and (c) ``spkit batch --fleet``, then 200 profiles in
fleet mode. Prints wall times and the ratios against (a), measured in this run, and exits 1 when a goal
fails. Goals (issue 9): (c) at least 20x faster than (a); (b) at least 1.8x faster than (a) on 2 cores;
200 profiles in fleet mode in under 30 s.

The bench starts its own sandbox (``--tenants 200``, no directory) in a temporary state folder, writes
the profiles with ``spkit sandbox profiles`` and uses each tenant's certificate app (the healthy
connection: every rung runs), so the fleet writes no per-connection notebook. Everything runs as
subprocesses, from the outside, against loopback.

    .venv/bin/python bench/batch.py            # 20 profiles for (a)-(c), 200 for the fleet goal
    .venv/bin/python bench/batch.py --quick    # 6 profiles for (a)-(c), 50 for the fleet row
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
SPKIT = [str(PYTHON), "-m", "spkit"]
NOTEBOOK = ROOT / "notebooks" / "verify_connection.ipynb"


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = run(command, **kwargs)
    return time.perf_counter() - start, done


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def certificate_profiles(folder: Path, count: int) -> list[Path]:
    """The first ``count`` certificate profiles (contoso first, then tenant002 ...)."""
    found = sorted(
        folder.glob("*-certificate.yaml"), key=lambda p: (not p.name.startswith("contoso"), p.name)
    )
    if len(found) < count:
        raise SystemExit(f"bench: only {len(found)} certificate profiles in {folder}, {count} needed")
    return found[:count]


def profile_folder(state: Path, folder: Path, count: int) -> Path:
    """``spkit sandbox profiles`` into ``folder``, then only the first ``count`` certificate profiles kept
    (the files name the card and certificates relative to their folder, so they are not moved)."""
    done = run([*SPKIT, "sandbox", "profiles", "--state", str(state), "--out", str(folder)])
    if done.returncode != 0:
        raise SystemExit(f"bench: spkit sandbox profiles failed:\n{done.stderr}")
    keep = set(certificate_profiles(folder, count))
    for path in folder.glob("*.yaml"):
        if path not in keep:
            path.unlink()
    return folder


def papermill_loop(paths: list[Path], out: Path) -> float:
    out.mkdir()
    start = time.perf_counter()
    for path in paths:
        done = run(
            [
                str(PYTHON),
                "-m",
                "papermill",
                str(NOTEBOOK),
                str(out / f"{path.stem}.ipynb"),
                "-p",
                "profile_path",
                str(path),
                "--no-progress-bar",
            ],
            cwd=NOTEBOOK.parent,
        )
        if done.returncode != 0:
            raise SystemExit(f"bench: papermill failed for {path.name}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def batch(folder: Path, out: Path, *extra: str) -> float:
    seconds, done = timed([*SPKIT, "batch", str(folder), "--out", str(out), *extra])
    if done.returncode != 0:
        raise SystemExit(
            f"bench: spkit batch {' '.join(extra)} exited {done.returncode}:\n{done.stderr[-2000:]}"
        )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer profiles (a smoke run, not the goals)")
    args = parser.parse_args()
    small, large = (6, 50) if args.quick else (20, 200)
    work = Path(tempfile.mkdtemp(prefix="spkit-bench-batch-"))
    state = work / "state"
    try:
        seconds, done = timed(
            [
                *SPKIT,
                "sandbox",
                "start",
                "--detach",
                "--no-directory",
                "--tenants",
                str(large),
                "--state",
                str(state),
            ]
        )
        if done.returncode != 0:
            raise SystemExit(f"bench: sandbox did not start:\n{done.stderr}")
        print(f"sandbox with {large} tenants started in {seconds:.1f} s; load {load()}")
        few = profile_folder(state, work / "few", small)
        many = profile_folder(state, work / "many", large)
        few_paths = sorted(few.glob("*.yaml"))

        print(f"(a) papermill CLI loop over {small} profiles ...", flush=True)
        loop_s = papermill_loop(few_paths, work / "out-loop")
        print(f"(b) spkit batch over the same {small} ...", flush=True)
        batch_s = batch(few, work / "out-batch")
        print(f"(c) spkit batch --fleet over the same {small} ...", flush=True)
        fleet_s = batch(few, work / "out-fleet", "--fleet")
        print(f"    spkit batch --fleet over {large} ...", flush=True)
        fleet_many_s = batch(many, work / "out-fleet-many", "--fleet")
        cores = os.cpu_count()

        rows = [
            (f"(a) papermill CLI loop, {small} profiles", loop_s, 1.0),
            (f"(b) spkit batch, {small} profiles (--jobs {cores})", batch_s, loop_s / batch_s),
            (f"(c) spkit batch --fleet, {small} profiles", fleet_s, loop_s / fleet_s),
            (f"    spkit batch --fleet, {large} profiles", fleet_many_s, None),
        ]
        print()
        print(f"{'run':52} {'wall s':>8} {'x faster than (a)':>18}")
        for label, wall, ratio in rows:
            print(f"{label:52} {wall:8.1f} {'' if ratio is None else f'{ratio:.1f}x':>18}")
        print(f"load average after: {load()} ({cores} cores)")
        goals = [
            ("(c) fleet >= 20x faster than (a)", loop_s / fleet_s >= 20),
            ("(b) batch >= 1.8x faster than (a)", loop_s / batch_s >= 1.8),
            (f"{large} profiles in fleet mode < 30 s", fleet_many_s < 30),
        ]
        print()
        for label, ok in goals:
            print(f"{'PASS' if ok else 'FAIL'}  {label}")
        if args.quick:
            print("(--quick: a smoke run; the goals are for the full run)")
            return 0
        return 0 if all(ok for _, ok in goals) else 1
    finally:
        run([*SPKIT, "sandbox", "stop", "--state", str(state)])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
