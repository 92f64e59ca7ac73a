"""What one connection's run in a batch came to, and the options of a batch: shared by the runners
(per-notebook, fleet, Dask), the summary frame and the report, so each mode yields the same shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...models.results import VerificationResult

STATUSES = ("passed", "failed", "error", "timeout")
NOTEBOOK_CHOICES = ("all", "failed", "none")


@dataclass
class ConnectionOutcome:
    """One connection of a batch: its verification result, or why there is none."""

    name: str  # the connection's name (the profile's name, or the file stem when it did not load)
    source: str  # what the user passed: a path, or "connection:NAME"
    status: str  # passed | failed | error (raised, bad profile, no result) | timeout
    result: VerificationResult | None
    error: str | None = None  # one line, never a secret
    notebook: Path | None = None  # DIR/<name>.ipynb when written
    html: Path | None = None  # DIR/<name>.html when written
    duration_s: float = 0.0  # wall time of this run (kernel start included)
    mode: str = "notebook"  # notebook | fleet

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class BatchOptions:
    """How to run a batch (``spkit batch`` flags)."""

    jobs: int | None = None  # default: the core count
    timeout_s: float | None = None  # per run
    fleet: bool = False
    executor: str = "local"  # local | dask://HOST:PORT
    notebooks: str | None = None  # all | failed | none; default all, in fleet mode failed
    only_failed: Path | None = None  # a previous DIR: run only what did not pass there
    sample_size: int = 10

    def notebooks_choice(self) -> str:
        """The per-connection notebooks to write, defaulted by mode."""
        return self.notebooks or ("failed" if self.fleet else "all")
