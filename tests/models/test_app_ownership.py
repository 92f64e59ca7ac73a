"""The one rule for "this app registration is spkit's", read from both of its marks: the tag on the
Graph application and ``created_by`` in the record a saved connection keeps — each exactly what
``registration`` writes, and nothing else counts."""

from __future__ import annotations

from datetime import UTC, datetime

from spkit.models.app_ownership import SPKIT_TAG, is_spkit_app, was_created_by_spkit
from spkit.services.online.registration import RegistrationResult


def test_the_record_a_registration_writes_is_spkit_s_and_no_other_is():
    result = RegistrationResult(
        client_id="11111111-1111-1111-1111-111111111111",
        object_id="22222222-2222-2222-2222-222222222222",
        tenant_id="33333333-3333-3333-3333-333333333333",
        thumbprint="AB" * 20,
        display_name="spkit SharePoint",
        action="create",
        certificate_expires=datetime(2030, 1, 1, tzinfo=UTC),
    )
    record = result.registration_record()
    assert was_created_by_spkit(record)
    assert not was_created_by_spkit({**record, "created_by": "admin"})
    assert not was_created_by_spkit({k: v for k, v in record.items() if k != "created_by"})
    assert not was_created_by_spkit({}) and not was_created_by_spkit(None)


def test_an_application_is_spkit_s_by_its_tag_only():
    assert is_spkit_app({"displayName": "anything", "tags": ["other", SPKIT_TAG]})
    assert not is_spkit_app({"displayName": "spkit SharePoint", "notes": "Created by spkit", "tags": []})
    assert not is_spkit_app({"displayName": "spkit SharePoint", "tags": None})
    assert not is_spkit_app({"displayName": "spkit SharePoint"})
