"""Verify many connections: the verification notebook per connection (papermill, in isolated worker
processes), one kernel for a fleet, or a Dask cluster; results merged into one summary and report.

Each executed notebook is the record of one verification; its result is published as a display output
of type ``RESULT_MIME`` so it can be read back exactly, without scraping text. This module stays light
(no pandas, no nbformat): the notebooks import ``RESULT_MIME`` from it in every kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

from ...models.results import VerificationResult

RESULT_MIME = "application/vnd.spkit.verification+json"
NOTEBOOKS_DIR = Path(__file__).resolve().parents[3] / "notebooks"
VERIFY_NOTEBOOK = NOTEBOOKS_DIR / "verify_connection.ipynb"


def read_result(notebook_path: Path) -> VerificationResult | None:
    """The verification result an executed notebook published (None if it published none).

    An .ipynb file is JSON (nbformat 4); reading it as such avoids importing nbformat and its schema
    validator, which costs seconds per process."""
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RESULT_MIME in data:
                payload = data[RESULT_MIME]
                return VerificationResult.from_dict(
                    json.loads(payload) if isinstance(payload, str) else payload
                )
    return None
