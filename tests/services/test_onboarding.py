"""The onboarding workflow called directly, as every face calls it: a parameters file saved with its
secret in the store, a registration completed into a saved connection (and registered again for it),
and a connection removed with the app spkit made for it — against the shared sandbox."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from spkit.errors import AuthorizationError, InputError, ProfileError
from spkit.models.app_ownership import is_spkit_app
from spkit.models.profile import load_profile
from spkit.services.onboarding import (
    add_connection,
    admin_context,
    complete_registration,
    delete_app,
    preview_registration,
    remove_connection,
    reused_app_id,
)
from spkit.services.online.registration import app_by_client_id, find_spkit_apps
from spkit.services.online.tenant_target import target_from_options
from spkit.services.verification import verify_profile
from spkit.store import ConnectionStore, store_ref
from spkit.store.errors import ConnectionExistsError
from tests.helpers import card_app, card_tenant, write_profile

ADMIN = "admin@contoso.onmicrosoft.com"
SHAREPOINT_ADMIN = "sp.admin@contoso.com"


@pytest.fixture
def stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConnectionStore:
    """This test's own connections store, certificate store and token cache."""
    for key, value in {
        "SPKIT_CONFIG_DIR": tmp_path / "config",
        "SPKIT_CERT_STORE": tmp_path / "certs",
        "SPKIT_CACHE_DIR": tmp_path / "cache",
    }.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    return ConnectionStore()


def password(card: dict, upn: str) -> str:
    return next(u["password"] for u in card_tenant(card)["users"] if u["upn"] == upn)


def sign_in(card: dict, card_path: Path, upn: str = ADMIN, *, require: str | None = "global"):
    target = target_from_options(cloud="sandbox", sharepoint_url="contoso", sandbox=card_path)
    return admin_context(target, upn, password=password(card, upn), require=require)


class Asked:
    """A face's input callback that records whether (and with what) it was called."""

    def __init__(self, answer):
        self.answer = answer
        self.calls: list[tuple] = []

    def __call__(self, *args):
        self.calls.append(args)
        return self.answer(*args) if callable(self.answer) else self.answer


# --- add_connection ---------------------------------------------------------------------------------


def test_a_secret_given_apart_is_stored_encrypted_and_the_profile_refers_to_it(
    tmp_path, stores, card, card_path
):
    params = write_profile(tmp_path, card_path, card, "spkit-secret", name="from-file", credential="secret")
    secret = card_app(card, "spkit-secret")["client_secret"]
    asked = Asked(secret)
    saved = add_connection(params, name="kept-secret", client_secret=asked, store=stores)
    assert asked.calls == [()]
    assert saved.name == "kept-secret" and list(saved.secret_keys) == ["client_secret"]
    assert saved.profile_data["client_secret"] == store_ref("kept-secret", "client_secret")
    assert secret not in stores.path.read_text()
    assert stores.names() == ["kept-secret"]


def test_the_secret_is_asked_for_only_once_the_file_is_right(tmp_path, stores, card, card_path):
    asked = Asked("never-used")
    with pytest.raises(ProfileError) as missing:
        add_connection(tmp_path / "missing.yaml", client_secret=asked, store=stores)
    assert missing.value.code == "PROFILE_NOT_FOUND"
    cert = write_profile(tmp_path, card_path, card, "spkit-certificate", name="cert")
    with pytest.raises(ProfileError) as both:
        add_connection(cert, client_secret=asked, store=stores)
    assert both.value.code == "PROFILE_CREDENTIAL_BOTH" and "uses a certificate" in both.value.summary
    assert asked.calls == [] and stores.names() == []


def test_a_plain_file_is_saved_as_it_is_and_its_warnings_come_first(tmp_path, stores, card, card_path):
    params = write_profile(
        tmp_path, card_path, card, "spkit-certificate", name="warned", sharepoint_url="contoso.com"
    )
    expected = load_profile(params).warnings
    assert expected  # a custom domain is taken, with a note that discovery confirms the tenant
    seen: list[str] = []
    saved = add_connection(params, warn=seen.append, store=stores)
    assert seen == expected
    assert saved.name == "warned" and not saved.secret_keys
    with pytest.raises(InputError) as again:  # the same name twice is refused unless replaced
        add_connection(params, store=stores)
    assert again.value.code == "CONNECTION_EXISTS"
    assert add_connection(params, replace=True, store=stores).name == "warned"


# --- remove_connection ------------------------------------------------------------------------------


def test_unregistering_an_app_spkit_did_not_make_is_refused_before_anyone_signs_in(
    tmp_path, stores, card, card_path
):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="theirs")
    stores.add(load_profile(params))
    admin = Asked(lambda _target, _saved: pytest.fail("nobody may sign in for nothing"))
    with pytest.raises(InputError) as refused:
        remove_connection("theirs", unregister=admin, store=stores)
    assert refused.value.code == "UNREGISTER_NOTHING"
    assert admin.calls == [] and stores.names() == ["theirs"]


def test_removing_only_says_spkit_s_app_stays_behind(tmp_path, stores, card, card_path):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="ours")
    record = {"created_by": "spkit", "client_id": "00000000-0000-0000-0000-00000000c1d0"}
    stores.add(load_profile(params), registration=record)
    removed = remove_connection("ours", store=stores)
    assert (removed.name, removed.unregistered, removed.app_left_behind) == ("ours", None, True)
    assert removed.registration == record and stores.names() == []


def test_unregistering_needs_a_global_administrator_and_keeps_the_connection_otherwise(
    tmp_path, stores, card, card_path
):
    params = write_profile(tmp_path, card_path, card, "spkit-certificate", name="guarded")
    record = {"created_by": "spkit", "client_id": card_app(card, "spkit-certificate")["client_id"]}
    stores.add(load_profile(params), registration=record)
    sharepoint_admin = Asked(lambda _target, _saved: sign_in(card, card_path, SHAREPOINT_ADMIN, require=None))
    with pytest.raises(AuthorizationError) as refused:
        remove_connection("guarded", unregister=sharepoint_admin, store=stores)
    assert refused.value.code == "ADMIN_NOT_GLOBAL_ADMIN"
    assert len(sharepoint_admin.calls) == 1 and stores.names() == ["guarded"]


# --- a registration, from preview to removal --------------------------------------------------------


def test_register_save_register_again_for_it_and_remove_it_with_its_app(tmp_path, stores, card, card_path):
    display_name = f"spkit onboarding {uuid.uuid4().hex[:8]}"
    ctx = sign_in(card, card_path)
    try:
        plan = preview_registration(ctx, preset="read", display_name=display_name)
        assert plan.action == "create"
        done = complete_registration(
            ctx, plan, save_as="registered", profile_out=tmp_path / "registered.yaml", consent_timeout_s=90
        )
        client_id = done.result.client_id
        assert done.saved.name == "registered" and stores.get("registered").profile.client_id == client_id
        assert done.profile.name == "registered" and done.profile.client_id == client_id
        assert yaml.safe_load((tmp_path / "registered.yaml").read_text()) == done.profile_data
        assert is_spkit_app(app_by_client_id(ctx.graph, client_id))
        assert verify_profile(done.profile).passed  # the profile it returns is the one to try

        # Registered again for the saved connection: its app is reused, whatever the display name,
        # and the result replaces the connection.
        record = done.saved.registration
        assert reused_app_id(record) == client_id
        assert reused_app_id({**record, "created_by": "someone"}) is None
        again = preview_registration(ctx, preset="read", display_name="another name", registration=record)
        assert again.action == "reuse" and again.existing["appId"] == client_id
        redone = complete_registration(ctx, again, connection=done.saved, consent_timeout_s=90)
        assert redone.saved.name == "registered" and redone.result.client_id == client_id
        assert stores.names() == ["registered"]

        seen = []

        def admin(target, saved):
            seen.append((target.address.tenant, saved.name))
            return sign_in(card, card_path)

        messages: list[str] = []
        removed = remove_connection("registered", unregister=admin, store=stores, progress=messages.append)
        assert seen == [("contoso", "registered")]
        assert removed.unregistered["appId"] == client_id and removed.app_left_behind is False
        assert any("deleting the application" in m for m in messages)
        assert stores.names() == [] and app_by_client_id(ctx.graph, client_id) is None
    finally:
        ctx.close()


def test_a_registration_the_wizard_tries_is_verified_and_not_saved(stores, card, card_path):
    ctx = sign_in(card, card_path)
    client_id = None
    try:
        plan = preview_registration(ctx, preset="read", display_name=f"spkit tried {uuid.uuid4().hex[:8]}")
        steps, said, heard = [], [], []

        def registered(result, data):  # before the first step is verified
            heard.append((result.client_id, dict(data), len(steps)))

        done = complete_registration(
            ctx,
            plan,
            save_as="tried",
            save=False,
            verify=True,
            on_step=steps.append,
            on_registered=registered,
            consent_timeout_s=90,
            progress=said.append,
        )
        client_id = done.result.client_id
        assert done.saved is None and stores.names() == []  # the wizard saves only on Save
        assert done.profile.name == done.profile_data["name"] == "tried"
        assert heard == [(client_id, done.profile_data, 0)]
        assert done.verification is not None and done.verification.passed, done.verification.summary_line()
        assert [s.step for s in steps] == [s.step for s in done.verification.steps]
        assert said[-1] == "verifying the connection"
        assert done.registration["created_by"] == "spkit" and done.registration["client_id"] == client_id
    finally:
        if client_id:
            delete_app(ctx, client_id)
        ctx.close()


def test_saving_over_another_saved_connection_is_refused_before_any_app_is_made(
    tmp_path, stores, card, card_path
):
    """``register --connection X --save Y`` with Y saved already: Y is never overwritten, and the refusal
    comes before Entra holds an app nothing would refer to."""
    taken = write_profile(tmp_path, card_path, card, "spkit-certificate", name="taken")
    stores.add(load_profile(taken))
    before = stores.get("taken")
    display_name = f"spkit refused {uuid.uuid4().hex[:8]}"
    ctx = sign_in(card, card_path)
    try:
        plan = preview_registration(ctx, preset="read", display_name=display_name)
        with pytest.raises(ConnectionExistsError) as refused:
            complete_registration(ctx, plan, save_as="taken", consent_timeout_s=90)
        assert refused.value.code == "CONNECTION_EXISTS"
        assert "nothing was registered" in refused.value.summary
        assert find_spkit_apps(ctx.graph, display_name) == []
        assert stores.get("taken").to_dict() == before.to_dict()
    finally:
        ctx.close()
