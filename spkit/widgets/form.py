"""Fields bound to the draft: an input with its label (``description``), and right beside it the message
for that field (CSS class ``spkit-field-error``) and a note (``spkit-field-note``). Layout and wiring only:
what a value means is the draft's business."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .draft import Draft, Message
from .style import FIELD_STYLE, field_layout, message_layout

if TYPE_CHECKING:
    from .app import ConnectionWizard


def message_html(message: Message | None) -> str:
    """A field's message: the problem (in bold when it is an error), the fix under it (escaped: values
    may be anything)."""
    if message is None:
        return ""
    text = f"<b>{html.escape(message.text)}</b>" if message.is_error else html.escape(message.text)
    if message.fix:
        text += f'<br><span class="spkit-fix">Fix: {html.escape(message.fix)}</span>'
    title = f' title="{html.escape(message.code)}"' if message.code else ""
    return f"<div{title}>{text}</div>"


def set_message(widget: w.HTML, value: str) -> None:
    """Show a message widget only when it says something (an empty one takes no room in its row)."""
    widget.value = value
    widget.layout.display = "" if value else "none"


def box_message(message: Message | str | None, kind: str = "info") -> str:
    """A message box (info, warn, ok, bad) above or below a group of controls."""
    if not message:
        return ""
    body = message_html(message) if isinstance(message, Message) else html.escape(message)
    return f'<div class="spkit-message spkit-{kind}">{body}</div>'


class FieldRow:
    """One draft field: its input widget (and any button beside it), its error beside it, its note beside
    it. When the step is too narrow for the message to stand beside the field, it goes under the input,
    in line with it (CSS ``spkit-field-row``); ``after`` are further messages in the same row."""

    def __init__(
        self,
        wizard: ConnectionWizard,
        key: str,
        widget: w.DOMWidget,
        *,
        secret: bool = False,
        message_key: str | None = None,
        extra: list[w.Widget] | None = None,
        after: list[w.Widget] | None = None,
        when: Callable[[Draft], bool] | None = None,
    ) -> None:
        self.wizard = wizard
        self.key = key
        self.message_key = message_key or key
        self.widget = widget
        self.secret = secret
        self.error = w.HTML()
        self.error.add_class("spkit-field-error")
        self.note = w.HTML()
        self.note.add_class("spkit-field-note")
        # The field's messages (and a button's, ``after``) stacked in one column beside the input.
        self.messages = w.VBox([self.error, self.note, *(after or [])], layout=message_layout())
        self.messages.add_class("spkit-messages")
        self.row = w.HBox([widget, *(extra or []), self.messages])
        self.row.add_class("spkit-row")
        if isinstance(widget, w.Text) or "spkit-indent" in widget._dom_classes:
            # In the inputs' column: a message that cannot stand beside goes under, in line with it.
            self.row.add_class("spkit-field-row-wide" if extra else "spkit-field-row")
        widget.observe(self._changed, "value")
        wizard.register(widget, when=when)

    def _changed(self, change: dict[str, Any]) -> None:
        if self.wizard.syncing:
            return
        self.wizard.field_changed(self.key, change["new"])

    def refresh(self, draft: Draft) -> None:
        if self.secret:
            if not draft.has_secret(self.key) and self.widget.value:
                with self.wizard.sync():
                    self.widget.value = ""
        elif self.widget.value != draft[self.key]:
            with self.wizard.sync():
                self.widget.value = draft[self.key]
        error = draft.errors.get(self.message_key)
        note = draft.notes.get(self.message_key)
        set_message(self.error, message_html(error))
        set_message(self.note, "" if error else message_html(note))
        if note is not None and note.level == "warning":
            self.note.add_class("spkit-warning")
        else:
            self.note.remove_class("spkit-warning")
        self.fit()

    def fit(self) -> None:
        """The message column takes room only when it says something (after its messages are set)."""
        show(self.messages, any(m.layout.display != "none" for m in self.messages.children))


def text(label: str, placeholder: str = "", *, password: bool = False, short: bool = False) -> w.Text:
    """A labelled text (or password) field, wide enough for its label and a URL. A ``short`` one (a
    port) has a short input but takes the room of the others, so every message beside a field starts
    at the same place."""
    kind = w.Password if password else w.Text
    field = kind(description=label, placeholder=placeholder, style=FIELD_STYLE, layout=field_layout())
    if short:
        field.add_class("spkit-short")
    return field


def toggles(
    options: tuple[tuple[str, str], ...], description: str = "", *, indent: bool = False
) -> w.ToggleButtons:
    """Choices as buttons with exactly the guide's labels (values are the draft's); ``indent`` puts
    them in line with the inputs of the fields above."""
    choices = w.ToggleButtons(
        options=list(options),
        description=description,
        style={"description_width": "initial", "button_width": "auto"},
        layout=w.Layout(width="auto", margin="4px 0" if indent else "2px 0"),
    )
    if indent:
        choices.add_class("spkit-indent")
    return choices


def radios(options: tuple[tuple[str, str], ...], description: str = "") -> w.RadioButtons:
    return w.RadioButtons(
        options=list(options),
        description=description,
        style={"description_width": "initial"},
        layout=w.Layout(width="auto", margin="2px 0 6px 0"),
    )


def button(label: str, on_click: Callable[[], None], *, style: str = "", icon: str = "") -> w.Button:
    b = w.Button(
        description=label, button_style=style, icon=icon, layout=w.Layout(width="auto", min_width="90px")
    )
    b.on_click(lambda _b: on_click())
    return b


def html_block(value: str = "", css: str = "") -> w.HTML:
    block = w.HTML(value, layout=w.Layout(width="100%", margin="2px 0"))  # no side margin: never clipped
    if css:
        block.add_class(css)
    return block


def panel(title: str, intro: str, children: list[w.Widget]) -> w.VBox:
    """One step's page: its title, a line of the guide's advice, and its controls."""
    head = w.HTML(
        f'<div class="spkit-step-title">{html.escape(title)}</div>'
        + (f'<p class="spkit-intro">{intro}</p>' if intro else "")
    )
    box = w.VBox([head, *children], layout=w.Layout(width="100%"))
    box.add_class("spkit-step")
    return box


def show(widget: w.DOMWidget, visible: bool) -> None:
    widget.layout.display = "" if visible else "none"
