"""``diagnose`` called directly: the ladder run and explained — each rung with its evidence, the first
broken rung with the catalog's fix and the customer's words, a published result explained the same way,
an admin's reading only where it adds something; and the profile a face names."""

from __future__ import annotations

import pytest

from spkit.checks import ladder_for
from spkit.errors import InputError
from spkit.models.profile import load_profile
from spkit.models.results import VerificationResult
from spkit.services.diagnose import (
    TROUBLESHOOT_NOTEBOOK,
    admin_sign_in,
    catalog_entry,
    diagnose_profile,
    diagnose_result,
    load_target,
    troubleshoot_hint,
)
from tests.helpers import write_profile
from tests.services.batch.support import onprem_profile

ADMIN = "admin@contoso.onmicrosoft.com"


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Its own connections store and token cache."""
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")


def test_a_healthy_connection_says_so_in_the_customers_words(tmp_path, card, card_path):
    diagnosis = diagnose_profile(load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate")))
    assert diagnosis.healthy and (diagnosis.broken, diagnosis.code) == (None, None)
    assert [r.rung for r in diagnosis.rungs] == [r.name for r in ladder_for("online")]
    assert all(r.status == "passed" and r.code is None and r.fix == "" for r in diagnosis.rungs)
    assert diagnosis.tell_customer.startswith("The connection works: every check spkit runs passed")


def test_the_first_broken_rung_carries_the_catalogs_fix_and_words(tmp_path, card, card_path):
    profile = load_profile(write_profile(tmp_path, card_path, card, "spkit-secret"))
    diagnosis = diagnose_profile(profile)
    broken = diagnosis.broken_rung
    assert (diagnosis.broken, diagnosis.code) == ("sharepoint", "SPO_SECRET_TOKEN_REFUSED")
    entry = catalog_entry("SPO_SECRET_TOKEN_REFUSED")
    assert broken.fix_steps == tuple(entry.fix_steps)
    numbered = "\n".join(f"{n}. {text}" for n, text in enumerate(entry.fix_steps, 1))
    assert broken.fix == (numbered if len(entry.fix_steps) > 1 else entry.fix_steps[0])
    assert diagnosis.tell_customer == entry.tell_customer and diagnosis.meaning == entry.meaning
    assert broken.evidence and "HTTP 401" in broken.evidence
    assert diagnosis.to_dict() == {
        "profile": profile.name,
        "kind": "online",
        "healthy": False,
        "broken": "sharepoint",
        "code": "SPO_SECRET_TOKEN_REFUSED",
        "rungs": [r.to_dict() for r in diagnosis.rungs],
        "tell_customer": entry.tell_customer,
    }


def test_a_published_result_is_explained_as_the_run_itself(tmp_path, card, card_path):
    live = diagnose_profile(load_profile(write_profile(tmp_path, card_path, card, "spkit-secret")))
    published = VerificationResult.from_json(live.result.to_json())  # as a notebook or a batch run keeps it
    assert diagnose_result(published).to_dict() == live.to_dict()


def test_the_admin_is_signed_in_only_for_a_rung_that_needs_it(isolated, tmp_path, card, card_path):
    signed: list[str] = []

    def admin_for(profile):
        sign_in = admin_sign_in(profile, ADMIN, password_ref=f"sandbox:contoso/{ADMIN}")

        def counted():
            signed.append(profile.name)
            return sign_in()

        return counted

    healthy = load_profile(write_profile(tmp_path, card_path, card, "spkit-certificate"))
    farm = load_profile(onprem_profile(tmp_path, card_path, card))
    assert diagnose_profile(healthy, admin=admin_for(healthy)).healthy
    assert diagnose_profile(farm, admin=admin_for(farm)).healthy  # an admin of Entra adds nothing to a farm
    assert signed == []
    unconsented = load_profile(
        write_profile(tmp_path, card_path, card, "spkit-unconsented", credential="pem")
    )
    diagnosis = diagnose_profile(unconsented, admin=admin_for(unconsented))
    assert signed == [unconsented.name] and diagnosis.code == "TOKEN_NO_ROLES"
    assert f"(read as {ADMIN}): none" in diagnosis.broken_rung.evidence


def test_a_face_names_a_file_or_a_connection_never_both_nor_neither(isolated, tmp_path, card, card_path):
    path = write_profile(tmp_path, card_path, card, "spkit-certificate")
    assert load_target(path).name == "spkit-certificate"
    for both_or_neither in ({"profile_path": path, "connection": "x"}, {}):
        with pytest.raises(InputError) as raised:
            load_target(**both_or_neither)
        assert raised.value.code == "USAGE"
    with pytest.raises(InputError) as raised:
        load_target(connection="nobody-saved-this")
    assert "nobody-saved-this" in raised.value.summary


def test_the_troubleshooting_hint_names_the_command_and_the_notebook(tmp_path):
    by_connection = troubleshoot_hint(connection="contoso")
    assert by_connection.startswith("troubleshoot: spkit diagnose --connection 'contoso', or open ")
    assert f"papermill {TROUBLESHOOT_NOTEBOOK.name} OUT.ipynb -p connection 'contoso'" in by_connection
    path = (tmp_path / "p.yaml").resolve()
    assert f"spkit diagnose {path}" in troubleshoot_hint(profile_path=tmp_path / "p.yaml")
