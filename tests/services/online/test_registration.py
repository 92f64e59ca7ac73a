"""``registration`` against the sandbox's Graph as a Global Administrator: the plan says what will happen,
applying it creates the certificate, the tagged app, its service principal and consent; tokens then
carry the roles; a second plan reuses the app; unregistering deletes only what spkit created."""

from __future__ import annotations

import uuid

import pytest

from spkit.errors import CheckError, InputError
from spkit.models.app_ownership import SPKIT_TAG
from spkit.models.cert_store import CertificateStore
from spkit.models.permissions import PRESETS
from spkit.services.online.registration import (
    app_by_client_id,
    apply_registration,
    find_spkit_apps,
    key_thumbprints,
    plan_registration,
    unregister_app,
    wait_for_consent,
)
from tests.helpers import card_app


def test_plan_apply_wait_reuse_and_unregister(admin_graph, admin_session, cloud, tenant, tmp_path):
    name = f"spkit services {uuid.uuid4().hex[:8]}"
    store = CertificateStore(tmp_path / "certs")
    plan = plan_registration(
        admin_graph, tenant_id=tenant["tenant_id"], store=store, display_name=name, preset="read", days=30
    )
    assert (plan.action, plan.existing, plan.certificate_subject) == ("create", None, name)
    assert [r.label for r in plan.roles] == list(PRESETS["read"])
    preview = "\n".join(plan.lines())
    assert preview.startswith(f"Create the application '{name}' in tenant {tenant['tenant_id']}")
    assert all(role.id in preview for role in plan.roles)
    assert not store.root.exists()  # a plan creates nothing

    steps: list[str] = []
    result = apply_registration(plan, admin_graph, store, connection_name="svc", progress=steps.append)
    try:
        assert result.thumbprint in store and result.action == "create"
        assert result.roles == list(PRESETS["read"]) and not result.consent_confirmed
        assert steps[0] == "creating the certificate in the local certificate store"
        assert "granting Graph/Sites.Read.All (admin consent)" in steps
        app = app_by_client_id(admin_graph, result.client_id)
        assert app["id"] == result.object_id and SPKIT_TAG in app["tags"]
        assert key_thumbprints(app) == {result.thumbprint}
        assert "for connection 'svc'" in app["notes"]
        assert [a["appId"] for a in find_spkit_apps(admin_graph, name)] == [result.client_id]

        waited = wait_for_consent(
            result,
            cloud=cloud,
            session=admin_session,
            store=store,
            sharepoint_url=tenant["sharepoint_url"],
            timeout_s=60,
        )
        assert result.consent_confirmed and result.consent_wait_s == waited
        record = result.registration_record()
        assert (record["created_by"], record["consent"], record["client_id"]) == (
            "spkit",
            "in_effect",
            result.client_id,
        )
        assert {p["id"] for p in record["permissions"]} == {r.id for r in plan.roles}

        again = plan_registration(admin_graph, tenant_id=tenant["tenant_id"], store=store, display_name=name)
        assert (again.action, again.reuse_thumbprint) == ("reuse", result.thumbprint)
        assert again.existing["appId"] == result.client_id
        elsewhere = CertificateStore(tmp_path / "another-machine")  # the app's certificate is not here
        with pytest.raises(InputError) as raised:
            plan_registration(admin_graph, tenant_id=tenant["tenant_id"], store=elsewhere, display_name=name)
        assert raised.value.code == "REGISTRATION_EXISTS"
        rotate = plan_registration(
            admin_graph, tenant_id=tenant["tenant_id"], store=elsewhere, display_name=name, rotate=True
        )
        assert rotate.action == "rotate" and rotate.existing["appId"] == result.client_id
    finally:
        gone = unregister_app(admin_graph, result.client_id)
    assert gone is not None and gone["appId"] == result.client_id
    assert app_by_client_id(admin_graph, result.client_id) is None
    assert unregister_app(admin_graph, result.client_id) is None  # nothing left to delete


def test_an_app_spkit_did_not_create_is_not_unregistered(card, admin_graph):
    client_id = card_app(card, "spkit-secret")["client_id"]
    with pytest.raises(InputError) as raised:
        unregister_app(admin_graph, client_id)
    assert raised.value.code == "UNREGISTER_NOT_SPKIT"
    assert app_by_client_id(admin_graph, client_id) is not None  # still there


def test_a_connections_app_that_is_gone_and_bad_validity_are_refused(admin_graph, tenant, tmp_path):
    store = CertificateStore(tmp_path / "certs")
    with pytest.raises(CheckError) as raised:
        plan_registration(
            admin_graph, tenant_id=tenant["tenant_id"], store=store, existing_client_id=str(uuid.uuid4())
        )
    assert raised.value.code == "REGISTRATION_APP_GONE"
    with pytest.raises(InputError) as raised:
        plan_registration(admin_graph, tenant_id=tenant["tenant_id"], store=store, days=0)
    assert raised.value.code == "REGISTRATION_DAYS"


def test_new_always_plans_a_second_app(admin_graph, tenant, tmp_path):
    plan = plan_registration(
        admin_graph,
        tenant_id=tenant["tenant_id"],
        store=CertificateStore(tmp_path),
        display_name="x",
        new=True,
    )
    assert (plan.action, plan.existing) == ("create", None)
