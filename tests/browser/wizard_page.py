"""The wizard as a user sees it in a browser: controls found by the guide's labels and button texts
(``get_by_label`` / ``get_by_role(name=...)``), never by the widget tree, so a test reads like the guide.
Only visible controls count: the wizard shows one step at a time."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect


class WizardPage:
    def __init__(self, page: Page, screenshots: Path, prefix: str) -> None:
        self.page = page
        self.screenshots = screenshots
        self.prefix = prefix
        self.shots: list[Path] = []

    # --- finding -------------------------------------------------------------------------------

    def button(self, name: str) -> Locator:
        """A button by its whole text. An icon's glyph (Font Awesome's ``::before``) comes first in the
        accessible name, so the name is matched whole but for non-word characters around it."""
        whole = re.compile(rf"^\W*{re.escape(name)}\W*$")
        return self.page.get_by_role("button", name=whole).filter(visible=True)

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(label, exact=True).filter(visible=True)

    def choice(self, label: str) -> Locator:
        """A choice as RadioButtons (role radio) or ToggleButtons (a button with that text)."""
        radio = self.page.get_by_role("radio", name=label, exact=True).filter(visible=True)
        return radio.or_(self.button(label))

    def error_beside(self, label: str) -> Locator:
        """The ``spkit-field-error`` element of the row that holds the field labelled ``label``."""
        row = self.field(label).locator(
            "xpath=ancestor::*[.//*[contains(concat(' ', normalize-space(@class), ' '), ' spkit-field-error ')]][1]"
        )
        return row.locator(".spkit-field-error")

    def step_title(self) -> Locator:
        return self.page.locator(".spkit-step-title").filter(visible=True)

    # --- doing ---------------------------------------------------------------------------------

    def wait_ready(self, timeout_ms: float = 60_000) -> None:
        expect(self.button("Next")).to_be_visible(timeout=timeout_ms)

    def expect_step(self, title: str) -> None:
        expect(self.step_title()).to_have_text(title)

    def choose(self, label: str) -> None:
        choice = self.choice(label)
        choice.click()
        if choice.get_attribute("type") == "radio":
            expect(choice).to_be_checked()
        else:  # a toggle button shows it is on with jupyter-widgets' mod-active class
            expect(choice).to_have_class(re.compile(r"\bmod-active\b"))

    def fill(self, label: str, value: str) -> None:
        box = self.field(label)
        box.fill(value)
        box.press("Tab")  # ipywidgets sends a Text's value on input; Tab is what a user does next anyway

    def click(self, name: str) -> None:
        self.button(name).click()

    def next(self) -> None:
        self.click("Next")

    def shot(self, name: str) -> Path:
        path = self.screenshots / f"{self.prefix}-{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.shots.append(path)
        return path
