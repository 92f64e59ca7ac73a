"""The device code store on its own, with explicit instants: what a poll hears in each state (pending,
slow_down, expired, declined, failed, redeemed once), one decision per code, the user code's spelling,
how long finished codes are remembered, and the verification pages' single-use, per-stage nonces.
The same rules through the token endpoint and the pages are in test_identity_delegated_models."""

from __future__ import annotations

import pytest

from spkit.sandbox.identity import exceptions as aad
from spkit.sandbox.identity.first_party import GRAPH_COMMAND_LINE_TOOLS
from spkit.sandbox.identity.models import (
    APPROVED,
    DECLINED,
    FAILED,
    DelegatedClient,
    DeviceCode,
    RefreshGrant,
    ScopeRequest,
)
from spkit.sandbox.identity.stores import DeviceCodeStore, RefreshTokenStore, normalize_user_code

T0 = 1_750_000_000.0
CLIENT = DelegatedClient.first_party(GRAPH_COMMAND_LINE_TOOLS)
CLI = CLIENT.client_id
TENANT_ID = "11111111-1111-1111-1111-111111111111"


@pytest.fixture()
def store() -> DeviceCodeStore:
    return DeviceCodeStore()


def issue(store: DeviceCodeStore, *, tenant_id: str | None = TENANT_ID, lifetime: float = 900) -> DeviceCode:
    return store.create(
        now=T0,
        lifetime_s=lifetime,
        interval_s=5,
        tenant_ref="contoso.com",
        tenant_id=tenant_id,
        client=CLIENT,
        scopes=ScopeRequest(("User.Read",), ("User.Read",), frozenset()),
    )


def heard(store: DeviceCodeStore, code: DeviceCode, now: float, **kwargs: object) -> aad.AadstsError:
    with pytest.raises(aad.AadstsError) as caught:
        store.poll(code.device_code, kwargs.pop("client_id", CLI), now, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_new_code_shape(store: DeviceCodeStore) -> None:
    code = issue(store)
    assert len(code.user_code) == 9 and code.user_code.isalnum() and code.user_code.isupper()
    assert not set(code.user_code) & set("01IO")  # no look-alikes
    assert code.device_code.startswith("DAQABIQEAAAD") and code.expires_at == T0 + 900


def test_pending_slow_down_pending(store: DeviceCodeStore) -> None:
    code = issue(store)
    first = heard(store, code, T0)
    assert (first.code, first.error) == (70016, "authorization_pending")
    assert heard(store, code, T0 + 4.9).error == "slow_down"  # within the 5 s interval of the last poll
    assert heard(store, code, T0 + 10).error == "authorization_pending"  # over 5 s after the slow_down poll


def test_expiry_is_exact_and_wins_over_approval(store: DeviceCodeStore) -> None:
    code = issue(store)
    store.decide(code.user_code, T0 + 10, status=APPROVED, user=(TENANT_ID, "a@contoso.com"))
    err = heard(store, code, T0 + 900)  # expires_at itself is expired
    assert (err.code, err.error) == (70020, "expired_token")


def test_pending_code_expires_at_its_lifetime(store: DeviceCodeStore) -> None:
    code = issue(store, lifetime=30)
    assert heard(store, code, T0 + 29.9).error == "authorization_pending"
    assert heard(store, code, T0 + 30).code == 70020


def test_approved_code_redeems_once(store: DeviceCodeStore) -> None:
    code = issue(store)
    store.decide(code.user_code, T0 + 1, status=APPROVED, user=(TENANT_ID, "a@contoso.com"))
    redeemed = store.poll(code.device_code, CLI, T0 + 2, TENANT_ID)
    assert (redeemed.user_tenant_id, redeemed.user_upn) == (TENANT_ID, "a@contoso.com")
    again = heard(store, code, T0 + 3)
    assert (again.code, again.error) == (70018, "bad_verification_code")


def test_declined_and_failed_codes(store: DeviceCodeStore) -> None:
    declined = issue(store)
    store.decide(declined.user_code, T0 + 1, status=DECLINED)
    assert heard(store, declined, T0 + 2).error == "authorization_declined"
    failed = issue(store)
    store.decide(failed.user_code, T0 + 1, status=FAILED, failure=aad.user_disabled())
    assert heard(store, failed, T0 + 2).code == 50057


def test_other_client_or_tenant_does_not_know_the_code(store: DeviceCodeStore) -> None:
    code = issue(store)
    assert heard(store, code, T0, client_id="22222222-0000-0000-0000-000000000000").code == 70018
    assert heard(store, code, T0, tenant_id="33333333-3333-3333-3333-333333333333").code == 70018
    assert heard(store, code, T0, client_id=CLI.upper()).error == "authorization_pending"  # ids ignore case


def test_code_asked_over_common_answers_any_tenant_poll(store: DeviceCodeStore) -> None:
    code = issue(store, tenant_id=None)
    assert heard(store, code, T0, tenant_id=TENANT_ID).error == "authorization_pending"


def test_one_decision_per_code(store: DeviceCodeStore) -> None:
    code = issue(store)
    store.decide(code.user_code, T0 + 1, status=DECLINED)
    with pytest.raises(aad.AadstsError) as caught:
        store.decide(code.user_code, T0 + 2, status=APPROVED, user=(TENANT_ID, "a@contoso.com"))
    assert caught.value.code == 90120


@pytest.mark.parametrize(("typed", "code"), [("", 90119), ("- -", 90119), ("ZZZZ-ZZZZZ", 70018)])
def test_user_code_errors(store: DeviceCodeStore, typed: str, code: int) -> None:
    issue(store)
    with pytest.raises(aad.AadstsError) as caught:
        store.pending(typed, T0)
    assert caught.value.code == code


def test_user_code_typed_loosely(store: DeviceCodeStore) -> None:
    code = issue(store)
    typed = f" {code.user_code[:4].lower()}-{code.user_code[4:].lower()} "
    assert normalize_user_code(typed) == code.user_code
    assert store.pending(typed, T0) is code
    with pytest.raises(aad.AadstsError) as caught:
        store.pending(typed, T0 + 900)
    assert caught.value.code == 70019


def test_finished_codes_are_remembered_for_an_hour_past_expiry(store: DeviceCodeStore) -> None:
    code = issue(store)
    issue(store)  # creating purges, at T0: nothing to purge yet
    store.start_flow(T0 + 900 + 3599, 60, stage="code")  # purges too: still within the hour
    assert heard(store, code, T0 + 900 + 3599).code == 70020
    store.start_flow(T0 + 900 + 3600, 60, stage="code")
    assert heard(store, code, T0 + 900 + 3600).code == 70018  # forgotten


def test_flows_are_single_use_per_stage_and_expire(store: DeviceCodeStore) -> None:
    nonce = store.start_flow(T0, 900, stage="signin", user_code="ABC")
    assert store.take_flow(nonce, "mfa", T0) is None  # another step's form
    flow = store.take_flow(nonce, "signin", T0)
    assert flow is not None and flow.user_code == "ABC"
    assert store.take_flow(nonce, "signin", T0) is None  # spent
    late = store.start_flow(T0, 900, stage="code")
    assert store.take_flow(late, "code", T0 + 900) is None
    assert store.take_flow(None, "code", T0) is None


def test_refresh_tokens_are_opaque_and_distinct() -> None:
    tokens = RefreshTokenStore()
    grant = RefreshGrant(TENANT_ID, CLI, "a@contoso.com", "oid", ScopeRequest((), (), frozenset()), T0)
    first, second = tokens.issue(grant), tokens.issue(grant)
    assert first != second and first.startswith("1.AQ")
    assert tokens.get(first) is grant and tokens.get("1.AQnonsense") is None
