"""Route a request to the emulated service that owns its host, applying the fault knobs first."""

from __future__ import annotations

import logging
import threading
import time

from .http import Request, Response, Route
from .service import Service
from .state import SandboxState

log = logging.getLogger("spkit.sandbox")


class Dispatcher:
    def __init__(self, state: SandboxState, services: list[Service]) -> None:
        self.state = state
        self.services = services
        self._routes: dict[str, list[Route]] = {s.name: s.routes() for s in services}
        self._throttle_credit = 0.0
        self._lock = threading.Lock()

    def service_for(self, host: str, port: int) -> Service | None:
        return next((s for s in self.services if s.serves(host, port)), None)

    def _throttle_now(self) -> bool:
        """Exactly ``throttle_rate`` of requests, spread evenly (deterministic, unlike a coin toss)."""
        rate = self.state.faults.throttle_rate
        if rate <= 0:
            return False
        with self._lock:
            self._throttle_credit += rate
            if self._throttle_credit >= 1.0:
                self._throttle_credit -= 1.0
                return True
            return False

    def __call__(self, request: Request) -> Response:
        faults = self.state.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        service = self.service_for(request.host, request.port)
        if service is None:
            return Response.text(404, f"The sandbox serves no host named {request.host}:{request.port}.\n")
        try:
            if service.throttleable and self._throttle_now():
                return service.throttled(request, faults.retry_after_s)
            wrong_method = False
            for route in self._routes[service.name]:
                match = route.pattern.fullmatch(request.path)
                if match is None:
                    continue
                if request.method in route.methods:
                    return route.handler(request, match)
                wrong_method = True
            return service.method_not_allowed(request) if wrong_method else service.not_found(request)
        except Exception as exc:  # a sandbox bug must still answer in the service's shape, and be logged
            log.exception("unhandled error in %s for %s %s", service.name, request.method, request.path)
            return service.internal_error(request, exc)
