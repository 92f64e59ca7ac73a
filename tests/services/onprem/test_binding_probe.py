"""``binding_probe`` against the sandbox's farm: a sign-in attempt records its status, whether its NTLM
message carried a channel binding and the certificate the binding named; a refused sign-in with a wrong
password is not blamed on Extended Protection."""

from __future__ import annotations

import hashlib
import socket
import ssl
from urllib.parse import urlsplit

import pytest
from cryptography import x509

from spkit.errors import AuthenticationError
from spkit.services.onprem.binding_probe import binding_mismatch, explain_refused, try_sign_in


def served_certificate_hash(card: dict, url: str) -> bytes:
    """RFC 5929 tls-server-end-point of the certificate the farm serves: its signature's hash (SHA-256 at
    least) over the DER certificate."""
    host = urlsplit(url).hostname
    address, port = card["connect_to"][f"{host}:443"].rsplit(":", 1)
    context = ssl.create_default_context(cafile=card["ca_bundle"])
    with (
        socket.create_connection((address, int(port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    name = x509.load_der_x509_certificate(der).signature_hash_algorithm.name
    return hashlib.new("sha256" if name in ("md5", "sha1") else name, der).digest()


def test_a_bound_sign_in_records_the_certificate_its_binding_named(card, farm_profile, farm):
    attempt = try_sign_in(farm_profile("spfarm"), f"{farm['url']}/_api/web", send_cbt=True)
    assert (attempt.status, attempt.bound, attempt.signed_in) == (200, True, True)
    assert attempt.certificate_hash == served_certificate_hash(card, farm["url"])
    assert attempt.shown() == f"GET {farm['url']}/_api/web: HTTP 200 (with a channel binding)"


def test_without_a_binding_the_farm_with_extended_protection_off_still_signs_in(farm_profile, farm):
    attempt = try_sign_in(farm_profile("spfarm"), f"{farm['url']}/_api/web", send_cbt=False)
    assert (attempt.status, attempt.bound, attempt.certificate_hash) == (200, False, None)


def test_a_wrong_password_is_refused_and_stays_a_wrong_password(farm_profile, farm):
    profile = farm_profile("spfarm", wrong_password=True)
    url = f"{farm['url']}/_api/web"
    attempt = try_sign_in(profile, url, send_cbt=True)
    assert (attempt.status, attempt.bound, attempt.signed_in) == (401, True, False)
    assert binding_mismatch(profile, url) is None  # nothing shows the password is right
    refused = AuthenticationError("signing in", code="ONPREM_AUTH_FAILED")
    assert explain_refused(profile, url, refused) is refused


def test_only_a_refused_ntlm_sign_in_over_https_is_probed(farm_profile, farm, monkeypatch):
    """No proof sign-in for another refusal or over plain http: the guards, not a failed probe, decide."""
    from spkit.services.onprem import binding_probe

    monkeypatch.setattr(binding_probe, "try_sign_in", lambda *a, **k: pytest.fail("probed"))
    profile = farm_profile("spfarm")  # the right password: a probe would prove a mismatch if it ran
    other = AuthenticationError("signing in", code="ONPREM_BASIC_ONLY")
    assert explain_refused(profile, f"{farm['url']}/_api/web", other) is other
    assert binding_mismatch(profile, "http://sharepoint.fabrikam.localhost/_api/web") is None
