"""Typed secrets held for one verification only (the wizard's Configure), called directly: the profile
and the result hold an ``env:`` reference, never the value, and the references are gone afterwards —
against the session sandbox's farm."""

from __future__ import annotations

import json
import os

import pytest

from spkit.services.transient_secrets import TRANSIENT_PREFIX, transient_secrets, verify_with_typed_secrets


def transient_variables() -> list[str]:
    return [name for name in os.environ if name.startswith(TRANSIENT_PREFIX)]


def farm_admin(card: dict) -> tuple[dict, dict]:
    farm = card["farms"][0]
    return farm, next(u for u in farm["users"] if u["farm_admin"])


def farm_profile(card: dict, card_path, refs) -> dict:
    farm, admin = farm_admin(card)
    return {
        "name": "typed-farm",
        "kind": "onprem",
        "sandbox": str(card_path),
        "sharepoint_url": farm["url"],
        "central_admin_port": farm["central_admin_port"],
        "admin_upn": admin["upn"],
        "admin_password": refs["admin_password"],
    }


def test_a_reference_exists_for_the_block_only_even_when_it_fails():
    with pytest.raises(RuntimeError), transient_secrets({"client_secret": "s3cr3t-value"}) as refs:
        (ref,) = refs.values()
        assert list(refs) == ["client_secret"] and ref.startswith(f"env:{TRANSIENT_PREFIX}CLIENT_SECRET_")
        assert "s3cr3t-value" not in ref
        assert os.environ[ref.removeprefix("env:")] == "s3cr3t-value"
        raise RuntimeError("the verification broke")
    assert transient_variables() == []
    with transient_secrets({"a": "1"}) as first, transient_secrets({"a": "1"}) as second:
        assert first != second  # each block its own random names


def test_a_typed_password_verifies_the_farm_and_appears_nowhere(card, card_path):
    _farm, admin = farm_admin(card)
    seen: list[dict] = []
    steps, said = [], []

    def profile_data(refs):
        seen.append(dict(refs))
        return farm_profile(card, card_path, refs)

    result = verify_with_typed_secrets(
        profile_data, {"admin_password": admin["password"]}, on_step=steps.append, progress=said.append
    )
    assert result.passed, result.summary_line()
    assert [s.step for s in steps] == [s.step for s in result.steps]
    assert said == ["verifying the connection"]
    assert len(seen) == 1 and seen[0]["admin_password"].startswith(f"env:{TRANSIENT_PREFIX}ADMIN_PASSWORD_")
    assert admin["password"] not in json.dumps(result.to_dict())
    assert transient_variables() == []


def test_a_wrong_typed_password_fails_without_showing_it(card, card_path):
    wrong = "Not-The-Farm-Password-7"
    result = verify_with_typed_secrets(
        lambda refs: farm_profile(card, card_path, refs), {"admin_password": wrong}
    )
    assert [(s.step, s.diagnosis.code) for s in result.failed_steps] == [("ntlm", "ONPREM_AUTH_FAILED")]
    assert wrong not in json.dumps(result.to_dict()) and transient_variables() == []


def test_a_secret_kept_in_a_store_is_referred_to_as_it_is(card, card_path):
    farm, admin = farm_admin(card)
    kept = {"admin_password": f"sandbox:{farm['name']}/{admin['upn']}"}  # a reference, not typed again
    seen: list[dict] = []

    def profile_data(refs):
        seen.append(dict(refs))
        return farm_profile(card, card_path, refs)

    result = verify_with_typed_secrets(profile_data, {}, kept=kept)
    assert result.passed, result.summary_line()
    assert seen == [kept]
