"""HTML for the customer: the batch report (``summary.html``, one self-contained file: inline CSS,
charts as data URIs, no script, no CDN) and each connection's executed notebook without its code.

Everything shown comes from result fields, which never hold secrets, and every value is escaped. Local
paths are shown relative to where the batch ran (or to the home folder), never as absolute paths."""

from __future__ import annotations

import datetime
import html
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .frame import attention_order, first_failure
from .outcome import ConnectionOutcome

if TYPE_CHECKING:
    import pandas as pd

    from .report import ReportWarning

STATUS_LABELS = {"passed": "Passed", "failed": "Failed", "error": "Error", "timeout": "Timed out"}
KIND_LABELS = {"online": "SharePoint Online", "onprem": "SharePoint Server"}
COLUMNS = (
    "Status",
    "Connection",
    "Type",
    "First failed check",
    "Site collections",
    "Personal sites",
    "Credential",
    "Duration",
    "Record",
)
NUMERIC = ("Site collections", "Personal sites", "Duration")
COLUMN_WIDTHS = (9, 21, 10, 17, 9, 8, 13, 7, 6)  # percent; the table is laid out fixed, cells wrap

CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --passed: #1a7f37; --failed: #cf222e; --error: #9a6700; --timeout: #8250df; --link: #0969da; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.5 system-ui, -apple-system,
  "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 48px; }
a { color: var(--link); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.86em; }
header.top { border-bottom: 3px solid var(--ink); padding-bottom: 16px; margin-bottom: 24px; }
.eyebrow { margin: 0 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .08em;
  font-size: 12px; font-weight: 600; }
h1 { margin: 0 0 6px; font-size: 30px; line-height: 1.2; }
h2 { font-size: 20px; margin: 36px 0 10px; }
.when { margin: 0; color: var(--muted); }
.when b { color: var(--ink); font-weight: 600; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 8px; }
.tile { flex: 1 1 140px; border: 1px solid var(--line); border-left: 6px solid var(--line);
  border-radius: 8px; padding: 10px 14px; }
.tile .n { display: block; font-size: 30px; font-weight: 700; line-height: 1.1; }
.tile .label { color: var(--muted); font-weight: 600; }
.tile.passed { border-left-color: var(--passed); } .tile.passed .n { color: var(--passed); }
.tile.failed { border-left-color: var(--failed); } .tile.failed .n { color: var(--failed); }
.tile.error { border-left-color: var(--error); } .tile.error .n { color: var(--error); }
.tile.timeout { border-left-color: var(--timeout); } .tile.timeout .n { color: var(--timeout); }
.tile.zero .n { color: var(--muted); }
.notice { border: 1px solid #d4a72c; background: #fff8c5; border-radius: 8px; padding: 10px 16px 12px; }
.notice h2 { margin: 0 0 6px; font-size: 17px; }
.notice ul { margin: 0; padding-left: 20px; }
.notice li { margin: 3px 0; overflow-wrap: anywhere; }
.lead { color: var(--muted); margin: 0 0 12px; }
table.connections { width: 100%; border-collapse: collapse; font-size: 14px; table-layout: fixed; }
table.connections th { text-align: left; font-size: 12.5px; color: var(--muted); padding: 6px 8px;
  border-bottom: 2px solid var(--ink); vertical-align: bottom; }
table.connections td { padding: 8px; vertical-align: top; border-top: 1px solid var(--line);
  overflow-wrap: anywhere; }
table.connections tr.detail td { border-top: none; padding-top: 0; }
table.connections .num { text-align: right; font-variant-numeric: tabular-nums; }
tbody.connection { break-inside: avoid; page-break-inside: avoid; }
tbody.connection.failed, tbody.connection.error, tbody.connection.timeout { background: #fffafa; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 700;
  color: #fff; white-space: nowrap; }
.badge.passed { background: var(--passed); } .badge.failed { background: var(--failed); }
.badge.error { background: var(--error); } .badge.timeout { background: var(--timeout); }
.name { font-weight: 650; }
.sub { display: block; color: var(--muted); font-size: 12.5px; }
.code { display: inline-block; margin-top: 2px; font-size: 11.5px; font-weight: 600; color: var(--failed); }
.thumb { display: block; color: var(--muted); font-size: 11.5px; word-break: break-all; }
.soon { color: var(--failed); font-weight: 600; }
.date { white-space: nowrap; }
dl.why { margin: 0; display: grid; grid-template-columns: 7.5em 1fr; gap: 4px 12px; padding: 10px 14px;
  border-left: 4px solid var(--failed); background: #fff; border-radius: 0 6px 6px 0; }
tbody.error dl.why { border-left-color: var(--error); } tbody.timeout dl.why { border-left-color: var(--timeout); }
dl.why dt { font-weight: 700; color: var(--muted); font-size: 12.5px; text-transform: uppercase;
  letter-spacing: .04em; padding-top: 2px; }
dl.why dd { margin: 0; }
dl.why pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft);
  padding: 6px 8px; border-radius: 4px; }
figure { margin: 16px 0 28px; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
footer { margin-top: 40px; border-top: 1px solid var(--line); padding-top: 12px; color: var(--muted);
  font-size: 13px; }
footer code { overflow-wrap: anywhere; color: var(--ink); }
@media screen and (max-width: 900px) {
  /* narrow screens: one card per connection, each value under its label */
  main { padding: 20px 14px 36px; }
  h1 { font-size: 25px; }
  table.connections, table.connections tbody, table.connections tr, table.connections td { display: block; }
  table.connections thead, table.connections colgroup { display: none; }
  tbody.connection { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 12px; padding: 6px 0; }
  table.connections td { border-top: none; padding: 3px 12px; }
  table.connections td[data-label] { display: grid; grid-template-columns: 9.5em 1fr; gap: 8px; }
  table.connections td[data-label]::before { content: attr(data-label); color: var(--muted); font-size: 12.5px;
    font-weight: 600; }
  table.connections .num { text-align: left; }
  table.connections tr.detail td { padding: 6px 12px; }
  dl.why { grid-template-columns: 1fr; }
}
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  thead { display: table-header-group; }
}
"""

# The per-connection record: nbconvert's lab template without its CDN scripts (require.js, MathJax,
# mermaid: nothing in the notebook needs them), wide tables that wrap instead of cutting text off.
NOTEBOOK_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
body.jp-Notebook { max-width: 72rem; margin: 0 auto; padding: 1.5rem 2rem; }
body.jp-Notebook .jp-OutputArea-output { overflow-x: visible; }
body.jp-Notebook .jp-RenderedHTMLCommon table { width: 100%; table-layout: auto; margin-left: 0;
  font-size: 0.92em; }
body.jp-Notebook .jp-RenderedHTMLCommon td, body.jp-Notebook .jp-RenderedHTMLCommon th {
  text-align: left; vertical-align: top; max-width: none; white-space: pre-wrap; overflow-wrap: break-word; }
body.jp-Notebook .jp-RenderedHTMLCommon thead th { border-bottom: 1px solid #8c959f; }
body.jp-Notebook .jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: #f6f8fa; }
body.jp-Notebook .jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
@media screen and (max-width: 900px) {
  body.jp-Notebook { padding: 1rem 0.75rem; }
  body.jp-Notebook .jp-RenderedHTMLCommon td, body.jp-Notebook .jp-RenderedHTMLCommon th {
    overflow-wrap: anywhere; padding: 0.4em 0.3em; }
}
@media print { body.jp-Notebook { padding: 0; } }
</style>
{%- endblock html_head_css -%}
"""


def export_notebook_html(ipynb_path: Path, html_path: Path) -> Path:
    """Write an executed verification notebook as HTML for the customer: its outputs and text, no code
    cells, no prompts, no external scripts."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"spkit_verification.html.j2": NOTEBOOK_TEMPLATE})],
        template_file="spkit_verification.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    notebook = nbformat.read(str(ipynb_path), as_version=4)
    title = f"Verification of {Path(ipynb_path).stem}"
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(LocalPaths(html_path.parent).scrub(body), encoding="utf-8")
    return html_path


class LocalPaths:
    """Show local paths as the reader can follow them: relative to the report, to where the batch ran,
    to the home folder, or by the name of the folder they were in; never this machine's absolute paths."""

    def __init__(self, out_dir: Path, folders: Iterable[Path] = ()) -> None:
        prefixes: dict[str, str] = {}
        for folder in folders:  # e.g. the folders the profiles came from: by their name
            folder = Path(folder).resolve()
            if folder.parent != folder:
                prefixes[str(folder)] = folder.name
        prefixes[str(Path.home())] = "~"
        prefixes[str(Path.cwd().resolve())] = ""
        prefixes[str(Path(out_dir).resolve())] = ""
        ordered = sorted((k for k in prefixes if len(k) > 1), key=len, reverse=True)
        self._replacements = prefixes
        self._pattern = re.compile(
            "(" + "|".join(re.escape(k) for k in ordered) + r")(/|(?![\w.-]))" if ordered else r"(?!x)x"
        )

    def scrub(self, text: Any) -> str:
        """``text`` with every local absolute prefix replaced (``/home/me/x`` -> ``~/x``)."""

        def replace(match: re.Match[str]) -> str:
            short = self._replacements[match.group(1)]
            if match.group(2):
                return short + "/" if short else ""
            return short or "."

        return self._pattern.sub(replace, "" if text is None else str(text))

    def command(self, command: str) -> str:
        """A command line with its paths shown the same way."""
        try:
            parts = shlex.split(command)
        except ValueError:
            return self.scrub(command)
        return shlex.join(self.scrub(part) for part in parts)


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _breakable(code: Any) -> str:
    """A diagnosis code that may wrap after its underscores in a narrow column, never mid-word."""
    return _e(code).replace("_", "_<wbr>")


def _href(relative: str) -> str:
    return _e(quote(relative, safe="/"))


def _when(meta: Mapping[str, Any]) -> str:
    started = meta.get("started_at") or ""
    try:
        utc = datetime.datetime.fromisoformat(started)
    except ValueError:
        return _e(started)
    text = f"{utc:%A %d %B %Y} at <b>{utc:%H:%M} UTC</b>"
    local = meta.get("started_local")
    try:
        there = datetime.datetime.fromisoformat(local) if local else None
    except ValueError:
        there = None
    if there is not None and there.utcoffset() != datetime.timedelta(0):
        zone = meta.get("timezone") or there.strftime("UTC%z")
        text += f" ({there:%H:%M} local time, {_e(zone)})"
    return text


def _headline(tally: Mapping[str, int]) -> str:
    total, passed = tally.get("total", 0), tally.get("passed", 0)
    noun = "connection" if total == 1 else "connections"
    if total and passed == total:
        return f"All {total} {noun} passed" if total > 1 else "The connection passed"
    return f"{passed} of {total} {noun} passed"


def _tiles(tally: Mapping[str, int]) -> str:
    tiles = [("passed", "passed"), ("failed", "failed"), ("error", "errors")]
    if tally.get("timeout"):
        tiles.append(("timeout", "timed out"))
    return "".join(
        f'<div class="tile {status}{" zero" if not tally.get(status) else ""}">'
        f'<span class="n">{tally.get(status, 0)}</span><span class="label">{label}</span></div>'
        for status, label in tiles
    )


def _date(text: Any) -> str:
    try:
        return f"{datetime.datetime.fromisoformat(str(text)):%Y-%m-%d}"
    except ValueError:
        return str(text)


def _credential(row: Mapping[str, Any], outcome: ConnectionOutcome, soon: set[str]) -> str:
    facts = outcome.result.facts if outcome.result is not None else {}
    if row["certificate_thumbprint"]:
        expires = row["certificate_expires"]
        css = ' class="soon"' if outcome.name in soon else ""
        when = (
            f', <span{css}>expires <span class="date">{_e(_date(expires))}</span></span>' if expires else ""
        )
        return f'Certificate{when}<span class="thumb mono">{_e(row["certificate_thumbprint"])}</span>'
    described = str(facts.get("credential", ""))
    if described.startswith("client secret"):
        expires = row["secret_expires"]
        return "Client secret" + (f", expires {_e(_date(expires))}" if expires else "")
    if described.startswith("certificate"):
        return "Certificate"
    if facts.get("account"):
        return f'Windows account<span class="sub">{_e(facts["account"])}</span>'
    return '<span class="sub">—</span>'


def _count(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return '<span class="sub">—</span>'


def _connection_rows(
    row: Mapping[str, Any], outcome: ConnectionOutcome, paths: LocalPaths, soon: set[str], width: int
) -> str:
    status = row["status"]
    facts = outcome.result.facts if outcome.result is not None else {}
    link = row["html"]
    name = _e(row["connection"])
    name_html = (
        f'<a class="name" href="{_href(link)}">{name}</a>' if link else f'<span class="name">{name}</span>'
    )
    address = str(facts.get("sharepoint_url", "")).removeprefix("https://")
    subs = [address, f"tenant {row['tenant']}" if row["tenant"] else "", f"from {paths.scrub(row['source'])}"]
    connection = name_html + "".join(f'<span class="sub">{_e(s)}</span>' for s in subs if s)
    kind = KIND_LABELS.get(row["kind"], row["kind"] or "—")
    cloud = f'<span class="sub">cloud: {_e(row["cloud"])}</span>' if row["cloud"] else ""
    step = first_failure(outcome)
    if step is not None:
        failed = _e(step.title) + (
            f'<br><code class="code">{_breakable(row["code"])}</code>' if row["code"] else ""
        )
    elif status != "passed":
        failed = f'<span class="sub">{_e(STATUS_LABELS.get(status, status).lower())} before a result</span>'
    else:
        failed = '<span class="sub">none</span>'
    record = [f'<a href="{_href(link)}">View</a>'] if link else []
    if row["notebook"]:
        record.append(f'<a class="sub" href="{_href(row["notebook"])}">.ipynb</a>')
    cells = [
        f'<span class="badge {_e(status)}">{_e(STATUS_LABELS.get(status, status))}</span>',
        connection,
        _e(kind) + cloud,
        failed,
        _count(row["site_collections"]),
        _count(row["personal_sites"]),
        _credential(row, outcome, soon),
        f"{float(row['duration_s'] or 0):.2f} s",
        "<br>".join(record) or '<span class="sub">—</span>',
    ]
    main = "<tr>" + "".join(
        f'<td data-label="{label}"{" class=num" if label in NUMERIC else ""}><div>{cell}</div></td>'
        for label, cell in zip(COLUMNS, cells, strict=True)
    )
    main += "</tr>"
    if status == "passed":
        return f'<tbody class="connection passed">{main}</tbody>'
    details = [("Problem", _e(paths.scrub(row["problem"]))), ("Evidence", "")]
    evidence = paths.scrub(row["evidence"])
    details[1] = ("Evidence", f"<pre>{_e(evidence)}</pre>" if evidence else "")
    details.append(("Fix", _e(paths.scrub(row["fix"]))))
    body = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in details if value)
    detail = f'<tr class="detail"><td colspan="{width}"><dl class="why">{body}</dl></td></tr>'
    return f'<tbody class="connection {_e(status)}">{main}{detail}</tbody>'


def _interrupted(meta: Mapping[str, Any], tally: Mapping[str, int]) -> str:
    """A stopped run (Ctrl-C) says so: the connections it did not reach are not in the report."""
    if not meta.get("interrupted"):
        return ""
    requested = meta.get("requested")
    reach = f"{tally.get('total', 0)} of {requested}" if requested else str(tally.get("total", 0))
    return (
        '<section class="notice" id="interrupted"><h2>Stopped before the end</h2>'
        f"<p>The run was interrupted: {_e(reach)} connections were verified; the others are not in this "
        "report.</p></section>"
    )


def _warnings(warnings: Sequence[ReportWarning]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li><b>{_e(w.connection)}</b>: {_e(w.text)}</li>" for w in warnings)
    return f'<section class="notice" id="warnings"><h2>Warnings</h2><ul>{items}</ul></section>'


def _charts(frame: pd.DataFrame, outcomes: Sequence[ConnectionOutcome]) -> str:
    from .charts import site_collections_chart, step_durations_chart

    titles = {s.step: s.title for o in outcomes if o.result is not None for s in o.result.steps}
    charts = [c for c in (site_collections_chart(frame), step_durations_chart(frame, titles)) if c]
    return "".join(
        f'<section class="chart"><h2>{_e(c.title)}</h2><figure><img src="{c.data_uri}" alt="{_e(c.alt)}">'
        f"<figcaption>{_e(c.caption)}</figcaption></figure></section>"
        for c in charts
    )


def render_report(
    frame: pd.DataFrame,
    outcomes: Sequence[ConnectionOutcome],
    out_dir: Path,
    meta: Mapping[str, Any],
    warnings: Sequence[ReportWarning],
) -> str:
    """The whole ``summary.html`` as text."""
    sources = [Path(o.source) for o in outcomes if not o.source.startswith("connection:")]
    paths = LocalPaths(out_dir, {source.parent for source in sources if source.is_absolute()})
    tally = meta.get("counts") or {}
    soon = {w.connection for w in warnings if w.days_left is not None}
    ordered = attention_order(frame)
    body = "".join(
        _connection_rows(row, outcomes[position], paths, soon, len(COLUMNS))
        for position, (_, row) in zip(ordered.index, ordered.iterrows(), strict=True)
    )
    cols = "".join(f'<col style="width: {w}%">' for w in COLUMN_WIDTHS)
    head = "".join(f"<th{' class=num' if c in NUMERIC else ''}>{c}</th>" for c in COLUMNS)
    who = [f"on <b>{_e(meta.get('machine', ''))}</b>" if meta.get("machine") else ""]
    who.append(f"by <b>{_e(meta.get('user'))}</b>" if meta.get("user") else "")
    mode = {"fleet": "all connections in one process (fleet mode)", "notebook": "one notebook per connection"}
    when = f"Run on {_when(meta)} " + " ".join(w for w in who if w)
    facts = (
        f"spkit {_e(meta.get('spkit_version', ''))} · {_e(mode.get(meta.get('mode'), meta.get('mode', '')))}"
    )
    command = paths.command(str(meta.get("command") or ""))
    footer = (
        "Every check was run for real against the connection's own endpoints; each failure shows the "
        "evidence seen and the fix. Each connection's record (its executed verification notebook) is linked "
        "from its name. This report holds no passwords, secrets, tokens or keys."
    )
    if command:
        footer += f"<br>Command: <code>{_e(command)}</code>"
    title = f"SharePoint connection verification, {str(meta.get('started_at', ''))[:10]}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header class="top">
<p class="eyebrow">SharePoint connection verification</p>
<h1>{_e(_headline(tally))}</h1>
<p class="when">{when}<br>{facts}</p>
</header>
<section class="tiles" aria-label="totals">{_tiles(tally)}</section>
{_interrupted(meta, tally)}{_warnings(warnings)}
<section id="connections">
<h2>Connections</h2>
<p class="lead">Failures first. Select a connection's name for its full record: every check with its evidence.</p>
<table class="connections">
<colgroup>{cols}</colgroup>
<thead><tr>{head}</tr></thead>
{body}
</table>
</section>
{_charts(frame, outcomes)}
<footer>{footer}</footer>
</main>
</body>
</html>
"""
