"""Route a request to the emulated service that owns its host, applying the fault knobs first."""

from __future__ import annotations

import logging
import time
from email.utils import formatdate

from .faults import ScenarioServerError
from .http import Request, Response, Route
from .service import Service
from .state import SandboxState

log = logging.getLogger("spkit.sandbox")


class Dispatcher:
    def __init__(self, state: SandboxState, services: list[Service]) -> None:
        self.state = state
        self.services = services
        self._routes: dict[str, list[Route]] = {s.name: s.routes() for s in services}

    def service_for(self, host: str, port: int) -> Service | None:
        return next((s for s in self.services if s.serves(host, port)), None)

    def __call__(self, request: Request) -> Response:
        service = self.service_for(request.host, request.port)
        response = self._dispatch(request, service)
        if self.state.faults.clock_skew_s and service is not None and not _on_premises(service):
            # The Microsoft cloud's clock is off from this machine's: its Date header says so.
            response.headers.append(("Date", formatdate(self.state.now(), usegmt=True)))
        return response

    def unreadable(self, request: Request, status: int, message: str) -> Response:
        """The refusal of a request whose body the HTTP layer could not read (bad framing: 400, too
        large: 413), in the error shape of the service that owns the host (plain text for none)."""
        service = self.service_for(request.host, request.port)
        refuse = getattr(service, "unreadable", None)
        if refuse is None:
            return Response.text(status, message + "\n")
        return refuse(request, status, message)

    def _dispatch(self, request: Request, service: Service | None) -> Response:
        faults = self.state.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if service is None:
            return Response.text(404, f"The sandbox serves no host named {request.host}:{request.port}.\n")
        try:
            if not _on_premises(service):  # a farm throttles after IIS authentication, itself
                retry_after = faults.throttle(request.host, request.path, by_rate=service.throttleable)
                if retry_after is not None:
                    return service.throttled(request, retry_after)
                status = faults.server_error(request.host, request.path)
                if status is not None:
                    return server_error(service, request, status)
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


def server_error(service: Service, request: Request, status: int) -> Response:
    """A ``server_errors`` fault's answer: the service's own internal error, with the fault's status (500,
    or 502 as its front end answers for a back end that failed). [unsure] the body of Microsoft's 502s."""
    response = service.internal_error(request, ScenarioServerError(f"scenario fault: HTTP {status}"))
    response.status = status
    return response


def _on_premises(service: Service) -> bool:
    return bool(getattr(service, "on_premises", False))
