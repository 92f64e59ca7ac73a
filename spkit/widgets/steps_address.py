"""*Server address*: the SharePoint Online URL with its admin center, or the on-premises server URL
with Central Administration's port and URL. Derived fields fill themselves and stay editable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from . import labels
from .draft import ONPREM, Draft
from .form import FieldRow, panel, show, text

if TYPE_CHECKING:
    from .app import ConnectionWizard

L = labels.FIELD_LABELS


class AddressStep:
    step = "address"

    def __init__(self, wizard: ConnectionWizard) -> None:
        online = {"when": lambda draft: draft.kind != ONPREM}
        onprem = {"when": lambda draft: draft.kind == ONPREM}
        self.url = FieldRow(wizard, "sharepoint_url", text(L["sharepoint_url"]))
        self.admin_url = FieldRow(
            wizard, "admin_url", text(L["admin_url"], "filled from the SharePoint server URL"), **online
        )
        self.port = FieldRow(
            wizard, "central_admin_port", text(L["central_admin_port"], "e.g. 2016", short=True), **onprem
        )
        self.ca_url = FieldRow(
            wizard,
            "central_admin_url",
            text(L["central_admin_url"], "filled from the server URL and the port"),
            **onprem,
        )
        self.intro = w.HTML()
        self.box = panel(
            labels.STEP_TITLES[self.step],
            "",
            [self.intro, self.url.row, self.admin_url.row, self.port.row, self.ca_url.row],
        )

    def refresh(self, draft: Draft) -> None:
        onprem = draft.kind == ONPREM
        self.intro.value = f'<p class="spkit-intro">{ONPREM_INTRO if onprem else ONLINE_INTRO}</p>'
        self.url.widget.placeholder = ONPREM_EXAMPLE if onprem else ONLINE_EXAMPLE
        show(self.admin_url.row, not onprem)
        show(self.port.row, onprem)
        show(self.ca_url.row, onprem)
        rows = (self.url, self.port, self.ca_url) if onprem else (self.url, self.admin_url)
        for row in rows:
            row.refresh(draft)

    def enter(self) -> None:
        pass


ONLINE_EXAMPLE = "https://<mycompany>.sharepoint.com"
ONPREM_EXAMPLE = "https://sharepoint.fabrikam.com"
ONLINE_INTRO = (
    "Replace <i>&lt;mycompany&gt;</i> with your organization's name: for <i>company.onmicrosoft.com</i> or "
    "<i>company.com</i> the SharePoint server URL is <i>https://company.sharepoint.com</i> (the tenant name, its "
    "domain or any SharePoint link work too). The Admin center URL is filled in from it."
)
ONPREM_INTRO = (
    "The URL must include the scheme (http or https) and the fully qualified domain name of the server, e.g. "
    "<i>https://sharepoint_server.com</i>. The Central Administration URL is filled in from it: just give the "
    "port of the Central Administration web application (chosen when SharePoint was deployed)."
)
