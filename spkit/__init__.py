"""spkit: connect a service to SharePoint and prove the connection works."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    # importlib.metadata costs tens of milliseconds (email, zipfile...): only on first use, not on import
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spkit")
    except PackageNotFoundError:  # running from a source tree without an install
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    """``__version__`` and ``USER_AGENT``, computed when first asked for (PEP 562)."""
    if name == "__version__":
        return _version()
    if name == "USER_AGENT":
        return f"spkit/{_version()}"
    raise AttributeError(f"module 'spkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "__version__", "USER_AGENT"])
