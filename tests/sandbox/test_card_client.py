"""The sandbox's own way to reach a running sandbox from its card (``status`` uses it, not the client's
HTTP session): the card's connect-to map, the card's CA and nothing else."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest

from spkit.sandbox import card_client, runner

OTHER_CA = Path(__file__).resolve().parents[1] / "data" / "other-ca.pem"


def keys_url(card: dict) -> str:
    return f"{card['cloud']['authority_host']}/common/discovery/v2.0/keys"


def test_a_request_through_the_card_reaches_the_virtual_host(card):
    status, body = card_client.get(card, keys_url(card))
    assert status == 200 and json.loads(body)["keys"]
    status, _ = card_client.get(card, f"{card['cloud']['authority_host']}/common/no-such-endpoint?x=1")
    assert status == 404


def test_the_card_maps_a_virtual_host_to_its_loopback_listener(card):
    host = card["cloud"]["authority_host"].removeprefix("https://")
    address, port = card_client.mapped_address(card, host, 443)
    assert f"{address}:{port}" == card["connect_to"][f"{host}:443"]
    assert card_client.mapped_address(card, "example.invalid", 443) == ("example.invalid", 443)


def test_only_the_cards_ca_is_trusted(card):
    with pytest.raises(ssl.SSLCertVerificationError):
        card_client.get({**card, "ca_bundle": str(OTHER_CA)}, keys_url(card))
    with pytest.raises(ValueError, match="https"):
        card_client.get(card, keys_url(card).replace("https://", "http://"))


def test_status_says_the_sandbox_answers(sandbox_state_dir):
    info = runner.status(sandbox_state_dir)
    assert (info["running"], info["answers"]) == (True, True), info
