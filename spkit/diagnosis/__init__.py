"""The diagnosis catalog: every code spkit can emit, what it means, the rung that reports it, the
evidence it shows, the fix in steps, and what to tell the customer's admin. Data only."""

from .catalog import CATALOG, entries_for_rung, entry
from .entry import AREAS, ONLINE_RUNGS, ONPREM_RUNGS, CatalogEntry

__all__ = ["AREAS", "CATALOG", "ONLINE_RUNGS", "ONPREM_RUNGS", "CatalogEntry", "entries_for_rung", "entry"]
