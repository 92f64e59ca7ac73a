"""The onboarding record of a saved connection: an executed notebook and its HTML for the customer.

``write_record`` runs ``notebooks/onboarding_record.ipynb`` with papermill for one saved connection; the
executed notebook is the record (its verification result is published as ``RESULT_MIME``, so it reads
back like a batch run), and its export without code is the HTML handed to the customer. Before either
file is kept, both are scanned for the connection's own secrets, tokens and private keys.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import CheckError, SpkitError
from ..models.cert_store import CertificateStore
from ..models.online_profile import CertificateThumbprintCredential, OnlineProfile
from ..models.results import VerificationResult
from ..store import ConnectionStore, SavedConnection, store_path
from .record_facts import record_facts
from .record_sections import record_sections
from .secret_values import secret_value

__all__ = [
    "DEFAULT_OUT_DIR",
    "RECORD_NOTEBOOK",
    "RecordFiles",
    "export_record_html",
    "record_facts",
    "record_sections",
    "refuse_secrets",
    "write_record",
]

RECORD_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "onboarding_record.ipynb"
DEFAULT_OUT_DIR = Path("out") / "records"
# Cells the customer's HTML leaves out entirely: the parameters and the machine-readable result.
HIDDEN_TAGS = ("parameters", "injected-parameters", "record-data")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# The lab template, without the scripts it loads from CDNs (no maths or widgets in a record), and
# with tables that use the page's width and wrap long values instead of cutting them.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
body.jp-Notebook { max-width: 72rem; margin: 0 auto; padding: 1.5rem 2rem; }
.jp-OutputArea-output { overflow-x: visible; }
.jp-RenderedHTMLCommon table.spkit-table, .jp-RenderedHTMLCommon table.spkit-fields {
  width: 100%; table-layout: auto; margin-left: 0; font-size: 0.95em; }
.jp-RenderedHTMLCommon table.spkit-table td, .jp-RenderedHTMLCommon table.spkit-table th,
.jp-RenderedHTMLCommon table.spkit-fields td, .jp-RenderedHTMLCommon table.spkit-fields th {
  text-align: left; vertical-align: top; max-width: none; }
.jp-RenderedHTMLCommon table.spkit-table thead th { border-bottom: 1px solid #8c959f; }
.jp-RenderedHTMLCommon table.spkit-table tbody tr:nth-child(odd) { background: #f6f8fa; }
.jp-RenderedHTMLCommon section.spkit-record h2 { margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
@media print { body.jp-Notebook { padding: 0; } }
</style>
{%- endblock html_head_css -%}
"""


@dataclass(frozen=True)
class RecordFiles:
    """The two files of one record, and the verification result the notebook published."""

    ipynb: Path
    html: Path
    result: VerificationResult | None

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.passed


def write_record(
    name: str,
    out_dir: Path,
    *,
    store: ConnectionStore | None = None,
    now: datetime | None = None,
    sample_size: int = 10,
    notebook: Path = RECORD_NOTEBOOK,
) -> RecordFiles:
    """Execute the record notebook for connection ``name`` and write ``<name>-<UTC time>.ipynb`` and
    ``.html`` into ``out_dir``. An unknown name or an invalid profile is refused before a kernel starts."""
    import papermill as pm  # imported here: papermill and nbformat cost seconds, the CLI starts fast
    from papermill.exceptions import PapermillExecutionError

    from .batch import read_result

    store = store or ConnectionStore()
    saved = store.get(name)  # CONNECTION_NOT_FOUND / PROFILE_* (exit 2) before anything runs
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    out_dir = Path(out_dir).expanduser().absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = _free_stem(out_dir, f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', saved.name)}-{stamp:%Y%m%dT%H%M%SZ}")
    ipynb, html_path = out_dir / f"{stem}.ipynb", out_dir / f"{stem}.html"
    parameters = {
        "connection": saved.name,
        # Only another store than the default one is named: the kernel inherits the environment.
        "store_path": str(store.path) if store.path != store_path() else None,
        "run_at": stamp.isoformat(),
        "sample_size": sample_size,
    }
    # A neutral working directory: the kernel imports nothing that lies in the caller's directory.
    with tempfile.TemporaryDirectory(prefix="spkit-record-") as neutral:
        try:
            pm.execute_notebook(
                str(notebook),
                str(ipynb),
                parameters=parameters,
                cwd=neutral,
                progress_bar=False,
                log_output=False,
                # The kernel's own start-up warnings (TCP transport on loopback) are not the user's news.
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except PapermillExecutionError as error:
            refuse_secrets(saved, store, (ipynb,))  # the partial notebook is kept for its traceback
            raise CheckError(
                f"the onboarding record notebook failed for '{saved.name}': {error.ename}: {error.evalue}",
                code="RECORD_FAILED",
                evidence=str(ipynb),
                fix="fix what the error says (see the executed notebook), then write the record again",
            ) from None
    html_path.write_text(
        export_record_html(ipynb, title=f"Onboarding record: {saved.name}"), encoding="utf-8"
    )
    refuse_secrets(saved, store, (ipynb, html_path))
    return RecordFiles(ipynb, html_path, read_result(ipynb))


def export_record_html(ipynb: Path, *, title: str) -> str:
    """The executed record as HTML for the customer: outputs and text only, no code, no prompts."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_TAGS)
    exporter = HTMLExporter(
        config=config,
        extra_loaders=[DictLoader({"spkit_record.html.j2": _TEMPLATE})],
        template_file="spkit_record.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    notebook = nbformat.read(str(ipynb), as_version=4)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return body


def _free_stem(folder: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... when a record of the same second exists."""
    candidate, n = stem, 1
    while (folder / f"{candidate}.ipynb").exists() or (folder / f"{candidate}.html").exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _known_secrets(saved: SavedConnection, store: ConnectionStore) -> list[str]:
    """The connection's own secret values and private key, to prove the record holds none of them."""
    values: list[str] = []
    for key in saved.secret_keys:
        with contextlib.suppress(SpkitError):
            values.append(store.secret(saved.name, key))
    profile = saved.profile
    credential = getattr(profile, "credential", None)
    refs = [getattr(profile, "admin_password", None), getattr(credential, "secret", None)]
    refs.append(getattr(credential, "password", None))
    for ref in refs:
        if ref is not None and ref.kind != "store":
            with contextlib.suppress(SpkitError):
                values.append(secret_value(ref, profile.card))
    if isinstance(profile, OnlineProfile) and isinstance(profile.credential, CertificateThumbprintCredential):
        with contextlib.suppress(SpkitError):
            pem = CertificateStore().get(profile.credential.thumbprint).private_key_pem().decode()
            values += [line for line in pem.splitlines() if len(line) >= 32 and "-----" not in line]
    return [v for v in values if len(v) >= 6]


def refuse_secrets(saved: SavedConnection, store: ConnectionStore, paths: tuple[Path, ...]) -> None:
    """Delete the record and fail if a secret, token or private key got into it (never say which)."""
    secrets = {
        form
        for value in _known_secrets(saved, store)
        for form in (value, html.escape(value), json.dumps(value)[1:-1])
    }
    for path in paths:
        text = path.read_text(encoding="utf-8")
        found = (
            "a token"
            if _JWT.search(text)
            else "a private key"
            if _PRIVATE_KEY.search(text)
            else "a secret of the connection"
            if any(secret in text for secret in secrets)
            else None
        )
        if found:
            for doomed in paths:
                doomed.unlink(missing_ok=True)
            raise CheckError(
                f"the onboarding record of '{saved.name}' contained {found}; it was deleted",
                code="RECORD_SECRET_FOUND",
                fix="report this as a bug in spkit (run 'spkit --debug record ...'); never share that record",
            )
