"""``spkit sites --format csv`` against a throttling sandbox: every site, and no time lost to retries
beyond the Retry-After the sandbox asked for.

Two sandboxes of this script's own, with the same sites: one plain, one started ``--throttle 0.2``
(exactly one Graph request in five answered 429 with ``Retry-After``). The floor (``bench/floor_sites.py``)
runs against the plain one and spkit against the throttling one, taking turns. The 429 answers are
counted in the throttling sandbox's own access log (``sandbox.log``, one line per answer), and each
retry's distance from its 429 is read there too. Goals:

- the exact site count (the same CSV bytes as the floor's);
- spkit's time within 10% of (the floor's time + the sum of the Retry-After waits of its 429s);
- no retry earlier than Retry-After after its 429 (per answer, from the log's timestamps).

Usage: .venv/bin/python bench/throttle.py [--sites N] [--rounds R] [--rate 0.2]
Results and how to read them: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parent))

from enumerate import Run, floor_sites, load, machine, sandbox, spkit_sites, timed  # noqa: E402

TOLERANCE = 0.10
LOG_LINE = re.compile(r"^(\S+ \S+) INFO spkit\.sandbox\.access: GET graph\.\S+/sites/getAllSites -> (\d+)$")


@dataclass
class Answers:
    """The getAllSites answers one run got, as the sandbox logged them: (time, status) in order."""

    lines: list[tuple[float, int]]

    @property
    def throttled(self) -> int:
        return sum(1 for _, status in self.lines if status == 429)

    @property
    def served(self) -> int:
        return sum(1 for _, status in self.lines if status == 200)

    def retry_gaps(self) -> list[float]:
        """Seconds from each 429 to the next answer (the retry), as logged."""
        return [b[0] - a[0] for a, b in zip(self.lines, self.lines[1:], strict=False) if a[1] == 429]


def read_log(log: Path, offset: int) -> tuple[Answers, int]:
    """The getAllSites answers logged from byte ``offset`` on, and the new end offset."""
    with log.open("rb") as file:
        file.seek(offset)
        data = file.read()
    lines = []
    for raw in data.decode("utf-8", "replace").splitlines():
        found = LOG_LINE.match(raw)
        if found:
            stamp = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            lines.append((stamp, int(found[2])))
    return Answers(lines), offset + len(data)


def retry_after_of(card_path: Path) -> float:
    """The Retry-After the throttling sandbox sends, read from a 429 of its own (plain requests)."""
    import json

    from floor_sites import connect

    session, graph = connect(json.loads(card_path.read_text("utf-8")))
    for _ in range(20):  # one request in five is throttled: a 429 comes within five
        response = session.get(f"{graph}/v1.0/sites/getAllSites?$select=id&$top=1", timeout=60)
        if response.status_code == 429:
            return float(response.headers["Retry-After"])
    raise SystemExit("the throttling sandbox answered 20 requests without a 429")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100_000, help="site collections in each sandbox")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (medians are compared)")
    parser.add_argument("--rate", type=float, default=0.2, help="the throttling sandbox's --throttle")
    args = parser.parse_args(argv)
    started, load_at_start = time.perf_counter(), load()
    print(
        f"spkit sites against a --throttle {args.rate} sandbox: {args.sites:,} sites, {args.rounds} rounds "
        f"({machine()})"
    )
    with (
        sandbox(args.sites) as plain,
        sandbox(args.sites, throttle=args.rate) as throttling,
        TemporaryDirectory(prefix="spkit-bench-out-") as tmp,
    ):
        work = Path(tmp)
        expected = plain.site_count - plain.personal_count
        timed(floor_sites(plain), work)  # warm-up
        offset = throttling.log.stat().st_size
        floors: list[Run] = []
        runs: list[tuple[Run, Answers]] = []
        for round_no in range(args.rounds):
            for name in ("floor", "spkit") if round_no % 2 == 0 else ("spkit", "floor"):
                if name == "floor":
                    run = timed(floor_sites(plain), work)
                    floors.append(run)
                    print(f"  round {round_no + 1}: floor (plain sandbox)  {run.wall:7.2f} s", flush=True)
                    continue
                run = timed(spkit_sites(throttling), work)
                time.sleep(0.2)  # the log handler writes each line as it is answered; let the last land
                answers, offset = read_log(throttling.log, offset)
                runs.append((run, answers))
                print(
                    f"  round {round_no + 1}: spkit (throttling)      {run.wall:7.2f} s, "
                    f"{answers.throttled} answers 429, {answers.served} pages",
                    flush=True,
                )
        retry_after = retry_after_of(throttling.card_path)
    digests = {r.digest for r in floors} | {r.digest for r, _ in runs}
    rows = {r.rows for r in floors} | {r.rows for r, _ in runs}
    floor = statistics.median(r.wall for r in floors)
    print()
    print(f"Retry-After sent by the throttling sandbox: {retry_after:g} s; floor (median): {floor:.2f} s")
    ok = len(digests) == 1 and rows == {expected}
    print(
        f"rows: {sorted(rows)} (expected {expected:,}); outputs identical to the floor's: "
        f"{'yes' if len(digests) == 1 else 'NO'}"
    )
    for run, answers in runs:
        waits = answers.throttled * retry_after
        target = floor + waits
        off = run.wall / target - 1
        gaps = [gap - retry_after for gap in answers.retry_gaps()]
        early = [g for g in gaps if g < -0.002]  # the log's timestamps are to the millisecond
        print(
            f"spkit {run.wall:.2f} s vs floor + {answers.throttled} × {retry_after:g} s = {target:.2f} s: "
            f"{off:+.1%} (goal within ±{TOLERANCE:.0%}); retry after its 429: Retry-After "
            f"{min(gaps):+.3f} to {max(gaps):+.3f} s (median {statistics.median(gaps):+.3f} s)"
            if gaps
            else f"spkit {run.wall:.2f} s: no 429 seen (is the sandbox throttling?)"
        )
        ok = ok and bool(gaps) and abs(off) <= TOLERANCE and not early
        if early:
            print(f"  {len(early)} retries came before Retry-After had passed: {early[:5]}")
    print(f"GOAL throttle: {'PASS' if ok else 'FAIL'}")
    print(
        f"({time.perf_counter() - started:.0f} s; load average {load_at_start} at the start, {load()} at the end)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
