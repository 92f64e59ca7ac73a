"""The wizard's frame: the step indicator (class ``spkit-steps``), one step visible at a time, Back /
Next / Cancel, and the confirm row that guards unsaved work ("Discard unsaved connection?")."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from . import labels
from .draft import Draft
from .form import button, show

if TYPE_CHECKING:
    from .app import ConnectionWizard


def indicator_html(draft: Draft) -> str:
    items = []
    for index, step in enumerate(draft.steps):
        css = (
            "spkit-current"
            if index == draft.step_index
            else ("spkit-done" if index < draft.step_index else "")
        )
        current = ' aria-current="step"' if index == draft.step_index else ""
        items.append(f'<li class="{css}"{current}>{index + 1}. {html.escape(labels.STEP_TITLES[step])}</li>')
    return f'<ol aria-label="Steps">{"".join(items)}</ol>'


class Frame:
    """Layout of the wizard around the step pages."""

    def __init__(self, wizard: ConnectionWizard, pages: list[w.Widget]) -> None:
        self.wizard = wizard
        self.title = w.HTML()
        self.steps = w.HTML()
        self.steps.add_class("spkit-steps")
        self.body = w.VBox(pages, layout=w.Layout(width="100%"))
        self.back = button(labels.BACK, wizard.back, icon="arrow-left")
        self.next = button(labels.NEXT, wizard.next, style="primary", icon="arrow-right")
        self.cancel = button(labels.CANCEL, wizard.cancel)
        self.busy = w.HTML()
        self.busy.add_class("spkit-progress")
        self.nav = w.HBox([self.back, self.next, self.cancel, self.busy])
        self.nav.add_class("spkit-nav")
        self.question = w.HTML(f"<b>{html.escape(labels.DISCARD_QUESTION)}</b>")
        self.discard = button(labels.DISCARD, wizard.discard, style="danger")
        self.keep = button(labels.KEEP_EDITING, wizard.keep_editing)
        self.confirm = w.HBox([self.question, self.discard, self.keep])
        self.confirm.add_class("spkit-confirm")
        for control in (self.back, self.next, self.cancel):
            wizard.register(control, step="*")
        for control in (self.discard, self.keep):
            wizard.register(control, step="*", when=lambda _d: wizard.pending is not None)
        self.box = w.VBox([self.title, self.steps, self.body, self.nav, self.confirm])
        self.box.add_class("spkit-panel")
        self.box.add_class("spkit-wizard")

    def refresh(self, draft: Draft) -> None:
        what = "On-premises SharePoint Server" if draft.kind == "onprem" else "SharePoint Online"
        action = f"Editing '{html.escape(draft.editing)}'" if draft.editing else "New connection"
        unsaved = " · <i>unsaved changes</i>" if draft.dirty else ""
        self.title.value = (
            f'<div class="spkit-panel-title">SharePoint connection wizard</div>'
            f'<div class="spkit-intro">{action} · {what}{unsaved}</div>'
        )
        self.steps.value = indicator_html(draft)
        busy = self.wizard.tasks.busy
        self.back.disabled = busy or not draft.can_back
        self.next.disabled = busy
        show(self.next, not draft.is_last)
        self.busy.value = self.wizard.busy_text
        show(self.confirm, self.wizard.pending is not None)
