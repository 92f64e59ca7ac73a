"""Run the verification notebook for many profiles with papermill and merge the results with pandas.

Each executed notebook is the record of one verification; its result is published as a display output
of type ``RESULT_MIME`` so it can be read back exactly, without scraping text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from ...models.results import VerificationResult

RESULT_MIME = "application/vnd.spkit.verification+json"
NOTEBOOKS_DIR = Path(__file__).resolve().parents[3] / "notebooks"
VERIFY_NOTEBOOK = NOTEBOOKS_DIR / "verify_connection.ipynb"


@dataclass
class NotebookRun:
    profile_path: Path
    notebook_path: Path
    result: VerificationResult | None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.passed


def read_result(notebook_path: Path) -> VerificationResult | None:
    """The verification result an executed notebook published (None if it published none)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RESULT_MIME in data:
                payload = data[RESULT_MIME]
                return VerificationResult.from_dict(
                    json.loads(payload) if isinstance(payload, str) else payload
                )
    return None


def _safe_name(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem)


def run_notebook(
    profile_path: Path,
    out_dir: Path,
    *,
    notebook: Path = VERIFY_NOTEBOOK,
    kernel_name: str | None = None,
    log_output: bool = False,
) -> NotebookRun:
    """Execute the notebook for one profile; a failing cell is recorded, not raised."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / f"{_safe_name(profile_path)}.ipynb"
    error = None
    try:
        pm.execute_notebook(
            str(notebook),
            str(output),
            parameters={"profile_path": str(profile_path.resolve())},
            kernel_name=kernel_name,
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=log_output,
        )
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    result = read_result(output) if output.exists() else None
    return NotebookRun(profile_path, output, result, error)


def run_batch(
    profile_paths: Iterable[Path],
    out_dir: Path,
    *,
    notebook: Path = VERIFY_NOTEBOOK,
    progress: Callable[[NotebookRun], None] | None = None,
) -> list[NotebookRun]:
    runs = []
    for path in profile_paths:
        run = run_notebook(path, out_dir, notebook=notebook)
        runs.append(run)
        if progress:
            progress(run)
    return runs


def report_frame(runs: Iterable[NotebookRun]) -> pd.DataFrame:
    """One row per connection: outcome, first failure with its code and fix, what was found."""
    rows = []
    for run in runs:
        result = run.result
        failed = result.failed_steps if result else []
        first = failed[0] if failed else None
        rows.append(
            {
                "profile": result.profile_name if result else run.profile_path.stem,
                "status": "error" if result is None else ("passed" if result.passed else "failed"),
                "failed_step": first.step if first else "",
                "code": first.diagnosis.code if first and first.diagnosis else "",
                "problem": (first.detail if first else "") or (run.error or ""),
                "fix": first.diagnosis.fix if first and first.diagnosis else "",
                "site_collections": result.facts.get("site_collections") if result else None,
                "onedrive_sites": result.facts.get("onedrive_sites") if result else None,
                "duration_s": round(result.duration_s, 2) if result else None,
                "notebook": str(run.notebook_path),
            }
        )
    return pd.DataFrame(rows)


def write_report(frame: pd.DataFrame, out_dir: Path) -> tuple[Path, Path]:
    """The report as CSV and HTML next to the executed notebooks."""
    csv_path, html_path = out_dir / "report.csv", out_dir / "report.html"
    frame.to_csv(csv_path, index=False)
    html_path.write_text(
        "<html><head><meta charset='utf-8'><title>spkit verification report</title></head><body>"
        "<h1>spkit verification report</h1>" + frame.to_html(index=False, escape=True) + "</body></html>\n",
        encoding="utf-8",
    )
    return csv_path, html_path
