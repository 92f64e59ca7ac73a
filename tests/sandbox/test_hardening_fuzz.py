"""A seeded, bounded fuzz of every listener of the shared sandbox (identity, Graph, SharePoint Online, the
farm and its Central Administration): bad methods, paths, headers, query strings and bodies, over raw TLS.

Every request must get an answer (no dropped connection) that is not a 500, and the sandbox must still
answer afterwards. ``make test`` sends ``SPKIT_FUZZ_COUNT`` requests per listener (default 40, seconds in
all); the bench sends more, e.g. ``SPKIT_FUZZ_COUNT=2000 SPKIT_FUZZ_SEED=7 pytest
tests/sandbox/test_hardening_fuzz.py``. A failure prints the seed and the request, so it can be replayed.
"""

from __future__ import annotations

import base64
import os
import random

from tests.sandbox.wire import Dropped, Wire, still_answers

COUNT = int(os.environ.get("SPKIT_FUZZ_COUNT", "40"))
SEED = int(os.environ.get("SPKIT_FUZZ_SEED", "20261201"))

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND", "TRACE", "get", "M-SEARCH"]
TENANT = "contoso.onmicrosoft.com"
PATHS = [
    # identity
    f"/{TENANT}/v2.0/.well-known/openid-configuration",
    f"/{TENANT}/oauth2/v2.0/token",
    f"/{TENANT}/oauth2/v2.0/devicecode",
    "/common/discovery/v2.0/keys",
    "/getuserrealm.srf",
    "/common/userrealm/admin@contoso.onmicrosoft.com",
    "/devicelogin",
    "/devicelogin/signin",
    "/devicelogin/approve",
    "/_sandbox/devicecode",
    # Graph
    "/v1.0/sites/getAllSites",
    "/v1.0/sites/root",
    "/v1.0/sites/contoso.sharepoint.localhost:/sites/x:",
    "/v1.0/sites/contoso.sharepoint.localhost/permissions",
    "/v1.0/organization",
    "/v1.0/me/memberOf",
    "/v1.0/users",
    "/v1.0/users/x/memberOf",
    "/v1.0/applications",
    "/v1.0/applications(appId='x')",
    "/v1.0/applications/00000000-0000-0000-0000-000000000000/addPassword",
    "/v1.0/servicePrincipals",
    "/v1.0/servicePrincipals/x/appRoleAssignedTo",
    "/v1.0/oauth2PermissionGrants",
    "/beta/directoryRoles",
    # SharePoint (Online and the farm) and Central Administration
    "/_api/web",
    "/_api/site",
    "/_api/contextinfo",
    "/_api/web/currentuser",
    "/_api/search/query",
    "/sites/x/_api/web",
    "/_api/SP.Tenant",
    "/_admin/",
    "/_layouts/15/start.aspx",
    "/",
    "/iisstart.htm",
    "*",
]
QUERIES = [
    "$top=²",
    "$top=-1",
    "$top=" + "9" * 5000,
    "$top=1e3",
    "$select=nope,,",
    "$filter=displayName eq 'x",
    "$filter=" + "(" * 500,
    "$skiptoken=AAAA",
    "$skiptoken=%ZZ",
    "querytext='x'&rowlimit=²&startrow=-1",
    "querytext=%00%ff",
    "a=" + "%" * 100,
    "=&&==&",
    "$expand=*&$orderby=",
]


def _junk(rng: random.Random, size: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(size))


def _authorization(rng: random.Random) -> str:
    choice = rng.randrange(8)
    if choice == 0:
        return "Bearer " + base64.urlsafe_b64encode(_junk(rng, 60)).decode()
    if choice == 1:
        return "Bearer eyJhbGciOiJSUzI1NiJ9." + "e30" * rng.randrange(1, 5) + ".sig"
    if choice == 2:
        return "NTLM " + base64.b64encode(b"NTLMSSP\x00" + _junk(rng, rng.randrange(0, 120))).decode()
    if choice == 3:
        return "Negotiate " + base64.b64encode(_junk(rng, rng.randrange(0, 80))).decode()
    if choice == 4:
        return "Basic " + base64.b64encode(_junk(rng, 20)).decode()
    if choice == 5:
        return "Basic !!!not-base64"
    if choice == 6:
        return "NTLM TlRMTVNTUAADAAAA"  # a truncated type 3 message
    return rng.choice(["Bearer", "Bearer  ", "Token x", "NTLM", "NTLM ===="])


def _body(rng: random.Random) -> tuple[bytes, str]:
    choice = rng.randrange(7)
    if choice == 0:
        return _junk(rng, rng.randrange(1, 400)), rng.choice(["application/json", "application/octet-stream"])
    if choice == 1:
        depth = rng.randrange(1000, 20000)
        return b"[" * depth + b"]" * depth, "application/json"
    if choice == 2:
        return b'{"displayName": "' + b"n" * rng.randrange(200, 5000) + b'"}', "application/json"
    if choice == 3:
        fields = "&".join(
            rng.choice(["grant_type=", "client_id=x", "scope=%", "=", "code=\x00"]) for _ in range(6)
        )
        return fields.encode(), "application/x-www-form-urlencoded"
    if choice == 4:
        return b'{"keyCredentials": [{"key": 5, "type": null}], "tags": {}}', "application/json"
    if choice == 5:
        return '{"displayName": "\udcff"}'.encode("utf-8", "surrogatepass"), "text/plain"
    return b"", ""


def _request(rng: random.Random, host: str) -> tuple[str, str, list[tuple[str, str]], bytes]:
    method = rng.choice(METHODS)
    path = rng.choice(PATHS)
    mutation = rng.randrange(6)
    if mutation == 0:
        path += "/" + rng.choice(["%zz", "%00", "..", "ÿ", "x" * 4000, "%2F%2F", "'", "(", ")"])
    elif mutation == 1:
        path = path.replace("/", "//", 1)
    elif mutation == 2:
        path = path.upper()
    if rng.random() < 0.6:
        path += "?" + rng.choice(QUERIES)
    headers = [("Host", host)]
    if rng.random() < 0.8:
        headers.append(("Authorization", _authorization(rng)))
    if rng.random() < 0.4:
        headers.append(("Accept", rng.choice(["application/json;odata=verbose", "*/*", "x/y;;;", ""])))
    if rng.random() < 0.2:
        headers.append(("client-request-id", rng.choice(["not-a-guid", "", "{" * 50])))
    if rng.random() < 0.1:
        headers[0] = ("Host", host.split(":")[0] + rng.choice([":²", ":99999999", ":", ":-1"]))
    body, content_type = _body(rng) if method not in ("GET", "HEAD") or rng.random() < 0.2 else (b"", "")
    if content_type:
        headers.append(("Content-Type", content_type))
    return method, path, headers, body


def _listeners(card: dict) -> list[tuple[str, int]]:
    return [(key.rpartition(":")[0], int(key.rpartition(":")[2])) for key in card["connect_to"]]


def test_every_listener_answers_hostile_requests_without_a_500(card):
    failures = []
    for index, (host, port) in enumerate(_listeners(card)):
        rng = random.Random(SEED * 1000 + index)
        host_header = host if port == 443 else f"{host}:{port}"
        for number in range(COUNT):
            method, path, headers, body = _request(rng, host_header)
            try:
                with Wire(card, host, port) as wire:
                    answer = wire.request(method, path, headers, body)
            except Dropped as exc:
                failures.append(f"{host}:{port} #{number} {method} {path[:120]}: dropped ({exc})")
                continue
            if answer.status == 500 or not 100 <= answer.status < 600:
                failures.append(
                    f"{host}:{port} #{number} {method} {path[:120]} {headers}: {answer.status} "
                    f"{answer.body[:200]!r}"
                )
    assert not failures, f"seed {SEED}, {len(failures)} failures:\n" + "\n".join(failures[:20])
    still_answers(card)


def test_the_fuzz_is_seeded():
    """The same seed makes the same requests (a failure can be replayed with SPKIT_FUZZ_SEED)."""
    first, again, other = random.Random(SEED), random.Random(SEED), random.Random(SEED + 1)
    made = [_request(first, "graph.localhost") for _ in range(5)]
    assert made == [_request(again, "graph.localhost") for _ in range(5)]
    assert made != [_request(other, "graph.localhost") for _ in range(5)]
