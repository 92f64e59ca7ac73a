"""``onprem.rest`` against the sandbox's farm: REST answers read as SharePoint's (its version header), the
portal told from Central Administration, and each refusal by status: no access, nothing there."""

from __future__ import annotations

import pytest

from spkit.errors import AuthorizationError, ServiceError
from spkit.services.onprem.ntlm_session import session_for_onprem
from spkit.services.onprem.rest import (
    alternate_access_mapping_error,
    farm_version,
    get_json,
    not_central_admin_error,
)


def test_the_portals_web_is_sharepoint_at_its_own_address_and_not_central_admin(farm_profile, farm):
    profile = farm_profile("spfarm")
    with session_for_onprem(profile) as session:
        web, answer = get_json(session, f"{farm['url']}/_api/web", "reading the web", profile.account.text)
    assert web["Url"] == farm["url"] and web["Title"]
    assert farm_version(answer) == farm["team_services_version"]
    assert alternate_access_mapping_error(farm["url"], web, answer) is None
    portal = not_central_admin_error(farm["url"], web, answer)
    assert portal is not None and portal.code == "ONPREM_NOT_CENTRAL_ADMIN"
    assert f"WebTemplate={web['WebTemplate']}" in portal.evidence


def test_central_administration_is_recognised_on_its_port(farm_profile, farm):
    profile = farm_profile("spfarm")
    with session_for_onprem(profile) as session:
        web, answer = get_json(
            session, f"{farm['central_admin_url']}/_api/web", "Central Administration", "spfarm"
        )
    assert web["WebTemplate"].startswith("CENTRALADMIN")
    assert not_central_admin_error(farm["central_admin_url"], web, answer) is None


def test_a_site_the_account_may_not_read_is_onprem_access_denied(farm_profile, farm):
    profile = farm_profile("reader")
    admin_only = next(u for u in farm["users"] if u["sam_account_name"] == "spfarm")["admin_site_urls"]
    readable = next(u for u in farm["users"] if u["sam_account_name"] == "reader")["readable_site_urls"]
    closed = next(url for url in admin_only if url not in readable)
    with session_for_onprem(profile) as session, pytest.raises(AuthorizationError) as raised:
        get_json(session, f"{closed}/_api/web", "opening the site", profile.account.text)
    assert raised.value.code == "ONPREM_ACCESS_DENIED"
    assert (
        raised.value.summary == f"opening the site: reader@fabrikam.local has no access to {closed}/_api/web"
    )


def test_nothing_at_the_address_is_onprem_not_found(farm_profile, farm):
    profile = farm_profile("spfarm")
    missing = f"{farm['url']}/sites/no-such-site/_api/web"
    with session_for_onprem(profile) as session, pytest.raises(ServiceError) as raised:
        get_json(session, missing, "opening the site", profile.account.text)
    assert raised.value.code == "ONPREM_NOT_FOUND" and missing in raised.value.summary
