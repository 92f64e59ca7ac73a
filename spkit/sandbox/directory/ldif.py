"""Writing LDIF (RFC 2849) for slapadd: safe value lines, escaped RDN values, {SSHA} password hashes."""

from __future__ import annotations

import base64
import hashlib
import secrets


def ssha(password: str) -> str:
    """An OpenLDAP ``{SSHA}`` hash (salted SHA-1): what slapd checks a simple bind against."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def line(attr: str, value: str) -> str:
    """One ``attr: value`` line, base64 (``attr:: ...``) when LDIF requires it."""
    safe = (
        value.isascii() and value == value.strip() and not value.startswith((":", "<")) and "\n" not in value
    )
    if safe:
        return f"{attr}: {value}"
    return f"{attr}:: {base64.b64encode(value.encode()).decode()}"


def rdn_value(value: str) -> str:
    """Escape an RDN value (RFC 4514): the comma in 'Müller, Jr.' and the like."""
    out = "".join("\\" + ch if ch in ',+"\\<>;=' else ch for ch in value)
    if out.startswith(("#", " ")):
        out = "\\" + out
    return out


def entry(dn: str, attributes: list[tuple[str, str | int]]) -> str:
    """One entry block (no trailing blank line)."""
    return "\n".join([line("dn", dn), *(line(attr, str(value)) for attr, value in attributes)])


def document(entries: list[str]) -> str:
    return "\n\n".join(entries) + "\n"
