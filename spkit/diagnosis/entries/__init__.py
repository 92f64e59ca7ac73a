"""The catalog's entries, one module per service area; ``ENTRIES`` is all of them."""

from __future__ import annotations

from ..entry import CatalogEntry
from . import (
    ad,
    batch,
    certificate,
    faces,
    farm,
    graph,
    identity,
    inputs,
    network,
    registration,
    sandbox,
    sharepoint,
    signin,
    store,
)

ENTRIES: tuple[CatalogEntry, ...] = tuple(
    item
    for module in (
        network,
        identity,
        graph,
        sharepoint,
        farm,
        signin,
        registration,
        inputs,
        certificate,
        store,
        ad,
        sandbox,
        batch,
        faces,
    )
    for item in module.ENTRIES
)
