"""The batch's summary in three files next to the per-connection notebooks: ``summary.csv`` and
``summary.json`` for scripts (the frame's columns as keys; JSON adds when, where, by whom and the
counts), and ``summary.html``, the report a consultant hands to the customer."""

from __future__ import annotations

import datetime
import getpass
import json
import shlex
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...models.results import StepStatus
from .outcome import STATUSES, ConnectionOutcome

if TYPE_CHECKING:
    import pandas as pd

EXPIRY_WARNING_DAYS = 30
SUMMARY_NAMES = ("summary.csv", "summary.json", "summary.html")


@dataclass(frozen=True)
class SummaryFiles:
    """Where the summary was written."""

    csv: Path
    json: Path
    html: Path


@dataclass(frozen=True)
class ReportWarning:
    """Something the customer should act on before it breaks a connection that works today."""

    connection: str
    text: str
    days_left: int | None = None  # for an expiry: negative once expired


def spkit_version() -> str:
    """The installed spkit's version (the package's own when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spkit")
    except PackageNotFoundError:
        from ... import __version__

        return __version__


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return ""


def report_meta(
    *,
    command: str | Sequence[str] | None = None,
    mode: str = "notebook",
    started_at: datetime.datetime | None = None,
    finished_at: datetime.datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """When, where and how a batch ran, for the report's header and ``summary.json``'s ``meta`` block.
    ``extra`` (jobs, timeout_s, executor, interrupted...) is kept as given."""
    started = (started_at or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    finished = (finished_at or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    if command is not None and not isinstance(command, str):
        command = shlex.join(str(part) for part in command)
    local = started.astimezone()
    return {
        "started_at": started.isoformat(timespec="seconds"),
        "started_local": local.isoformat(timespec="seconds"),
        "timezone": local.tzname() or "",
        "finished_at": finished.isoformat(timespec="seconds"),
        "machine": socket.gethostname(),
        "user": _user(),
        "spkit_version": spkit_version(),
        "command": command or "",
        "mode": mode,
        **extra,
    }


def counts(outcomes: Sequence[ConnectionOutcome]) -> dict[str, int]:
    """How many connections ended in each status, and in all."""
    found = {status: 0 for status in STATUSES}
    for outcome in outcomes:
        found[outcome.status] = found.get(outcome.status, 0) + 1
    return {"total": len(outcomes), **found}


def _when(text: Any) -> datetime.datetime | None:
    if not text or not isinstance(text, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _expiry(
    connection: str, what: str, fix: str, expires: Any, now: datetime.datetime
) -> ReportWarning | None:
    moment = _when(expires)
    if moment is None:
        return None
    days = (moment - now).days
    if days >= EXPIRY_WARNING_DAYS:
        return None
    if moment <= now:
        return ReportWarning(connection, f"{what} expired on {moment:%Y-%m-%d}: {fix}", days)
    left = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return ReportWarning(connection, f"{what} expires on {moment:%Y-%m-%d} ({left}): {fix}", days)


def expiry_warnings(
    outcomes: Sequence[ConnectionOutcome], now: datetime.datetime | None = None
) -> list[ReportWarning]:
    """Certificates and client secrets that expire within 30 days (or did), soonest first; then the
    warnings the checks themselves raised (roles that cannot list sites, a retired cloud...)."""
    now = now or datetime.datetime.now(datetime.UTC)
    expiring: list[ReportWarning] = []
    noted: list[ReportWarning] = []
    for outcome in outcomes:
        facts = outcome.result.facts if outcome.result is not None else {}
        thumbprint = facts.get("certificate_thumbprint", "")
        certificate = _expiry(
            outcome.name,
            f"certificate {thumbprint}".strip(),
            "create a new one (spkit register --rotate-certificate) and upload it to the app",
            facts.get("certificate_expires"),
            now,
        )
        secret = _expiry(
            outcome.name,
            "the client secret",
            "add a new secret to the app registration and update the reference",
            facts.get("secret_expires"),
            now,
        )
        expiring += [w for w in (certificate, secret) if w is not None]
        for step in outcome.result.steps if outcome.result is not None else []:
            if step.status is StepStatus.WARNING and not (
                certificate and thumbprint and thumbprint in step.detail
            ):
                noted.append(ReportWarning(outcome.name, f"{step.title}: {step.detail}"))
    expiring.sort(key=lambda w: w.days_left if w.days_left is not None else 0)
    return expiring + noted


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: missing values are null, numbers are plain numbers."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def write_summary(
    frame: pd.DataFrame,
    outcomes: Sequence[ConnectionOutcome],
    out_dir: Path,
    meta: Mapping[str, Any] | None = None,
) -> SummaryFiles:
    """Write ``summary.csv``, ``summary.json`` and ``summary.html`` into ``out_dir``. ``frame`` is
    ``summary_frame(outcomes, out_dir)`` (same rows, same order); ``meta`` is ``report_meta(...)``
    (made here when missing)."""
    from .report_html import render_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if len(frame) != len(outcomes):
        raise ValueError(f"the frame has {len(frame)} rows for {len(outcomes)} outcomes")
    meta = dict(meta) if meta is not None else report_meta()
    meta["counts"] = counts(outcomes)
    csv_path, json_path, html_path = (out_dir / name for name in SUMMARY_NAMES)
    frame.to_csv(csv_path, index=False)
    document = {"meta": meta, "connections": _records(frame)}
    json_path.write_text(
        json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    warnings = expiry_warnings(outcomes)
    html_path.write_text(render_report(frame, outcomes, out_dir, meta, warnings), encoding="utf-8")
    return SummaryFiles(csv_path, json_path, html_path)
