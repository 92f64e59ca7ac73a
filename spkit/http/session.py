"""The session factory: timeouts, Retry-After, the profile's CA bundle, proxies, connect-to, User-Agent.

Every outbound request of spkit, and MSAL's (as ``http_client``), goes through a ``SpkitSession``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from .. import USER_AGENT

DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, read
MAX_RETRY_AFTER_S = 120.0


class RetryAfter(Retry):
    """urllib3's Retry, waiting on a 429/503 exactly the Retry-After the server names, and no more.

    urllib3 adds its exponential backoff when Retry-After is 0, so a server saying "again now" twice
    would cost a second of sleep: here a Retry-After, 0 included, is the whole wait, and the backoff is
    only for answers that name none. A Retry-After beyond ``MAX_RETRY_AFTER_S`` is not shortened (a
    retry before it would be refused again): the answer is given back for the caller to report."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and wait > MAX_RETRY_AFTER_S:
                raise MaxRetryError(
                    _pool, url, ResponseError(f"Retry-After {wait:g} s is beyond {MAX_RETRY_AFTER_S:g} s")
                )
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response=None) -> None:
        if self.respect_retry_after_header and response is not None:
            wait = self.get_retry_after(response)
            if wait is not None:
                if wait > 0:
                    time.sleep(wait)
                return
        self._sleep_backoff()


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
        shared: bool = False,
    ) -> None:
        from .connect_to import ConnectToAdapter
        from .pools import active_pools

        super().__init__()
        self.headers["User-Agent"] = USER_AGENT
        self.timeout = timeout
        self.ca_bundle = str(ca_bundle) if ca_bundle else None
        if self.ca_bundle:
            self.verify = self.ca_bundle
        pools = active_pools() if shared else None  # a fleet: one pool per host for all its connections
        if pools is not None:
            self.adapter = pools.adapter(
                ca_bundle=self.ca_bundle,
                connect_to=connect_to,
                max_retries=default_retry(retries),
                retries_key=retries,
            )
        else:
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
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        mapped = bool(parts.hostname) and self.adapter.maps(parts.hostname, port)
        if mapped and self.ca_bundle and verify in (None, True):
            # What the general path below gives a mapped host, without reading the environment's proxies
            # for each request (~1 ms of CPU each: every variable decoded twice): no proxy, our CA bundle.
            return {
                "proxies": {},
                "stream": merge_setting(stream, self.stream),
                "verify": self.ca_bundle,
                "cert": merge_setting(cert, self.cert),
            }
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.ca_bundle and verify in (None, True):
            settings["verify"] = (
                self.ca_bundle
            )  # requests would let REQUESTS_CA_BUNDLE win (psf/requests#3829)
        if mapped:
            settings["proxies"] = {}  # a mapped host is on loopback: never through a proxy
        return settings


def build_session(
    *,
    ca_bundle: str | os.PathLike | None = None,
    connect_to: Mapping[str, str] | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 5,
    shared: bool = False,
) -> SpkitSession:
    """A new session; with ``shared`` and inside ``pools.sharing_pools()``, on the fleet's shared pools."""
    return SpkitSession(
        ca_bundle=ca_bundle, connect_to=connect_to, timeout=timeout, retries=retries, shared=shared
    )


def session_for_card(card: Mapping[str, Any], **kwargs: Any) -> SpkitSession:
    """A session that reaches a sandbox: its CA, its connect-to map."""
    return build_session(ca_bundle=card["ca_bundle"], connect_to=card["connect_to"], **kwargs)


def session_for(
    card: Mapping[str, Any] | None, ca_bundle: str | os.PathLike | None = None, *, shared: bool = False
) -> SpkitSession:
    """The session for a profile or target: the sandbox's map when there is a card, and the profile's own
    CA bundle, which wins over the card's and over the environment's. ``shared``: see ``build_session``
    (only for bearer-token traffic, never for a Windows sign-in that binds the TCP connection)."""
    if card is None:
        return build_session(ca_bundle=ca_bundle, shared=shared)
    return build_session(
        ca_bundle=ca_bundle or card["ca_bundle"], connect_to=card["connect_to"], shared=shared
    )


def retries_of(response: requests.Response) -> int:
    """How many times urllib3 retried to get this response (for evidence in a diagnosis)."""
    retries = getattr(getattr(response, "raw", None), "retries", None)
    return len(retries.history) if retries is not None else 0
