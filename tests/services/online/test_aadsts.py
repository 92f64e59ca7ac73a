"""``aadsts``: the number and the first line of an Entra error as MSAL hands it over (``error_codes``,
or the AADSTS number in ``error_description``), and a secret's shape told without its value."""

from __future__ import annotations

from spkit.services.online.aadsts import aadsts_code, first_line, secret_shape

DESCRIPTION = "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 0f0e\r\nCorrelation ID: 1a1b"


def test_the_code_comes_from_error_codes_else_from_the_description():
    assert aadsts_code({"error_codes": [7000222], "error_description": DESCRIPTION}) == 7000222
    assert aadsts_code({"error_codes": ["x"], "error_description": DESCRIPTION}) == 7000215
    assert aadsts_code({"error_description": DESCRIPTION}) == 7000215
    assert aadsts_code({"error": "invalid_client"}) is None


def test_the_first_line_leaves_the_trace_ids_out():
    assert first_line({"error_description": DESCRIPTION}) == "AADSTS7000215: Invalid client secret provided."
    assert first_line({"error": "authorization_pending"}) == "authorization_pending"
    assert first_line({}) == ""


def test_a_secret_id_has_the_shape_of_a_guid_a_secret_value_does_not():
    assert secret_shape(" 3f2b9c1e-8a7d-4e2f-9b1c-0d5e6f7a8b9c ") == "guid"
    assert secret_shape("{3F2B9C1E-8A7D-4E2F-9B1C-0D5E6F7A8B9C}") == "guid"
    assert secret_shape("Xk8Q~aB3.dEf_gHiJkLmNoPqRsTuVwXyZ0123456") is None
