"""CLI startup benchmark: how long ``spkit --help`` takes, against ``python -c pass`` in the same run.

Issue 9 sets the goal: ``spkit --help`` and ``spkit verify --help`` under 0.3 s. Almost all of a help
command's time is imports, so the script times whole processes from outside (what a user waits for):
each command is started ``--runs`` times, the commands in turn (round-robin, so load that comes and
goes on a shared machine hits every command alike), and the median is kept. The baseline is the bare
interpreter, ``python -c pass``; the ratio says how much spkit adds to it.

Commands run from an empty temporary directory (code in the caller's directory never runs), with
their output discarded; a warm-up round first checks that each one exits 0.

Usage: .venv/bin/python bench/startup.py [--runs N] [--importtime]   (exit 1 if a goal fails)
Results and how to read them: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

GOAL_S = 0.3  # issue 9: `spkit --help` and `spkit verify --help` under 0.3 s
GOAL_COMMANDS = ("spkit --help", "spkit verify --help")


def commands(python: str) -> dict[str, list[str]]:
    """Label → argv. The console script is the one pip wrote next to the interpreter."""
    script = str(Path(python).with_name("spkit"))
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -m spkit --help": [python, "-m", "spkit", "--help"],
        "python -m spkit verify --help": [python, "-m", "spkit", "verify", "--help"],
        "python -m spkit --version": [python, "-m", "spkit", "--version"],
        "spkit --help": [script, "--help"],
        "spkit verify --help": [script, "verify", "--help"],
        "spkit --version": [script, "--version"],
    }


def run_once(argv: list[str], cwd: str, *, check: bool) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if check and done.returncode != 0:
        raise SystemExit(f"startup: {' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return elapsed


def measure(table: dict[str, list[str]], runs: int, cwd: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in table}
    for argv in table.values():  # warm-up round: page cache, .pyc files; checks exit codes
        run_once(argv, cwd, check=True)
    for _ in range(runs):
        for label, argv in table.items():
            times[label].append(run_once(argv, cwd, check=False))
    return times


def import_breakdown(python: str, cwd: str, top: int = 15) -> str:
    """The slowest imports of ``spkit --help`` by cumulative time (``-X importtime``), for diagnosis."""
    done = subprocess.run(
        [python, "-X", "importtime", "-m", "spkit", "--help"], cwd=cwd, capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return "\n".join(f"  {us / 1000:8.1f} ms  {name}" for us, name in rows[:top])


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=40, help="rounds of every command (default 40)")
    options.add_argument("--python", default=sys.executable, help="interpreter of the install to time")
    options.add_argument("--importtime", action="store_true", help="also print the slowest imports")
    args = options.parse_args()

    table = commands(args.python)
    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    with TemporaryDirectory(prefix="spkit-startup-") as cwd:
        times = measure(table, args.runs, cwd)
        breakdown = import_breakdown(args.python, cwd) if args.importtime else ""
    load_end = os.getloadavg()[0]

    base = statistics.median(times["python -c pass"])
    print(
        f"spkit CLI startup: median of {args.runs} runs each, round-robin "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()})"
    )
    print()
    print(f"{'command':32} {'median s':>9} {'min s':>7} {'max s':>7} {'x pass':>7} {'+ ms':>7}")
    for label, samples in times.items():
        median = statistics.median(samples)
        print(
            f"{label:32} {median:9.3f} {min(samples):7.3f} {max(samples):7.3f} "
            f"{median / base:7.2f} {(median - base) * 1000:7.0f}"
        )
    print()
    failed = False
    for label in GOAL_COMMANDS:
        median = statistics.median(times[label])
        verdict = "PASS" if median < GOAL_S else "FAIL"
        failed |= verdict == "FAIL"
        print(f"GOAL {label} under {GOAL_S} s: median {median:.3f} s {verdict}")
    if breakdown:
        print("\nslowest imports of `python -m spkit --help` (cumulative):\n" + breakdown)
    elapsed = time.perf_counter() - started
    print(f"\n({elapsed:.0f} s; load average {load_start:.2f} at the start, {load_end:.2f} at the end)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
