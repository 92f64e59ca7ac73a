"""Encrypt and decrypt one secret value with the store key; failures never show the value or token."""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from .errors import StoreKeyError
from .keys import StoreKey


class SecretBox:
    """Fernet (AES-128-CBC + HMAC-SHA256) over the store key; tokens are ASCII, fit for JSON."""

    def __init__(self, key: StoreKey) -> None:
        self._key = key
        self._fernet = key.fernet()

    def __repr__(self) -> str:
        return f"SecretBox(key from {self._key.source})"

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(
        self, token: str, what: str, resave: str = "spkit connections edit NAME --client-secret-stdin"
    ) -> str:
        """The value of ``token``; ``what`` names it in the error (e.g. ``store:contoso/client_secret``)."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise StoreKeyError(
                f"{what} cannot be decrypted with the store key from {self._key.source} "
                "(the key changed, or the stored value was altered)",
                fix="restore the original store key (keyring entry spkit/connections-key or store.key), "
                f"or save the secret again: {resave}",
            ) from None
