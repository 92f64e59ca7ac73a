"""Instants as the emulated services write them, in one place: Microsoft's services each have a favourite
form (whole seconds with ``Z``, seven fractional digits, no zone at all), and clients parse them exactly."""

from __future__ import annotations

from datetime import UTC, datetime


def _utc(value: datetime | float) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return value.astimezone(UTC) if value.tzinfo is not None else value


def iso_z(value: datetime | float) -> str:
    """Whole seconds in UTC with ``Z`` (``2024-01-31T09:00:00Z``): Graph's dates, SP's ``*Utc`` fields."""
    return f"{_utc(value):%Y-%m-%dT%H:%M:%S}Z"


def iso_ticks(value: datetime | float) -> str:
    """Seven fractional digits with ``Z`` (``2019-09-17T19:10:35.2742618Z``): .NET's round-trip form, as
    Graph's ``createdDateTime`` and Entra's error texts write it (the seventh digit is always 0 here)."""
    value = _utc(value)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond:06d}0Z"


def iso_ticks_whole(value: datetime | float) -> str:
    """Whole seconds written with seven zero fractional digits (``2024-01-31T09:00:00.0000000Z``):
    SharePoint search's ``DateTime`` cells."""
    return f"{_utc(value):%Y-%m-%dT%H:%M:%S}.0000000Z"


def iso_space_z(value: datetime | float) -> str:
    """Whole seconds in UTC with a space for the ``T`` and ``Z`` (``2022-04-21 16:26:49Z``): Entra's error
    ``timestamp`` field and the ``Timestamp:`` line of its error texts."""
    return f"{_utc(value):%Y-%m-%d %H:%M:%S}Z"


def edm_datetime(value: datetime) -> str:
    """``Edm.DateTime`` as SP.Web/SP.Site write it: no zone, no fraction (``2024-01-31T09:00:00``)."""
    return f"{value:%Y-%m-%dT%H:%M:%S}"
