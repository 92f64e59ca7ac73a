"""The guide's *Defined server connections* card: the saved connections, with New, Edit and Remove
(Remove offers to unregister the app spkit created, which takes an admin sign-in)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from . import labels
from .draft import REMOVE
from .form import button, message_html, set_message, show
from .style import message_layout

if TYPE_CHECKING:
    from .app import ConnectionWizard

KIND_TEXT = {"online": "SharePoint Online", "onprem": "On-premises"}
CREDENTIAL_TEXT = {
    "client_secret": "client secret",
    "certificate_thumbprint": "certificate",
    "certificate_file": "certificate file",
    "password": "password",
}


def connection_label(summary: dict) -> str:
    kind = KIND_TEXT.get(summary.get("kind") or "", summary.get("kind") or "?")
    cloud = summary.get("cloud")
    where = f"{kind} ({cloud})" if cloud and cloud != "global" else kind
    parts = [
        summary["name"],
        where,
        summary.get("sharepoint_url") or "",
        CREDENTIAL_TEXT.get(summary["credential"], ""),
    ]
    if summary.get("registered_by_spkit"):
        parts.append("app registered by spkit")
    return "  ·  ".join(p for p in parts if p)


class ConnectionsCard:
    def __init__(self, wizard: ConnectionWizard) -> None:
        self.wizard = wizard
        self.title = w.HTML(f'<div class="spkit-card-title">{html.escape(labels.CARD_TITLE)}</div>')
        self.list = w.Select(
            options=[],
            rows=5,
            description="Connections",
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="900px"),  # never wider than the card (JupyterLab)
        )
        self.list.observe(lambda _change: None if wizard.syncing else wizard.refresh(), "value")
        self.empty = w.HTML(
            '<p class="spkit-intro">No connection saved yet: define one with the wizard below.</p>'
        )
        self.new = button(labels.NEW, wizard.new_connection, icon="plus")
        self.edit = button(labels.EDIT, self._edit, icon="pencil")
        self.remove = button(labels.REMOVE, self._remove, icon="trash")
        for control in (self.new, self.edit, self.remove):
            wizard.register(control, step="*")
        self.message = w.HTML(layout=message_layout())
        self.message.add_class("spkit-field-error")
        self.status = w.HTML()
        buttons = w.HBox([self.new, self.edit, self.remove, self.message])
        buttons.add_class("spkit-row")
        self.question = w.HTML()
        self.remove_only = button(labels.REMOVE_ONLY, lambda: wizard.remove_connection(self.selected, False))
        self.unregister = button(
            labels.UNREGISTER_AND_REMOVE,
            lambda: wizard.remove_connection(self.selected, True),
            style="danger",
        )
        self.keep = button(labels.KEEP, self._keep)
        for control in (self.remove_only, self.unregister, self.keep):
            wizard.register(control, step="*", when=lambda _d: self.confirming)
        self.confirm = w.HBox([self.question, self.remove_only, self.unregister, self.keep])
        self.confirm.add_class("spkit-confirm")
        self.confirming = False
        self.box = w.VBox([self.title, self.list, self.empty, buttons, self.confirm, self.status])
        self.box.add_class("spkit-panel")
        self.box.add_class("spkit-card")
        self.summaries: dict[str, dict] = {}

    @property
    def selected(self) -> str | None:
        return self.list.value

    def _edit(self) -> None:
        if not self.selected:
            self.wizard.card_error("select a connection to edit")
            return
        self.wizard.edit_connection(self.selected)

    def _remove(self) -> None:
        if not self.selected:
            self.wizard.card_error("select a connection to remove")
            return
        self.confirming = True
        self.wizard.card_status = ""  # the outcome of an earlier Remove is not about this one
        self.wizard.draft.errors.pop(REMOVE, None)
        self.wizard.refresh()

    def _keep(self) -> None:
        self.confirming = False
        self.wizard.refresh()

    def reload(self) -> None:
        """Read the saved connections again (after Save, Remove, or a change from the CLI)."""
        try:
            connections = self.wizard.actions.connections()
        except Exception as error:  # a damaged store: say so on the card, keep the wizard usable
            self.wizard.card_error(error)
            connections = []
        self.summaries = {c.name: c.summary() for c in connections}
        options = [(connection_label(s), name) for name, s in self.summaries.items()]
        current = self.list.value
        with self.wizard.sync():
            self.list.options = options
            self.list.value = current if current in self.summaries else None

    def refresh(self) -> None:
        draft = self.wizard.draft
        show(self.list, bool(self.summaries))
        show(self.empty, not self.summaries)
        busy = self.wizard.tasks.busy
        for control in (self.new, self.edit, self.remove):
            control.disabled = busy
        self.edit.disabled = self.remove.disabled = busy or not self.selected
        set_message(self.message, message_html(draft.errors.get(REMOVE)))
        self.status.value = self.wizard.card_status
        selected = self.summaries.get(self.selected or "")
        if self.confirming and selected is not None:
            ours = selected.get("registered_by_spkit")
            extra = (
                " Its app registration was created by spkit: unregister it too (a Global Administrator "
                "signs in), or it stays in Entra ID."
                if ours
                else ""
            )
            self.question.value = (
                f"<b>Remove connection '{html.escape(selected['name'])}'?</b>{html.escape(extra)}"
            )
            show(self.unregister, bool(ours))
        show(self.confirm, self.confirming and selected is not None)
        self.remove_only.disabled = self.unregister.disabled = busy
