"""HTTPS listeners on loopback: TLS from the sandbox CA, HTTP/1.1 keep-alive, virtual hosts by ``Host``.

Each accepted connection is handled in its own thread with its own handler object, so connection-bound
protocols (NTLM) can keep state in ``Request.connection`` across keep-alive requests. A host may get a
certificate of its own by SNI (the scenario's server certificate faults); the certificate a connection
was served is what channel binding (Extended Protection) is computed from.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .http import Request, Response

log = logging.getLogger("spkit.sandbox.access")

_MAX_BODY = 16 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "spkit-sandbox"
    sys_version = ""
    server: _TlsServer

    def setup(self) -> None:
        super().setup()
        self.connection_state: dict = {}
        context = getattr(self.connection, "context", None)
        self.certificate_der = self.server.tls.der_for(context) if self.server.tls else None

    def _read_body(self) -> bytes | None:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._read_body()
        if body is None:
            self._write(Response.text(413, "Request body too large.\n"))
            self.close_connection = True
            return
        host_header = (self.headers.get("Host") or "").strip().lower()
        host, _, port_text = (
            host_header.rpartition(":") if host_header.count(":") == 1 else (host_header, "", "")
        )
        port = int(port_text) if port_text.isdigit() else self.server.public_port
        path, _, query = self.path.partition("?")
        request = Request(
            method=self.command,
            host=host or "",
            port=port,
            path=path,
            query_string=query,
            headers=self.headers,
            body=body,
            connection=self.connection_state,
            client_address=self.client_address,
            server_certificate_der=self.certificate_der,
        )
        response = self.server.app(request)
        log.info("%s %s%s -> %d", self.command, host_header, path, response.status)
        self._write(response)

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

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

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
