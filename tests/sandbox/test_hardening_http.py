"""The sandbox's HTTP layer under hostile framing, from raw TLS sockets against the shared sandbox.

A body is capped at 16 MB whether it is framed by Content-Length or chunked; a length or chunk size that
is negative, not a number or not hex is a 400 in the service's own error shape (not a connection dropped
with a traceback), and the refusal is readable by a client that is still sending.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sandbox.wire import Dropped, Wire, still_answers

MB = 1024 * 1024
CAP = 16 * MB


def graph_error(answer) -> dict:
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    return answer.json()["error"]


@pytest.mark.parametrize("length", ["-1", "abc", "+5", "5, 6", "0x10", "1_0", "²", " "])
def test_a_content_length_that_is_not_a_decimal_number_is_a_graph_400(card, length):
    with Wire(card, "graph.localhost") as wire:
        answer = wire.request("POST", "/v1.0/applications", {"Content-Length": length}, b"{}")
    assert answer.status == 400, answer
    error = graph_error(answer)
    assert error["code"] == "BadRequest"
    assert "content length" in error["message"]
    assert answer.headers["connection"] == "close"
    still_answers(card)


@pytest.mark.parametrize("size_line", [b"zz", b"-1", b"", b"1" * 40, b"0x10"])
def test_a_bad_chunk_size_is_a_400(card, size_line):
    with Wire(card, "graph.localhost") as wire:
        wire.send(
            b"POST /v1.0/applications HTTP/1.1\r\nHost: graph.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            + size_line
            + b"\r\nabc\r\n0\r\n\r\n"
        )
        answer = wire.answer()
    assert answer.status == 400, answer
    assert graph_error(answer)["code"] == "BadRequest"
    still_answers(card)


def test_a_chunk_without_its_terminator_is_a_400(card):
    with Wire(card, "graph.localhost") as wire:
        wire.send(
            b"POST /v1.0/applications HTTP/1.1\r\nHost: graph.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabcdef\r\n0\r\n\r\n"
        )
        assert wire.answer().status == 400


def test_both_framings_and_unknown_codings_are_refused(card):
    with Wire(card, "graph.localhost") as wire:
        both = wire.request(
            "POST", "/v1.0/applications", {"Content-Length": "3", "Transfer-Encoding": "chunked"}, b"abc"
        )
    assert both.status == 400
    with Wire(card, "graph.localhost") as wire:
        gzip = wire.request("POST", "/v1.0/applications", {"Transfer-Encoding": "gzip, chunked"}, b"")
    assert gzip.status == 501


def test_refusals_come_in_each_services_own_shape(card):
    bad = {"Content-Length": "-1"}
    with Wire(card, "login.localhost") as wire:
        entra = wire.request("POST", "/common/oauth2/v2.0/token", bad).json()
    assert entra["error"] == "invalid_request" and entra["error_codes"] == [90023]
    with Wire(card, "contoso.sharepoint.localhost") as wire:
        spo = wire.request("POST", "/_api/contextinfo", bad)
    assert spo.status == 400 and "odata.error" in spo.json(), spo
    farm = next(f for f in card["farms"] if f["name"] == "fabrikam")
    with Wire(card, farm["host"]) as wire:
        iis = wire.request("POST", "/_api/contextinfo", bad)
    assert iis.status == 400 and iis.headers["server"] == "Microsoft-HTTPAPI/2.0"
    assert b"HTTP Error 400. There is an invalid content length or chunk length" in iis.body


def test_a_declared_body_over_the_cap_is_413_and_readable_while_uploading(card):
    """17 MB with Content-Length: the refusal arrives and the upload is drained, not reset."""
    body = b"x" * (17 * MB)
    with Wire(card, "login.localhost", timeout=30) as wire:
        answer = wire.request(
            "POST",
            "/common/oauth2/v2.0/token",
            {"Content-Type": "application/x-www-form-urlencoded"},
            body,
        )
    assert answer.status == 413, answer
    assert answer.json()["error_codes"] == [90023]
    still_answers(card)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_chunked_stream_is_capped_like_a_declared_body(card):
    """Before: a chunked body had no cap (300 MB streamed grew the process by 300 MB). 60 MB stays within
    what the server drains after refusing, so the refusal is read once the upload is done."""
    before = _rss_kb(card["pid"])
    piece = b"y" * MB
    chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
    refused = None
    with Wire(card, "graph.localhost", timeout=30) as wire:
        wire.send(
            b"POST /v1.0/applications HTTP/1.1\r\nHost: graph.localhost\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\n"
        )
        try:
            for _ in range(60):
                wire.send(chunk)
        except Dropped:  # the old server never refused; the new one drains what is sent
            pass
        refused = wire.answer()
    assert refused.status == 413, refused
    assert graph_error(refused)["code"] == "RequestEntityTooLarge"
    grown_mb = (_rss_kb(card["pid"]) - before) / 1024
    assert grown_mb < 48, f"the sandbox grew by {grown_mb:.0f} MB"
    still_answers(card)


def test_one_huge_chunk_size_is_refused_before_any_of_it_is_read(card):
    with Wire(card, "graph.localhost") as wire:
        wire.send(
            b"POST /v1.0/applications HTTP/1.1\r\nHost: graph.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"FFFFFFFFFFFF\r\nabc"
        )
        answer = wire.answer()  # reading 0xFFFFFFFFFFFF bytes first would never answer (Wire's timeout)
    assert answer.status == 413


def test_a_negative_length_no_longer_reads_until_the_client_closes(card):
    """Before: ``Content-Length: -1`` read until the client closed (672 MB peak for a long upload)."""
    with Wire(card, "contoso.sharepoint.localhost", timeout=10) as wire:
        wire.send(b"POST /_api/contextinfo HTTP/1.1\r\nHost: contoso.sharepoint.localhost\r\n")
        wire.send(b"Content-Length: -1\r\n\r\n" + os.urandom(4096))
        answer = wire.answer()  # the old server never answered (Dropped on timeout)
    assert answer.status == 400


def test_a_non_ascii_port_in_the_host_header_is_not_a_crash(card):
    with Wire(card, "graph.localhost") as wire:
        wire.send(b"GET /v1.0/organization HTTP/1.1\r\nHost: graph.localhost:\xb2\r\n\r\n")  # latin-1 "2"
        answer = wire.answer()
    assert answer.status == 401  # Graph authenticates first, as for any request without a token


def test_an_unknown_method_gets_the_services_405_not_a_501(card):
    with Wire(card, "graph.localhost") as wire:
        answer = wire.request("PROPFIND", "/v1.0/organization")
    assert answer.status == 405, answer
    assert graph_error(answer)["code"] == "BadRequest"
