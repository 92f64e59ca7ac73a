"""A generated site collection's "last modified" date and change tokens, derived from its index so that
repeated runs answer the same bytes (the forms dates are written in are ``timestamps.py``'s)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

_DOTNET_EPOCH_OFFSET = 62135596800  # seconds from 0001-01-01 (.NET ticks' origin) to 1970-01-01


class IndexedSite(Protocol):
    """A generated site collection (Online's ``Site``, the farm's ``FarmSite``)."""

    @property
    def index(self) -> int: ...

    @property
    def created(self) -> datetime: ...


def last_modified(site: IndexedSite) -> datetime:
    """Deterministic, after creation, so repeated runs compare equal."""
    return site.created + timedelta(days=1 + site.index % 30, minutes=site.index % 60)


def change_token(scope: int, object_id: str, when: datetime) -> str:
    """``SP.ChangeToken.StringValue``: ``1;<scope: 1 site, 2 web>;<id>;<.NET ticks>;-1``."""
    ticks = int((when.timestamp() + _DOTNET_EPOCH_OFFSET) * 10_000_000)
    return f"1;{scope};{object_id};{ticks};-1"
