"""The connection wizard in JupyterLab and Voilà: ipywidgets forms over spkit's services.

``spkit.widgets.draft`` (the state) and ``spkit.widgets.actions`` (the service calls) import no
ipywidgets; the widget modules are loaded on first use of ``show_wizard`` or ``ConnectionWizard``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConnectionWizard", "show_wizard"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
