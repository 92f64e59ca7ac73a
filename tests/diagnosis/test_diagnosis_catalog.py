"""The diagnosis catalog covers exactly the codes spkit can emit, and every entry can be acted on."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from spkit.diagnosis import AREAS, CATALOG, ONLINE_RUNGS, ONPREM_RUNGS, entries_for_rung, entry
from tests.diagnosis.diagnosis_codes import CODE_SHAPE, scan_codes


@pytest.fixture(scope="module")
def scan():
    return scan_codes()


def test_the_scanner_reads_every_way_a_code_is_given(scan):
    assert not scan.unreadable, (
        "code-like constructs the catalog test cannot read (add a pattern to tests/diagnosis/diagnosis_codes.py, or "
        'give the code as code="CONSTANT"):\n  ' + "\n  ".join(scan.unreadable)
    )


def test_every_code_spkit_can_emit_has_a_catalog_entry(scan):
    missing = sorted(set(scan.emitted) - set(CATALOG))
    lines = [f"{code}: emitted at {', '.join(map(str, scan.emitted[code][:3]))}" for code in missing]
    assert not missing, "codes without an entry in spkit/diagnosis (add one each):\n  " + "\n  ".join(lines)


def test_no_catalog_entry_is_stale(scan):
    stale = sorted(set(CATALOG) - set(scan.emitted))
    assert not stale, "catalog entries no code in spkit/ produces (remove them, or emit the code):\n  " + (
        "\n  ".join(stale)
    )


def test_every_code_compared_against_is_one_spkit_emits(scan):
    unknown = {code: places for code, places in scan.referenced.items() if code not in scan.emitted}
    assert not unknown, "comparisons with codes nobody emits: " + "; ".join(
        f"{code} at {', '.join(map(str, places))}" for code, places in sorted(unknown.items())
    )


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_entry_can_be_acted_on(code):
    item = CATALOG[code]
    assert item.code == code and CODE_SHAPE.match(code)
    assert item.title and item.meaning and item.evidence and item.tell_customer
    assert isinstance(item.fix_steps, list) and item.fix_steps and all(s.strip() for s in item.fix_steps)
    assert item.area in AREAS
    if item.rung is not None:
        ladder_rungs = {
            "online": ONLINE_RUNGS,
            "onprem": ONPREM_RUNGS,
            "both": set(ONLINE_RUNGS) & set(ONPREM_RUNGS),
        }
        assert item.rung in ladder_rungs[item.ladder], (
            f"{code}: rung {item.rung} is not on the {item.ladder} ladder"
        )
    assert not item.generic


def test_the_at_least_list_of_the_issue_is_covered():
    """The failures issue 8 names, each with its own code."""
    expected = {
        "NETWORK_DNS", "NETWORK_REFUSED", "NETWORK_TIMEOUT", "TLS_UNTRUSTED", "TLS_NAME_MISMATCH",
        "TLS_CERT_EXPIRED", "NETWORK_PROXY", "TENANT_NOT_FOUND", "TENANT_INVALID", "TENANT_WRONG_CLOUD",
        "CLOUD_RETIRED", "AUTH_INVALID_SECRET", "AUTH_SECRET_ID_PASTED", "AUTH_SECRET_EXPIRED",
        "AUTH_APP_NOT_FOUND", "AUTH_SP_MISSING", "AUTH_CERT_NOT_REGISTERED", "AUTH_CERT_KEY_EXPIRED",
        "AUTH_ASSERTION_TIME", "CERT_KEY_TOO_SMALL", "CERT_EXPIRED", "CERT_NOT_YET_VALID", "TOKEN_NO_ROLES",
        "GRAPH_ROLE_MISSING", "CONSENT_NOT_EFFECTIVE", "SPO_SECRET_TOKEN_REFUSED", "SPO_SITE_NOT_GRANTED",
        "AUTH_BAD_PASSWORD", "AUTH_MFA_REQUIRED", "AUTH_MFA_ENROLMENT", "AUTH_CONDITIONAL_ACCESS",
        "AUTH_USER_DISABLED", "AUTH_USER_UNKNOWN", "ADMIN_ROLE_MISSING", "GRAPH_THROTTLED", "SPO_THROTTLED",
        "ONPREM_NOT_SHAREPOINT", "ONPREM_BASIC_ONLY", "ONPREM_KERBEROS_ONLY", "ONPREM_EPA_REQUIRED",
        "ONPREM_AUTH_FAILED", "ONPREM_CA_UNREACHABLE", "ONPREM_NOT_CENTRAL_ADMIN", "ONPREM_NOT_FARM_ADMIN",
        "ONPREM_SEARCH_EMPTY", "ONPREM_AAM_MISMATCH",
    }  # fmt: skip
    assert expected <= set(CATALOG), sorted(expected - set(CATALOG))


def test_an_unknown_code_gets_a_generic_entry_that_says_so():
    found = entry("SOMETHING_NEW")
    assert found.generic and found.code == "SOMETHING_NEW"
    assert "not in the catalog" in found.title and "SOMETHING_NEW" in found.meaning
    assert found.fix_steps and found.tell_customer
    assert entry("TLS_UNTRUSTED") is CATALOG["TLS_UNTRUSTED"]


def test_entries_for_a_rung_include_its_codes_and_respect_the_ladder():
    tls = {e.code for e in entries_for_rung("tls")}
    assert {"TLS_UNTRUSTED", "TLS_NAME_MISMATCH", "TLS_CERT_EXPIRED"} <= tls
    ntlm = {e.code for e in entries_for_rung("ntlm", "onprem")}
    assert {"ONPREM_EPA_REQUIRED", "ONPREM_KERBEROS_ONLY", "ONPREM_AUTH_FAILED"} <= ntlm
    assert "AUTH_INVALID_SECRET" not in {e.code for e in entries_for_rung("token", "onprem")}
    assert "AUTH_INVALID_SECRET" in {e.code for e in entries_for_rung("token", "online")}
    assert entries_for_rung("no-such-rung") == []


def test_the_secret_entries_tell_the_customer_where_to_click():
    assert "Certificates & secrets" in entry("AUTH_SECRET_ID_PASTED").tell_customer
    assert any("ca_bundle" in step for step in entry("TLS_UNTRUSTED").fix_steps)
    assert any("inspection" in step for step in entry("TLS_UNTRUSTED").fix_steps)


# --- the scanner itself fails loudly --------------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "spkit"
    for name, text in {
        "errors.py": "class SpkitError(Exception):\n    default_code = 'SPKIT_ERROR'\n",
        **files,
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_the_scanner_reads_helpers_tables_and_defaults(tmp_path):
    root = _tree(
        tmp_path,
        {
            "helpers.py": """
                from .errors import SpkitError
                TABLE = {1: ("TABLE_CODE", "meaning"), 2: ("OTHER_CODE", "meaning")}
                NAMED = "NAMED_CODE"

                def fail(problem, fix, code="DEFAULT_CODE"):
                    return SpkitError(problem, code=code)

                def use(number):
                    code, meaning = TABLE.get(number, ("FALLBACK_CODE", "?"))
                    fail("x", "y", "POSITIONAL_CODE")
                    raise SpkitError(meaning, code=code if number else NAMED)

                def again(error):
                    if error.code == "TABLE_CODE":
                        raise SpkitError("again", code=error.code)
            """,
        },
    )
    found = scan_codes(root)
    assert not found.unreadable, found.unreadable
    assert set(found.emitted) == {
        "SPKIT_ERROR", "TABLE_CODE", "OTHER_CODE", "NAMED_CODE", "DEFAULT_CODE", "FALLBACK_CODE", "POSITIONAL_CODE",
    }  # fmt: skip
    assert set(found.referenced) == {"TABLE_CODE"}


@pytest.mark.parametrize(
    "source",
    [
        "from .errors import SpkitError\nraise SpkitError('x', code=f'AUTH_{1}')\n",
        "from .errors import SpkitError\nPREFIX = 'AUTH_'\nraise SpkitError('x', code=PREFIX + 'X')\n",
        "from .errors import SpkitError\ndef f(kind):\n    raise SpkitError('x', code=kind)\n",
        "STRAY = {'a': 'LOOKS_LIKE_A_CODE'}\n",
        "from .errors import SpkitError\nraise SpkitError('x', code='not-a-code')\n",
    ],
    ids=["f-string", "concatenation", "unknown-name", "stray-constant", "bad-shape"],
)
def test_the_scanner_fails_loudly_on_what_it_cannot_read(tmp_path, source):
    found = scan_codes(_tree(tmp_path, {"odd.py": source}))
    assert found.unreadable, "the scanner let a code-like construct pass unread"


def test_the_emulator_s_own_codes_are_not_spkit_s(tmp_path):
    root = _tree(
        tmp_path,
        {
            "sandbox/__init__.py": "",
            "sandbox/graph.py": """
                from ..errors import SpkitError
                class GraphError(Exception):
                    def __init__(self, message, code=""):
                        self.code = code
                def deny():
                    raise GraphError("no", code="Authorization_RequestDenied")
                def bad_port():
                    raise SpkitError("port", code="SANDBOX_PORT")
            """,
        },
    )
    found = scan_codes(root)
    assert set(found.emitted) == {"SPKIT_ERROR", "SANDBOX_PORT"} and not found.unreadable


def test_the_catalogs_rung_order_is_the_ladders():
    """The catalog (data, below the services) keeps its own copy of the rung order: it must be the ladders'."""
    from spkit.checks.ladders import ONLINE, ONPREM

    assert tuple(rung.name for rung in ONLINE) == ONLINE_RUNGS
    assert tuple(rung.name for rung in ONPREM) == ONPREM_RUNGS
