"""The wizard's words: step titles, field labels, choices and buttons, exactly as the vendor's guide
names them, so a consultant holding the guide (and a browser test) finds every control by its name.

Kept apart from the widgets so the draft (which knows no ipywidgets) can name a control in a message
("click Log in as Office 365 admin") and tests can find controls by the same constants.
"""

from __future__ import annotations

# Steps, in the guide's words.
STEP_TITLES = {
    "location": "Server location",
    "cloud": "Office 365 cloud",
    "address": "Server address",
    "credentials": "Admin credentials",
    "registration": "Application registration",
    "details": "Application details",
    "configuration": "Configuration",
    "save": "Save",
}

# Fields: draft field name -> label.
FIELD_LABELS = {
    "sharepoint_url": "SharePoint server URL",
    "admin_url": "Admin center URL",
    "central_admin_url": "Central Administration URL",
    "central_admin_port": "Central Administration port",
    "admin_upn": "User Principal Name",
    "admin_password": "Password",
    "application_account": "Dedicated application account",
    "client_id": "Client ID",
    "tenant_id": "Tenant ID",
    "thumbprint": "Certificate thumbprint",
    "client_secret": "Client secret",
    "certificate_password": "Certificate password",
    "name": "Connection name",
    "app_name": "Application name",  # automatic registration: the app's display name in Entra ID
}
CERTIFICATES_IN_STORE = "Certificates in the local store"
CERTIFICATE_FILE = "Certificate file"

# Choices: (label, value) as ToggleButtons/RadioButtons take them.
KIND_CHOICES = (
    ("SharePoint Online (Office 365)", "online"),
    ("On-premises SharePoint Server", "onprem"),
)
CLOUD_CHOICES = (
    ("Office 365 global", "global"),
    ("Office 365 Germany", "germany"),
    ("US Government GCC High", "usgov-high"),
    ("US Government DoD", "usgov-dod"),
    ("China (21Vianet)", "china"),
)
SANDBOX_CHOICE = ("Sandbox (local)", "sandbox")
REGISTRATION_CHOICES = (
    ("Automatic registration", "automatic"),
    ("Manual registration", "manual"),
)
CREDENTIAL_CHOICES = (
    ("Use a certificate", "certificate"),
    ("Use a client secret", "secret"),
)
EXISTING_APP_CHOICES = (
    ("Reuse it with a new certificate", "rotate"),
    ("Create a second application", "new"),
)

# Buttons.
NEXT, BACK, CANCEL = "Next", "Back", "Cancel"
LOG_IN = "Log in as Office 365 admin"
BROWSE, IMPORT, CONFIGURE, SAVE = "Browse", "Import", "Configure", "Save"
WRITE_RECORD = "Write onboarding record"
NEW, EDIT, REMOVE = "New", "Edit", "Remove"
DISCARD, KEEP_EDITING = "Discard", "Keep editing"
REMOVE_ONLY, UNREGISTER_AND_REMOVE, KEEP = "Remove only", "Unregister app and remove", "Keep it"
CONFIRM_PLAN = "I have read the preview: register this application when I click Configure"

CARD_TITLE = "Defined server connections"
DISCARD_QUESTION = "Discard unsaved connection?"

CLOUD_LABELS = dict((value, label) for label, value in (*CLOUD_CHOICES, SANDBOX_CHOICE))
