"""The onboarding record laid out for the customer: titled sections of labelled fields and tables.

Each section renders itself as HTML (what the notebook and its HTML export show) and as plain text
(a terminal); every value is shown whole and escaped, so nothing is cut off and nothing is markup.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ..models.results import StepResult
from .record_facts import human_duration

_STATUS_COLOURS = {
    "passed": "#1a7f37",
    "met": "#1a7f37",
    "yes": "#1a7f37",
    "failed": "#cf222e",
    "not met": "#cf222e",
    "no": "#cf222e",
    "warning": "#9a6700",
    "skipped": "#57606a",
}
_CELL = "text-align:left;vertical-align:top;padding:4px 12px 4px 0;white-space:normal"
# How a column's text may break: "word" between words only (the column is as wide as its longest word),
# "any" also inside long words such as URLs (for the wide free-text columns), "none" never (short codes).
_WRAP = {
    "word": "overflow-wrap:break-word;word-break:normal",
    "any": "overflow-wrap:anywhere",
    "none": "white-space:nowrap",
}
_LABEL = f"{_CELL};{_WRAP['word']};font-weight:600;width:16rem;min-width:12rem"


def _cell(wrap: str) -> str:
    return f"{_CELL};{_WRAP[wrap]}"


@dataclass
class Table:
    """Rows under column headings; ``status_column`` is coloured by its value (passed, failed, ...);
    ``wrap`` says per column how its text may break (default "word")."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    status_column: int | None = None
    wrap: tuple[str, ...] = ()

    def _wrap(self, index: int) -> str:
        return self.wrap[index] if index < len(self.wrap) else "word"

    def html(self) -> str:
        head = "".join(
            f'<th style="{_cell(self._wrap(i))}">{html.escape(c)}</th>' for i, c in enumerate(self.columns)
        )
        body = []
        for row in self.rows:
            cells = []
            for index, value in enumerate(row):
                text = _status_html(str(value)) if index == self.status_column else html.escape(str(value))
                cells.append(f'<td style="{_cell(self._wrap(index))}">{text}</td>')
            body.append(f"<tr>{''.join(cells)}</tr>")
        caption = f"<h3>{html.escape(self.caption)}</h3>" if self.caption else ""
        return (
            f'{caption}<table class="spkit-table" style="width:100%;table-layout:auto;margin:0 0 1em 0">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )

    def text(self) -> str:
        lines = [f"  {self.caption}"] if self.caption else []
        lines.append("    " + " | ".join(self.columns))
        lines += ["    " + " | ".join(str(v) for v in row) for row in self.rows]
        return "\n".join(lines)


@dataclass
class Section:
    """One heading of the record with its fields (label, value) and tables."""

    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""
    status_fields: tuple[str, ...] = ()  # labels whose value is coloured like a status

    def _repr_html_(self) -> str:
        parts = [f"<h2>{html.escape(self.title)}</h2>"]
        if self.note:
            parts.append(f"<p>{html.escape(self.note)}</p>")
        if self.fields:
            rows = "".join(
                f'<tr><th scope="row" style="{_LABEL}">{html.escape(label)}</th>'
                f'<td style="{_cell("any")}">'
                f"{_status_html(value) if label in self.status_fields else html.escape(value)}</td></tr>"
                for label, value in self.fields
            )
            parts.append(
                f'<table class="spkit-fields" style="width:100%;table-layout:auto;margin:0 0 1em 0">'
                f"<tbody>{rows}</tbody></table>"
            )
        parts += [table.html() for table in self.tables]
        return f'<section class="spkit-record">{"".join(parts)}</section>'

    def __repr__(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        if self.note:
            lines.append(self.note)
        width = max((len(label) for label, _ in self.fields), default=0)
        lines += [f"  {label:<{width}}  {value}" for label, value in self.fields]
        lines += [table.text() for table in self.tables]
        return "\n".join(lines)


def _status_html(value: str) -> str:
    colour = _STATUS_COLOURS.get(value.split(" ", 1)[0].lower().rstrip(":"), "")
    colour = _STATUS_COLOURS.get(value.lower(), colour)
    if not colour:
        return html.escape(value)
    return f'<span style="color:{colour};font-weight:600">{html.escape(value)}</span>'


def record_sections(facts: dict[str, Any]) -> list[Section]:
    """The record's sections in reading order, for an Online or an on-premises connection."""
    sections = [_summary(facts)]
    if facts["kind"] == "onprem":
        sections += [_onprem_connection(facts), _farm(facts), _requirements(facts)]
    else:
        sections += [_online_connection(facts), _tenant(facts), _registration(facts), _credential(facts)]
    sections += [_verification(facts), _sites(facts)]
    return sections


def _summary(facts: dict[str, Any]) -> Section:
    run = facts["run"]
    steps = [StepResult.from_dict(s) for s in facts["verification"]["steps"]]
    failed = [s for s in steps if s.status.value == "failed"]
    outcome = "PASSED" if facts["passed"] else "FAILED"
    counts = ", ".join(
        f"{sum(1 for s in steps if s.status.value == status)} {status}"
        for status in ("passed", "warning", "failed", "skipped")
    )
    verdict = f"{outcome}: {counts}"
    if failed:
        verdict += "; failed: " + ", ".join(s.title for s in failed)
    return Section(
        "Summary",
        [
            ("Connection", facts["name"]),
            ("Kind", facts["kind_label"]),
            ("Verification", verdict),
            ("Written at", run["at"]),
            ("Written by", f"{run['user']} on {run['machine']}"),
            ("Written with", f"spkit {run['spkit_version']}"),
        ],
        status_fields=("Verification",),
    )


def _online_connection(facts: dict[str, Any]) -> Section:
    c = facts["connection"]
    return Section(
        "Connection",
        [
            ("Connection name", c["name"]),
            ("Server location", c["kind"]),
            ("Office 365 cloud", c["cloud"]),
            ("SharePoint server URL", c["sharepoint_url"]),
            ("Admin center URL", c["admin_url"]),
            ("Dedicated application account", c["application_account"]),
            ("Saved at", c["saved_at"]),
        ],
    )


def _tenant(facts: dict[str, Any]) -> Section:
    t = facts["tenant"]
    return Section(
        "Tenant",
        [
            ("Tenant name", t["name"]),
            ("Tenant ID", f"{t['id']} (from {t['id_source']})" if t["id"] else "not known"),
            ("Initial domain", t["initial_domain"]),
            ("Tenant name confirmed", t["confirmed"]),
        ],
    )


def _registration(facts: dict[str, Any]) -> Section:
    r = facts["registration"]
    fields = [
        ("Application registration", r["how"]),
        ("Application name", r["app_name"]),
        ("Client ID", r["client_id"]),
    ]
    if r["object_id"]:
        fields.append(("Object ID", r["object_id"]))
    if r["preset"]:
        fields.append(("Permission preset", r["preset"]))
    if r["registered_at"]:
        fields.append(("Registered at", r["registered_at"]))
    fields.append(("Admin consent", r["consent"]))
    if r["consent_today"] != r["consent"]:
        fields.append(("Admin consent today", r["consent_today"]))
    rows = [[p["resource"], p["name"], p["id"], p["in_token"]] for p in r["permissions"]]
    table = Table(
        ["Resource", "Application permission", "GUID", "In today's token"],
        rows or [["—", "no application permission seen", "—", "—"]],
        caption=f"Permissions ({r['permissions_source']})",
        status_column=3,
        wrap=("word", "word", "none", "none"),
    )
    return Section("Application registration", fields, [table])


def _credential(facts: dict[str, Any]) -> Section:
    c = facts["credential"]
    if c["type"] == "client_secret":
        return Section(
            "Credential",
            [
                ("Credential", c["text"]),
                (
                    "Note",
                    "SharePoint REST accepts app-only tokens only from a certificate; a client secret "
                    "serves Microsoft Graph.",
                ),
            ],
        )
    if c.get("problem"):
        return Section(
            "Certificate",
            [("Certificate thumbprint", c.get("thumbprint") or "—"), ("Problem", c["problem"])],
        )
    return Section(
        "Certificate",
        [
            ("Credential", "certificate (its private key is kept locally, not shown)"),
            ("Certificate thumbprint", c["thumbprint"]),
            ("Subject", c["subject"]),
            ("Expires", c["expires"]),
            ("Key size", c["key_size"]),
            ("Kept in", c["location"]),
        ],
    )


def _onprem_connection(facts: dict[str, Any]) -> Section:
    c = facts["connection"]
    return Section(
        "Connection",
        [
            ("Connection name", c["name"]),
            ("Server location", c["kind"]),
            ("Credential", c["credential"]),
            ("Saved at", c["saved_at"]),
        ],
    )


def _farm(facts: dict[str, Any]) -> Section:
    f = facts["farm"]
    fields = [
        ("SharePoint server URL", f["url"]),
        ("Central Administration URL", f["central_admin_url"]),
        ("Account", f["account"]),
        ("Authentication", f["authentication"]),
        ("Farm version", f["version"]),
    ]
    if f["web_title"]:
        fields.append(("Root site", f["web_title"]))
    return Section("Farm", fields)


def _requirements(facts: dict[str, Any]) -> Section:
    rows = [[r["requirement"], r["status"]] for r in facts["requirements"]]
    return Section(
        "Admin account requirements",
        tables=[
            Table(["Requirement", "Status"], rows or [["not checked (sign-in failed)", "—"]], status_column=1)
        ],
        note="What the product requires of the admin account; some can only be checked on the server itself.",
    )


def _verification(facts: dict[str, Any]) -> Section:
    steps = [StepResult.from_dict(s) for s in facts["verification"]["steps"]]
    total = sum(s.duration_s for s in steps)
    tables = [
        Table(
            ["Step", "Status", "Detail", "Time"],
            [[s.title, s.status.value, s.detail, human_duration(s.duration_s)] for s in steps],
            status_column=1,
            wrap=("word", "none", "any", "none"),
        )
    ]
    for step in steps:  # each failure with its diagnosis: what went wrong, what was seen, what to do
        if step.diagnosis:
            tables.append(
                Table(
                    ["Code", "Problem", "Evidence", "Fix"],
                    [
                        [
                            step.diagnosis.code,
                            step.diagnosis.summary,
                            step.diagnosis.evidence,
                            step.diagnosis.fix,
                        ]
                    ],
                    caption=f"Diagnosis: {step.title}",
                    wrap=("none", "any", "any", "any"),
                )
            )
    started = facts["verification"].get("started_at", "")[:19].replace("T", " ")
    note = (
        f"Run for real when this record was written (started {started} UTC, {human_duration(total)} in all)."
    )
    return Section("Verification", tables=tables, note=note)


def _sites(facts: dict[str, Any]) -> Section:
    s = facts["sites"]
    if s["site_collections"] is None:
        return Section(
            "Site collections", [("Site collections", f"not counted ({s['detail'] or s['status']})")]
        )
    fields = [
        ("Site collections", str(s["site_collections"])),
        (s["personal_label"], str(s["personal_sites"] if s["personal_sites"] is not None else "—")),
    ]
    tables = []
    if s["sample"]:
        tables.append(
            Table(
                ["Title", "URL"],
                [[site.get("title") or "", site.get("url") or ""] for site in s["sample"]],
                caption=f"A sample of the site collections found ({len(s['sample'])})",
                wrap=("word", "any"),
            )
        )
    return Section("Site collections", fields, tables)
