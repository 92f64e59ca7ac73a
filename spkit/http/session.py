"""The session factory: timeouts, Retry-After, the profile's CA bundle, proxies, connect-to, User-Agent.

Every outbound request of spkit, and MSAL's (as ``http_client``), goes through a ``SpkitSession``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.util.retry import Retry

from .. import USER_AGENT

DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, read
MAX_RETRY_AFTER_S = 120.0


class RetryAfter(Retry):
    """urllib3's Retry, honouring Retry-After on 429/503 but never sleeping longer than the cap."""

    def get_retry_after(self, response) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, MAX_RETRY_AFTER_S)


def default_retry(total: int = 5) -> Retry:
    return RetryAfter(
        total=total,
        connect=2,
        read=False,  # a read timeout surfaces as requests.ReadTimeout (diagnosed as a timeout), not retried
        other=0,  # a TLS verification failure will fail the same way again: report it at once
        status=total,
        status_forcelist=(429, 503),
        allowed_methods=None,  # token POSTs are safe to repeat after a throttle answer
        respect_retry_after_header=True,
        backoff_factor=0.5,
        backoff_max=30,
        raise_on_status=False,
    )


class SpkitSession(requests.Session):
    """A requests session whose CA bundle wins over ``REQUESTS_CA_BUNDLE`` and that can connect-to."""

    def __init__(
        self,
        *,
        ca_bundle: str | os.PathLike | None = None,
        connect_to: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 5,
    ) -> None:
        from .connect_to import ConnectToAdapter

        super().__init__()
        self.headers["User-Agent"] = USER_AGENT
        self.timeout = timeout
        self.ca_bundle = str(ca_bundle) if ca_bundle else None
        if self.ca_bundle:
            self.verify = self.ca_bundle
        self.adapter = ConnectToAdapter(connect_to, max_retries=default_retry(retries))
        self.mount("https://", self.adapter)
        self.mount("http://", self.adapter)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)

    def browser_url(self, url: str) -> str:
        """``url`` as a browser on this machine can open it (a sandbox host gets its real port)."""
        return self.adapter.browser_url(url)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.ca_bundle and verify in (None, True):
            settings["verify"] = (
                self.ca_bundle
            )  # requests would let REQUESTS_CA_BUNDLE win (psf/requests#3829)
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if parts.hostname and self.adapter.maps(parts.hostname, port):
            settings["proxies"] = {}  # a mapped host is on loopback: never through a proxy
        return settings


def build_session(
    *,
    ca_bundle: str | os.PathLike | None = None,
    connect_to: Mapping[str, str] | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 5,
) -> SpkitSession:
    return SpkitSession(ca_bundle=ca_bundle, connect_to=connect_to, timeout=timeout, retries=retries)


def session_for_card(card: Mapping[str, Any], **kwargs: Any) -> SpkitSession:
    """A session that reaches a sandbox: its CA, its connect-to map."""
    return build_session(ca_bundle=card["ca_bundle"], connect_to=card["connect_to"], **kwargs)


def session_for(card: Mapping[str, Any] | None, ca_bundle: str | os.PathLike | None = None) -> SpkitSession:
    """The session for a profile or target: the sandbox's map when there is a card, and the profile's own
    CA bundle, which wins over the card's and over the environment's."""
    if card is None:
        return build_session(ca_bundle=ca_bundle)
    return build_session(ca_bundle=ca_bundle or card["ca_bundle"], connect_to=card["connect_to"])


def retries_of(response: requests.Response) -> int:
    """How many times urllib3 retried to get this response (for evidence in a diagnosis)."""
    retries = getattr(getattr(response, "raw", None), "retries", None)
    return len(retries.history) if retries is not None else 0
