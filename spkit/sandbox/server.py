"""HTTPS listeners on loopback: TLS from the sandbox CA, HTTP/1.1 keep-alive, virtual hosts by ``Host``.

Each accepted connection is handled in its own thread with its own handler object, so connection-bound
protocols (NTLM) can keep state in ``Request.connection`` across keep-alive requests.
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
            server_certificate_der=self.server.certificate_der,
        )
        response = self.server.app(request)
        log.info("%s %s%s -> %d", self.command, host_header, path, response.status)
        self._write(response)

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
        log.debug(format, *args)


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        app: Callable[[Request], Response],
        context: ssl.SSLContext | None,
        public_port: int,
        certificate_der: bytes | None,
    ) -> None:
        self.app = app
        self.context = context
        self.public_port = public_port
        self.certificate_der = certificate_der
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
    ) -> None:
        context = None
        certificate_der = None
        if cert_path is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(cert_path, key_path)
            from cryptography import x509
            from cryptography.hazmat.primitives.serialization import Encoding

            certificate_der = x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(
                Encoding.DER
            )
        self.server = _TlsServer((host, port), app, context, public_port, certificate_der)
        self.thread = threading.Thread(
            target=self.server.serve_forever, name=f"sandbox:{self.port}", daemon=True
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
