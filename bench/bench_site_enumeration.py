"""Site enumeration benchmark: memory and throughput as ratios, many sites against 250.

The foundation issue's goals: sites are generated deterministically and lazily ("100,000 must cost no
more memory than 250") and site enumeration is streamed ("constant memory in the number of sites").
This script measures both sides against a baseline taken in the same run, and prints ratios:

1. sandbox memory (in this process, tracemalloc): the state ``build_state`` makes, and the peak while
   the Graph getAllSites handler serves every page (through the sandbox's dispatcher, no sockets);
2. client memory (tracemalloc in this process, the sandbox in its own process): the peak while
   ``count_sites`` enumerates everything over HTTPS on loopback;
3. throughput: sites per second of a full enumeration, and what ``--throttle 0.1`` costs.

Usage: .venv/bin/python bench/bench_site_enumeration.py [--quick]   (exit 1 if a goal fails)
Results and how to read them: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from tempfile import TemporaryDirectory

from spkit.http.session import session_for_card
from spkit.models.clouds import sandbox_cloud
from spkit.sandbox import graph, identity, sharepoint
from spkit.sandbox.access_tokens import TokenService
from spkit.sandbox.dispatch import Dispatcher
from spkit.sandbox.faults import Faults
from spkit.sandbox.http import Request
from spkit.sandbox.scenario import CredentialVault, build_state, load_scenario
from spkit.sandbox.state import SandboxState
from spkit.services.online.app_tokens import AppAuthenticator, certificate_credential
from spkit.services.online.graph_sites import SITE_FIELDS, SiteCount, count_sites

BASELINE_SITES = 250
LARGE_SITES = 100_000
QUICK_LARGE_SITES = 20_000
PLATEAU_SITES = 15_000  # enough pages (75) to fill urllib.parse's 128-entry URL cache
THROTTLE_SITES = 5_000
THROTTLE_RATE = 0.1
SMALL_REPEATS = 20  # a 250-site enumeration is two requests: time it several times, keep the median
APP = "spkit-certificate"  # the scenario app with a certificate and Sites.FullControl.All

MEMORY_LIMIT = 1.5  # goal ≈ 1.0; a ratio up to this passes (allocator and cache noise)
THROUGHPUT_FLOOR = 2 / 3  # sites/s with many sites at least 2/3 of the rate with 250

_NEXT_LINK = re.compile(rb'"@odata\.nextLink":"https://[^/"]+(/[^"?]*)\?([^"]*)"')


# --- results ----------------------------------------------------------------------------------------


@dataclass
class Goal:
    name: str
    ratio: float
    limit: float
    higher_is_better: bool = False

    @property
    def passed(self) -> bool:
        return self.ratio >= self.limit if self.higher_is_better else self.ratio <= self.limit

    def line(self) -> str:
        op = ">=" if self.higher_is_better else "<="
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"GOAL {self.name}: ratio {self.ratio:.2f} (goal ≈ 1.0, pass if {op} {self.limit:.2f}) {verdict}"
        )


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def mib(n: float) -> str:
    return f"{n / 1024 / 1024:,.1f} MiB"


# --- 1. sandbox memory, in this process -------------------------------------------------------------


def _build(scenario: dict, state_dir: Path, sites: int) -> SandboxState:
    state = SandboxState()
    build_state(scenario, state_dir, sites=sites, state=state)
    return state


def _graph_service(state: SandboxState, state_dir: Path) -> tuple[Dispatcher, Message]:
    """The sandbox's dispatcher (as ``RunningSandbox`` builds it) and headers with a Graph app token."""
    tokens = TokenService(CredentialVault(state_dir).signing_key(), state.authority_host)
    dispatcher = Dispatcher(state, [m.make_service(state, tokens) for m in (identity, graph, sharepoint)])
    tenant = next(iter(state.tenants.values()))
    app = next(a for a in tenant.apps.values() if a.name == APP)
    token = tokens.issue(
        tenant_id=tenant.tenant_id,
        audience=state.graph_url,
        client_id=app.client_id,
        app_display_name=app.name,
        acr="2",
        roles=app.roles_for("Graph"),
    )
    headers = Message()
    headers["Authorization"] = f"Bearer {token}"
    return dispatcher, headers


def _serve_all_pages(state: SandboxState, dispatcher: Dispatcher, headers: Message) -> tuple[int, int]:
    """Request getAllSites page after page, keeping only the next link: (sites served, pages)."""
    path: str | None = "/v1.0/sites/getAllSites"
    query = f"$select={SITE_FIELDS}"
    sites = pages = 0
    while path is not None:
        response = dispatcher(Request("GET", state.graph_host, 443, path, query, headers))
        if response.status != 200:
            raise SystemExit(f"getAllSites answered {response.status}: {response.body[:300]!r}")
        pages += 1
        sites += response.body.count(b'"webUrl":')
        found = _NEXT_LINK.search(response.body)
        path, query = (found[1].decode(), found[2].decode()) if found else (None, "")
        del response, found
    return sites, pages


@dataclass
class SandboxMemory:
    after_build: int  # bytes traced and still allocated once build_state returned
    serving_peak: int  # peak bytes above the level before the first page, while serving every page
    pages: int


def sandbox_memory(sizes: list[int]) -> dict[int, SandboxMemory]:
    scenario = load_scenario(None)
    results: dict[int, SandboxMemory] = {}
    with TemporaryDirectory(prefix="spkit-bench-") as tmp:
        state_dir = Path(tmp)
        # Untraced warm-up: credentials and certificates generated, first-call caches filled.
        warm = _build(scenario, state_dir, BASELINE_SITES)
        _serve_all_pages(warm, *_graph_service(warm, state_dir))
        del warm
        for n in sizes:
            gc.collect()
            tracemalloc.start()
            state = _build(scenario, state_dir, n)
            after_build = tracemalloc.get_traced_memory()[0]
            dispatcher, headers = _graph_service(state, state_dir)
            gc.collect()
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            served, pages = _serve_all_pages(state, dispatcher, headers)
            peak = tracemalloc.get_traced_memory()[1] - before
            tracemalloc.stop()
            if served != n:
                raise SystemExit(f"the sandbox served {served} sites, not {n}")
            results[n] = SandboxMemory(after_build, peak, pages)
            del state, dispatcher, headers
    return results


# --- 2 and 3. the client, against a sandbox in its own process ---------------------------------------


def _spkit(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spkit", "sandbox", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"spkit sandbox {args[0]} failed ({done.returncode}): {done.stderr or done.stdout}")


class DetachedSandbox:
    """``spkit sandbox start --detach`` on a temporary state directory; stopped and removed on exit."""

    def __init__(self, sites: int, throttle: float = 0.0) -> None:
        self.sites = sites
        self.throttle = throttle

    def __enter__(self) -> DetachedSandbox:
        self._tmp = TemporaryDirectory(prefix="spkit-bench-")
        self.state_dir = Path(self._tmp.name)
        try:
            _spkit(
                "start",
                "--detach",
                "--state",
                str(self.state_dir),
                "--sites",
                str(self.sites),
                "--throttle",
                str(self.throttle),
            )
            self.card = json.loads((self.state_dir / "sandbox.json").read_text("utf-8"))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            _spkit("stop", "--state", str(self.state_dir))
        finally:
            self._tmp.cleanup()

    def peak_rss(self) -> int | None:
        """The sandbox process's peak resident set (VmHWM, Linux), in bytes."""
        try:
            status = Path(f"/proc/{self.card['pid']}/status").read_text("ascii")
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        return int(found[1]) * 1024 if found else None


class Client:
    """spkit's own client path: session for the card, MSAL with the app's certificate, count_sites."""

    def __init__(self, card: dict) -> None:
        tenant = card["tenants"][0]
        app = next(a for a in tenant["apps"] if a["name"] == APP)
        self.cloud = sandbox_cloud(card)
        self.expected = int(tenant["site_count"])
        self.onedrive_host = self.cloud.onedrive_host(tenant["name"])
        self.session = session_for_card(card)
        self.auth = AppAuthenticator(
            cloud=self.cloud,
            tenant_id=tenant["tenant_id"],
            client_id=app["client_id"],
            credential=certificate_credential(app["certificate"]["pem"]),
            session=self.session,
        )
        self.token()  # the token request itself stays out of every measurement; MSAL caches it

    def token(self) -> str:
        return self.auth.acquire(self.cloud.graph_url, "Graph token").token

    def count(self) -> SiteCount:
        counted = count_sites(
            self.session, self.cloud.graph_url, self.token, onedrive_host=self.onedrive_host
        )
        if counted.total != self.expected:
            raise SystemExit(f"count_sites found {counted.total} sites, the sandbox has {self.expected}")
        return counted

    def timed(self) -> tuple[float, SiteCount, list[float]]:
        """Seconds for a full enumeration, its counts, and the seconds each Graph page took."""
        stamps: list[float] = []

        def stamp(response, *args, **kwargs):
            if "getAllSites" in response.url:
                stamps.append(time.perf_counter())

        self.session.hooks["response"] = [stamp]
        try:
            start = time.perf_counter()
            counted = self.count()
            elapsed = time.perf_counter() - start
        finally:
            self.session.hooks["response"] = []
        page_times = [b - a for a, b in zip([start, *stamps], stamps, strict=False)]
        return elapsed, counted, page_times

    def traced_peak(self) -> int:
        """Peak bytes allocated above the starting level during a full enumeration."""
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        self.count()
        peak = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()
        return peak

    def close(self) -> None:
        self.session.close()


@dataclass
class ClientRun:
    sites: int
    pages: int
    seconds: float  # one full enumeration (median of the repeats for the baseline)
    page_times: list[float]
    client_peak: int
    sandbox_peak_rss: int | None

    @property
    def rate(self) -> float:
        return self.sites / self.seconds

    def drift(self) -> float | None:
        """Median page time of the last tenth of pages over that of the first tenth (≈1 if streamed)."""
        tenth = len(self.page_times) // 10
        if tenth < 3:
            return None
        first = statistics.median(self.page_times[:tenth])
        last = statistics.median(self.page_times[-tenth:])
        return last / first


def client_run(sites: int, repeats: int) -> ClientRun:
    with DetachedSandbox(sites) as sandbox:
        client = Client(sandbox.card)
        try:
            client.count()  # warm-up: TLS connection and first-call caches stay out of the numbers
            runs = [client.timed() for _ in range(repeats)]
            seconds, counted, page_times = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
            peak = client.traced_peak()
        finally:
            client.close()
        return ClientRun(sites, counted.pages, seconds, page_times, peak, sandbox.peak_rss())


@dataclass
class ThrottleRun:
    base_seconds: float
    throttled_seconds: float
    retries: int  # 429 answers the client waited out (urllib3's retry history)

    @property
    def ratio(self) -> float:
        return self.throttled_seconds / self.base_seconds

    @property
    def seconds_per_retry(self) -> float | None:
        return (self.throttled_seconds - self.base_seconds) / self.retries if self.retries else None


def throttle_run(sites: int, rate: float) -> ThrottleRun:
    with DetachedSandbox(sites) as sandbox:
        client = Client(sandbox.card)
        try:
            client.count()
            base = statistics.median(client.timed()[0] for _ in range(3))
        finally:
            client.close()
    with DetachedSandbox(sites, throttle=rate) as sandbox:
        client = Client(sandbox.card)
        try:
            seconds, counted, _ = client.timed()
        finally:
            client.close()
    return ThrottleRun(base, seconds, counted.retries)


# --- report -----------------------------------------------------------------------------------------


def _load() -> str:
    """The 1-minute load average: timings are ratios within one run, but a busy machine still adds noise."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def _ratio(a: float | None, b: float | None) -> float | None:
    return b / a if a and b else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_LARGE_SITES:,} sites instead of {LARGE_SITES:,}"
    )
    args = parser.parse_args(argv)
    large = QUICK_LARGE_SITES if args.quick else LARGE_SITES
    small = BASELINE_SITES
    started = time.perf_counter()
    load_at_start = _load()
    print(
        f"spkit site enumeration benchmark: {large:,} sites against {small} "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()})"
    )

    sandbox = sandbox_memory([small, large])
    base = client_run(small, SMALL_REPEATS)
    big = client_run(large, 1)
    plateau = client_run(PLATEAU_SITES, 1)
    throttle = throttle_run(THROTTLE_SITES, THROTTLE_RATE)

    s, b = sandbox[small], sandbox[large]
    # (measure, baseline value, large value, ratio large/baseline)
    rows = [
        (
            "sandbox: state after build_state",
            kib(s.after_build),
            kib(b.after_build),
            _ratio(s.after_build, b.after_build),
        ),
        (
            "sandbox: peak serving all pages",
            kib(s.serving_peak),
            kib(b.serving_peak),
            _ratio(s.serving_peak, b.serving_peak),
        ),
        (
            "client: peak during count_sites",
            kib(base.client_peak),
            kib(big.client_peak),
            _ratio(base.client_peak, big.client_peak),
        ),
        ("Graph pages", f"{base.pages}", f"{big.pages}", None),
        ("full enumeration, s", f"{base.seconds:.3f}", f"{big.seconds:.3f}", None),
        (
            "time per Graph page, ms",
            f"{base.seconds / base.pages * 1000:.1f}",
            f"{big.seconds / big.pages * 1000:.1f}",
            _ratio(base.seconds / base.pages, big.seconds / big.pages),
        ),
        ("throughput, sites/s", f"{base.rate:,.0f}", f"{big.rate:,.0f}", _ratio(base.rate, big.rate)),
        (
            "sandbox process peak RSS (info)",
            mib(base.sandbox_peak_rss) if base.sandbox_peak_rss else "n/a",
            mib(big.sandbox_peak_rss) if big.sandbox_peak_rss else "n/a",
            _ratio(base.sandbox_peak_rss, big.sandbox_peak_rss),
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'measure':<{width}}  {f'{small} sites':>14}  {f'{large:,} sites':>14}  {'ratio':>6}")
    for name, a, z, ratio in rows:
        print(f"{name:<{width}}  {a:>14}  {z:>14}  {'' if ratio is None else f'{ratio:.2f}':>6}")
    print()
    print(
        f"client peak, {large:,} against {PLATEAU_SITES:,} sites: {kib(big.client_peak)} / "
        f"{kib(plateau.client_peak)} = {big.client_peak / plateau.client_peak:.2f} (≈1.0 once memory is flat in N)"
    )
    drift = big.drift()
    if drift is not None:
        print(
            f"page time drift, {large:,} sites: median page time of the last tenth of pages / the first "
            f"tenth = {drift:.2f} (≈1.0 when a page costs the same wherever it is)"
        )
    retry_after = Faults().retry_after_s
    per_retry = throttle.seconds_per_retry
    print(
        f"throttle {THROTTLE_RATE} against none, {THROTTLE_SITES:,} sites: time ratio {throttle.ratio:.2f}; "
        f"{throttle.retries} answers 429 waited out"
        + (
            ""
            if per_retry is None
            else f", each costing {per_retry / retry_after:.2f} x Retry-After ({retry_after} s)"
        )
    )
    print()
    goals = [
        Goal(f"sandbox state memory, {large:,}/{small} sites", rows[0][3] or 0.0, MEMORY_LIMIT),
        Goal(f"sandbox serving peak memory, {large:,}/{small} sites", rows[1][3] or 0.0, MEMORY_LIMIT),
        Goal(f"client enumeration peak memory, {large:,}/{small} sites", rows[2][3] or 0.0, MEMORY_LIMIT),
        Goal(
            f"enumeration throughput (sites/s), {large:,}/{small} sites",
            rows[6][3] or 0.0,
            THROUGHPUT_FLOOR,
            higher_is_better=True,
        ),
    ]
    for goal in goals:
        print(goal.line())
    print(
        f"\n({time.perf_counter() - started:.0f} s; load average {load_at_start} at the start, {_load()} at the end)"
    )
    return 0 if all(g.passed for g in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
