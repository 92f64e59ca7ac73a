"""How spkit knows an app registration is its own — the only one it reuses or deletes.

Two marks, both written by ``registration``: the tag on the Entra application it creates, read back from
Graph, and ``created_by`` in the registration record a saved connection keeps of that app, read offline.
A model (no HTTP): the store, the services and a face's state all ask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SPKIT_TAG = "spkit"  # on the Entra application spkit creates
CREATED_BY = "spkit"  # in the registration record a saved connection keeps of that app


def is_spkit_app(app: Mapping[str, Any]) -> bool:
    """The rule for a Graph application object: spkit's when it carries spkit's tag."""
    return SPKIT_TAG in (app.get("tags") or [])


def was_created_by_spkit(registration: Mapping[str, Any] | None) -> bool:
    """The rule for a saved connection's registration record: spkit's when the record says spkit created
    the app (``RegistrationResult.registration_record``)."""
    return bool(registration and registration.get("created_by") == CREATED_BY)
