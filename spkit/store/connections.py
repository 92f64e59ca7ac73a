"""The store of defined connections: profiles (references only), their app registration, and their
secrets encrypted at rest.

Every write is a read-modify-write under the store's exclusive lock, saved with ``atomic_write``: a
crash or a kill leaves the old file or the new one, and two processes never lose each other's update.
Every read rebuilds the profile through ``profile_from_dict``, so a saved connection is validated
exactly like a parameters file or the wizard's form.
"""

from __future__ import annotations

import builtins
import copy
import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import ProfileError
from ..fileio import atomic_write_json
from ..models.app_ownership import was_created_by_spkit
from ..models.profile import Profile, profile_from_dict
from ..models.secrets import parse_secret_ref
from .changes import apply_changes
from .cipher import SecretBox
from .document import Document, read_document, write_document
from .errors import ConnectionExistsError, ConnectionSecretError, StoreError, StoreKeyError
from .keys import encrypted_holders, load_key
from .locking import locked
from .names import check_name, not_found
from .paths import private_dir, store_path

# The profile fields that may hold a ``store:`` reference: the keys of a connection's stored secrets.
SECRET_FIELDS = ("client_secret", "certificate.password", "admin_password")
# Registration metadata must not carry credentials: keys like these are refused (``*_id`` is fine).
_SECRETISH = re.compile(r"(?i)(secret|password|passphrase|private_?key|pfx)(?!.*_ids?$)")
log = logging.getLogger(__name__)


def store_ref(name: str, key: str) -> str:
    """The reference a profile holds for a secret kept in this store."""
    return f"store:{name}/{key}"


def resave_hint(name: str, key: str) -> str:
    """How a person stores the secret ``key`` of connection ``name`` again."""
    if key == "client_secret":
        return f"spkit connections edit '{name}' --client-secret-stdin"
    return f"open '{name}' with Edit in the connection wizard and type it again, then Save"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SavedConnection:
    """One saved connection. ``profile`` is validated on first use; ``profile_data`` is the raw form."""

    name: str
    profile_data: dict[str, Any] = field(repr=False)
    registration: dict[str, Any] | None
    saved_at: str
    secret_keys: tuple[str, ...]
    store_path: Path = field(repr=False)

    @cached_property
    def profile(self) -> Profile:
        """The profile, rebuilt by ``profile_from_dict`` (raises ``ProfileError`` when it no longer holds)."""
        return profile_from_dict(
            copy.deepcopy(self.profile_data), source=f"saved connection '{self.name}' ({self.store_path})"
        )

    @property
    def credential_kind(self) -> str:
        """client_secret, certificate_file, certificate_thumbprint or (on-premises) password."""
        if self.profile_data.get("kind") == "onprem":
            return "password"
        if "client_secret" in self.profile_data:
            return "client_secret"
        cert = self.profile_data.get("certificate")
        return (
            "certificate_thumbprint"
            if isinstance(cert, dict) and "thumbprint" in cert
            else "certificate_file"
        )

    def summary(self) -> dict[str, Any]:
        """What a list shows: no secret, no reference target beyond the profile's own fields."""
        data = self.profile_data
        return {
            "name": self.name,
            "kind": data.get("kind"),
            "cloud": None if data.get("kind") == "onprem" else data.get("cloud", "global"),
            "sharepoint_url": data.get("sharepoint_url"),
            "tenant_id": data.get("tenant_id"),
            "credential": self.credential_kind,
            "registered_by_spkit": was_created_by_spkit(self.registration),
            "saved_at": self.saved_at,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything but the secrets themselves (their keys are listed, their values never)."""
        return {
            "name": self.name,
            "profile": copy.deepcopy(self.profile_data),
            "registration": copy.deepcopy(self.registration),
            "saved_at": self.saved_at,
            "stored_secrets": list(self.secret_keys),
        }


class ConnectionStore:
    """The saved connections of one store file (default: ``$XDG_CONFIG_HOME/spkit/connections.json``)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser().absolute() if path is not None else store_path()
        self.directory = self.path.parent

    def __repr__(self) -> str:
        return f"ConnectionStore({str(self.path)!r})"

    # --- reading --------------------------------------------------------------------------------

    def get(self, name: str) -> SavedConnection:
        """The connection ``name``, its profile validated now."""
        saved = self._saved(name, self._entry(read_document(self.path), name))
        saved.profile  # noqa: B018 - validate eagerly: get() promises a usable profile
        return saved

    def list(self) -> builtins.list[SavedConnection]:
        """Every connection, by name; profiles are validated when first used, so one broken
        connection (say, a certificate file moved) does not hide the others."""
        connections = read_document(self.path)["connections"]
        return [self._saved(name, connections[name]) for name in sorted(connections)]

    def names(self) -> builtins.list[str]:
        return sorted(read_document(self.path)["connections"])

    def secret(self, name: str, key: str) -> str:
        """The decrypted value of the connection's secret ``key`` (e.g. ``client_secret``)."""
        entry = self._entry(read_document(self.path), name)
        token = entry["secrets"].get(key)
        if token is None:
            stored = ", ".join(sorted(entry["secrets"])) or "none"
            raise ConnectionSecretError(
                f"saved connection '{name}' has no stored secret '{key}' (stored: {stored})",
                fix=f"save it again: {resave_hint(name, key)}",
            )
        stored_key = load_key(self.directory, create=False)
        if stored_key is None:
            raise StoreKeyError(
                f"the store key is missing (no keyring entry spkit/connections-key and no "
                f"{self.directory / 'store.key'}), so {store_ref(name, key)} cannot be decrypted",
                fix=f"restore the key, or save the secret again: {resave_hint(name, key)}",
            )
        return SecretBox(stored_key).decrypt(token, store_ref(name, key), resave_hint(name, key))

    # --- writing --------------------------------------------------------------------------------

    def add(
        self,
        profile: Profile | Mapping[str, Any],
        *,
        secrets: Mapping[str, str] | None = None,
        registration: Mapping[str, Any] | None = None,
        replace: bool = False,
        name: str | None = None,
    ) -> SavedConnection:
        """Save a connection. ``profile`` may be a profile or its plain data (a wizard form may leave
        out a credential that ``secrets`` supplies); each secret is stored encrypted and its profile
        field becomes ``store:NAME/KEY``. With ``replace``, a registration or secret not given again
        is kept, so re-saving never orphans the app spkit created."""
        data = copy.deepcopy(dict(profile)) if isinstance(profile, Mapping) else profile.to_dict()
        name = check_name(name if name is not None else data.get("name"))
        data["name"] = name
        values = _check_secret_values(secrets)
        data = apply_changes(data, {key: store_ref(name, key) for key in values})
        new_registration = _check_registration(registration)
        encrypted, _ = self._encrypt(values)
        with self._transaction() as document:
            old = document["connections"].get(name)
            if old is not None and not replace:
                raise ConnectionExistsError(
                    f"a connection named '{name}' is already saved in {self.path}",
                    fix="choose another name (--name), or replace it (--replace)",
                )
            kept = old or {"registration": None, "secrets": {}}
            stored = {**kept["secrets"], **encrypted}
            entry = {
                "profile": self._validated(name, data, stored),
                "registration": new_registration if new_registration is not None else kept["registration"],
                "saved_at": _now(),
                "secrets": stored,
            }
            entry["secrets"] = _referenced(name, entry["profile"], stored)
            document["connections"][name] = entry
        log.info("saved connection %s in %s", name, self.path)
        return self._saved(name, entry)

    def edit(
        self, name: str, changes: Mapping[str, Any], *, secrets: Mapping[str, str] | None = None
    ) -> SavedConnection:
        """Change fields (dotted keys; None removes) and optionally secrets; the result is validated
        again, and the registration is kept, so editing reuses the app instead of making a second one."""
        if "name" in changes:
            raise StoreError(
                "the name of a saved connection is changed by renaming it, not by editing",
                code="CONNECTION_RENAME_NEEDED",
                fix=f"spkit connections rename '{name}' NEW_NAME",
            )
        values = _check_secret_values(secrets)
        if values:  # only secrets can start a key: an unknown name must not
            self._entry(read_document(self.path), name)
        encrypted, new_key = self._encrypt(values, reentry=True)
        with self._transaction() as document:
            entry = self._entry(document, name)
            if new_key:
                self._drop_lost_secrets(document)
            refs = {key: store_ref(name, key) for key in values}
            data = apply_changes(entry["profile"], {**changes, **refs})
            stored = {**entry["secrets"], **encrypted}
            entry["profile"] = self._validated(name, data, stored)
            entry["secrets"] = _referenced(name, entry["profile"], stored)
            entry["saved_at"] = _now()
        log.info("edited connection %s in %s", name, self.path)
        return self._saved(name, entry)

    def rename(self, name: str, new_name: str) -> SavedConnection:
        """Give a connection a new name; its ``store:`` references follow, its secrets stay encrypted."""
        check_name(new_name)
        with self._transaction() as document:
            connections = document["connections"]
            entry = self._entry(document, name)
            if new_name in connections and new_name != name:
                raise ConnectionExistsError(
                    f"a connection named '{new_name}' is already saved in {self.path}",
                    fix="choose another name, or remove that connection first",
                )
            refs = {
                key: store_ref(new_name, key)
                for key in SECRET_FIELDS
                if _field(entry["profile"], key) == store_ref(name, key)
            }
            entry["profile"] = apply_changes(entry["profile"], {"name": new_name, **refs})
            entry["saved_at"] = _now()
            del connections[name]
            connections[new_name] = entry
        log.info("renamed connection %s to %s in %s", name, new_name, self.path)
        return self._saved(new_name, entry)

    def remove(self, name: str) -> SavedConnection:
        """Delete a connection and its secrets; returns it so the caller can unregister its app."""
        with self._transaction() as document:
            entry = self._entry(document, name)
            del document["connections"][name]
        log.info("removed connection %s from %s", name, self.path)
        return self._saved(name, entry)

    # --- internals ------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Document]:
        """Read the document under the lock, let the caller change it, write it back atomically.

        An exception inside the block leaves the file untouched."""
        private_dir(self.directory)
        with locked(self.path):
            document = read_document(self.path)
            yield document
            write_document(self.path, document)

    def _entry(self, document: Document, name: str) -> dict[str, Any]:
        entry = document["connections"].get(name)
        if entry is None:
            raise not_found(name, document["connections"], str(self.path))
        return entry

    def _saved(self, name: str, entry: Mapping[str, Any]) -> SavedConnection:
        return SavedConnection(
            name=name,
            profile_data=copy.deepcopy(entry["profile"]),
            registration=copy.deepcopy(entry["registration"]),
            saved_at=entry["saved_at"],
            secret_keys=tuple(sorted(entry["secrets"])),
            store_path=self.path,
        )

    def _encrypt(self, values: Mapping[str, str], *, reentry: bool = False) -> tuple[dict[str, str], bool]:
        """The values encrypted with the store key, and whether a new key had to be started. Without a
        key while the store holds secrets, only a re-entry (``edit`` with secrets) may start one;
        anything else is ``STORE_KEY_LOST``, so secrets never end up under two keys."""
        if not values:
            return {}, False
        key = load_key(self.directory, create=False)
        new_key = key is None and reentry and bool(encrypted_holders(self.path))
        if key is None:
            key = load_key(self.directory, create=True, store=None if new_key else self.path)
        assert key is not None
        box = SecretBox(key)
        return {k: box.encrypt(v) for k, v in values.items()}, new_key

    def _drop_lost_secrets(self, document: Document) -> None:
        """The first re-entry after the key was lost: keep a copy of the store, then drop every secret the
        lost key encrypted (no key can read them; each is re-entered the same way)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        copy_path = self.path.with_name(f"{self.path.name}.lost-key-{stamp}")
        atomic_write_json(copy_path, document)
        for entry in document["connections"].values():
            entry["secrets"] = {}
        log.warning(
            "store key was lost: secrets encrypted with it dropped (copy of the store: %s)", copy_path
        )

    def _validated(self, name: str, data: Mapping[str, Any], stored: Mapping[str, str]) -> dict[str, Any]:
        """The profile's normalised plain data; its ``store:`` references must be its own secrets."""
        profile = profile_from_dict(copy.deepcopy(dict(data)), source=f"connection '{name}'")
        result = profile.to_dict()
        for key in SECRET_FIELDS:
            value = _field(result, key)
            if not isinstance(value, str) or not value.lower().startswith("store:"):
                continue
            if value != store_ref(name, key) or key not in stored:
                raise ConnectionSecretError(
                    f"connection '{name}': field '{key}' refers to {value}, which is not a secret "
                    "stored with this connection",
                    fix=f"give the value with --client-secret-stdin (stored as {store_ref(name, key)}), "
                    "or use an env:, file: or keyring: reference",
                )
        return result


def _field(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _referenced(name: str, profile: Mapping[str, Any], stored: Mapping[str, str]) -> dict[str, str]:
    """The stored secrets the profile still refers to (a replaced credential's secret is dropped)."""
    return {key: token for key, token in stored.items() if _field(profile, key) == store_ref(name, key)}


def _check_secret_values(secrets: Mapping[str, str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in (secrets or {}).items():
        if key not in SECRET_FIELDS:
            raise ConnectionSecretError(
                f"cannot store a secret for '{key}': secrets are stored for {', '.join(SECRET_FIELDS)}",
                fix=f"use one of {', '.join(SECRET_FIELDS)}",
            )
        if not isinstance(value, str) or not value.strip():
            raise ConnectionSecretError(
                f"the value given for '{key}' is empty or not text", fix="give the secret's value"
            )
        # Reject a reference given where a value belongs: storing "env:X" as a secret is a mistake.
        try:
            parse_secret_ref(value.strip(), field=key)
        except ProfileError:
            values[key] = value.strip()
        else:
            raise ConnectionSecretError(
                f"the value given for '{key}' looks like a secret reference, not a secret",
                fix=f"put the reference in the profile's {key} field instead",
            )
    return values


def _check_registration(registration: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Plain JSON metadata about the app spkit created (ids, thumbprint, created_by), no credentials."""
    if registration is None:
        return None
    if not isinstance(registration, Mapping):
        raise StoreError("the registration must be a mapping", code="REGISTRATION_INVALID")

    def walk(node: Any, where: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise StoreError(f"registration{where}: keys must be text", code="REGISTRATION_INVALID")
                if _SECRETISH.search(key):
                    raise StoreError(
                        f"registration{where}.{key}: a registration records ids, never credentials",
                        code="REGISTRATION_INVALID",
                        fix="store the credential as a secret of the connection (secrets=...)",
                    )
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(registration, "")
    try:
        return json.loads(json.dumps(dict(registration)))
    except (TypeError, ValueError):
        raise StoreError(
            "the registration must be plain JSON data (text, numbers, lists, mappings)",
            code="REGISTRATION_INVALID",
        ) from None
