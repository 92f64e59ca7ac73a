"""The ladder engine: ordered rungs, each a small named check in the module of its service
(``network``, ``identity``, ``graph``, ``sharepoint``, ``farm``) declaring the rungs it needs; a rung
that fails skips the rungs that need it, with the reason, and not the others."""

from .context import CheckContext, Endpoint
from .ladders import LADDERS, ONLINE, ONPREM, endpoints_for, ladder_for
from .rung import Outcome, Rung, Skip, Warn, rung
from .runner import Progress, run_ladder, run_rung

__all__ = [
    "LADDERS",
    "ONLINE",
    "ONPREM",
    "CheckContext",
    "Endpoint",
    "Outcome",
    "Progress",
    "Rung",
    "Skip",
    "Warn",
    "endpoints_for",
    "ladder_for",
    "rung",
    "run_ladder",
    "run_rung",
]
