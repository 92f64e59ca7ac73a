"""Permissions spkit asks for, by name and GUID, as Entra lists them (docs/protocols.md#permission-ids).

A registration preview shows these exact names and GUIDs before anything is created.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
RESOURCE_APP_IDS = {"Graph": GRAPH_APP_ID, "SharePoint": SHAREPOINT_APP_ID}
RESOURCE_NAMES = {"Graph": "Microsoft Graph", "SharePoint": "Office 365 SharePoint Online"}


@dataclass(frozen=True)
class AppRole:
    """An application permission of a resource (Graph or SharePoint)."""

    resource: str  # "Graph" | "SharePoint"
    name: str
    id: str

    @property
    def resource_app_id(self) -> str:
        return RESOURCE_APP_IDS[self.resource]

    @property
    def label(self) -> str:
        return f"{self.resource}/{self.name}"


APP_ROLES: dict[str, AppRole] = {
    r.label: r
    for r in (
        AppRole("Graph", "Sites.Read.All", "332a536c-c7ef-4017-ab91-336970924f0d"),
        AppRole("Graph", "Sites.ReadWrite.All", "9492366f-7969-46a4-8d15-ed1a20078fff"),
        AppRole("Graph", "Sites.FullControl.All", "a82116e5-55eb-4c41-a434-62fe8a61c773"),
        AppRole("Graph", "Sites.Selected", "883ea226-0bf2-4a8f-9f9d-92c9162a727d"),
        AppRole("Graph", "User.Read.All", "df021288-bdef-4463-88db-98f22de89214"),
        AppRole("Graph", "Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b"),
        AppRole("SharePoint", "Sites.FullControl.All", "678536fe-1083-478a-9c59-b99265e6b0d3"),
        AppRole("SharePoint", "Sites.Read.All", "d13f72ca-a275-4b96-b789-48ebcc4da984"),
        AppRole("SharePoint", "Sites.Selected", "20d37865-089c-4dee-8c41-6967602d4ac8"),
    )
}

PRESETS: dict[str, tuple[str, ...]] = {
    "full": (
        "Graph/Sites.FullControl.All",
        "Graph/User.Read.All",
        "Graph/Group.Read.All",
        "SharePoint/Sites.FullControl.All",
    ),
    "read": (
        "Graph/Sites.Read.All",
        "Graph/User.Read.All",
        "Graph/Group.Read.All",
        "SharePoint/Sites.Read.All",
    ),
    "selected": ("Graph/Sites.Selected", "SharePoint/Sites.Selected"),
}

# Directory roles an admin sign-in is checked for (roleTemplateId as Entra documents them).
GLOBAL_ADMINISTRATOR = "Global Administrator"
SHAREPOINT_ADMINISTRATOR = "SharePoint Administrator"
ROLE_TEMPLATE_IDS = {
    GLOBAL_ADMINISTRATOR: "62e90394-69f5-4237-9190-012177145e10",
    SHAREPOINT_ADMINISTRATOR: "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
}


def preset_roles(preset: str) -> list[AppRole]:
    """The application permissions of a preset (full, read, selected)."""
    try:
        return [APP_ROLES[label] for label in PRESETS[preset]]
    except KeyError:
        raise InputError(
            f"unknown permission preset '{preset}'",
            code="PRESET_UNKNOWN",
            fix=f"choose one of: {', '.join(PRESETS)}",
        ) from None


def required_resource_access(roles: list[AppRole]) -> list[dict]:
    """``requiredResourceAccess`` for POST /applications: the permissions the app declares."""
    by_resource: dict[str, list[dict]] = {}
    for role in roles:
        by_resource.setdefault(role.resource_app_id, []).append({"id": role.id, "type": "Role"})
    return [{"resourceAppId": app_id, "resourceAccess": access} for app_id, access in by_resource.items()]
