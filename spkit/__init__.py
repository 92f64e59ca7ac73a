"""spkit: connect a service to SharePoint and prove the connection works."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spkit")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"

USER_AGENT = f"spkit/{__version__}"
