"""``key_credentials``: the thumbprint a client sends against the keyCredentials registered on its
application, as a Global Administrator reads them from the sandbox's Graph."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from spkit.services.online.key_credentials import key_thumbprint, registered_key_error
from spkit.services.online.registration import app_by_client_id
from tests.helpers import card_app

THUMB = "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3"


def test_a_keys_thumbprint_is_read_from_hex_or_either_base64_form():
    raw = bytes.fromhex(THUMB)
    assert key_thumbprint({"customKeyIdentifier": THUMB.lower()}) == THUMB
    assert key_thumbprint({"customKeyIdentifier": base64.b64encode(raw).decode()}) == THUMB
    assert key_thumbprint({"customKeyIdentifier": base64.b64encode(THUMB.encode()).decode()}) == THUMB
    assert key_thumbprint({"customKeyIdentifier": "not base64!"}) is None
    assert key_thumbprint({"customKeyIdentifier": base64.b64encode(b"short").decode()}) is None
    assert key_thumbprint({}) is None


def test_the_apps_own_certificate_matches_the_key_registered_on_it(card, admin_graph):
    entry = card_app(card, "spkit-certificate")
    keys = app_by_client_id(admin_graph, entry["client_id"])["keyCredentials"]
    sent = entry["certificate"]["thumbprint"]
    assert [key_thumbprint(k) for k in keys] == [sent]
    assert registered_key_error(sent, keys) is None
    assert registered_key_error(":".join(sent[i : i + 2] for i in range(0, 40, 2)).lower(), keys) is None


def test_another_certificate_is_not_registered_and_an_ended_key_has_expired(card, admin_graph):
    entry = card_app(card, "spkit-certificate")
    keys = app_by_client_id(admin_graph, entry["client_id"])["keyCredentials"]
    other = card_app(card, "spkit-unconsented")["certificate"]["thumbprint"]
    missing = registered_key_error(other, keys)
    assert missing is not None and missing.code == "AUTH_CERT_NOT_REGISTERED"
    assert f"thumbprint sent: {other}; registered: {entry['certificate']['thumbprint']}" in missing.evidence
    later = datetime.fromisoformat(keys[0]["endDateTime"].replace("Z", "+00:00")) + timedelta(days=1)
    ended = registered_key_error(entry["certificate"]["thumbprint"], keys, now=later.astimezone(UTC))
    assert ended is not None and ended.code == "AUTH_CERT_KEY_EXPIRED"
