"""Errors of the saved-connections store: each names the file or the connection, never a secret value.

All are ``InputError`` (exit 2): the store is the user's input, and every fix is something the user does
(choose another name, move a damaged file away, unlock the keyring).
"""

from __future__ import annotations

from ..errors import InputError


class StoreError(InputError):
    """Base of the store's errors."""

    default_code = "STORE_ERROR"


class StoreCorruptError(StoreError):
    """The store file is not a version-1 store document; it was copied aside and is left untouched."""

    default_code = "STORE_CORRUPT"

    def __init__(self, summary: str, *, path: str, copy: str | None, fix: str) -> None:
        super().__init__(summary, fix=fix)
        self.path = path
        self.copy = copy


class StoreLockedError(StoreError):
    """Another process held the store's lock for longer than we are willing to wait."""

    default_code = "STORE_LOCKED"


class StoreKeyError(StoreError):
    """The encryption key is missing, unreadable, or not the key the secrets were encrypted with."""

    default_code = "STORE_KEY_INVALID"


class StoreKeyLostError(StoreKeyError):
    """The key is gone while the store still holds secrets encrypted with it: spkit will not start a
    second key (the store would then mix secrets under two keys) unless the user re-enters a secret."""

    default_code = "STORE_KEY_LOST"


class ConnectionNameError(StoreError):
    """A connection name outside 1-64 characters of letters, digits, space, dot, dash, underscore."""

    default_code = "CONNECTION_NAME_INVALID"


class ConnectionNotFoundError(StoreError):
    """No saved connection has that name (the message lists the names that exist)."""

    default_code = "CONNECTION_NOT_FOUND"


class ConnectionExistsError(StoreError):
    """A connection with that name is already saved and the caller did not ask to replace it."""

    default_code = "CONNECTION_EXISTS"


class ConnectionSecretError(StoreError):
    """A secret key the store does not know, or a secret value it cannot accept."""

    default_code = "CONNECTION_SECRET_INVALID"
