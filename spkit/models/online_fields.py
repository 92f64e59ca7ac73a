"""The rules of an Online profile's pasted fields (client ID, tenant, application account), public so
that a form (the wizard) checks one field with the profile's own rule and words."""

from __future__ import annotations

import re
import uuid

from spkit.models.profile_fields import ProfileFieldError

_GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PASTE_JUNK = dict.fromkeys(map(ord, " \t\r\n\u00a0\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
_MICROSOFT_APP_IDS = {
    "00000003-0000-0000-c000-000000000000": "Microsoft Graph",
    "00000003-0000-0ff1-ce00-000000000000": "SharePoint Online",
}
_GUID_EXAMPLE = "00000000-0000-0000-0000-000000000000"


def parse_guid(value: str, *, field: str, what: str, source: str = "") -> str:
    """A pasted GUID (braces, blanks, invisible characters, upper case, no hyphens) as 8-4-4-4-12."""
    cleaned = _clean_paste(value).lower().removeprefix("{").removesuffix("}")
    if not _GUID_RE.fullmatch(cleaned):
        raise ProfileFieldError(
            field,
            f"is not a GUID (expected 8-4-4-4-12 hexadecimal digits like {_GUID_EXAMPLE})",
            source=source,
            fix=f"copy the {what} from the app registration's Overview page in the Entra admin center",
            code="PROFILE_GUID_INVALID",
        )
    return str(uuid.UUID(cleaned))


def parse_client_id(value: str, *, source: str = "") -> str:
    """The app's Application (client) ID: a GUID, and not the ID of Microsoft Graph or SharePoint."""
    client_id = parse_guid(value, field="client_id", what="Application (client) ID", source=source)
    if client_id in _MICROSOFT_APP_IDS:
        raise ProfileFieldError(
            "client_id",
            f"is the ID of {_MICROSOFT_APP_IDS[client_id]} itself, not of your app",
            source=source,
            fix="copy the Application (client) ID of your own app registration",
            code="PROFILE_GUID_INVALID",
        )
    return client_id


def parse_tenant_ref(value: str, *, source: str = "") -> str:
    """A tenant ID (GUID) or one of the tenant's domains, cleaned and lower-cased."""
    cleaned = _clean_paste(value).lower().rstrip(".")
    if "." not in cleaned:
        return parse_guid(cleaned, field="tenant_id", what="Directory (tenant) ID", source=source)
    if not _is_domain(cleaned):
        raise ProfileFieldError(
            "tenant_id",
            "is neither a tenant GUID nor a domain name",
            source=source,
            fix="copy the Directory (tenant) ID, or write a domain like contoso.onmicrosoft.com",
            code="PROFILE_TENANT_INVALID",
        )
    return cleaned


def parse_application_account(value: str, *, field: str = "application_account", source: str = "") -> str:
    """The e-mail (UPN) of a user of the tenant, as a profile's ``application_account`` takes it."""
    account = value.strip()
    if not _is_email(account):
        raise ProfileFieldError(
            field,
            "must be the e-mail (UPN) of a user of the tenant",
            source=source,
            fix="write it like admin@contoso.onmicrosoft.com",
            code="PROFILE_ACCOUNT_INVALID",
        )
    return account


def _clean_paste(text: str) -> str:
    return text.translate(_PASTE_JUNK)


def _is_domain(text: str) -> bool:
    labels = text.split(".")
    return (
        len(labels) >= 2
        and all(_LABEL_RE.fullmatch(label) for label in labels)
        and labels[-1].isalpha()
        and len(labels[-1]) >= 2
    )


def _is_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(
        at
        and local
        and "@" not in local
        and not any(c.isspace() for c in text)
        and _is_domain(domain.lower())
    )
