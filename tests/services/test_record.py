"""``write_record`` and ``refuse_secrets`` called directly: the onboarding record of a saved connection is
an executed notebook and its HTML, refused before a kernel starts for an unknown name, and deleted, never
kept, when a secret, a token or a private key got into it."""

from __future__ import annotations

import datetime

import pytest

from spkit.errors import CheckError, InputError
from spkit.models.profile import load_profile
from spkit.services.record import refuse_secrets, write_record
from spkit.services.secret_values import secret_value
from spkit.store import ConnectionStore
from tests.helpers import write_profile

NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


@pytest.fixture
def store(tmp_path, monkeypatch) -> ConnectionStore:
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    return ConnectionStore(tmp_path / "elsewhere" / "connections.json")  # not the default store


def test_a_record_is_the_executed_notebook_and_its_html_named_for_the_connection_and_time(
    store, tmp_path, card, card_path
):
    store.add(load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate", name="rec")))
    files = write_record("rec", tmp_path / "records", store=store, now=NOW, sample_size=2)
    assert files.ipynb.name == "rec-20260102T030405Z.ipynb" and files.html.name == "rec-20260102T030405Z.html"
    assert files.result.passed and files.result.profile_name == "rec"
    page = files.html.read_text(encoding="utf-8")
    assert "Onboarding record: rec" in page and "PRIVATE KEY" not in page
    again = write_record("rec", tmp_path / "records", store=store, now=NOW, sample_size=2)
    assert again.ipynb != files.ipynb and files.ipynb.exists()  # the same second: a free name, none lost


def test_an_unknown_connection_is_refused_before_a_kernel_starts(store, tmp_path):
    with pytest.raises(InputError) as unknown:
        write_record("nobody", tmp_path / "records", store=store, now=NOW)
    assert unknown.value.code == "CONNECTION_NOT_FOUND"
    assert not (tmp_path / "records").exists()


def test_a_record_holding_the_connections_secret_or_a_token_is_deleted_and_refused(
    store, tmp_path, card, card_path
):
    profile = load_profile(write_profile(tmp_path, card_path, card, "spkit-secret", name="leaky"))
    secret = secret_value(profile.credential.secret, profile.card)  # the app's secret, from the sandbox
    saved = store.add(profile)
    clean, leaked = tmp_path / "clean.html", tmp_path / "leaked.html"
    clean.write_text("<p>nothing to hide</p>", encoding="utf-8")
    refuse_secrets(saved, store, (clean,))
    assert clean.exists()
    for text, found in (
        (f"<p>{secret}</p>", "a secret of the connection"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln", "a token"),
    ):
        leaked.write_text(text, encoding="utf-8")
        clean.write_text("<p>nothing to hide</p>", encoding="utf-8")
        with pytest.raises(CheckError) as refused:
            refuse_secrets(saved, store, (leaked, clean))
        assert refused.value.code == "RECORD_SECRET_FOUND"
        assert refused.value.summary == f"the onboarding record of 'leaky' contained {found}; it was deleted"
        assert secret not in refused.value.summary
        assert not leaked.exists() and not clean.exists()  # the whole record goes, not only the leaky file
