"""Saved-connections store codes (spkit connections, --connection NAME, the wizard's Save)."""

from __future__ import annotations

from ..entry import maker

E = maker("store")

NOTHING = "Nothing to change on your side."

ENTRIES = (
    E(
        "STORE_ERROR",
        "Saved-connections store error",
        meaning="The saved-connections store could not do what was asked.",
        evidence="The store file and the problem.",
        fix=["Read the message; 'spkit connections list' shows what is saved."],
        tell=NOTHING,
    ),
    E(
        "STORE_CORRUPT",
        "Saved-connections store damaged",
        meaning="connections.json is not a valid store document; it was copied to "
        "connections.json.corrupt-<UTC time> and left in place, and spkit refuses to touch it.",
        evidence="The store's path and the copy's path.",
        fix=[
            "Move the damaged file away (or restore it from a backup), then save the connections again.",
        ],
        tell=NOTHING,
    ),
    E(
        "STORE_LOCKED",
        "Saved-connections store locked",
        meaning="Another spkit process held the store's lock for longer than spkit waits.",
        evidence="The lock file.",
        fix=["Wait for the other spkit command to finish, then run again."],
        tell=NOTHING,
    ),
    E(
        "STORE_KEY_INVALID",
        "Store encryption key missing or wrong",
        meaning="The key that encrypts stored secrets is missing, unreadable, or not the one they were "
        "encrypted with (keyring 'spkit'/'connections-key', or store.key).",
        evidence="Where the key was looked for.",
        fix=[
            "Unlock the OS keyring, or restore store.key next to the store.",
            "If the key is lost, store the secrets again ('spkit connections edit NAME --client-secret-stdin').",
        ],
        tell=NOTHING,
    ),
    E(
        "STORE_KEY_LOST",
        "Store encryption key lost",
        meaning="The key that encrypted the saved secrets is gone (no store.key and no keyring entry "
        "'spkit'/'connections-key') while the store still holds secrets encrypted with it. spkit refuses "
        "to encrypt new secrets with a second key, which would leave the store readable by neither.",
        evidence="Where the key was looked for and the connections whose secrets it encrypted.",
        fix=[
            "Restore store.key (or the keyring entry) from a backup; everything works again as before.",
            "If the key is gone for good, re-enter each secret: 'spkit connections edit NAME "
            "--client-secret-stdin < secret.txt'. The first re-entry starts a new key and drops the "
            "secrets the lost key encrypted (a copy of the store is kept as connections.json.lost-key-*).",
        ],
        tell=NOTHING,
    ),
    E(
        "CONNECTION_NAME_INVALID",
        "Connection name invalid",
        also=("wizard",),
        meaning="A connection name must be 1-64 letters, digits, spaces, dots, dashes or underscores.",
        evidence="The name.",
        fix=["Choose a name like contoso-prod."],
        tell=NOTHING,
    ),
    E(
        "CONNECTION_NOT_FOUND",
        "No saved connection of that name",
        also=("cli",),
        meaning="No saved connection has that name (the message lists those that exist).",
        evidence="The name and the names saved.",
        fix=["'spkit connections list'; use one of the names, or 'spkit connections add PARAMS.yaml'."],
        tell=NOTHING,
    ),
    E(
        "CONNECTION_EXISTS",
        "Connection name taken",
        also=("wizard",),
        meaning="A connection with that name is saved already and replacing it was not asked for.",
        evidence="The name.",
        fix=["Choose another name, or 'spkit connections add PARAMS.yaml --replace'."],
        tell=NOTHING,
    ),
    E(
        "CONNECTION_SECRET_INVALID",
        "Connection secret not accepted",
        meaning="A secret key the store does not know, or a secret value it cannot accept.",
        evidence="The key (never the value).",
        fix=["Store client_secret or admin_password only; paste the value itself."],
        tell=NOTHING,
    ),
    E(
        "CONNECTION_RENAME_NEEDED",
        "Rename instead of editing the name",
        meaning="A saved connection's name changes by renaming it, not by editing the profile.",
        evidence="The field edited.",
        fix=["'spkit connections rename NAME NEW_NAME'."],
        tell=NOTHING,
    ),
    E(
        "REGISTRATION_INVALID",
        "Registration record invalid",
        meaning="A connection's registration record must be plain JSON data of IDs, never credentials.",
        evidence="The key that is wrong.",
        fix=["Store credentials as the connection's secrets, never in its registration."],
        tell=NOTHING,
    ),
)
