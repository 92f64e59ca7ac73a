"""Steps 1 and 2 of the guide: *Server location* (Online or on-premises) and *Office 365 cloud*."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import labels
from .draft import Draft
from .form import FieldRow, panel, radios, toggles

if TYPE_CHECKING:
    from .app import ConnectionWizard


class LocationStep:
    step = "location"

    def __init__(self, wizard: ConnectionWizard) -> None:
        self.kind = FieldRow(wizard, "kind", toggles(labels.KIND_CHOICES))
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "Choose where the SharePoint server is, then click <b>Next</b>.",
            [self.kind.row],
        )

    def refresh(self, draft: Draft) -> None:
        self.kind.refresh(draft)

    def enter(self) -> None:
        pass


class CloudStep:
    step = "cloud"

    def __init__(self, wizard: ConnectionWizard) -> None:
        choices = labels.CLOUD_CHOICES
        if wizard.draft.sandbox_card is not None:
            choices = (*choices, labels.SANDBOX_CHOICE)
        self.cloud = FieldRow(wizard, "cloud", radios(choices))
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "Select <b>Office 365 global</b> unless the tenant lives in a national cloud. "
            "Office 365 Germany is a legacy setting: it was retired on 2021-10-29.",
            [self.cloud.row],
        )

    def refresh(self, draft: Draft) -> None:
        draft.check_field("cloud") if draft["cloud"] == "germany" else draft.notes.pop("cloud", None)
        self.cloud.refresh(draft)

    def enter(self) -> None:
        pass
