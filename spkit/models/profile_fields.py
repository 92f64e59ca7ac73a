"""The field rules every kind of profile shares: one error shape (source, field, problem, fix), the
builder that reads a profile's fields with it, the known-key check, the name rule and the sandbox card.

Online and on-premises profiles are both built on these, so a typo, a wrong type or a missing file is
refused with the same words whichever kind the profile is.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from spkit.errors import InputError, ProfileError
from spkit.models.card import load_running_card, resolve_card_path
from spkit.models.secrets import REFERENCE_FORMS, SecretRef, parse_secret_ref

_NAME_RE = re.compile(r"[A-Za-z0-9_.\- ]{1,64}")


class ProfileFieldError(ProfileError):
    """A ``ProfileError`` whose text is one line with the source, the field, the problem and the fix."""

    def __init__(self, field: str, problem: str, *, source: str, fix: str, code: str | None = None) -> None:
        super().__init__(field, problem, source=source, code=code, fix=fix)
        where = f"{source}: " if source else ""
        self.summary = f"{where}field '{field}': {problem}" if field else f"{where}{problem}"
        self.args = (self.summary,)

    def __str__(self) -> str:
        return f"{self.summary}; fix: {self.fix}" if self.fix else self.summary


def type_name(value: object) -> str:
    """How an error names what YAML made of a value ("a number", "a list", ...), never the value."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def parse_profile_name(value: str, *, source: str = "", example: str = "contoso-prod") -> str:
    """A profile's (and a saved connection's) name: 1-64 letters, digits, spaces or ``- _ .``."""
    name = value.strip()
    if not _NAME_RE.fullmatch(name):
        raise ProfileFieldError(
            "name",
            "must be 1-64 letters, digits, spaces or - _ .",
            source=source,
            fix=f"rename it, e.g. {example}",
            code="PROFILE_NAME_INVALID",
        )
    return name


class FieldBuilder:
    """Reads one profile's fields, raising ``ProfileFieldError`` tied to the source."""

    def __init__(self, data: dict[str, Any], source: str, base_dir: Path) -> None:
        self.data = data
        self.source = source
        self.base_dir = base_dir

    @classmethod
    def for_mapping(cls, data: Any, *, source: str, base_dir: Path) -> FieldBuilder:
        """A builder over ``data``, which must be a non-empty mapping of field: value."""
        builder = cls({}, source, base_dir)
        if data is None or data == {}:
            raise builder.fail(
                "",
                "is empty",
                "write the profile's fields (name, kind, sharepoint_url, ...)",
                code="PROFILE_EMPTY",
            )
        if not isinstance(data, dict):
            raise builder.fail(
                "",
                f"must be a mapping of field: value, not {type_name(data)}",
                "write one 'field: value' per line",
                code="PROFILE_NOT_MAPPING",
            )
        builder.data = data
        return builder

    def fail(self, field: str, problem: str, fix: str, code: str | None = None) -> ProfileFieldError:
        return ProfileFieldError(field, problem, source=self.source, fix=fix, code=code)

    def check_keys(
        self, known: tuple[str, ...], *, mapping: dict[str, Any] | None = None, prefix: str = ""
    ) -> None:
        """Refuse a key (of the profile, or of ``mapping`` inside it) not in ``known``; suggest the closest."""
        for key in self.data if mapping is None else mapping:
            if not isinstance(key, str):
                raise self.fail(
                    f"{prefix}{key}",
                    "keys must be text",
                    "use field names such as client_id",
                    code="PROFILE_UNKNOWN_KEY",
                )
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"did you mean '{prefix}{close[0]}'?" if close else f"known keys: {', '.join(known)}"
                raise self.fail(
                    f"{prefix}{key}",
                    f"is not a known key ({hint})",
                    f"rename it to '{prefix}{close[0]}'" if close else "remove it, or fix its spelling",
                    code="PROFILE_UNKNOWN_KEY",
                )

    def text(
        self,
        key: str,
        *,
        secret: bool = False,
        mapping: dict[str, Any] | None = None,
        label: str | None = None,
    ) -> str | None:
        """The stripped text of ``key`` (None when absent); anything but text is refused."""
        container = self.data if mapping is None else mapping
        label = label or key
        if key not in container:
            return None
        value = container[key]
        if not isinstance(value, str):
            fix = "write it as text" if secret else "write it as text (quote it if YAML reads it as a number)"
            raise self.fail(label, f"must be text, not {type_name(value)}", fix, code="PROFILE_WRONG_TYPE")
        value = value.strip()
        if not value:
            raise self.fail(label, "is empty", "give a value or remove the key", code="PROFILE_MISSING")
        return value

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            raise self.fail(key, "is required but missing", f"add {key}: ...", code="PROFILE_MISSING")
        return value

    def name(self, *, example: str) -> str:
        """The required ``name`` field, checked by ``parse_profile_name``."""
        return parse_profile_name(self.required("name"), source=self.source, example=example)

    def path(self, key: str, value: str, *, what: str) -> Path:
        """An existing file; relative to the profile's directory."""
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        path = path.resolve()
        if not path.is_file():
            problem = "is a directory, not a file" if path.is_dir() else f"{what} {path} does not exist"
            raise self.fail(
                key,
                problem,
                f"check the path (relative paths start at {self.base_dir})",
                code="PROFILE_FILE_MISSING",
            )
        return path

    def sandbox_card(self, value: str) -> tuple[Path, dict[str, Any]]:
        """The ``sandbox`` field's card file and the card of the sandbox running there."""
        card_path = resolve_card_path(value, self.base_dir)
        try:
            card = load_running_card(card_path)  # SANDBOX_NOT_RUNNING (not a bad path) when it is stopped
        except InputError as exc:
            raise self.fail("sandbox", exc.summary, exc.fix, code=exc.code) from None
        return card_path, card

    def secret_ref(self, label: str, value: object) -> SecretRef:
        if not isinstance(value, str):  # never show the value: it may be a pasted secret
            raise self.fail(
                label,
                f"must be a secret reference ({REFERENCE_FORMS}), not {type_name(value)}",
                f"use {REFERENCE_FORMS}",
                code="PROFILE_WRONG_TYPE",
            )
        try:
            return parse_secret_ref(value, field=label, base_dir=self.base_dir)
        except ProfileError as exc:
            raise self.fail(label, exc.problem, exc.fix, code=exc.code) from None
