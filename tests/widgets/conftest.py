"""The wizard's tests: each test its own connections store, certificate store and token cache (the
same environment the CLI reads, so `spkit verify --connection NAME` sees what the wizard saved),
against the shared session sandbox."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from spkit.http.session import session_for_card
from tests.conftest import spkit_cli
from tests.helpers import card_tenant

ADMIN = "admin@contoso.onmicrosoft.com"
ISOLATED = ("SPKIT_CONFIG_DIR", "SPKIT_CERT_STORE", "SPKIT_CACHE_DIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
UNSET = (
    "SPKIT_SANDBOX_CARD",
    "SPKIT_AD_SERVER",
    "SPKIT_AD_USER",
    "SPKIT_AD_PASSWORD",
    "SPKIT_AD_ADMIN_GROUP",
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The isolated environment, set for the wizard (in this process) and returned for the CLI."""
    values = {
        "SPKIT_CONFIG_DIR": str(tmp_path / "config"),
        "SPKIT_CERT_STORE": str(tmp_path / "certs"),
        "SPKIT_CACHE_DIR": str(tmp_path / "cache"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "SPKIT_KEYRING": "off",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in UNSET:
        monkeypatch.delenv(key, raising=False)
    return values


@pytest.fixture
def wizard(env, card_path: Path, tmp_path: Path):
    from spkit.widgets import ConnectionWizard

    app = ConnectionWizard(sandbox_card=card_path, record_dir=tmp_path / "records")
    yield app
    app.wait(240)
    app.actions.close()


def user(card: dict, upn: str) -> dict:
    return next(u for u in card_tenant(card)["users"] if u["upn"] == upn)


def wait_for(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def complete_device_code(card: dict, link: str, user_code: str, upn: str, password: str) -> str:
    """Do what the admin does in a browser: open the link shown, enter the code, sign in. The link is the
    sandbox's own port on login.localhost (what a browser here opens); requests reach it through the
    card's connect-to map. Returns the heading of the last page."""
    parts = urlsplit(link)
    login = urlsplit(card["cloud"]["authority_host"]).hostname
    assert parts.hostname == login and parts.path == "/devicelogin", link
    mapped = card["connect_to"][f"{login}:443"]
    assert parts.port == int(mapped.rsplit(":", 1)[1]), (link, mapped)
    base = card["cloud"]["authority_host"]

    def nonce(page) -> str:
        return re.search(r'name="flowToken" value="([^"]+)"', page.text).group(1)

    with session_for_card(card) as session:
        page = session.get(f"{base}{parts.path}")
        page = session.post(f"{base}/devicelogin", data={"otc": user_code, "flowToken": nonce(page)})
        assert page.status_code == 200 and 'name="passwd"' in page.text, page.text[:400]
        page = session.post(
            f"{base}/devicelogin/signin", data={"login": upn, "passwd": password, "flowToken": nonce(page)}
        )
    assert page.status_code == 200, page.text[:400]
    return re.search(r"<h1>(.*?)</h1>", page.text).group(1)


def verify_connection(name: str, env: dict) -> tuple[int, dict]:
    """`spkit verify --connection NAME --json` as a user runs it, in the wizard's environment."""
    done = spkit_cli("verify", "--connection", name, "--json", env=env)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.returncode, json.loads(done.stdout)


def widget_texts(widget) -> list[str]:
    """Every text a page shows or holds (values, labels, HTML, options) under ``widget``."""
    found = []
    stack = [widget]
    while stack:
        node = stack.pop()
        for attr in ("value", "description", "placeholder"):
            value = getattr(node, attr, None)
            if isinstance(value, str):
                found.append(value)
        found.extend(str(o) for o in getattr(node, "_options_labels", ()) or ())
        stack.extend(getattr(node, "children", ()) or ())
    return found
