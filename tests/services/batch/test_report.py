"""The batch report a customer reads (summary.html) and the files scripts read (summary.csv, .json),
built from real verifications against the shared sandbox: one passing connection, two failing ones
(a client secret SharePoint refuses; a certificate the app does not know, expiring in 10 days), a bad
profile (an error) and a connection that timed out. One failing connection also has its executed
verification notebook and its HTML export, so the report's link can be followed."""

from __future__ import annotations

import base64
import csv
import datetime
import html
import json
from pathlib import Path

import papermill as pm
import pytest
import yaml
from bs4 import BeautifulSoup

from spkit.errors import SpkitError
from spkit.models.certificates import generate_self_signed, write_pem
from spkit.models.profile import load_profile
from spkit.services.batch import VERIFY_NOTEBOOK, read_result
from spkit.services.batch.frame import SUMMARY_COLUMNS, summary_frame
from spkit.services.batch.outcome import ConnectionOutcome
from spkit.services.batch.report import report_meta, write_summary
from spkit.services.batch.report_html import export_notebook_html
from spkit.services.verification import verify_profile
from tests.conftest import REPO, SCREENSHOTS
from tests.helpers import write_profile

EXPIRING_DAYS = 10
MARKUP = "<script>alert(1)</script>"
# Elements whose content is wider than they are and that hide or scroll the rest: text a reader misses.
CLIPPED = """() => [...document.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1
    && getComputedStyle(e).overflowX !== 'visible').map(e => e.tagName + '.' + e.className)"""


def _secrets(card: dict) -> set[str]:
    found = set()
    for tenant in card.get("tenants", []):
        found |= {a["client_secret"] for a in tenant.get("apps", []) if a.get("client_secret")}
        for user in tenant.get("users", []):
            found |= {user[k] for k in ("password", "app_password") if user.get(k)}
    for farm in card.get("farms", []):
        found |= {u["password"] for u in farm.get("users", []) if u.get("password")}
    return {s for s in found if len(s) >= 6}


def _outcome(path: Path, out_dir: Path, *, notebook: bool = False) -> ConnectionOutcome:
    profile = load_profile(path)
    ipynb = html_path = None
    if notebook:
        ipynb = out_dir / f"{profile.name}.ipynb"
        pm.execute_notebook(
            str(VERIFY_NOTEBOOK),
            str(ipynb),
            parameters={"profile_path": str(path)},
            cwd=str(VERIFY_NOTEBOOK.parent),
            progress_bar=False,
        )
        result = read_result(ipynb)
        html_path = export_notebook_html(ipynb, out_dir / f"{profile.name}.html")
    else:
        result = verify_profile(profile)
    status = "passed" if result.passed else "failed"
    return ConnectionOutcome(
        profile.name, str(path), status, result, notebook=ipynb, html=html_path, duration_s=1.5
    )


@pytest.fixture(scope="module")
def batch(tmp_path_factory, card, card_path) -> dict:
    root = tmp_path_factory.mktemp("report")
    profiles, out_dir = root / "profiles", root / "out"
    profiles.mkdir()
    out_dir.mkdir()
    passing = write_profile(profiles, card_path, card, "spkit-certificate", name="contoso-cert")
    refused = write_profile(profiles, card_path, card, "spkit-secret", name="contoso-secret")
    soon = write_pem(generate_self_signed("spkit-renewal", days=EXPIRING_DAYS), profiles / "renewal.pem")
    expiring = write_profile(
        profiles,
        card_path,
        card,
        "spkit-certificate",
        name="contoso-renewal",
        certificate={"path": str(soon)},
    )
    bad = profiles / "bad-address.yaml"
    data = yaml.safe_load(passing.read_text())
    bad.write_text(yaml.safe_dump({**data, "name": "bad-address", "sharepoint_url": MARKUP}))
    outcomes = [
        _outcome(passing, out_dir),
        _outcome(refused, out_dir, notebook=True),
        _outcome(expiring, out_dir),
    ]
    try:
        load_profile(bad)
    except SpkitError as error:
        outcomes.append(ConnectionOutcome("bad-address", str(bad), "error", None, error=error.summary))
    outcomes.append(
        ConnectionOutcome(
            "slow-farm", "connection:slow-farm", "timeout", None, error="timed out after 5 s", duration_s=5.0
        )
    )
    assert [o.status for o in outcomes] == ["passed", "failed", "failed", "error", "timeout"]
    frame = summary_frame(outcomes, out_dir)
    meta = report_meta(command=["spkit", "batch", str(profiles), "--out", str(out_dir)], mode="notebook")
    files = write_summary(frame, outcomes, out_dir, meta)
    return {"root": root, "out": out_dir, "files": files, "outcomes": outcomes, "card": card}


def _soup(batch: dict) -> BeautifulSoup:
    return BeautifulSoup(batch["files"].html.read_text("utf-8"), "html.parser")


def test_csv_and_json_have_exactly_the_contract_columns_and_the_run_facts(batch):
    with open(batch["files"].csv, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    steps = [c for c in header if c.startswith("step_")]
    assert header == [*SUMMARY_COLUMNS, *steps]
    assert {"step_token_s", "step_sharepoint_s", "step_sites_s"} <= set(steps)
    document = json.loads(batch["files"].json.read_text("utf-8"))
    assert [list(r) for r in document["connections"]] == [header] * 5
    rows = {r["connection"]: r for r in document["connections"]}
    assert rows["contoso-secret"]["code"] == "SPO_SECRET_TOKEN_REFUSED"
    assert rows["contoso-secret"]["notebook"] == "contoso-secret.ipynb"
    assert rows["contoso-secret"]["html"] == "contoso-secret.html"
    assert rows["contoso-cert"]["site_collections"] > 0 and rows["contoso-cert"]["personal_sites"] >= 0
    assert len(rows["contoso-cert"]["certificate_thumbprint"]) == 40
    assert rows["contoso-cert"]["secret_expires"] == ""  # not knowable from the client side
    assert rows["slow-farm"]["status"] == "timeout" and rows["slow-farm"]["site_collections"] is None
    meta = document["meta"]
    assert meta["counts"] == {"total": 5, "passed": 1, "failed": 2, "error": 1, "timeout": 1}
    for key in ("started_at", "started_local", "machine", "user", "spkit_version", "command", "mode"):
        assert key in meta
    assert datetime.datetime.fromisoformat(meta["started_at"]).utcoffset() == datetime.timedelta(0)


def test_headline_counts_and_failures_first_with_code_fix_and_evidence(batch):
    soup = _soup(batch)
    assert soup.h1.get_text() == "1 of 5 connections passed"
    tiles = {
        t.select_one(".label").get_text(): int(t.select_one(".n").get_text()) for t in soup.select(".tile")
    }
    assert tiles == {"passed": 1, "failed": 2, "errors": 1, "timed out": 1}
    order = [t.select_one(".badge").get_text() for t in soup.select("tbody.connection")]
    assert order == ["Failed", "Failed", "Error", "Timed out", "Passed"]
    secret = next(t for t in soup.select("tbody.connection") if "contoso-secret" in t.get_text())
    text = secret.get_text(" ")
    refused = next(o for o in batch["outcomes"] if o.name == "contoso-secret").result.failed_steps[0]
    assert secret.select_one("code.code").get_text() == "SPO_SECRET_TOKEN_REFUSED"
    assert refused.title in text
    assert refused.diagnosis.fix in text
    assert refused.diagnosis.evidence in secret.select_one("pre").get_text()
    headers = [th.get_text() for th in soup.select("table.connections th")]
    assert "Site collections" in headers and "First failed check" in headers
    assert not [h for h in headers if "_" in h]  # readable names, not snake_case


def test_links_are_relative_and_resolve_to_the_files(batch):
    soup = _soup(batch)
    links = [a["href"] for a in soup.select("a[href]")]
    assert "contoso-secret.html" in links and "contoso-secret.ipynb" in links
    for href in links:
        assert "://" not in href and not href.startswith("/"), href
        assert (batch["out"] / href).is_file(), href
    names = [a.get_text() for a in soup.select("a.name")]
    assert names == ["contoso-secret"]  # only connections with a written record link to one


def test_charts_are_embedded_and_the_page_loads_nothing_from_elsewhere(batch):
    soup = _soup(batch)
    images = soup.select("figure img")
    assert len(images) == 2
    for image in images:
        assert image["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(image["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not soup.select("script, link[rel=stylesheet], iframe")
    assert not [t for t in soup.select("[src]") if not t["src"].startswith("data:")]


def test_a_certificate_expiring_within_30_days_is_warned_about(batch):
    soup = _soup(batch)
    warnings = soup.select_one("#warnings").get_text(" ")
    renewal = next(o for o in batch["outcomes"] if o.name == "contoso-renewal").result.facts
    expires = datetime.datetime.fromisoformat(renewal["certificate_expires"])
    assert "contoso-renewal" in warnings
    assert f"certificate {renewal['certificate_thumbprint']} expires on {expires:%Y-%m-%d}" in warnings
    # made valid from 5 minutes ago for EXPIRING_DAYS: fewer than that many whole days are left
    assert f"(in {EXPIRING_DAYS - 1} days)" in warnings
    assert "contoso-cert:" not in warnings  # the sandbox's own certificate lasts years


def test_no_local_path_no_secret_and_markup_is_escaped(batch):
    text = batch["files"].html.read_text("utf-8")
    record = (batch["out"] / "contoso-secret.html").read_text("utf-8")
    for page in (text, record):
        for local in (batch["root"], batch["out"], REPO, Path.home()):
            assert str(local) + "/" not in page
    assert MARKUP not in text and html.escape(MARKUP) in text  # the bad profile's message, escaped
    assert "profiles/bad-address.yaml" in text  # shown by the folder it came from
    for path in batch["out"].iterdir():
        content = path.read_text("utf-8", errors="replace")
        for secret in _secrets(batch["card"]):
            assert secret not in content, path.name


def test_the_notebook_export_has_no_code_and_shows_the_evidence_in_full(batch):
    record = BeautifulSoup((batch["out"] / "contoso-secret.html").read_text("utf-8"), "html.parser")
    text = record.get_text(" ")
    refused = next(o for o in batch["outcomes"] if o.name == "contoso-secret").result.failed_steps[0]
    assert "verify_profile(" not in text and not record.select(".jp-CodeCell .jp-InputArea, .highlight")
    assert refused.diagnosis.evidence in text and refused.diagnosis.fix in text  # not cut off with '...'
    assert not record.select("script[src]")
    durations = [c.get_text() for c in record.select("table.dataframe td") if c.get_text().startswith("0.")]
    assert durations and all(len(d.split(".")[1]) <= 3 for d in durations)


def test_in_a_browser_the_table_reads_worst_first_and_the_record_link_opens(batch, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 800):
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.goto(batch["files"].html.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the page
            assert page.evaluate(CLIPPED) == []
            rows = page.locator("tbody.connection")
            assert rows.count() == 5
            assert rows.first.locator(".badge").inner_text() == "Failed"
            assert rows.last.locator(".badge").inner_text() == "Passed"
            page.screenshot(path=str(SCREENSHOTS / f"batch-report-{width}.png"), full_page=True)
            if width == 800:
                continue
            page.get_by_role("link", name="contoso-secret").click()
            page.wait_for_load_state()
            assert page.url.endswith("/contoso-secret.html")
            assert page.get_by_text("SPO_SECRET_TOKEN_REFUSED").first.is_visible()
            page.screenshot(path=str(SCREENSHOTS / "batch-record-1280.png"), full_page=True)
            page.set_viewport_size({"width": 800, "height": 900})
            assert page.evaluate(CLIPPED) == []  # the record's tables fit: nothing scrolls out of view
        finally:
            page.close()
