"""``spkit sites --format csv`` over 100,000 site collections against the floor, in the same run.

The floor (``bench/floor_sites.py``) is what a person would write with nothing but MSAL and requests:
one token, one loop over the same Graph ``getAllSites`` pages, the same CSV. Both run as processes of
their own against one sandbox this script starts (``spkit sandbox start --detach --sites N`` on a
temporary state directory), taking turns round after round so that the machine's load falls on both
alike; the medians are compared. Both outputs must be the same bytes, every round.

Printed: wall time and CPU time of each (medians), the ratio spkit / floor, and the peak RSS of the
spkit process (``ru_maxrss`` from ``wait4``). Exit 1 when a goal fails (ratio ≤ 1.2, RSS ≤ 250 MB).

Usage: .venv/bin/python bench/enumerate.py [--sites N] [--rounds R] [--profile-spkit FILE]
Results and how to read them: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

BENCH = Path(__file__).resolve().parent
FLOOR = BENCH / "floor_sites.py"
APP = "spkit-certificate"  # the scenario app with a certificate and Sites.FullControl.All
RATIO_GOAL = 1.2
RSS_GOAL = 250 * 1024 * 1024


# --- the sandbox ------------------------------------------------------------------------------------


def spkit_command() -> list[str]:
    """The ``spkit`` a user runs: the console script next to this Python, else ``python -m spkit``."""
    script = Path(sys.executable).parent / "spkit"
    return [str(script)] if script.exists() else [sys.executable, "-I", "-m", "spkit"]


def _sandbox(*args: str) -> None:
    done = subprocess.run(
        [*spkit_command(), "sandbox", *args], capture_output=True, text=True, check=False, cwd=BENCH
    )
    if done.returncode != 0:
        raise SystemExit(f"spkit sandbox {args[0]} failed ({done.returncode}): {done.stderr or done.stdout}")


@dataclass
class Sandbox:
    state_dir: Path
    card: dict
    profile: Path  # a parameters file for the certificate app, written next to the card

    @property
    def card_path(self) -> Path:
        return self.state_dir / "sandbox.json"

    @property
    def site_count(self) -> int:
        return int(self.card["tenants"][0]["site_count"])

    @property
    def personal_count(self) -> int:
        return int(self.card["tenants"][0]["personal_site_count"])

    @property
    def log(self) -> Path:
        return self.state_dir / "sandbox.log"


def write_profile(state_dir: Path, card: dict) -> Path:
    tenant = card["tenants"][0]
    app = next(a for a in tenant["apps"] if a["name"] == APP)
    profile = state_dir / "bench-profile.yaml"
    profile.write_text(
        "name: bench\n"
        "kind: online\n"
        "cloud: sandbox\n"
        f"sandbox: {json.dumps(str(state_dir / 'sandbox.json'))}\n"
        f"sharepoint_url: {tenant['sharepoint_url']}\n"
        f"tenant_id: {tenant['tenant_id']}\n"
        f"client_id: {app['client_id']}\n"
        f"application_account: admin@{tenant['domains'][0]}\n"
        "certificate:\n"
        f"  path: {json.dumps(app['certificate']['pem'])}\n",
        "utf-8",
    )
    return profile


@contextmanager
def sandbox(sites: int, throttle: float = 0.0) -> Iterator[Sandbox]:
    """A detached sandbox on a temporary state directory of its own; stopped and removed afterwards."""
    with TemporaryDirectory(prefix="spkit-bench-") as tmp:
        state_dir = Path(tmp) / "state"
        _sandbox(
            "start",
            "--detach",
            "--no-directory",
            "--state",
            str(state_dir),
            "--sites",
            str(sites),
            "--throttle",
            str(throttle),
        )
        try:
            card = json.loads((state_dir / "sandbox.json").read_text("utf-8"))
            yield Sandbox(state_dir, card, write_profile(state_dir, card))
        finally:
            _sandbox("stop", "--state", str(state_dir))


# --- one timed process ------------------------------------------------------------------------------


@dataclass
class Run:
    wall: float  # seconds, start to exit
    cpu: float  # user + system seconds of the process
    max_rss: int  # bytes (ru_maxrss)
    digest: str  # sha256 of what it wrote on stdout
    rows: int  # CSV lines, header excluded
    stderr: str


KEEP_PYTHON_ENV = False  # --keep-python-env


def child_env() -> dict[str, str]:
    """This environment without ``PYTHON*`` variables (unless --keep-python-env), for every command
    alike: the floor runs with ``-I``, which ignores them, and a harness's PYTHONDONTWRITEBYTECODE makes
    a program compile its modules on every start, as no user's shell does."""
    if KEEP_PYTHON_ENV:
        return dict(os.environ)
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def timed(command: Sequence[str], out_dir: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` (stdout to a file), and read its resources from ``wait4``; fail loudly on exit ≠ 0."""
    env = child_env() if env is None else env
    out, err = out_dir / "stdout", out_dir / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=out_dir, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    text = err.read_text("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {text[-2000:]}")
    digest, rows = hashlib.sha256(), -1
    with out.open("rb") as produced:
        for chunk in iter(lambda: produced.read(1 << 20), b""):
            digest.update(chunk)
            rows += chunk.count(b"\n")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, digest.hexdigest(), rows, text)


def spkit_sites(box: Sandbox, *extra: str) -> list[str]:
    return [*spkit_command(), "sites", str(box.profile), "--format", "csv", *extra]


def baseline_sites(box: Sandbox, tree: Path) -> list[str]:
    """The same command line, run by the spkit found in ``tree`` instead of the installed one."""
    start = (
        f"import sys; sys.path.insert(0, {str(tree.resolve())!r}); "
        "from spkit.cli.main import main; sys.exit(main())"
    )
    # -P, not -I: the PYTHON* variables reach it when --keep-python-env passes them on, as they reach spkit
    return [sys.executable, "-P", "-c", start, *spkit_sites(box)[len(spkit_command()) :]]


def floor_sites(box: Sandbox) -> list[str]:
    return [sys.executable, "-I", str(FLOOR), str(box.card_path)]


@dataclass
class Series:
    name: str
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def spread(self, attr: str) -> str:
        values = sorted(getattr(r, attr) for r in self.runs)
        return f"{values[0]:.2f}–{values[-1]:.2f}"


def alternate(box: Sandbox, rounds: int, work: Path, *, commands: dict[str, list[str]]) -> dict[str, Series]:
    """``rounds`` rounds, each running every command once, the order swapped every round."""
    series = {name: Series(name) for name in commands}
    names = list(commands)
    for round_no in range(rounds):
        order = names if round_no % 2 == 0 else names[::-1]
        for name in order:
            run = timed(commands[name], work)
            series[name].runs.append(run)
            print(
                f"  round {round_no + 1}: {name:<6} {run.wall:6.2f} s wall, {run.cpu:5.2f} s CPU", flush=True
            )
    return series


def load() -> str:
    """The 1-minute load average (2 cores here, shared with other work)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def machine() -> str:
    return (
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )


def check_same(series: dict[str, Series], expected_rows: int) -> None:
    """Every run of every command wrote the same bytes, with the number of rows the sandbox holds."""
    digests = {run.digest for s in series.values() for run in s.runs}
    if len(digests) != 1:
        raise SystemExit(f"the outputs differ between runs or between spkit and the floor: {sorted(digests)}")
    rows = {run.rows for s in series.values() for run in s.runs}
    if rows != {expected_rows}:
        raise SystemExit(f"{sorted(rows)} rows written, the sandbox holds {expected_rows} regular sites")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100_000, help="site collections in the sandbox")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (medians are compared)")
    parser.add_argument(
        "--profile-spkit", type=Path, metavar="FILE", help="also run spkit once under cProfile into FILE"
    )
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        metavar="DIR",
        help="also time the spkit of another source tree (a folder holding spkit/, e.g. from "
        "'git archive HEAD spkit | tar -x -C DIR'), in the same rounds",
    )
    parser.add_argument(
        "--keep-python-env",
        action="store_true",
        help="pass PYTHON* variables (PYTHONUNBUFFERED, PYTHONDONTWRITEBYTECODE...) on to spkit",
    )
    args = parser.parse_args(argv)
    global KEEP_PYTHON_ENV
    KEEP_PYTHON_ENV = args.keep_python_env
    started, load_at_start = time.perf_counter(), load()
    print(
        f"spkit sites --format csv against the floor: {args.sites:,} sites, {args.rounds} rounds ({machine()})"
    )
    python_env = ", ".join(sorted(k for k in os.environ if k.startswith("PYTHON"))) or "none"
    print(f"PYTHON* variables {'passed on' if KEEP_PYTHON_ENV else 'removed'}: {python_env}")
    with sandbox(args.sites) as box, TemporaryDirectory(prefix="spkit-bench-out-") as tmp:
        work = Path(tmp)
        expected = box.site_count - box.personal_count
        timed(floor_sites(box), work)  # warm-up: page cache, the sandbox's first-call caches
        commands = {"spkit": spkit_sites(box), "floor": floor_sites(box)}
        if args.baseline_tree:
            commands["before"] = baseline_sites(box, args.baseline_tree)
        series = alternate(box, args.rounds, work, commands=commands)
        check_same(series, expected)
        if args.profile_spkit:
            profiled = [sys.executable, "-m", "cProfile", "-o", str(args.profile_spkit.resolve())]
            timed([*profiled, "-m", "spkit", *spkit_sites(box)[len(spkit_command()) :]], work)
            print(f"cProfile of one spkit run: {args.profile_spkit}")
    spkit, floor = series["spkit"], series["floor"]
    ratio = spkit.median("wall") / floor.median("wall")
    cpu_ratio = spkit.median("cpu") / floor.median("cpu")
    rss = max(r.max_rss for r in spkit.runs)
    print()
    print(f"rows: {expected:,} (OneDrive excluded), the same bytes from spkit and the floor in every run")
    for s in series.values():
        print(
            f"{s.name:<6} wall {s.median('wall'):6.2f} s (range {s.spread('wall')}), "
            f"CPU {s.median('cpu'):5.2f} s (range {s.spread('cpu')}), "
            f"peak RSS {max(r.max_rss for r in s.runs) / 2**20:5.1f} MiB"
        )
    print(f"ratio spkit/floor: wall {ratio:.2f} (goal <= {RATIO_GOAL}), CPU {cpu_ratio:.2f}")
    if "before" in series:
        before = series["before"]
        print(
            f"ratio before/floor (the spkit of {args.baseline_tree}): wall "
            f"{before.median('wall') / floor.median('wall'):.2f}, "
            f"CPU {before.median('cpu') / floor.median('cpu'):.2f}"
        )
    print(f"peak RSS of spkit: {rss / 2**20:.1f} MiB (goal <= {RSS_GOAL / 2**20:.0f} MiB)")
    goals = [("wall ratio", ratio <= RATIO_GOAL), ("peak RSS", rss <= RSS_GOAL)]
    for name, passed in goals:
        print(f"GOAL {name}: {'PASS' if passed else 'FAIL'}")
    print(
        f"({time.perf_counter() - started:.0f} s; load average {load_at_start} at the start, {load()} at the end, "
        f"{os.cpu_count()} CPUs)"
    )
    return 0 if all(passed for _, passed in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
