"""*Configuration* (Configure tries the connection for real, each step shown as it finishes, then the
table of steps, each failure with its diagnosis and fix, and a sample of the site collections) and
*Save* (nothing is saved before; then the onboarding record)."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..services.diagnose import troubleshoot_hint
from ..services.kinds import services_for
from . import labels
from .draft import CONFIGURE, ONPREM, SAVE, Draft
from .form import FieldRow, box_message, button, html_block, message_html, panel, set_message, text
from .style import message_layout

if TYPE_CHECKING:
    from .app import ConnectionWizard

MARKS = {"passed": "✔ passed", "failed": "✖ failed", "warning": "▲ warning", "skipped": "○ skipped"}
L = labels.FIELD_LABELS


def _e(value: Any) -> str:
    return html.escape(str(value))


def steps_table(steps: list[Any], *, requirements_below: bool = False) -> str:
    """The steps as they finished: status, what was checked, the detail, the time, the code. Status,
    time and code stay on one line; the step's name too, but in a narrow cell, where it wraps between
    words; the detail wraps (a long URL may break). With ``requirements_below`` the admin account's
    requirements are counted here, as their own table below lists each one."""
    if not steps:
        return ""
    rows = []
    for step in steps:
        status = step.status.value
        code = step.diagnosis.code if step.diagnosis else ""
        detail = step.detail
        if requirements_below and step.step == "requirements" and step.facts.get("requirements"):
            detail = requirements_summary(step.facts["requirements"])
        rows.append(
            f'<tr><td class="spkit-status spkit-status-{status}">{MARKS.get(status, status)}</td>'
            f'<td class="spkit-step-name">{_e(step.title)}</td><td class="spkit-detail">{_e(detail)}</td>'
            f'<td class="spkit-num">{step.duration_s:.1f} s</td><td>{_e(code)}</td></tr>'
        )
    return (
        '<div class="spkit-scroll"><table class="spkit-table spkit-steps-table"><thead><tr><th>Status</th>'
        "<th>Step</th><th>Detail</th><th>Time</th><th>Code</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def requirements_summary(rows: list[dict]) -> str:
    """One line for the requirements: what is not met by name, the rest counted by status."""
    missing = [r["requirement"] for r in rows if r["status"] == "not met"]
    counts: dict[str, int] = {}
    for row in rows:
        if row["status"] != "not met":
            counts[row["status"]] = counts.get(row["status"], 0) + 1
    parts = [f"not met: {', '.join(missing)}"] if missing else []
    parts += [f"{count} {status}" for status, count in counts.items()]
    return f"{'; '.join(parts)} (each requirement is listed below)"


def failures_html(result: Any) -> str:
    """Each failed step with its diagnosis: what went wrong, the evidence, and the fix."""
    parts = []
    for step in result.failed_steps:
        d = step.diagnosis
        if d is None:
            continue
        evidence = f"<br><small>Evidence: {_e(d.evidence)}</small>" if d.evidence else ""
        fix = f"<br><b>Fix:</b> {_e(d.fix)}" if d.fix else ""
        parts.append(
            f'<div class="spkit-message spkit-bad"><b>{_e(step.title)}</b> [{_e(d.code)}]: '
            f"{_e(d.summary)}{evidence}{fix}</div>"
        )
    return "".join(parts)


def troubleshoot_html(draft: Draft) -> str:
    """After a failure: how to open the troubleshooting notebook (or run spkit diagnose) for this connection."""
    name = draft.saved_name or draft["name"].strip() or draft.default_name()
    once = "" if draft.saved_name else "Once the connection is saved (next step): "
    return f'<div class="spkit-sub spkit-troubleshoot">{_e(once + troubleshoot_hint(connection=name))}</div>'


def sites_html(result: Any) -> str:
    """A sample of the site collections found, with the counts."""
    sample: list[dict] = []
    for step in result.steps:  # the step that enumerated them ("sites" Online, "search" on-premises)
        if step.step in ("sites", "search") and step.facts.get("sample"):
            sample = step.facts["sample"]
    counts = result.facts
    if not sample and counts.get("site_collections") is None:
        return ""
    line = f"{counts.get('site_collections', 0)} site collections"
    if counts.get("onedrive_sites") is not None:
        line += f" and {counts.get('onedrive_sites')} {services_for(result).personal_sites}"
    rows = "".join(
        f'<tr><td>{_e(s.get("title") or "")}</td><td><a href="{_e(s.get("url"))}" target="_blank" '
        f'rel="noopener">{_e(s.get("url"))}</a></td></tr>'
        for s in sample
    )
    table = (
        f'<table class="spkit-table"><thead><tr><th>Title</th><th>URL</th></tr></thead><tbody>{rows}</tbody></table>'
        if rows
        else ""
    )
    return f'<div class="spkit-sub">Site collections found: {_e(line)}</div>{table}'


REQUIREMENT_STATUS = {"met": "passed", "not met": "failed"}


def requirements_html(result: Any) -> str:
    for step in result.steps:
        rows = step.facts.get("requirements") if step.step == "requirements" else None
        if rows:
            body = "".join(
                f'<tr><td>{_e(r["requirement"])}</td><td class="spkit-status-'
                f'{REQUIREMENT_STATUS.get(r["status"], "skipped")}">{_e(r["status"])}</td></tr>'
                for r in rows
            )
            return (
                '<div class="spkit-sub">Admin account requirements</div><table class="spkit-table"><thead><tr>'
                f"<th>Requirement</th><th>Status</th></tr></thead><tbody>{body}</tbody></table>"
            )
    return ""


class ConfigurationStep:
    step = "configuration"

    def __init__(self, wizard: ConnectionWizard) -> None:
        self.wizard = wizard
        self.configure = button(labels.CONFIGURE, wizard.configure, style="primary", icon="plug")
        wizard.register(self.configure)
        self.error = w.HTML(layout=message_layout())
        self.error.add_class("spkit-field-error")
        row = w.HBox([self.configure, self.error])
        row.add_class("spkit-row")
        self.progress = html_block(css="spkit-progress")
        self.summary = html_block()
        self.table = html_block()
        self.failures = html_block()
        self.sites = html_block()
        self.intro = w.HTML()
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "",
            [self.intro, row, self.progress, self.summary, self.table, self.failures, self.sites],
        )

    def refresh(self, draft: Draft) -> None:
        onprem = draft.kind == ONPREM
        if onprem:
            intro = (
                "spkit signs in to the farm (NTLM), enumerates the site collections, connects to some of them "
                "and to Central Administration, and checks the admin account's requirements."
            )
        elif draft["registration"] == "automatic":
            intro = (
                "spkit registers the application in Entra ID (as previewed), waits until the admin consent is "
                "in effect, gets a token, enumerates the site collections and connects to one of them and to "
                "the admin center."
            )
        else:
            intro = (
                "spkit gets a token for the application, enumerates the site collections (and OneDrive sites), "
                "connects to one of them and to the admin center."
            )
        self.intro.value = (
            f'<p class="spkit-intro">{intro} Click <b>Configure</b> and wait for the results.</p>'
        )
        run = self.wizard.configuring
        self.configure.disabled = self.wizard.tasks.busy
        set_message(self.error, message_html(draft.errors.get(CONFIGURE)))
        result = run.result
        set_message(self.progress, _e(run.progress) if self.wizard.tasks.running("configure") else "")
        self.table.value = steps_table(run.steps, requirements_below=result is not None)
        if result is None:
            self.summary.value = self.failures.value = self.sites.value = ""
            return
        stale = "" if draft.is_configured else " The settings changed since: click Configure again."
        if result.passed:
            self.summary.value = box_message(
                f"The connection to SharePoint works: every check passed or warned.{stale}", "ok"
            )
        else:
            failed = ", ".join(s.title for s in result.failed_steps)
            self.summary.value = box_message(
                f"The configuration failed at: {failed}. Each failure below says why and how to fix it; you "
                f"can still save the connection and verify it again later.{stale}",
                "bad",
            )
        self.failures.value = failures_html(result) + ("" if result.passed else troubleshoot_html(draft))
        self.sites.value = sites_html(result) + requirements_html(result)

    def enter(self) -> None:
        pass


class SaveStep:
    step = "save"

    def __init__(self, wizard: ConnectionWizard) -> None:
        self.wizard = wizard
        self.kept = w.HTML()
        self.kept.add_class("spkit-field-note")
        self.name = FieldRow(wizard, "name", text(L["name"], "e.g. contoso-prod"), after=[self.kept])
        self.save = button(labels.SAVE, wizard.save, style="success", icon="save")
        wizard.register(self.save)
        self.error = w.HTML(layout=message_layout())
        self.error.add_class("spkit-field-error")
        row = w.HBox([self.save, self.error])
        row.add_class("spkit-row")
        self.status = html_block()
        self.record = button(labels.WRITE_RECORD, wizard.write_record, icon="file-text")
        wizard.register(self.record)
        self.record_error = w.HTML(layout=message_layout())
        self.record_error.add_class("spkit-field-error")
        record_row = w.HBox([self.record, self.record_error])
        record_row.add_class("spkit-row")
        self.record_status = html_block()
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "Nothing is saved until you click <b>Save</b>. The connection is then listed on the "
            "<i>Defined server connections</i> card and works at once from the command line "
            "(<code>spkit verify --connection NAME</code>) and the notebooks.",
            [self.name.row, row, self.status, record_row, self.record_status],
        )

    def refresh(self, draft: Draft) -> None:
        self.name.refresh(draft)
        self.name.widget.disabled = draft.editing is not None  # the value stays shown, readable
        set_message(self.kept, "the saved connection keeps its name" if draft.editing else "")
        self.name.fit()
        set_message(self.error, message_html(draft.errors.get(SAVE)))
        self.save.disabled = self.wizard.tasks.busy
        result = self.wizard.configuring.result
        saved = draft.saved_name if not draft.dirty else None
        if saved:
            command = f"spkit verify --connection '{saved}'"
            self.status.value = (
                f"<div class=\"spkit-message spkit-ok\">Saved as '{_e(saved)}' in "
                f'<span class="spkit-path">{_e(self.wizard.actions.store.path)}</span>. '
                f'Try it: <code class="spkit-cmd">{_e(command)}</code></div>'
            )
        elif result is not None and not result.passed:
            self.status.value = box_message(
                "The configuration did not pass: the connection can be saved, but it will not work until "
                "the failures shown in Configuration are fixed.",
                "warn",
            )
        elif draft.editing:
            self.status.value = box_message(f"Saving replaces the connection '{draft.editing}'.", "info")
        else:
            self.status.value = ""
        self.record.layout.display = "" if saved else "none"
        self.record.disabled = self.wizard.tasks.busy
        set_message(self.record_error, message_html(draft.errors.get("record")))
        self.record_status.value = self.wizard.record_links

    def enter(self) -> None:
        pass


def file_links(paths: list[Path]) -> str:
    """Where the record files are, each with a link that downloads it (works in Voilà and JupyterLab)."""
    items = []
    for path in paths:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        mime = "text/html" if path.suffix == ".html" else "application/x-ipynb+json"
        items.append(
            f'<li><a download="{_e(path.name)}" href="data:{mime};base64,{data}">{_e(path.name)}</a> '
            f"<small>({_e(path)})</small></li>"
        )
    return f'<div class="spkit-message spkit-ok">Onboarding record written:<ul>{"".join(items)}</ul></div>'


__all__ = ["SAVE", "ConfigurationStep", "SaveStep", "file_links"]
