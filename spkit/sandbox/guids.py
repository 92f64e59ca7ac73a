"""GUIDs the sandbox derives from names, so that every run (and every parameters file written from one)
sees the same ids for the same tenants, apps, sites and farms."""

from __future__ import annotations

import uuid

SANDBOX_NAMESPACE = uuid.UUID("5b1f0a4e-6f55-4c39-9a3c-7d0c2b7e5e11")


def stable_guid(*parts: object) -> str:
    """A GUID that is the same for the same names in every run, so parameters files can hold it."""
    return str(uuid.uuid5(SANDBOX_NAMESPACE, "/".join(str(p) for p in parts)))
