"""Turn what people type as "the SharePoint address" into one normalised tenant address.

People type ``contoso``, ``contoso.onmicrosoft.com``, ``contoso.com`` or a URL copied from the browser.
All of them name a tenant; the wizard, the CLI and the profile need the same answer for each, and a
clear message (with the fix) when the text cannot be a SharePoint Online address of the chosen cloud.

Tenant names (the ``<tenant>`` of ``<tenant>.sharepoint.com``) are 1-27 letters and digits: the
initial ``onmicrosoft.com`` name is limited to 27 characters at sign-up, and a hyphen would collide
with the ``-admin`` / ``-my`` hosts. This is our chosen rule; the real name is confirmed after sign-in.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from spkit.errors import AddressError
from spkit.models.clouds import CLOUDS, GERMANY, GLOBAL, Cloud

TENANT_NAME_MAX = 27
_TENANT_RE = re.compile(rf"[a-z0-9]{{1,{TENANT_NAME_MAX}}}")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
_MANAGED_PATHS = ("sites", "teams", "personal")

KIND_TENANT_NAME = "tenant_name"
KIND_INITIAL_DOMAIN = "initial_domain"
KIND_CUSTOM_DOMAIN = "custom_domain"
KIND_SHAREPOINT_URL = "sharepoint_url"
KIND_ADMIN_URL = "admin_url"
KIND_ONEDRIVE_URL = "onedrive_url"

CONFIRM_NOTE = "the tenant name is a guess from the domain; the real name is confirmed after sign-in"
GERMANY_MOVED_NOTE = (
    "a tenant moved from Microsoft Cloud Deutschland keeps its .onmicrosoft.de domain; the tenant name "
    "is a guess and is confirmed after sign-in"
)


@dataclass(frozen=True)
class SharePointAddress:
    """A tenant's SharePoint Online addresses, derived from what the user typed."""

    tenant: str
    sharepoint_url: str
    admin_url: str
    onedrive_url: str
    site_url: str | None
    domain_hint: str | None
    needs_confirmation: bool
    source_kind: str
    note: str = ""

    @property
    def normalised(self) -> str:
        """The text to store: re-parsing it gives the same tenant (a guessed domain stays a domain)."""
        if self.needs_confirmation and self.domain_hint:
            return self.domain_hint
        return self.site_url or self.sharepoint_url


def _fail(summary: str, fix: str, code: str = "ADDRESS_INVALID") -> AddressError:
    return AddressError(summary, code=code, fix=fix)


def _example(cloud: Cloud) -> str:
    return f"https://contoso.{cloud.sharepoint_suffix}"


def _check_tenant(name: str, cloud: Cloud) -> str:
    if _TENANT_RE.fullmatch(name):
        return name
    if len(name) > TENANT_NAME_MAX and name.isalnum():
        problem = f"is longer than {TENANT_NAME_MAX} characters"
    elif "-" in name:
        problem = "has a hyphen (tenant names are letters and digits only)"
    else:
        problem = "has characters other than letters and digits"
    raise _fail(
        f"'{name}' is not a SharePoint tenant name: it {problem}",
        f"type the tenant name (letters and digits, as in {_example(cloud)}) or the SharePoint URL "
        "shown in the Microsoft 365 admin center",
        code="ADDRESS_TENANT_INVALID",
    )


def _build(
    tenant: str,
    cloud: Cloud,
    kind: str,
    *,
    site_url: str | None = None,
    domain_hint: str | None = None,
    needs_confirmation: bool = False,
    note: str = "",
) -> SharePointAddress:
    return SharePointAddress(
        tenant=tenant,
        sharepoint_url=f"https://{cloud.sharepoint_host(tenant)}",
        admin_url=f"https://{cloud.admin_host(tenant)}",
        onedrive_url=f"https://{cloud.onedrive_host(tenant)}",
        site_url=site_url,
        domain_hint=domain_hint,
        needs_confirmation=needs_confirmation,
        source_kind=kind,
        note=note,
    )


def _site_url(host: str, path: str) -> str | None:
    """The site collection a path points into (``/sites/x/Shared Documents`` -> ``/sites/x``)."""
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 2 and segments[0].lower() in _MANAGED_PATHS:
        return f"https://{host}/{segments[0].lower()}/{segments[1]}"
    return None


def _ends_with(host: str, suffix: str) -> str | None:
    """The part of ``host`` before ``.suffix``, or None."""
    if host.endswith("." + suffix):
        return host[: -len(suffix) - 1]
    return None


def parse_sharepoint_address(text: str, cloud: Cloud = GLOBAL) -> SharePointAddress:
    """Parse a tenant name, domain or SharePoint URL typed by a person, for ``cloud``."""
    if not isinstance(text, str):
        raise _fail("the SharePoint address must be text", f"type an address like {_example(cloud)}")
    typed = text.translate(_INVISIBLE).strip()
    if not typed:
        raise _fail(
            "the SharePoint address is empty", f"type an address like {_example(cloud)}", code="ADDRESS_EMPTY"
        )
    if any(ch.isspace() for ch in typed):
        raise _fail(
            "the SharePoint address contains spaces",
            "remove the spaces (in a URL, a space is written %20)",
        )
    has_scheme = "://" in typed
    if has_scheme:
        scheme = typed.split("://", 1)[0].lower()
        if scheme == "http":
            raise _fail(
                "SharePoint Online is only served over https; the address starts with http://",
                f"use https:// (e.g. {_example(cloud)})",
                code="ADDRESS_NOT_HTTPS",
            )
        if scheme != "https":
            raise _fail(f"'{scheme}://' is not a SharePoint Online address", f"use {_example(cloud)}")
    is_url = has_scheme or "/" in typed.rstrip("/")
    try:
        parts = urlsplit(typed if has_scheme else "https://" + typed)
        port = parts.port
    except ValueError:
        raise _fail(f"'{typed}' is not a valid address", f"use {_example(cloud)}") from None
    if "@" in parts.netloc:
        raise _fail(
            f"'{typed}' looks like an e-mail address, not a SharePoint address",
            f"type the SharePoint address ({_example(cloud)}); the e-mail goes in application_account",
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _fail(f"'{typed}' has no host name", f"use {_example(cloud)}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise _fail(
            f"'{host}' is an IP address; SharePoint Online is reached by name",
            f"use {_example(cloud)}",
            code="ADDRESS_IP",
        )
    if port is not None or parts.netloc.endswith(":"):
        raise _fail(
            "SharePoint Online addresses carry no port",
            f"remove ':{port if port is not None else ''}' (use {_example(cloud)})",
            code="ADDRESS_PORT",
        )
    labels = host.split(".")
    if len(labels) == 1:
        if is_url:
            raise _fail(
                f"'{typed}' is not a SharePoint Online address",
                f"use {_example(cloud)}",
                code="ADDRESS_NOT_SHAREPOINT",
            )
        return _build(_check_tenant(host, cloud), cloud, KIND_TENANT_NAME)
    if not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise _fail(
            f"'{host}' is not a valid host name (letters, digits and inner hyphens only)",
            f"type an address like {_example(cloud)}",
        )

    label = _ends_with(host, cloud.sharepoint_suffix)
    if label is not None:
        return _parse_sharepoint_host(label, host, parts.path, cloud)
    _reject_other_cloud_host(host, cloud)
    if is_url:
        raise _fail(
            f"'{host}' is not a SharePoint Online host of the chosen cloud '{cloud.name}'",
            f"use the SharePoint address, e.g. {_example(cloud)}",
            code="ADDRESS_NOT_SHAREPOINT",
        )
    return _parse_domain(host, cloud)


def _parse_sharepoint_host(label: str, host: str, path: str, cloud: Cloud) -> SharePointAddress:
    if "." in label:
        raise _fail(
            f"'{host}' is not a tenant's SharePoint host",
            f"use https://<tenant>.{cloud.sharepoint_suffix}",
            code="ADDRESS_NOT_SHAREPOINT",
        )
    if label.endswith("-admin"):
        return _build(_check_tenant(label[: -len("-admin")], cloud), cloud, KIND_ADMIN_URL)
    if label.endswith("-my"):
        tenant = _check_tenant(label[: -len("-my")], cloud)
        return _build(tenant, cloud, KIND_ONEDRIVE_URL, site_url=_site_url(host, path))
    tenant = _check_tenant(label, cloud)
    return _build(tenant, cloud, KIND_SHAREPOINT_URL, site_url=_site_url(host, path))


def _reject_other_cloud_host(host: str, cloud: Cloud) -> None:
    """Raise when ``host`` is a SharePoint host of a different cloud than the chosen one."""
    for other in CLOUDS.values():
        if other.name == cloud.name or _ends_with(host, other.sharepoint_suffix) is None:
            continue
        if other is GERMANY:
            fix = (
                "Microsoft Cloud Deutschland was retired on 2021-10-29; a tenant moved from Germany "
                "connects through the global cloud: type its tenant name or .onmicrosoft.com domain"
            )
        else:
            fix = f"choose the {other.display_name} cloud ({other.name}), or type a {cloud.name} address"
        raise _fail(
            f"'{host}' belongs to the cloud '{other.name}' ({other.display_name}), "
            f"not to the chosen cloud '{cloud.name}'",
            fix,
            code="ADDRESS_WRONG_CLOUD",
        )
    if not cloud.is_sandbox and (host == "localhost" or host.endswith(".localhost")):
        raise _fail(
            f"'{host}' is a sandbox address, not one of the chosen cloud '{cloud.name}'",
            "choose the sandbox cloud (cloud: sandbox with a sandbox card)",
            code="ADDRESS_WRONG_CLOUD",
        )


def _parse_domain(host: str, cloud: Cloud) -> SharePointAddress:
    for suffix in sorted(cloud.initial_domain_suffixes, key=len, reverse=True):
        label = _ends_with(host, suffix)
        if label is not None and "." in label:
            raise _fail(
                f"'{host}' is not a tenant's initial domain (it has a sub-domain)",
                f"type <tenant>.{suffix} or the SharePoint URL ({_example(cloud)})",
                code="ADDRESS_TENANT_INVALID",
            )
        if label is not None:
            return _build(_check_tenant(label, cloud), cloud, KIND_INITIAL_DOMAIN, domain_hint=host)
    for other in CLOUDS.values():
        own = other.initial_domain_suffixes[0]
        label = _ends_with(host, own)
        if label is None or own in cloud.initial_domain_suffixes:
            continue
        if other is GERMANY and (cloud is GLOBAL or cloud.is_sandbox) and "." not in label:
            tenant = _check_tenant(label, cloud)
            return _build(
                tenant,
                cloud,
                KIND_INITIAL_DOMAIN,
                domain_hint=host,
                needs_confirmation=True,
                note=GERMANY_MOVED_NOTE,
            )
        owners = " or ".join(
            f"'{c.name}' ({c.display_name})" for c in CLOUDS.values() if c.initial_domain_suffixes[0] == own
        )
        raise _fail(
            f"'{host}' is an initial domain of {owners}, not of the chosen cloud '{cloud.name}'",
            f"choose the cloud the tenant lives in, or type a {cloud.name} address",
            code="ADDRESS_WRONG_CLOUD",
        )
    if not _tld_ok(host):
        raise _fail(f"'{host}' is not a domain name", f"type an address like {_example(cloud)}")
    labels = host.split(".")
    first = labels[1] if labels[0] == "www" and len(labels) > 2 else labels[0]
    guess = first.replace("-", "")
    if not _TENANT_RE.fullmatch(guess):
        raise _fail(
            f"cannot guess the tenant name from the domain '{host}'",
            f"type the tenant name or the SharePoint URL ({_example(cloud)})",
            code="ADDRESS_TENANT_INVALID",
        )
    return _build(
        guess, cloud, KIND_CUSTOM_DOMAIN, domain_hint=host, needs_confirmation=True, note=CONFIRM_NOTE
    )


def _tld_ok(host: str) -> bool:
    """True when the last label looks like a top-level domain (letters, at least two)."""
    tld = host.rsplit(".", 1)[-1]
    return len(tld) >= 2 and tld.isalpha()


def tenant_from_initial_domain(domain: str) -> str:
    """``contoso.onmicrosoft.com`` (or .us, .de, .partner.onmschina.cn) -> ``contoso``."""
    host = domain.translate(_INVISIBLE).strip().lower().rstrip(".")
    suffixes = {s for c in CLOUDS.values() for s in c.initial_domain_suffixes}
    for suffix in sorted(suffixes, key=len, reverse=True):
        label = _ends_with(host, suffix)
        if label is not None and "." not in label:
            return _check_tenant(label, GLOBAL)
    raise _fail(
        f"'{domain.strip()}' is not an initial domain (<name>.onmicrosoft.com)",
        "use the tenant's initial domain as shown under Domains in the Microsoft 365 admin center",
        code="ADDRESS_NOT_INITIAL_DOMAIN",
    )
