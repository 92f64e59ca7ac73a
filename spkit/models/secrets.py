"""Secret references: a profile names *where* a secret lives, never the secret itself.

An executed notebook, a report or a log may show a profile; with references only, none of them can
carry a secret. Resolved values travel in ``Secret`` so that an accidental ``print`` shows ``***``.

``store:CONNECTION/KEY`` names a secret kept encrypted in the saved-connections store; this module only
knows the form. Whoever resolves one passes the store's reader in (``resolve(card, store=...)``;
``spkit.services.secret_values`` does it for the services), so the models layer stays free of files,
keys and locks.
"""

from __future__ import annotations

import hmac
import os
import re
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spkit.errors import InputError, ProfileError, SecretReferenceError
from spkit.models.card import card_app, card_tenant, card_user

SCHEMES = ("env", "file", "keyring", "sandbox", "store")
REFERENCE_FORMS = "env:NAME, file:PATH, keyring:SERVICE/KEY, sandbox:TENANT/NAME or store:CONNECTION/KEY"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME = re.compile(rf"(?i)({'|'.join(SCHEMES)}):(.*)", re.DOTALL)
# A saved connection's name (the store's rule) and the key of one of its secrets.
_STORE_NAME = re.compile(r"[A-Za-z0-9 ._-]{1,64}")
_STORE_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")

# How ``store:NAME/KEY`` becomes the value: (connection name, secret key) -> the secret.
StoreResolver = Callable[[str, str], str]


class SecretFileWarning(UserWarning):
    """A secret file that other local users can read."""


class Secret:
    """A resolved secret value that prints as ``***``; call ``reveal()`` where the value is needed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value itself."""
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class SecretRef:
    """A reference such as ``env:SPKIT_SECRET``; ``target`` is the part after the colon.

    For ``file:`` the target is the absolute path, so the reference means the same from any directory.
    """

    kind: str
    target: str

    @property
    def text(self) -> str:
        """The reference as text (what ``str`` shows and what profiles store)."""
        return f"{self.kind}:{self.target}"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SecretRef({self.text!r})"

    @property
    def path(self) -> Path | None:
        """The file of a ``file:`` reference."""
        return Path(self.target) if self.kind == "file" else None

    def resolve(self, card: dict[str, Any] | None = None, *, store: StoreResolver | None = None) -> str:
        """The secret value; ``card`` is the sandbox card, needed for ``sandbox:`` references, and
        ``store`` reads the saved-connections store, needed for ``store:`` references."""
        if self.kind == "env":
            return self._from_env()
        if self.kind == "file":
            return self._from_file()
        if self.kind == "keyring":
            return self._from_keyring()
        if self.kind == "store":
            return self._from_store(store)
        return self._from_sandbox(card)

    def resolve_secret(
        self, card: dict[str, Any] | None = None, *, store: StoreResolver | None = None
    ) -> Secret:
        """Like ``resolve`` but wrapped, so the value does not leak into a print or a traceback."""
        return Secret(self.resolve(card, store=store))

    def _error(self, problem: str, fix: str) -> SecretReferenceError:
        return SecretReferenceError(f"secret {self.text}: {problem}", fix=fix)

    def _from_env(self) -> str:
        value = os.environ.get(self.target)
        if value is None:
            raise self._error(
                f"environment variable {self.target} is not set",
                f"set {self.target} in the environment that runs spkit",
            )
        if not value:
            raise self._error(
                f"environment variable {self.target} is empty", f"set {self.target} to the secret value"
            )
        return value

    def _from_file(self) -> str:
        path = Path(self.target)
        try:
            info = path.stat()
            data = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self._error(f"file {path} does not exist", "create it, or fix the path") from None
        except IsADirectoryError:
            raise self._error(f"{path} is a directory", "name the file that holds the secret") from None
        except PermissionError:
            raise self._error(
                f"file {path} cannot be read (permission denied)",
                "give the account that runs spkit read access",
            ) from None
        except UnicodeDecodeError:
            raise self._error(f"file {path} is not UTF-8 text", "store the secret as plain text") from None
        if os.name == "posix" and info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.warn(
                f"secret file {path} is readable by group or others; run: chmod 600 {path}",
                SecretFileWarning,
                stacklevel=3,
            )
        value = data[:-2] if data.endswith("\r\n") else data.removesuffix("\n")
        if not value:
            raise self._error(f"file {path} is empty", "write the secret value into the file")
        return value

    def _from_keyring(self) -> str:
        service, key = self.target.split("/", 1)
        try:
            import keyring
        except ImportError:
            raise self._error(
                "the keyring package is not installed",
                "pip install keyring, or use an env: or file: reference",
            ) from None
        try:
            value = keyring.get_password(service, key)
        except Exception as exc:  # keyring backends raise their own types
            raise self._error(
                f"the keyring could not be read ({exc.__class__.__name__})",
                "check that a keyring backend is available to this account",
            ) from None
        if value is None:
            raise self._error(
                f"no keyring entry for service '{service}' and key '{key}'",
                f"store it: keyring set {service} {key}",
            )
        return value

    def _from_store(self, store: StoreResolver | None) -> str:
        name, key = self.target.split("/", 1)
        if store is None:  # a caller that forgot the store, not a user's mistake; say what was missing
            raise self._error(
                "it names a saved connection's secret, but no saved-connections store was given to read it",
                "resolve it through spkit.services.secret_values.secret_value, which reads the store",
            )
        try:
            return store(name, key)
        except InputError as exc:  # keep the store's code (STORE_CORRUPT, CONNECTION_NOT_FOUND, ...)
            raise SecretReferenceError(
                f"secret {self.text}: {exc.summary}", code=exc.code, fix=exc.fix
            ) from None

    def _from_sandbox(self, card: dict[str, Any] | None) -> str:
        tenant_ref, name = self.target.split("/", 1)
        if card is None:
            raise self._error(
                "a sandbox reference needs the sandbox card",
                "use the profile's sandbox: card (cloud: sandbox)",
            )
        farm = next(
            (f for f in card.get("farms") or [] if str(f.get("name", "")).lower() == tenant_ref.lower()), None
        )
        if farm is not None:
            return self._from_sandbox_farm(farm, name)
        try:
            tenant = card_tenant(card, tenant_ref)
        except InputError as exc:
            raise self._error(exc.summary, exc.fix) from None
        try:
            app = card_app(card, tenant, name)
        except InputError:
            app = None
        if app is not None:
            secret = app.get("client_secret")
            if not secret:
                raise self._error(
                    f"sandbox app '{name}' has no client secret",
                    "use its certificate, or an app that has a secret",
                )
            return str(secret)
        try:
            user = card_user(card, tenant, name)
        except InputError:
            apps = ", ".join(str(a.get("name")) for a in tenant.get("apps", [])) or "none"
            raise self._error(
                f"sandbox tenant '{tenant.get('name')}' has no app or user '{name}'",
                f"name an app ({apps}) or a user's UPN",
            ) from None
        password = user.get("password")
        if not password:
            raise self._error(f"sandbox user '{name}' has no password", "name another user")
        return str(password)

    def _from_sandbox_farm(self, farm: dict[str, Any], name: str) -> str:
        """A farm user's password, by UPN, DOMAIN\\user or sAMAccountName."""
        wanted = name.lower()
        for user in farm.get("users") or []:
            names = {str(user.get(k, "")).lower() for k in ("upn", "logon", "sam_account_name")}
            if wanted in names and user.get("password"):
                return str(user["password"])
        known = ", ".join(str(u.get("upn")) for u in farm.get("users") or []) or "none"
        raise self._error(f"sandbox farm '{farm.get('name')}' has no user '{name}'", f"name one of: {known}")


def parse_secret_ref(text: str, *, field: str, base_dir: str | Path | None = None) -> SecretRef:
    """Parse a secret reference; ``file:`` paths are relative to ``base_dir`` (default: cwd).

    The error never repeats the text: what was typed may be a pasted secret.
    """
    if not isinstance(text, str):
        raise ProfileError(
            field,
            f"must be a secret reference ({REFERENCE_FORMS})",
            code="SECRET_REF_INVALID",
            fix=f"use {REFERENCE_FORMS}",
        )
    stripped = text.strip()
    if not stripped:
        raise ProfileError(
            field, f"is empty; use {REFERENCE_FORMS}", code="SECRET_REF_INVALID", fix=f"use {REFERENCE_FORMS}"
        )
    match = _SCHEME.fullmatch(stripped)
    if match is None:
        raise ProfileError(
            field,
            f"looks like an inline secret; use {REFERENCE_FORMS}",
            code="SECRET_INLINE",
            fix=f"store the secret outside the profile and reference it: {REFERENCE_FORMS}",
        )
    kind, target = match.group(1).lower(), match.group(2).strip()

    def bad(form: str) -> ProfileError:
        return ProfileError(
            field,
            f"a {kind}: reference must look like {form}",
            code="SECRET_REF_INVALID",
            fix=f"write it as {form}",
        )

    if kind == "env":
        if not _ENV_NAME.fullmatch(target):
            raise bad("env:NAME (letters, digits and _)")
    elif kind == "file":
        if not target:
            raise bad("file:PATH")
        path = Path(target).expanduser()
        if not path.is_absolute():
            path = Path(base_dir or Path.cwd()).expanduser() / path
        target = str(Path(os.path.normpath(path.absolute())))
    elif kind == "store":
        name, _, key = target.partition("/")
        if not _STORE_NAME.fullmatch(name) or name != name.strip() or not _STORE_KEY.fullmatch(key):
            raise bad("store:CONNECTION/KEY (a saved connection's name, then the secret's key)")
    else:
        form = "keyring:SERVICE/KEY" if kind == "keyring" else "sandbox:TENANT/NAME"
        service, _, key = target.partition("/")
        if not service.strip() or not key.strip() or any(ch.isspace() for ch in service):
            raise bad(form)
        target = f"{service.strip()}/{key.strip()}"
    return SecretRef(kind, target)


def clean_secret_value(text: str, *, field: str) -> str:
    """A secret's *value* as pasted (a client secret, a password): surrounding blanks and line ends go,
    as the CLI strips what it reads on stdin; an empty value, or a reference typed where the value
    belongs, is refused. The error never repeats the text."""
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise ProfileError(field, "is empty", code="SECRET_EMPTY", fix="paste the secret's value")
    try:  # the store's rule: a value that parses as a reference is a reference given by mistake
        parse_secret_ref(value, field=field)
    except ProfileError:
        return value
    raise ProfileError(
        field,
        "looks like a secret reference, not the secret's value",
        code="SECRET_VALUE_IS_REFERENCE",
        fix="paste the value itself; it is kept encrypted in the saved-connections store",
    )
