"""`spkit record NAME`: the onboarding record of a saved connection, through the real CLI against the
shared sandbox: a notebook executed by papermill and its HTML for the customer, with every fact of the
connection and its verification, no code, and not one credential of the sandbox card in either file."""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from cryptography import x509

from spkit.services.batch import read_result
from spkit.services.record import RECORD_NOTEBOOK
from tests.conftest import SCREENSHOTS, spkit_cli
from tests.helpers import card_app, card_tenant, write_profile

ADMIN = "admin@contoso.onmicrosoft.com"
# Microsoft's GUIDs of the "full" preset's application permissions, as Entra lists them.
FULL_PRESET_GUIDS = {
    ("Microsoft Graph", "Sites.FullControl.All"): "a82116e5-55eb-4c41-a434-62fe8a61c773",
    ("Microsoft Graph", "User.Read.All"): "df021288-bdef-4463-88db-98f22de89214",
    ("Microsoft Graph", "Group.Read.All"): "5b567255-7703-4780-807c-7be8301ae99b",
    ("Office 365 SharePoint Online", "Sites.FullControl.All"): "678536fe-1083-478a-9c59-b99265e6b0d3",
}
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
STAMPED = re.compile(r"-\d{8}T\d{6}Z(-\d+)?\.(ipynb|html)$")
SECRET_KEYS = re.compile(r"(?i)password|secret|passphrase|private")


@pytest.fixture
def env(tmp_path) -> dict:
    """An isolated store, key, certificate store and caches, inherited by the record's kernel."""
    return {
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "SPKIT_CERT_STORE": str(tmp_path / "certs"),
        "SPKIT_KEYRING": "off",
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
    }


def cli(env: dict, *args: str, input: str | None = None, cwd: Path | None = None, timeout: float = 240):
    return spkit_cli(*args, env=env, input=input, cwd=cwd, timeout=timeout)


def record(env: dict, name: str, out: Path) -> tuple[subprocess.CompletedProcess, Path, Path]:
    done = cli(env, "record", name, "--out", str(out))
    paths = [
        Path(line.removeprefix("record: "))
        for line in done.stdout.splitlines()
        if line.startswith("record: ")
    ]
    assert len(paths) == 2, done.stdout + done.stderr
    ipynb, html_path = sorted(paths, key=lambda p: p.suffix != ".ipynb")
    return done, ipynb, html_path


class _Text(HTMLParser):
    """The text a reader sees: no tags, no style or script bodies, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(html_text: str) -> str:
    parser = _Text()
    parser.feed(html_text)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def card_credentials(card: dict, cert_store: Path | None = None) -> list[str]:
    """Every password, client secret, pfx password and private key body on the card (and in the store)."""
    found: list[str] = []
    pem_files: list[Path] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str):
            if SECRET_KEYS.search(key) and len(node) >= 6:
                found.append(node)
            if key in ("pem", "key", "key_path") and node.endswith((".pem", ".key")) and Path(node).is_file():
                pem_files.append(Path(node))

    walk(card)
    if cert_store is not None and cert_store.is_dir():
        pem_files += sorted(cert_store.glob("*.pem"))
    for path in pem_files:
        text = path.read_text()
        for block in re.findall(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.+?)-----END", text, re.DOTALL):
            found += [line for line in block.split() if len(line) >= 16]
    assert found, "the card should list credentials to look for"
    return found


def assert_no_credentials(paths: list[Path], credentials: list[str]) -> None:
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert not JWT.search(text), f"a JWT in {path.name}"
        assert "PRIVATE KEY" not in text, f"a private key in {path.name}"
        for credential in credentials:
            for form in {credential, html.escape(credential), json.dumps(credential)[1:-1]}:
                assert form not in text, f"a credential of the sandbox card in {path.name}"


def assert_customer_html(html_text: str) -> str:
    """No code, no prompts, no CDN scripts, durations rounded, nothing cut off; returns the visible text."""
    text = visible(html_text)
    body = html_text.split("</head>", 1)[1]
    for element in ("jp-InputPrompt", "jp-OutputPrompt", "jp-CodeMirrorEditor", "jp-Editor", "highlight"):
        assert not re.search(rf'class="[^"]*\b{element}\b', body), element
    for code in (
        "import spkit",
        "from spkit",
        "record_facts(",
        "record_sections(",
        "display(",
        "papermill replaces",
    ):
        assert code not in body
    assert not re.search(r"\b(In|Out)\s*\[\d*\]", text)
    assert "<script src=" not in html_text  # the customer's copy loads nothing from the internet
    assert "..." not in text and "…" not in text
    assert not re.search(r"(?<![\d.])\d+\.\d{4,}(?![\d.])", text), "a duration shown unrounded"
    assert "SharePoint onboarding record" in text
    for heading in ("Summary", "Connection", "Verification", "Site collections"):
        assert re.search(rf"<h2[^>]*>{heading}</h2>", html_text)
    return text


def assert_run_by(text: str) -> None:
    import getpass

    assert f"{getpass.getuser()} on {socket.gethostname()}" in text
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert re.search(rf"Written at {today} \d\d:\d\d:\d\d UTC", text)


def assert_steps(text: str, ipynb: Path):
    """The executed notebook published its verification; every step of it is in the HTML."""
    result = read_result(ipynb)
    assert result is not None and result.steps
    for step in result.steps:
        assert f"{step.title} {step.status.value}" in text
        if step.diagnosis:
            assert step.diagnosis.code in text and step.diagnosis.fix in text
    return result


def assert_nothing_cut_off_in_chromium(browser, html_path: Path, name: str) -> None:
    """Debian's chromium renders the record at 1280 and at 800 pixels (a printed page): no table, cell or
    output scrolls sideways, and the page is no wider than the window. Screenshots are kept."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 800):
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.goto(html_path.as_uri())
            wide = page.evaluate(
                """() => [...document.querySelectorAll('table, td, th, pre, .jp-OutputArea-output')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.outerHTML.slice(0, 120))"""
            )
            assert wide == [], wide
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert page.get_by_role("heading", name="Verification", exact=True).is_visible()
            page.screenshot(path=str(SCREENSHOTS / f"record-{name}-{width}.png"), full_page=True)
        finally:
            page.close()


def test_committed_notebook_is_thin_and_has_no_outputs():
    nb = nbformat.read(str(RECORD_NOTEBOOK), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "connection =" in tagged[0].source
    assert any("record_facts(connection" in c.source for c in code)


def test_unknown_connection_exits_2_with_one_clear_line_and_writes_nothing(tmp_path, env):
    out = tmp_path / "records"
    done = cli(env, "record", "no-such-connection", "--out", str(out))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(
        "spkit: error [CONNECTION_NOT_FOUND]: no saved connection named 'no-such-connection'"
    )
    assert len(lines) <= 2 and "Traceback" not in done.stderr
    assert done.stdout == "" and not out.exists()
    helped = cli(env, "record", "--help")
    assert "out/records" in helped.stdout and "--out DIR" in helped.stdout


@pytest.mark.notebook
def test_certificate_connection_record_from_the_store(tmp_path, env, card, card_path, browser):
    app = card_app(card, "spkit-certificate")
    tenant = card_tenant(card)
    pem = Path(app["certificate"]["pem"])
    imported = cli(env, "certs", "import", str(pem))
    assert imported.returncode == 0, imported.stderr
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="Contoso Record")
    data = yaml.safe_load(params.read_text())
    data["certificate"] = {"thumbprint": app["certificate"]["thumbprint"]}
    params.write_text(yaml.safe_dump(data))
    assert cli(env, "connections", "add", str(params)).returncode == 0

    # From a directory holding a package named spkit: neither the CLI nor the kernel may import it.
    workdir = tmp_path / "work"
    (workdir / "spkit").mkdir(parents=True)
    marker = tmp_path / "imported-from-cwd"
    (workdir / "spkit" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise SystemExit('imported from the working directory')\n"
    )
    spkit_script = Path(sys.executable).parent / "spkit"
    done = subprocess.run(
        [str(spkit_script), "record", "Contoso Record"],  # default --out: out/records under the cwd
        cwd=workdir,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not marker.exists()
    paths = [
        Path(line.removeprefix("record: "))
        for line in done.stdout.splitlines()
        if line.startswith("record: ")
    ]
    assert [p.suffix for p in paths] == [".ipynb", ".html"]
    assert all(p.parent == workdir / "out" / "records" and p.is_file() for p in paths)
    assert all(p.name.startswith("Contoso-Record-") and STAMPED.search(p.name) for p in paths)
    ipynb, html_path = paths

    html_text = html_path.read_text(encoding="utf-8")
    text = assert_customer_html(html_text)
    result = assert_steps(text, ipynb)
    assert result.passed and "PASSED" in text
    cert = x509.load_pem_x509_certificate(pem.read_bytes())
    initial = next(d for d in tenant["domains"] if d.endswith(".onmicrosoft.com"))
    for expected in (
        "Contoso Record",
        "SharePoint Online (Office 365)",
        f"Tenant name {tenant['name']}",
        tenant["tenant_id"],
        f"Initial domain {initial}",
        f"Client ID {app['client_id']}",
        "registered by an administrator (manual registration)",
        f"Certificate thumbprint {app['certificate']['thumbprint']}",
        f"Subject {cert.subject.rfc4514_string()}",
        f"Expires {cert.not_valid_after_utc:%Y-%m-%d}",
        f"Key size {cert.public_key().key_size} bits",
        "the local certificate store",
        tenant["sharepoint_url"],
        tenant["admin_url"],
        f"Site collections {tenant['site_count'] - tenant['personal_site_count']}",
        f"OneDrive sites {tenant['personal_site_count']}",
    ):
        assert expected in text, expected
    for (resource, name), guid in FULL_PRESET_GUIDS.items():
        assert f"{resource} {name} {guid} yes" in text
    sample = next(s for s in result.steps if s.step == "sites").facts["sample"]
    assert sample and all(f"{site['title']} {site['url']}" in text for site in sample)
    assert_run_by(text)
    assert_no_credentials([ipynb, html_path], card_credentials(card, Path(env["SPKIT_CERT_STORE"])))
    assert_nothing_cut_off_in_chromium(browser, html_path, "online-certificate")


@pytest.mark.notebook
def test_client_secret_connection_record_is_written_and_exits_1(tmp_path, env, card, card_path, browser):
    secret = card_app(card, "spkit-secret")["client_secret"]
    params = write_profile(tmp_path, card_path, card, "spkit-secret", name="contoso-secret-record")
    data = yaml.safe_load(params.read_text())
    del data["client_secret"]
    params.write_text(yaml.safe_dump(data))
    added = cli(env, "connections", "add", str(params), "--client-secret-stdin", input=secret + "\n")
    assert added.returncode == 0, added.stderr

    done, ipynb, html_path = record(env, "contoso-secret-record", tmp_path / "records")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the record was written, but a check failed: sharepoint [SPO_SECRET_TOKEN_REFUSED]" in done.stderr
    assert ipynb.is_file() and html_path.is_file()
    text = assert_customer_html(html_path.read_text(encoding="utf-8"))
    result = assert_steps(text, ipynb)
    assert [s.step for s in result.failed_steps] == ["sharepoint"] and "FAILED" in text
    assert "Credential client secret (stored, not shown)" in text
    assert "Diagnosis: Connect to a site (SharePoint REST)" in text
    assert card_app(card, "spkit-secret")["client_id"] in text
    assert_no_credentials([ipynb, html_path], card_credentials(card))
    assert_nothing_cut_off_in_chromium(browser, html_path, "online-secret")


@pytest.mark.notebook
def test_onprem_connection_record(tmp_path, env, card, card_path, browser):
    farm = card["farms"][0]
    params = tmp_path / "farm.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "name": "fabrikam-record",
                "kind": "onprem",
                "sandbox": str(card_path),
                "sharepoint_url": farm["url"],
                "central_admin_port": farm["central_admin_port"],
                "admin_upn": "spfarm@fabrikam.local",
                "admin_password": "sandbox:fabrikam/spfarm@fabrikam.local",
            }
        )
    )
    added = cli(env, "connections", "add", str(params))
    assert added.returncode == 0, added.stdout + added.stderr

    done, ipynb, html_path = record(env, "fabrikam-record", tmp_path / "records")
    assert done.returncode == 0, done.stdout + done.stderr
    text = assert_customer_html(html_path.read_text(encoding="utf-8"))
    result = assert_steps(text, ipynb)
    assert result.passed and result.kind == "onprem"
    for expected in (
        "On-premises SharePoint Server",
        f"SharePoint server URL {farm['url']}",
        f"Central Administration URL {farm['central_admin_url']}",
        "Account spfarm@fabrikam.local",
        f"Farm version {farm['team_services_version']} (SharePoint Server {farm['version']})",
        "Member of Farm Administrators met",
        "Site collection administrator met",
        "Local Administrators on the SharePoint server cannot be checked from outside the server",
        "password (read from sandbox:fabrikam/spfarm@fabrikam.local, not shown)",
        f"Site collections {farm['site_count'] - farm['personal_site_count']}",
        f"My Sites {farm['personal_site_count']}",
    ):
        assert expected in text, expected
    assert_run_by(text)
    assert_no_credentials([ipynb, html_path], card_credentials(card))
    assert_nothing_cut_off_in_chromium(browser, html_path, "onprem")


@pytest.mark.notebook
def test_automatic_registration_record_shows_what_was_created(tmp_path, env, card, card_path):
    password = next(u for u in card_tenant(card)["users"] if u["upn"] == ADMIN)["password"]
    app_name = f"spkit record {uuid.uuid4().hex[:8]}"
    target = ["--cloud", "sandbox", "--sandbox", str(card_path), "--sharepoint-url", "contoso"]
    admin = ["--admin", ADMIN, "--password-stdin"]
    registered = cli(
        env, "register", *target, *admin, "--name", app_name, "--save", "auto-record", "--no-verify",
        input=password + "\n",
    )  # fmt: skip
    assert registered.returncode == 0, registered.stdout + registered.stderr
    try:
        shown = json.loads(cli(env, "connections", "show", "auto-record", "--json").stdout)["registration"]
        done, ipynb, html_path = record(env, "auto-record", tmp_path / "records")
        assert done.returncode == 0, done.stdout + done.stderr
        text = assert_customer_html(html_path.read_text(encoding="utf-8"))
        assert assert_steps(text, ipynb).passed
        for expected in (
            "Application registration created by spkit (automatic registration)",
            f"Application name {app_name}",
            f"Client ID {shown['client_id']}",
            f"Object ID {shown['app_object_id']}",
            "Permission preset full",
            "Admin consent granted by the administrator; in effect after",
            "Permissions (as registered by spkit)",
            f"Certificate thumbprint {shown['certificate_thumbprint']}",
            f"Subject CN={app_name}",
            "Key size 2048 bits (RSA)",
        ):
            assert expected in text, expected
        for (resource, name), guid in FULL_PRESET_GUIDS.items():
            assert f"{resource} {name} {guid} yes" in text
        assert_no_credentials([ipynb, html_path], card_credentials(card, Path(env["SPKIT_CERT_STORE"])))
    finally:
        removed = cli(
            env, "connections", "remove", "auto-record", "--unregister", *admin, input=password + "\n"
        )
        assert removed.returncode == 0, removed.stdout + removed.stderr


def test_a_record_holding_a_secret_of_its_connection_is_deleted(tmp_path, env, card, card_path, monkeypatch):
    """The last guard before a record is kept: the connection's own secret in it deletes both files."""
    from spkit.services.record import refuse_secrets
    from spkit.store import ConnectionStore

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    secret = card_app(card, "spkit-secret")["client_secret"]
    params = write_profile(tmp_path, card_path, card, "spkit-secret", name="leaky")
    data = yaml.safe_load(params.read_text())
    del data["client_secret"]
    store = ConnectionStore()
    saved = store.add(data, secrets={"client_secret": secret})
    clean, leaky = tmp_path / "clean.html", tmp_path / "leaky.ipynb"
    clean.write_text("<p>client secret (stored, not shown)</p>")
    refuse_secrets(saved, store, (clean,))  # nothing to find: kept
    assert clean.exists()
    leaky.write_text(json.dumps({"text": f"the secret is {secret}"}))
    with pytest.raises(Exception) as raised:
        refuse_secrets(saved, store, (clean, leaky))
    assert getattr(raised.value, "code", "") == "RECORD_SECRET_FOUND"
    assert secret not in str(raised.value)
    assert not clean.exists() and not leaky.exists()


@pytest.mark.notebook
def test_write_record_with_the_wizards_own_store(tmp_path, env, card, card_path, monkeypatch):
    """The wizard's button calls the service with the store it holds, which need not be the default one:
    the record's kernel reads that store, and its stored secret, not the environment's."""
    from spkit.services.record import write_record
    from spkit.store import ConnectionStore

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    secret = card_app(card, "spkit-secret")["client_secret"]
    params = write_profile(tmp_path, card_path, card, "spkit-secret", name="wizard-secret")
    data = yaml.safe_load(params.read_text())
    del data["client_secret"]
    store = ConnectionStore(tmp_path / "wizard-store" / "connections.json")
    store.add(data, secrets={"client_secret": secret})
    assert store.path != ConnectionStore().path

    files = write_record(
        "wizard-secret", tmp_path / "out", store=store, now=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    assert files.ipynb.name == "wizard-secret-20260102T030405Z.ipynb"
    assert files.html.name == "wizard-secret-20260102T030405Z.html"
    steps = {s.step: s for s in files.result.steps}
    assert steps["token"].status.value == "passed"  # store:wizard-secret/client_secret came from that store
    assert steps["sharepoint"].diagnosis.code == "SPO_SECRET_TOKEN_REFUSED" and not files.passed
    text = assert_customer_html(files.html.read_text(encoding="utf-8"))
    assert "Written at 2026-01-02 03:04:05 UTC" in text
    assert_no_credentials([files.ipynb, files.html], card_credentials(card))
