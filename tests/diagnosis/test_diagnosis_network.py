"""Network diagnoses at the service layer, from real failures on loopback: a TLS server with an expired,
wrongly named, not yet valid or unknown-CA certificate (OpenSSL's verify_code decides), a port that
speaks no TLS, a closed port, a proxy that is down or asks for credentials."""

from __future__ import annotations

import datetime
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from urllib3.exceptions import MaxRetryError, NameResolutionError

from spkit.errors import NetworkError
from spkit.http.session import build_session
from spkit.services.http_errors import call, network_error

HOST = "tls.spkit.test"  # reached through the session's connect-to map: no resolver involved
NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str):
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 30 * DAY)
        .not_valid_after(NOW + 30 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(ca, names: list[str], not_before: datetime.datetime, not_after: datetime.datetime):
    ca_key, ca_cert = ca
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _pem(path: Path, *items) -> Path:
    data = b""
    for item in items:
        if isinstance(item, x509.Certificate):
            data += item.public_bytes(serialization.Encoding.PEM)
        else:
            data += item.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
    path.write_bytes(data)
    return path


class _Quiet(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # handshakes fail on purpose
        pass


@contextmanager
def tls_server(tmp_path: Path, key, cert) -> Iterator[int]:
    """A loopback TLS server presenting ``cert``; it answers any request with 200."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(_pem(tmp_path / "server.pem", cert, key))

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            with context.wrap_socket(self.request, server_side=True) as tls:
                tls.recv(65536)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    with _Quiet(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()


@pytest.fixture(scope="module")
def trusted_ca():
    return _ca("spkit test CA")


def _get(port: int, bundle: Path):
    session = build_session(ca_bundle=bundle, connect_to={f"{HOST}:443": f"127.0.0.1:{port}"}, retries=0)
    with session:
        return call(session.get, f"https://{HOST}/", "reaching the test host")


@pytest.mark.parametrize(
    ("names", "start", "end", "code", "verify_code"),
    [
        ([HOST], NOW - 10 * DAY, NOW - DAY, "TLS_CERT_EXPIRED", 10),
        ([HOST], NOW + DAY, NOW + 10 * DAY, "TLS_CERT_NOT_YET_VALID", 9),
        (["sharepoint.elsewhere.test"], NOW - DAY, NOW + DAY, "TLS_NAME_MISMATCH", 62),
    ],
    ids=["expired", "not-yet-valid", "other-name"],
)
def test_a_certificate_fault_is_named_by_openssls_verify_code(
    tmp_path, trusted_ca, names, start, end, code, verify_code
):
    key, cert = _leaf(trusted_ca, names, start, end)
    bundle = _pem(tmp_path / "ca.pem", trusted_ca[1])
    with tls_server(tmp_path, key, cert) as port, pytest.raises(NetworkError) as raised:
        _get(port, bundle)
    error = raised.value
    assert getattr(error, "code", None) == code, error
    assert f"verify_code {verify_code}" in error.evidence and str(bundle) in error.evidence


def test_a_certificate_from_an_unknown_ca_names_the_ca_bundle_and_tls_inspection(tmp_path, trusted_ca):
    other = _ca("Corporate TLS Inspection Root")
    key, cert = _leaf(other, [HOST], NOW - DAY, NOW + DAY)
    bundle = _pem(tmp_path / "ca.pem", trusted_ca[1])
    with tls_server(tmp_path, key, cert) as port, pytest.raises(NetworkError) as raised:
        _get(port, bundle)
    error = raised.value
    assert error.code == "TLS_UNTRUSTED"
    assert "verify_code 20" in error.evidence  # unable to get local issuer certificate
    assert "ca_bundle" in error.fix and "inspects TLS" in error.fix


def test_the_right_certificate_passes(tmp_path, trusted_ca):
    key, cert = _leaf(trusted_ca, [HOST], NOW - DAY, NOW + DAY)
    with tls_server(tmp_path, key, cert) as port:
        assert _get(port, _pem(tmp_path / "ca.pem", trusted_ca[1])).text == "ok"


def test_a_port_that_speaks_no_tls_is_a_failed_handshake(tmp_path, trusted_ca):
    class Plain(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)
            self.request.sendall(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )

    with _Quiet(("127.0.0.1", 0), Plain) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with pytest.raises(NetworkError) as raised:
            _get(server.server_address[1], _pem(tmp_path / "ca.pem", trusted_ca[1]))
        server.shutdown()
    assert raised.value.code == "TLS_HANDSHAKE_FAILED"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_closed_port_is_refused():
    session = build_session(connect_to={f"{HOST}:443": f"127.0.0.1:{_closed_port()}"}, retries=0)
    with session, pytest.raises(NetworkError) as raised:
        call(session.get, f"https://{HOST}/", "reaching the test host")
    assert raised.value.code == "NETWORK_REFUSED"


def test_a_name_that_does_not_resolve_is_read_from_the_resolver_error():
    """urllib3's own chain (NameResolutionError from socket.gaierror), as requests raises it."""
    gaierror = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    reason = NameResolutionError("nowhere.spkit.test", None, gaierror)  # type: ignore[arg-type]
    reason.__cause__ = gaierror
    exc = requests.exceptions.ConnectionError(MaxRetryError(None, "/", reason))  # type: ignore[arg-type]
    error = network_error(exc, "https://nowhere.spkit.test/", "tenant discovery")
    assert error.code == "NETWORK_DNS" and "nowhere.spkit.test" in error.summary


@pytest.fixture
def no_proxy_env(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    return monkeypatch


def test_a_proxy_that_is_down_is_a_proxy_diagnosis_without_its_credentials(no_proxy_env):
    no_proxy_env.setenv("HTTPS_PROXY", f"http://proxyuser:Proxy-Secret-1@127.0.0.1:{_closed_port()}")
    session = build_session(retries=0)
    with session, pytest.raises(NetworkError) as raised:
        call(session.get, "https://login.spkit.test/", "tenant discovery")
    error = raised.value
    assert error.code == "NETWORK_PROXY"
    assert "127.0.0.1" in error.summary
    assert "Proxy-Secret-1" not in error.summary + error.evidence + error.fix
    assert "proxyuser" not in error.summary + error.evidence


def test_a_proxy_that_asks_for_credentials_is_named_so(no_proxy_env):
    class Proxy(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)
            self.request.sendall(
                b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\n'
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )

    with _Quiet(("127.0.0.1", 0), Proxy) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        no_proxy_env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
        session = build_session(retries=0)
        with session, pytest.raises(NetworkError) as raised:
            call(session.get, "https://login.spkit.test/", "tenant discovery")
        server.shutdown()
    assert raised.value.code == "NETWORK_PROXY_AUTH"
    assert "407" in raised.value.evidence
