"""The client's permission list against the sandbox's catalog, directly: the two are written apart on
purpose (the sandbox never imports the client), so each must name Microsoft's permissions alike — the
same GUID, value and type (an application permission, ``appRoles``, not a delegated scope) on the same
resource. A registration against the sandbox would otherwise pass with an id Entra does not know."""

from __future__ import annotations

import pytest

from spkit.models.permissions import (
    APP_ROLES,
    PRESETS,
    RESOURCE_APP_IDS,
    RESOURCE_NAMES,
    ROLE_TEMPLATE_IDS,
    preset_roles,
    required_resource_access,
)
from spkit.sandbox.graph import catalog
from spkit.services.online.admin_signin import ADMIN_SCOPES

PRESET_PERMISSIONS = [(preset, label) for preset, labels in PRESETS.items() for label in labels]


def catalog_resource(resource_key: str) -> catalog.ResourceApp:
    found = catalog.resource_by_key(resource_key)
    assert found is not None, f"the sandbox's catalog has no resource {resource_key}"
    return found


@pytest.mark.parametrize(
    ("preset", "label"), PRESET_PERMISSIONS, ids=[f"{p}:{lbl}" for p, lbl in PRESET_PERMISSIONS]
)
def test_every_preset_permission_is_in_the_catalog_with_the_same_id_value_and_type(preset, label):
    role = APP_ROLES[label]
    resource = catalog_resource(role.resource)
    assert resource.app_id == role.resource_app_id
    listed = resource.role_by_id(role.id)
    assert listed is not None, (
        f"{label} ({role.id}) is not an application permission of {resource.display_name}"
    )
    assert (listed.id, listed.value) == (role.id, role.name)
    assert listed.resource()["allowedMemberTypes"] == ["Application"]
    assert resource.role_by_value(role.name) == listed  # the value names this id, not another one
    assert role.id not in {scope.id for scope in resource.scopes}  # not a delegated permission's id


def test_every_permission_the_client_knows_is_in_the_catalog():
    """Beyond the presets: the registration record names any of APP_ROLES by GUID."""
    for label, role in APP_ROLES.items():
        listed = catalog_resource(role.resource).role_by_id(role.id)
        assert listed is not None and listed.value == role.name, label


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_declared_resource_access_is_of_app_roles_of_the_right_resources(preset):
    """What POST /applications carries (``requiredResourceAccess``): type Role, each id an app role of
    the resource it is declared under."""
    declared = required_resource_access(preset_roles(preset))
    assert {entry["resourceAppId"] for entry in declared} <= {r.app_id for r in catalog.RESOURCES}
    count = 0
    for entry in declared:
        resource = catalog.resource_by_app_id(entry["resourceAppId"])
        assert resource is not None
        for access in entry["resourceAccess"]:
            assert access["type"] == "Role"
            assert resource.role_by_id(access["id"]) is not None, (resource.key, access["id"])
            count += 1
    assert count == len(PRESETS[preset])


def test_resources_have_the_same_app_ids_and_names():
    for key, app_id in RESOURCE_APP_IDS.items():
        resource = catalog_resource(key)
        assert resource.app_id == app_id
        assert resource.display_name == RESOURCE_NAMES[key]


def test_directory_roles_have_the_same_template_ids():
    for name, template_id in ROLE_TEMPLATE_IDS.items():
        template = catalog.role_template(name)
        assert template is not None, name
        assert (template.template_id, template.display_name) == (template_id, name)


def test_the_admin_sign_in_scopes_are_delegated_graph_permissions():
    for value in ADMIN_SCOPES:
        assert catalog.GRAPH.scope_by_value(value) is not None, value
