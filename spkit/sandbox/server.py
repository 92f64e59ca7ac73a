"""HTTPS listeners on loopback: TLS from the sandbox CA, HTTP/1.1 keep-alive, virtual hosts by ``Host``.

Each accepted connection is handled in its own thread with its own handler object, so connection-bound
protocols (NTLM) can keep state in ``Request.connection`` across keep-alive requests. A host may get a
certificate of its own by SNI (the scenario's server certificate faults); the certificate a connection
was served is what channel binding (Extended Protection) is computed from.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import framing
from .http import Request, Response

log = logging.getLogger("spkit.sandbox.access")

_DRAIN_BYTES = 64 * 1024 * 1024  # what a refused upload may still send before the connection is closed
_DRAIN_SECONDS = 10.0
_PORT = re.compile(r"[0-9]{1,5}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "spkit-sandbox"
    sys_version = ""
    server: _TlsServer

    def setup(self) -> None:
        super().setup()
        self.connection_state: dict = {}
        self.linger = False
        context = getattr(self.connection, "context", None)
        self.certificate_der = self.server.tls.der_for(context) if self.server.tls else None

    def __getattr__(self, name: str):
        """Every method token reaches the service, which answers a verb it does not take with its own 405
        (``http.server`` would answer 501 for any verb without a ``do_`` method)."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def handle_expect_100(self) -> bool:
        """Invite only a body the server will read; a refused one is answered without ``100 Continue``."""
        try:
            chunked = framing.is_chunked(self.headers)
            if chunked or (framing.declared_length(self.headers) or 0) <= framing.MAX_BODY:
                return super().handle_expect_100()
        except framing.Unreadable:
            pass
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """``http.server``'s own refusals (request line, headers) close the connection: linger first."""
        super().send_error(code, message, explain)
        self.linger = True

    def _request(self) -> Request:
        host_header = (self.headers.get("Host") or "").strip().lower()
        host, _, port_text = (
            host_header.rpartition(":") if host_header.count(":") == 1 else (host_header, "", "")
        )
        port = int(port_text) if _PORT.fullmatch(port_text) else self.server.public_port
        path, _, query = self.path.partition("?")
        return Request(
            method=self.command,
            host=host or "",
            port=port,
            path=path,
            query_string=query,
            headers=self.headers,
            connection=self.connection_state,
            client_address=self.client_address,
            server_certificate_der=self.certificate_der,
        )

    def _handle(self) -> None:
        request = self._request()
        try:
            if not framing.TOKEN.fullmatch(self.command):
                raise framing.Unreadable(400, "The request method is not a valid token.")
            request.body = framing.read_body(self.rfile, self.headers)
        except framing.ClientGone:
            log.debug("%s %s%s: the client left before its body was complete", *self._where(request))
            self.close_connection = True
            return
        except framing.Unreadable as refused:
            self._refuse(request, refused)
            return
        try:
            response = self.server.app(request)
        except Exception as exc:  # the app's own guard failed: still answer, never drop the connection
            log.exception("unhandled error for %s %s", request.method, request.path)
            response = Response.text(500, "The sandbox failed on this request.\n")
            response.headers.append(("x-sandbox-error", type(exc).__name__))
        log.info("%s %s%s -> %d", *self._where(request), response.status)
        self._write(response)

    def _where(self, request: Request) -> tuple[str, str, str]:
        return self.command, (self.headers.get("Host") or "").strip().lower(), request.path

    def _refuse(self, request: Request, refused: framing.Unreadable) -> None:
        """Answer a body that cannot be read in the service's own shape, then close (the next request's
        start is unknown); the client's remaining upload is read and discarded first (``finish``)."""
        unreadable = getattr(self.server.app, "unreadable", None)
        response = None
        if unreadable is not None:
            try:
                response = unreadable(request, refused.status, refused.message)
            except Exception:
                log.exception("the service failed to refuse %s %s", request.method, request.path)
        if response is None:
            response = Response.text(refused.status, refused.message + "\n")
        response.headers.append(("Connection", "close"))
        log.info("%s %s%s -> %d (%s)", *self._where(request), response.status, refused.message)
        self._write(response)
        self.close_connection = True
        self.linger = True

    def finish(self) -> None:
        if self.linger:
            self._drain()
        super().finish()

    def _drain(self) -> None:
        """Lingering close: closing a socket with unread input sends a TCP reset, which can destroy the
        refusal before the client reads it. Bounded in bytes and time; reads in small pieces."""
        deadline = time.monotonic() + _DRAIN_SECONDS
        budget = _DRAIN_BYTES
        try:
            self.connection.settimeout(1.0)
            while budget > 0 and time.monotonic() < deadline:
                piece = self.rfile.read1(framing.PIECE)
                if not piece:
                    return
                budget -= len(piece)
        except (OSError, ValueError):
            return

    def _write(self, response: Response) -> None:
        """The status line, then ``Server`` and ``Date`` (the response's own if it has them: an emulated
        IIS names itself, a skewed clock shows), then the response's headers."""
        self.log_request(response.status)
        self.send_response_only(response.status)
        own = {name.lower() for name, _ in response.headers}
        if "server" not in own:
            self.send_header("Server", self.version_string())
        if "date" not in own:
            self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
        log.debug(format, *args)


class ServerTls:
    """The TLS contexts of one listener: the default certificate, and per host (SNI) certificates of its own.

    ``der_for(context)`` is the DER of the certificate a connection was served, for channel binding."""

    def __init__(self, cert_path: Path, key_path: Path, by_host: dict[str, tuple[Path, Path]] | None = None):
        self.context = self._context(cert_path, key_path)
        self._der: dict[int, bytes] = {id(self.context): _der(cert_path)}
        self._by_host: dict[str, ssl.SSLContext] = {}
        for host, (cert, key) in (by_host or {}).items():
            context = self._context(cert, key)
            self._by_host[host.lower()] = context
            self._der[id(context)] = _der(cert)
        if self._by_host:
            self.context.sni_callback = self._select

    @staticmethod
    def _context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        return context

    def _select(self, sock: ssl.SSLSocket | ssl.SSLObject, server_name: str | None, _ctx) -> None:
        chosen = self._by_host.get((server_name or "").lower())
        if chosen is not None:
            sock.context = chosen
        return None

    def der_for(self, context: ssl.SSLContext | None) -> bytes | None:
        return self._der.get(id(context)) if context is not None else None


def _der(cert_path: Path) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(Encoding.DER)


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        app: Callable[[Request], Response],
        tls: ServerTls | None,
        public_port: int,
    ) -> None:
        self.app = app
        self.tls = tls
        self.context = tls.context if tls else None
        self.public_port = public_port
        super().__init__(address, _Handler)

    def process_request_thread(self, request: socket.socket, client_address) -> None:
        """TLS handshake in the connection's own thread, so one slow client cannot stall accept()."""
        conn: socket.socket = request
        try:
            # Small answers must not wait for the client's delayed ACK (Nagle): ~40 ms per request otherwise.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.context is not None:
                request.settimeout(30)
                conn = self.context.wrap_socket(request, server_side=True)
                conn.settimeout(120)
            self.finish_request(conn, client_address)
        except (ssl.SSLError, OSError) as exc:
            log.debug("connection from %s ended: %s", client_address, exc)
        except Exception:
            self.handle_error(conn, client_address)
        finally:
            try:
                conn.close()
            finally:
                if conn is not request:
                    request.close()


class Listener:
    """One listening socket, served in a background thread."""

    def __init__(
        self,
        app: Callable[[Request], Response],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_port: int = 443,
        cert_path: Path | None = None,
        key_path: Path | None = None,
        sni: dict[str, tuple[Path, Path]] | None = None,
    ) -> None:
        tls = ServerTls(cert_path, key_path or cert_path, sni) if cert_path is not None else None
        self.server = _TlsServer((host, port), app, tls, public_port)
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.1,), name=f"sandbox:{self.port}", daemon=True
        )

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def address(self) -> str:
        return self.server.server_address[0]

    def start(self) -> Listener:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
