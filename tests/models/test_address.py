import pytest

from spkit.errors import AddressError
from spkit.models.address import (
    KIND_ADMIN_URL,
    KIND_CUSTOM_DOMAIN,
    KIND_INITIAL_DOMAIN,
    KIND_ONEDRIVE_URL,
    KIND_SHAREPOINT_URL,
    KIND_TENANT_NAME,
    SharePointAddress,
    parse_sharepoint_address,
    tenant_from_initial_domain,
)
from spkit.models.clouds import get_cloud, sandbox_cloud

GLOBAL = get_cloud("global")


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("contoso", KIND_TENANT_NAME),
        ("  CONTOSO \n", KIND_TENANT_NAME),
        ("contoso.onmicrosoft.com", KIND_INITIAL_DOMAIN),
        ("Contoso.OnMicrosoft.com.", KIND_INITIAL_DOMAIN),
        ("https://contoso.sharepoint.com", KIND_SHAREPOINT_URL),
        ("HTTPS://CONTOSO.SHAREPOINT.COM///", KIND_SHAREPOINT_URL),
        ("contoso.sharepoint.com", KIND_SHAREPOINT_URL),
        ("contoso-admin.sharepoint.com", KIND_ADMIN_URL),
        ("https://contoso-admin.sharepoint.com/_layouts/15/online/AdminHome.aspx", KIND_ADMIN_URL),
        ("https://contoso-my.sharepoint.com/personal/ann_contoso_com/Documents", KIND_ONEDRIVE_URL),
        ("\u200bcontoso.sharepoint.com\ufeff", KIND_SHAREPOINT_URL),
    ],
)
def test_everything_people_type_names_the_same_tenant(typed, kind):
    address = parse_sharepoint_address(typed, GLOBAL)
    assert address.tenant == "contoso"
    assert address.sharepoint_url == "https://contoso.sharepoint.com"
    assert address.admin_url == "https://contoso-admin.sharepoint.com"
    assert address.onedrive_url == "https://contoso-my.sharepoint.com"
    assert address.source_kind == kind
    assert address.needs_confirmation is False


def test_site_url_is_the_site_collection_without_trailing_slash():
    address = parse_sharepoint_address("https://contoso.sharepoint.com/sites/Finance/", GLOBAL)
    assert address.site_url == "https://contoso.sharepoint.com/sites/Finance"
    deep = parse_sharepoint_address(
        "https://contoso.sharepoint.com/Teams/x/Shared%20Documents/Forms/AllItems.aspx?id=1#top", GLOBAL
    )
    assert deep.site_url == "https://contoso.sharepoint.com/teams/x"


def test_root_site_and_admin_urls_have_no_site_url():
    assert parse_sharepoint_address("https://contoso.sharepoint.com/SitePages/Home.aspx").site_url is None
    assert parse_sharepoint_address("https://contoso-admin.sharepoint.com/sites/x").site_url is None


def test_onedrive_url_keeps_the_personal_site():
    address = parse_sharepoint_address("https://contoso-my.sharepoint.com/personal/ann_contoso_com/Documents")
    assert address.site_url == "https://contoso-my.sharepoint.com/personal/ann_contoso_com"


def test_initial_domain_is_the_domain_hint():
    address = parse_sharepoint_address("contoso.onmicrosoft.com", GLOBAL)
    assert address.domain_hint == "contoso.onmicrosoft.com"
    assert address.normalised == "https://contoso.sharepoint.com"


def test_custom_domain_is_a_guess_that_needs_confirmation():
    address = parse_sharepoint_address("Contoso.com", GLOBAL)
    assert address.tenant == "contoso"
    assert address.needs_confirmation is True
    assert address.source_kind == KIND_CUSTOM_DOMAIN
    assert address.domain_hint == "contoso.com"
    assert "after sign-in" in address.note
    assert address.normalised == "contoso.com"


def test_custom_domain_guess_skips_www_and_hyphens():
    address = parse_sharepoint_address("www.fabrikam-corp.co.uk", GLOBAL)
    assert address.tenant == "fabrikamcorp"
    assert address.needs_confirmation


@pytest.mark.parametrize(
    ("cloud", "typed", "sharepoint_url"),
    [
        ("usgov-high", "contoso.onmicrosoft.us", "https://contoso.sharepoint.us"),
        ("usgov-dod", "contoso.onmicrosoft.us", "https://contoso.sharepoint-mil.us"),
        ("usgov-dod", "https://contoso.sharepoint-mil.us/sites/x", "https://contoso.sharepoint-mil.us"),
        ("china", "contoso.partner.onmschina.cn", "https://contoso.sharepoint.cn"),
        ("germany", "contoso.onmicrosoft.de", "https://contoso.sharepoint.de"),
        ("usgov-high", "contoso.onmicrosoft.com", "https://contoso.sharepoint.us"),
        ("china", "contoso.onmicrosoft.com", "https://contoso.sharepoint.cn"),
    ],
)
def test_national_cloud_domains(cloud, typed, sharepoint_url):
    address = parse_sharepoint_address(typed, get_cloud(cloud))
    assert address.tenant == "contoso"
    assert address.sharepoint_url == sharepoint_url
    assert address.needs_confirmation is False


def test_a_moved_german_tenant_is_accepted_in_global_but_needs_confirmation():
    address = parse_sharepoint_address("contoso.onmicrosoft.de", GLOBAL)
    assert address.sharepoint_url == "https://contoso.sharepoint.com"
    assert address.needs_confirmation
    assert "Deutschland" in address.note


def test_sandbox_addresses(card):
    cloud = sandbox_cloud(card)
    address = parse_sharepoint_address("https://contoso.sharepoint.localhost/sites/x", cloud)
    assert address.sharepoint_url == "https://contoso.sharepoint.localhost"
    assert address.admin_url == "https://contoso-admin.sharepoint.localhost"
    assert address.site_url == "https://contoso.sharepoint.localhost/sites/x"
    assert parse_sharepoint_address("contoso.onmicrosoft.com", cloud).tenant == "contoso"


def test_parsed_address_is_frozen():
    address = parse_sharepoint_address("contoso")
    assert isinstance(address, SharePointAddress)
    with pytest.raises(AttributeError):
        address.tenant = "x"


def _error(typed, cloud=GLOBAL):
    with pytest.raises(AddressError) as info:
        parse_sharepoint_address(typed, cloud)
    assert info.value.fix, "every address error says how to fix it"
    return info.value


@pytest.mark.parametrize("typed", ["", "   ", "\u200b"])
def test_empty(typed):
    assert _error(typed).code == "ADDRESS_EMPTY"


def test_http_is_refused_for_online():
    err = _error("http://contoso.sharepoint.com")
    assert err.code == "ADDRESS_NOT_HTTPS"
    assert "https://" in err.fix


def test_other_scheme():
    assert "ftp://" in str(_error("ftp://contoso.sharepoint.com"))


@pytest.mark.parametrize(
    ("typed", "cloud", "owner"),
    [
        ("contoso.sharepoint.us", "global", "usgov-high"),
        ("https://contoso.sharepoint-mil.us", "usgov-high", "usgov-dod"),
        ("contoso.sharepoint.cn", "global", "china"),
        ("contoso.sharepoint.com", "china", "global"),
    ],
)
def test_a_sharepoint_host_of_another_cloud_names_that_cloud(typed, cloud, owner):
    err = _error(typed, get_cloud(cloud))
    assert err.code == "ADDRESS_WRONG_CLOUD"
    assert f"'{owner}'" in str(err)


def test_a_german_sharepoint_host_points_to_the_global_cloud():
    err = _error("contoso.sharepoint.de")
    assert "2021-10-29" in err.fix
    assert "global" in err.fix


def test_a_global_host_in_the_sandbox_cloud(card):
    assert "'global'" in str(_error("contoso.sharepoint.com", sandbox_cloud(card)))


def test_a_sandbox_host_in_a_real_cloud():
    err = _error("https://contoso.sharepoint.localhost")
    assert err.code == "ADDRESS_WRONG_CLOUD"
    assert "sandbox" in err.fix


def test_an_initial_domain_of_another_cloud():
    err = _error("contoso.onmicrosoft.us")
    assert "usgov-high" in str(err) and "usgov-dod" in str(err)
    assert "'china'" in str(_error("contoso.partner.onmschina.cn"))


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("con_toso", "letters and digits"),
        ("contoso-test", "hyphen"),
        ("contoso-test.onmicrosoft.com", "hyphen"),
        ("a" * 28, "27"),
        ("https://con_toso.sharepoint.com", "not a valid host name"),
    ],
)
def test_invalid_tenant_names(typed, fragment):
    assert fragment in str(_error(typed))


def test_longest_tenant_name_is_accepted():
    assert parse_sharepoint_address("a" * 27).tenant == "a" * 27


@pytest.mark.parametrize("typed", ["10.0.0.1", "https://192.168.1.20/sites/x", "https://[::1]/"])
def test_ip_addresses(typed):
    assert _error(typed).code == "ADDRESS_IP"


@pytest.mark.parametrize(
    "typed", ["contoso.sharepoint.com:443", "https://contoso.sharepoint.com:8443/sites/x"]
)
def test_ports(typed):
    assert _error(typed).code == "ADDRESS_PORT"


@pytest.mark.parametrize(
    "typed", ["https://www.google.com/search", "https://contoso.com", "contoso.com/sites/x"]
)
def test_urls_that_are_not_sharepoint(typed):
    assert _error(typed).code == "ADDRESS_NOT_SHAREPOINT"


@pytest.mark.parametrize("typed", ["contoso sharepoint", "https://contoso.sharepoint.com/sites/my site"])
def test_spaces_inside(typed):
    assert "spaces" in str(_error(typed))


def test_an_email_is_not_an_address():
    assert "application_account" in _error("admin@contoso.com").fix


def test_nested_host_under_the_suffix():
    assert _error("www.contoso.sharepoint.com").code == "ADDRESS_NOT_SHAREPOINT"


def test_subdomain_of_an_initial_domain():
    assert "sub-domain" in str(_error("x.contoso.onmicrosoft.com"))


def test_non_text_input():
    with pytest.raises(AddressError):
        parse_sharepoint_address(None, GLOBAL)


@pytest.mark.parametrize(
    ("domain", "tenant"),
    [
        ("contoso.onmicrosoft.com", "contoso"),
        (" Contoso.OnMicrosoft.com ", "contoso"),
        ("contoso.onmicrosoft.us", "contoso"),
        ("contoso.partner.onmschina.cn", "contoso"),
        ("contoso.onmicrosoft.de", "contoso"),
    ],
)
def test_tenant_from_initial_domain(domain, tenant):
    assert tenant_from_initial_domain(domain) == tenant


@pytest.mark.parametrize(
    "domain", ["contoso.com", "x.contoso.onmicrosoft.com", "onmicrosoft.com", "a-b.onmicrosoft.com"]
)
def test_tenant_from_initial_domain_refuses_other_domains(domain):
    with pytest.raises(AddressError):
        tenant_from_initial_domain(domain)
