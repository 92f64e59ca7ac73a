"""What every Entra tenant knows without anyone creating it: the resource service principals of Microsoft
Graph and SharePoint Online with their app roles and delegated scopes, and the built-in directory roles.

Self-contained on purpose: spkit's client keeps its own list (``spkit.models.permissions``) and must
never import the sandbox, so the two lists check each other.

Sources. GUIDs of app roles and scopes: the Graph permission IDs (microsoft-graph-docs permissions
reference; the same list is quoted by many public scripts) and a dump of the SharePoint Online service
principal (``appRoles`` / ``oauth2Permissions``, pnp/cli-microsoft365 tests). Note SharePoint's
Sites.Manage.All is ``9bff6588-…``. Directory role template IDs: entra-docs ``permissions-reference.md``.
Display names and descriptions are Entra's as far as those sources quote them; the others are worded in
the same style [unsure].
"""

from __future__ import annotations

from dataclasses import dataclass

from ..guids import stable_guid
from ..state import GRAPH_APP_ID, SHAREPOINT_APP_ID

# The tenant that owns Microsoft's first-party apps (appOwnerOrganizationId of Graph and SharePoint).
MICROSOFT_SERVICES_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"


@dataclass(frozen=True)
class AppRole:
    """An application permission (``appRoles`` entry, allowedMemberTypes ["Application"])."""

    id: str
    value: str
    display_name: str
    description: str

    def resource(self) -> dict:
        return {
            "allowedMemberTypes": ["Application"],
            "description": self.description,
            "displayName": self.display_name,
            "id": self.id,
            "isEnabled": True,
            "origin": "Application",
            "value": self.value,
        }


@dataclass(frozen=True)
class Scope:
    """A delegated permission (``oauth2PermissionScopes`` entry); ``admin`` = needs admin consent."""

    id: str
    value: str
    display_name: str
    description: str
    admin: bool = True

    def resource(self) -> dict:
        return {
            "adminConsentDescription": self.description,
            "adminConsentDisplayName": self.display_name,
            "id": self.id,
            "isEnabled": True,
            "type": "Admin" if self.admin else "User",
            "userConsentDescription": self.description.replace("the signed-in user", "you"),
            "userConsentDisplayName": self.display_name,
            "value": self.value,
        }


@dataclass(frozen=True)
class ResourceApp:
    """A first-party API present in every tenant as a service principal."""

    key: str  # the prefix of ``App.granted`` entries: "Graph" | "SharePoint"
    app_id: str
    display_name: str
    app_roles: tuple[AppRole, ...]
    scopes: tuple[Scope, ...]

    def role_by_id(self, role_id: str) -> AppRole | None:
        return next((r for r in self.app_roles if r.id == role_id.strip().lower()), None)

    def role_by_value(self, value: str) -> AppRole | None:
        return next((r for r in self.app_roles if r.value == value), None)

    def scope_by_value(self, value: str) -> Scope | None:
        return next((s for s in self.scopes if s.value.lower() == value.lower()), None)

    def service_principal_id(self, tenant_id: str) -> str:
        """The resource's service principal object id in one tenant (stable across runs)."""
        return stable_guid(tenant_id, "service-principal", self.app_id)


GRAPH = ResourceApp(
    key="Graph",
    app_id=GRAPH_APP_ID,
    display_name="Microsoft Graph",
    app_roles=(
        AppRole(
            "332a536c-c7ef-4017-ab91-336970924f0d",
            "Sites.Read.All",
            "Read items in all site collections",
            "Allows the app to read documents and list items in all site collections without a signed in user.",
        ),
        AppRole(
            "9492366f-7969-46a4-8d15-ed1a20078fff",
            "Sites.ReadWrite.All",
            "Read and write items in all site collections",
            "Allows the app to create, read, update, and delete documents and list items in all site "
            "collections without a signed in user.",
        ),
        AppRole(
            "0c0bf378-bf22-4481-8f81-9e89a9b4960a",
            "Sites.Manage.All",
            "Create, edit, and delete items and lists in all site collections",
            "Allows the app to create or delete document libraries and lists in all site collections "
            "without a signed in user.",
        ),
        AppRole(
            "a82116e5-55eb-4c41-a434-62fe8a61c773",
            "Sites.FullControl.All",
            "Have full control of all site collections",
            "Allows the app to have full control of all site collections without a signed in user.",
        ),
        AppRole(
            "883ea226-0bf2-4a8f-9f9d-92c9162a727d",
            "Sites.Selected",
            "Access selected site collections",
            "Allow the application to access a subset of site collections without a signed in user. The "
            "specific site collections and the permissions granted will be configured in SharePoint Online.",
        ),
        AppRole(
            "df021288-bdef-4463-88db-98f22de89214",
            "User.Read.All",
            "Read all users' full profiles",
            "Allows the app to read user profiles without a signed in user.",
        ),
        AppRole(
            "97235f07-e226-4f63-ace3-39588e11d3a1",
            "User.ReadBasic.All",
            "Read all users' basic profiles",
            "Allows the app to read a basic set of profile properties of other users in your organization "
            "without a signed-in user.",
        ),
        AppRole(
            "5b567255-7703-4780-807c-7be8301ae99b",
            "Group.Read.All",
            "Read all groups",
            "Allows the app to read group properties and memberships, and read conversations for all "
            "groups, without a signed-in user.",
        ),
        AppRole(
            "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
            "Directory.Read.All",
            "Read directory data",
            "Allows the app to read data in your organization's directory, such as users, groups and apps, "
            "without a signed-in user.",
        ),
        AppRole(
            "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
            "Directory.ReadWrite.All",
            "Read and write directory data",
            "Allows the app to read and write data in your organization's directory, such as users, and "
            "groups, without a signed-in user. Does not allow user or group deletion.",
        ),
        AppRole(
            "498476ce-e0fe-48b0-b801-37ba7e2685c6",
            "Organization.Read.All",
            "Read organization information",
            "Allows the app to read the organization and related resources, without a signed-in user.",
        ),
        AppRole(
            "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
            "Application.Read.All",
            "Read all applications",
            "Allows the app to read all applications and service principals without a signed-in user.",
        ),
        AppRole(
            "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
            "Application.ReadWrite.All",
            "Read and write all applications",
            "Allows the app to create, read, update and delete applications and service principals without "
            "a signed-in user. Does not allow management of consent grants.",
        ),
        AppRole(
            "18a4783c-866b-4cc7-a460-3d5e5662c884",
            "Application.ReadWrite.OwnedBy",
            "Manage apps that this app creates or owns",
            "Allows the app to create other applications, and fully manage those applications (read, "
            "update, update application secrets and delete), without a signed-in user.",
        ),
        AppRole(
            "06b708a9-e830-4db3-a914-8e69da51d44f",
            "AppRoleAssignment.ReadWrite.All",
            "Manage app permission grants and app role assignments",
            "Allows the app to manage permission grants for application permissions to any API (including "
            "Microsoft Graph) and application assignments for any app, without a signed-in user.",
        ),
        AppRole(
            "8e8e4742-1d95-4f68-9d56-6ee75648c72a",
            "DelegatedPermissionGrant.ReadWrite.All",
            "Manage all delegated permission grants",
            "Allows the app to manage permission grants for delegated permissions exposed by any API "
            "(including Microsoft Graph), without a signed-in user.",
        ),
        AppRole(
            "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
            "RoleManagement.Read.Directory",
            "Read all directory RBAC settings",
            "Allows the app to read the role-based access control (RBAC) settings for your company's "
            "directory, without a signed-in user.",
        ),
    ),
    scopes=(
        Scope(
            "37f7f235-527c-4136-accd-4a02d197296e",
            "openid",
            "Sign users in",
            "Allows users to sign in to "
            "the app with their work or school accounts and allows the app to see basic user profile "
            "information.",
            admin=False,
        ),
        # [unsure] the ids of profile and offline_access (not in the sources checked).
        Scope(
            "14dad69e-099b-42c9-810b-d002981feec1",
            "profile",
            "View users' basic profile",
            "Allows the "
            "app to see your users' basic profile (e.g., name, picture, user name, email address).",
            admin=False,
        ),
        Scope(
            "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
            "offline_access",
            "Maintain access to data you have given it access to",
            "Allows the app to see and update the data you gave it access to, even "
            "when users are not currently using the app.",
            admin=False,
        ),
        Scope(
            "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
            "email",
            "View users' email address",
            "Allows the app to read your users' primary email address.",
            admin=False,
        ),
        Scope(
            "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
            "User.Read",
            "Sign in and read user profile",
            "Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.",
            admin=False,
        ),
        Scope(
            "b340eb25-3456-403f-be2f-af7a0d370277",
            "User.ReadBasic.All",
            "Read all users' basic profiles",
            "Allows the app to read a basic set of profile properties of other users in your "
            "organization on behalf of the signed-in user.",
            admin=False,
        ),
        Scope(
            "a154be20-db9c-4678-8ab7-66f6cc099a59",
            "User.Read.All",
            "Read all users' full profiles",
            "Allows the app to read the full set of profile properties of all users in your organization "
            "on behalf of the signed-in user.",
        ),
        Scope(
            "5f8c59db-677d-491f-a6b8-5f174b11ec1d",
            "Group.Read.All",
            "Read all groups",
            "Allows the app "
            "to list groups, and to read their properties and all group memberships on behalf of the "
            "signed-in user.",
        ),
        Scope(
            "06da0dbc-49e2-44d2-8312-53f166ab848a",
            "Directory.Read.All",
            "Read directory data",
            "Allows the app to read data in your organization's directory on behalf of the signed-in user.",
        ),
        Scope(
            "c5366453-9fb0-48a5-a156-24f0c49a4b84",
            "Directory.ReadWrite.All",
            "Read and write directory data",
            "Allows the app to read and write data in your organization's directory on behalf of "
            "the signed-in user.",
        ),
        Scope(
            "0e263e50-5827-48a4-b97c-d940288653c7",
            "Directory.AccessAsUser.All",
            "Access directory as the signed in user",
            "Allows the app to have the same access to information in the directory as the signed-in user.",
        ),
        Scope(
            "4908d5b9-3fb2-4b1e-9336-1888b7937185",
            "Organization.Read.All",
            "Read organization information",
            "Allows the app to read the organization and related resources on behalf of the signed-in user.",
        ),
        Scope(
            "c79f8feb-a9db-4090-85f9-90d820caa0eb",
            "Application.Read.All",
            "Read applications",
            "Allows the app to read applications and service principals on behalf of the signed-in user.",
        ),
        Scope(
            "bdfbf15f-ee85-4955-8675-146e8e5296b5",
            "Application.ReadWrite.All",
            "Read and write all applications",
            "Allows the app to create, read, update and delete applications and service "
            "principals on behalf of the signed-in user. Does not allow management of consent grants.",
        ),
        Scope(
            "84bccea3-f856-4a8a-967b-dbe0a3d53a64",
            "AppRoleAssignment.ReadWrite.All",
            "Manage app permission grants and app role assignments",
            "Allows the app to manage permission grants for "
            "application permissions to any API (including Microsoft Graph) and application assignments "
            "for any app, on behalf of the signed-in user.",
        ),
        Scope(
            "41ce6ca6-6826-4807-84f1-1c82854f7ee5",
            "DelegatedPermissionGrant.ReadWrite.All",
            "Manage all delegated permission grants",
            "Allows the app to manage permission grants for delegated "
            "permissions exposed by any API (including Microsoft Graph), on behalf of the signed-in user.",
        ),
        Scope(
            "741c54c3-0c1e-44a1-818b-3f97ab4e8c83",
            "RoleManagement.Read.Directory",
            "Read directory RBAC settings",
            "Allows the app to read the role-based access control (RBAC) settings for your "
            "company's directory, on behalf of the signed-in user.",
        ),
        Scope(
            "205e70e5-aba6-4c52-a976-6d2d46c48043",
            "Sites.Read.All",
            "Read items in all site collections",
            "Allows the application to read documents and list items in all site "
            "collections on behalf of the signed-in user.",
            admin=False,
        ),
        Scope(
            "89fe6a52-be36-487e-b7d8-d061c450a026",
            "Sites.ReadWrite.All",
            "Edit or delete items in all site collections",
            "Allows the application to edit or delete documents and list items in all "
            "site collections on behalf of the signed-in user.",
            admin=False,
        ),
        Scope(
            "65e50fdc-43b7-4915-933e-e8138f11f40a",
            "Sites.Manage.All",
            "Create, edit, and delete items and lists in all site collections",
            "Allows the application to create or delete document "
            "libraries and lists in all site collections on behalf of the signed-in user.",
            admin=False,
        ),
        Scope(
            "5a54b8b3-347c-476d-8f8e-42d5c7424d29",
            "Sites.FullControl.All",
            "Have full control of all site collections",
            "Allows the application to have full control of all site collections on "
            "behalf of the signed-in user.",
        ),
    ),
)

SHAREPOINT = ResourceApp(
    key="SharePoint",
    app_id=SHAREPOINT_APP_ID,
    # [unsure] older dumps say "Microsoft 365 SharePoint Online"; the portal shows this name today.
    display_name="Office 365 SharePoint Online",
    app_roles=(
        AppRole(
            "fbcd29d2-fcca-4405-aded-518d457caae4",
            "Sites.ReadWrite.All",
            "Read and write items in all site collections",
            "Allows the app to create, read, update, and delete documents and list items in all site "
            "collections without a signed in user.",
        ),
        AppRole(
            "d13f72ca-a275-4b96-b789-48ebcc4da984",
            "Sites.Read.All",
            "Read items in all site collections",
            "Allows the app to read documents and list items in all site collections without a signed in user.",
        ),
        AppRole(
            "678536fe-1083-478a-9c59-b99265e6b0d3",
            "Sites.FullControl.All",
            "Have full control of all site collections",
            "Allows the app to have full control of all site collections without a signed in user.",
        ),
        AppRole(
            "9bff6588-13f2-4c48-bbf2-ddab62256b36",
            "Sites.Manage.All",
            "Read and write items and lists in all site collections",
            "Allows the app to read, create, update, and delete document libraries and lists in all site "
            "collections without a signed in user.",
        ),
        AppRole(
            "20d37865-089c-4dee-8c41-6967602d4ac8",
            "Sites.Selected",
            "Access selected site collections",
            "Allow the application to access a subset of site collections without a signed in user.  The "
            "specific site collections and the permissions granted will be configured in SharePoint Online.",
        ),
        AppRole(
            "2a8d57a5-4090-4a41-bf1c-3c621d2ccad3",
            "TermStore.Read.All",
            "Read managed metadata",
            "Allows the app to read enterprise managed metadata and to read basic site info without a "
            "signed in user.",
        ),
        AppRole(
            "c8e3537c-ec53-43b9-bed3-b2bd3617ae97",
            "TermStore.ReadWrite.All",
            "Read and write managed metadata",
            "Allows the app to write enterprise managed metadata and to read basic site info without a "
            "signed in user.",
        ),
        AppRole(
            "741f803b-c850-494e-b5df-cde7c675a1ca",
            "User.ReadWrite.All",
            "Read and write user profiles",
            "Allows the app to read and update user profiles and to read basic site info without a signed "
            "in user.",
        ),
        AppRole(
            "df021288-bdef-4463-88db-98f22de89214",
            "User.Read.All",
            "Read user profiles",
            "Allows the app to read user profiles without a signed in user.",
        ),
    ),
    scopes=(
        Scope(
            "4e0d77b0-96ba-4398-af14-3baa780278f4",
            "AllSites.Read",
            "Read items in all site collections",
            "Allows the app to read documents and list items in all site collections on "
            "behalf of the signed-in user.",
            admin=False,
        ),
        Scope(
            "640ddd16-e5b7-4d71-9690-3f4022699ee7",
            "AllSites.Write",
            "Read and write items in all site collections",
            "Allows the app to create, read, update, and delete documents and list items "
            "in all site collections on behalf of the signed-in user.",
            admin=False,
        ),
        Scope(
            "b3f70a70-8a4b-4f95-9573-d71c496a53f4",
            "AllSites.Manage",
            "Read and write items and lists in all site collections",
            "Allows the app to read, create, update, and delete document libraries "
            "and lists in all site collections on behalf of the signed-in user.",
            admin=False,
        ),
        Scope(
            "56680e0d-d2a3-4ae1-80d8-3c4f2100e3d0",
            "AllSites.FullControl",
            "Have full control of all site collections",
            "Allows the app to have full control of all site collections on behalf of the signed-in user.",
        ),
        Scope(
            "1002502a-9a71-4426-8551-69ab83452fab",
            "Sites.Search.All",
            "Run search queries as a user",
            "Allows the app to run search queries and to read basic site info on behalf of the current "
            "signed-in user. Search results are based on the user's permissions instead of the app's "
            "permissions.",
        ),
        Scope(
            "dd2c8d78-58e1-46d7-82dd-34d411282686",
            "MyFiles.Read",
            "Read user files",
            "Allows the app to read the current user's files.",
            admin=False,
        ),
        Scope(
            "2cfdc887-d7b4-4798-9b33-3d98d6b95dd2",
            "MyFiles.Write",
            "Read and write user files",
            "Allows the app to read, create, update, and delete the current user's files.",
            admin=False,
        ),
        Scope(
            "0cea5a30-f6f8-42b5-87a0-84cc26822e02",
            "User.Read.All",
            "Read user profiles",
            "Allows the app "
            "to read user profiles and to read basic site info on behalf of the signed-in user.",
        ),
        Scope(
            "82866913-39a9-4be7-8091-f4fa781088ae",
            "User.ReadWrite.All",
            "Read and write user profiles",
            "Allows the app to read and update user profiles and to read basic site info on behalf of the "
            "signed-in user.",
        ),
    ),
)

RESOURCES: tuple[ResourceApp, ...] = (GRAPH, SHAREPOINT)


def resource_by_app_id(app_id: str) -> ResourceApp | None:
    return next((r for r in RESOURCES if r.app_id == app_id.strip().lower()), None)


def resource_by_key(key: str) -> ResourceApp | None:
    return next((r for r in RESOURCES if r.key == key), None)


def resource_by_sp_id(tenant_id: str, sp_id: str) -> ResourceApp | None:
    sp_id = sp_id.strip().lower()
    return next((r for r in RESOURCES if r.service_principal_id(tenant_id) == sp_id), None)


# --- directory roles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleTemplate:
    template_id: str
    display_name: str
    description: str


GLOBAL_ADMINISTRATOR = "Global Administrator"
SHAREPOINT_ADMINISTRATOR = "SharePoint Administrator"
APPLICATION_ADMINISTRATOR = "Application Administrator"
CLOUD_APPLICATION_ADMINISTRATOR = "Cloud Application Administrator"
APPLICATION_DEVELOPER = "Application Developer"
PRIVILEGED_ROLE_ADMINISTRATOR = "Privileged Role Administrator"

ROLE_TEMPLATES: dict[str, RoleTemplate] = {
    t.display_name.lower(): t
    for t in (
        RoleTemplate(
            "62e90394-69f5-4237-9190-012177145e10",
            GLOBAL_ADMINISTRATOR,
            "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra "
            "identities.",
        ),
        RoleTemplate(
            "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
            SHAREPOINT_ADMINISTRATOR,
            "Can manage all aspects of the SharePoint service.",
        ),
        RoleTemplate(
            "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
            APPLICATION_ADMINISTRATOR,
            "Can create and manage all aspects of app registrations and enterprise apps.",
        ),
        RoleTemplate(
            "158c047a-c907-4556-b7ef-446551a6b5f7",
            CLOUD_APPLICATION_ADMINISTRATOR,
            "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
        ),
        RoleTemplate(
            "cf1c38e5-3621-4004-a7cb-879624dced7c",
            APPLICATION_DEVELOPER,
            "Can create application registrations independent of the 'Users can register applications' "
            "setting.",
        ),
        RoleTemplate(
            "e8611ab8-c189-46e8-94e1-60213ab1f814",
            PRIVILEGED_ROLE_ADMINISTRATOR,
            "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity "
            "Management.",
        ),
        RoleTemplate(
            "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
            "Global Reader",
            "Can read everything that a Global Administrator can, but not update anything.",
        ),
        RoleTemplate(
            "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
            "Directory Readers",
            "Can read basic directory information. Commonly used to grant directory read access to "
            "applications and guests.",
        ),
        RoleTemplate(
            "fe930be7-5e62-47db-91af-98c3a49a38b1",
            "User Administrator",
            "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
        ),
    )
}
# Older names the directory still answers to (Global Administrator was "Company Administrator").
_ROLE_ALIASES = {"company administrator": GLOBAL_ADMINISTRATOR.lower()}


def role_template(name: str) -> RoleTemplate | None:
    """A built-in directory role by its display name (case-insensitive, old names too)."""
    key = name.strip().lower()
    return ROLE_TEMPLATES.get(_ROLE_ALIASES.get(key, key))
