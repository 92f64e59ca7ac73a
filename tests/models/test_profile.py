import json
import textwrap

import pytest
import yaml

from spkit.errors import ProfileError
from spkit.models.certificates import write_pem
from spkit.models.online_profile import (
    CertificateFileCredential,
    CertificateThumbprintCredential,
    ClientSecretCredential,
    OnlineProfile,
)
from spkit.models.profile import load_profile, profile_from_dict, read_profile_mapping
from spkit.models.secrets import SecretRef

CLIENT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
INLINE = "Xy8Q~abcDEF123.ghiJKL456_mnoPQR789-stuVW"


def _base(**changes):
    data = {
        "name": "contoso-prod",
        "kind": "online",
        "sharepoint_url": "https://contoso.sharepoint.com",
        "tenant_id": TENANT_ID,
        "client_id": CLIENT_ID,
        "application_account": "admin@contoso.onmicrosoft.com",
        "client_secret": "env:SPKIT_SECRET",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _write(tmp_path, data, name="profile.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def _reject(tmp_path, data, field):
    """Load ``data`` from a YAML file; the error must name the file and the field and give a fix."""
    path = _write(tmp_path, data)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    err = info.value
    message = str(err)
    assert str(path) in message
    assert "\n" not in message
    assert err.field == field
    if field:
        assert f"'{field}'" in message
    assert err.fix and err.fix in message
    return err


def test_minimal_profile_with_a_client_secret(tmp_path):
    profile = load_profile(_write(tmp_path, _base()))
    assert isinstance(profile, OnlineProfile)
    assert profile.name == "contoso-prod"
    assert profile.kind == "online"
    assert profile.cloud == "global"
    assert profile.cloud_obj.name == "global"
    assert profile.card is None
    assert profile.sharepoint_url == "https://contoso.sharepoint.com"
    assert profile.tenant == "contoso"
    assert profile.admin_url == "https://contoso-admin.sharepoint.com"
    assert profile.credential == ClientSecretCredential(SecretRef("env", "SPKIT_SECRET"))
    assert profile.warnings == []


def test_addresses_are_normalised(tmp_path):
    profile = profile_from_dict(_base(sharepoint_url="  HTTPS://Contoso.SharePoint.com/sites/Fin/ "))
    assert profile.sharepoint_url == "https://contoso.sharepoint.com/sites/Fin"
    assert (
        profile_from_dict(_base(sharepoint_url="contoso")).sharepoint_url == "https://contoso.sharepoint.com"
    )
    custom = profile_from_dict(_base(sharepoint_url="Contoso.com"))
    assert custom.sharepoint_url == "contoso.com"
    assert any("after sign-in" in w for w in custom.warnings)


def test_pasted_guids_are_cleaned():
    profile = profile_from_dict(
        _base(
            client_id=" {3F2504E0-4F89-41D3-9A0C-0305E82C3301}\u200b",
            tenant_id="\ufeff72F988BF86F141AF91AB2D7CD011DB47 ",
        )
    )
    assert profile.client_id == CLIENT_ID
    assert profile.tenant_id == TENANT_ID


def test_tenant_id_may_be_a_domain_or_absent():
    assert (
        profile_from_dict(_base(tenant_id="Contoso.OnMicrosoft.com")).tenant_id == "contoso.onmicrosoft.com"
    )
    assert profile_from_dict(_base(tenant_id=None)).tenant_id is None


def test_cloud_aliases_are_stored_canonically():
    profile = profile_from_dict(_base(cloud="GCC High", sharepoint_url="contoso.onmicrosoft.us"))
    assert profile.cloud == "usgov-high"
    assert profile.sharepoint_url == "https://contoso.sharepoint.us"


def test_germany_loads_with_a_warning():
    profile = profile_from_dict(_base(cloud="germany", sharepoint_url="contoso.onmicrosoft.de"))
    assert any("2021-10-29" in w for w in profile.warnings)


def test_certificate_file_credential(tmp_path, cert):
    write_pem(cert, tmp_path / "app.pem")
    data = _base(client_secret=None, certificate={"path": "app.pem", "password": "env:PEM_PW"})
    profile = load_profile(_write(tmp_path, data))
    assert profile.credential == CertificateFileCredential(
        path=tmp_path / "app.pem", password=SecretRef("env", "PEM_PW")
    )


def test_certificate_with_separate_key(tmp_path, cert):
    (tmp_path / "app.cer").write_bytes(cert.certificate_pem())
    (tmp_path / "app.key").write_bytes(cert.private_key_pem())
    data = _base(client_secret=None, certificate={"path": "app.cer", "key_path": "app.key"})
    profile = load_profile(_write(tmp_path, data))
    assert profile.credential.key_path == tmp_path / "app.key"


def test_certificate_thumbprint_credential():
    data = _base(
        client_secret=None,
        certificate={"thumbprint": "a9:4a:8f:e5:cc:b1:9b:a6:1c:4c:08:73:d3:91:e9:87:98:2f:bb:d3"},
    )
    profile = profile_from_dict(data)
    assert profile.credential == CertificateThumbprintCredential("A94A8FE5CCB19BA61C4C0873D391E987982FBBD3")


def test_sandbox_profile_reads_the_card(tmp_path, card_file):
    data = _base(
        cloud="sandbox",
        sandbox="sandbox.json",
        sharepoint_url="contoso.onmicrosoft.com",
        client_secret="sandbox:contoso/backup",
    )
    profile = load_profile(_write(tmp_path, data))
    assert profile.cloud == "sandbox"
    assert profile.sandbox == card_file
    assert profile.cloud_obj.is_sandbox
    assert profile.card["tenants"][0]["name"] == "contoso"
    assert profile.sharepoint_url == "https://contoso.sharepoint.localhost"
    assert profile.credential.secret.resolve(profile.card) == "s3cret~value"


def test_to_dict_round_trips(tmp_path, card_file, cert):
    write_pem(cert, tmp_path / "app.pem")
    (tmp_path / "ca.pem").write_text("x")
    data = _base(
        cloud="sandbox",
        sandbox="sandbox.json",
        sharepoint_url="https://contoso.sharepoint.localhost/sites/x",
        client_secret=None,
        certificate={"path": "app.pem", "password": "file:pw.txt"},
        ca_bundle="ca.pem",
    )
    profile = load_profile(_write(tmp_path, data))
    plain = profile.to_dict()
    assert plain["certificate"] == {
        "path": str(tmp_path / "app.pem"),
        "password": f"file:{tmp_path / 'pw.txt'}",
    }
    json.dumps(plain)  # plain data only
    again = profile_from_dict(plain, base_dir="/")
    assert again == profile
    assert again.to_dict() == plain


def test_to_dict_never_holds_a_secret_value(monkeypatch):
    monkeypatch.setenv("SPKIT_SECRET", INLINE)
    profile = profile_from_dict(_base())
    assert INLINE not in json.dumps(profile.to_dict())
    assert INLINE not in repr(profile)


def test_profile_is_immutable():
    profile = profile_from_dict(_base())
    with pytest.raises(AttributeError):
        profile.client_id = "x"


# --- every bad-file kind has its own clear message ----------------------------------------------


def test_empty_file(tmp_path):
    err = _reject(tmp_path, "# only a comment\n", "")
    assert err.code == "PROFILE_EMPTY"
    assert "is empty" in str(err)


def test_not_yaml(tmp_path):
    err = _reject(tmp_path, "name: [unclosed\nkind: online\n", "")
    assert "not valid YAML" in str(err)
    assert "line" in str(err)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n"])
def test_not_a_mapping(tmp_path, text):
    err = _reject(tmp_path, text, "")
    assert err.code == "PROFILE_NOT_MAPPING"
    assert "mapping" in str(err)


def test_missing_file(tmp_path):
    with pytest.raises(ProfileError) as info:
        load_profile(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value)
    assert info.value.code == "PROFILE_NOT_FOUND"


def test_duplicate_key(tmp_path):
    text = yaml.safe_dump(_base()) + f"client_id: {CLIENT_ID}\n"
    err = _reject(tmp_path, text, "client_id")
    assert "twice" in str(err)


def test_unknown_key_suggests_the_closest(tmp_path):
    err = _reject(tmp_path, _base(clientid=CLIENT_ID), "clientid")
    assert "(did you mean 'client_id'?)" in str(err)


def test_unknown_key_without_a_close_match_lists_the_keys(tmp_path):
    err = _reject(tmp_path, _base(favourite_food="pizza"), "favourite_food")
    assert "known keys" in str(err)


@pytest.mark.parametrize("field", ["name", "kind", "sharepoint_url", "client_id", "application_account"])
def test_missing_required_field(tmp_path, field):
    err = _reject(tmp_path, _base(**{field: None}), field)
    assert err.code == "PROFILE_MISSING"
    assert "required" in str(err)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("sharepoint_url", ["https://contoso.sharepoint.com"], "not a list"),
        ("client_id", 12345, "not a number"),
        ("name", {"a": 1}, "not a mapping"),
        ("cloud", True, "not true/false"),
    ],
)
def test_wrong_type(tmp_path, field, value, fragment):
    err = _reject(tmp_path, _base(**{field: value}), field)
    assert err.code == "PROFILE_WRONG_TYPE"
    assert fragment in str(err)


def test_inline_secret_is_refused_and_not_echoed(tmp_path):
    err = _reject(tmp_path, _base(client_secret=INLINE), "client_secret")
    assert "looks like an inline secret" in str(err)
    assert "env:NAME" in str(err)
    assert INLINE[:10] not in str(err) and INLINE not in repr(err.diagnosis)


def test_numeric_inline_secret_is_refused_and_not_echoed(tmp_path):
    err = _reject(
        tmp_path,
        "\n".join(f"{k}: {v}" for k, v in _base(client_secret=None).items())
        + "\nclient_secret: 9876543210123\n",
        "client_secret",
    )
    assert "9876543210123" not in str(err)


def test_both_credentials(tmp_path):
    err = _reject(tmp_path, _base(certificate={"thumbprint": "A" * 40}), "credential")
    assert "not both" in str(err)


def test_neither_credential(tmp_path):
    err = _reject(tmp_path, _base(client_secret=None), "credential")
    assert "no credential" in str(err)


@pytest.mark.parametrize(
    "value", ["3f2504e0-4f89-41d3-9a0c-0305e82c330", "not-a-guid", "3f2504e0_4f89_41d3_9a0c_0305e82c3301"]
)
def test_malformed_client_id(tmp_path, value):
    err = _reject(tmp_path, _base(client_id=value), "client_id")
    assert "not a GUID" in str(err)
    assert "Application (client) ID" in err.fix


def test_client_id_of_microsoft_graph_itself(tmp_path):
    err = _reject(tmp_path, _base(client_id="00000003-0000-0000-c000-000000000000"), "client_id")
    assert "Microsoft Graph" in str(err)


@pytest.mark.parametrize(
    ("value", "code", "fix"),
    [  # without a dot it can only be a GUID; with one, a domain
        (
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
            "PROFILE_GUID_INVALID",
            "copy the Directory (tenant) ID from",
        ),
        ("common", "PROFILE_GUID_INVALID", "copy the Directory (tenant) ID from"),
        ("contoso..com", "PROFILE_TENANT_INVALID", "copy the Directory (tenant) ID, or write a domain"),
        ("contoso.c0m", "PROFILE_TENANT_INVALID", "copy the Directory (tenant) ID, or write a domain"),
    ],
)
def test_malformed_tenant_id(tmp_path, value, code, fix):
    err = _reject(tmp_path, _base(tenant_id=value), "tenant_id")
    assert err.code == code
    assert err.fix.startswith(fix)


def test_unknown_cloud(tmp_path):
    err = _reject(tmp_path, _base(cloud="mars"), "cloud")
    assert "mars" in str(err)
    assert "usgov-high" in err.fix


def test_bad_sharepoint_url(tmp_path):
    err = _reject(tmp_path, _base(sharepoint_url="http://contoso.sharepoint.com"), "sharepoint_url")
    assert "https" in str(err)


def test_sharepoint_url_of_another_cloud(tmp_path):
    err = _reject(tmp_path, _base(sharepoint_url="contoso.sharepoint.us"), "sharepoint_url")
    assert "usgov-high" in str(err)


@pytest.mark.parametrize("value", ["admin", "admin@contoso", "ad min@contoso.com", "@contoso.com"])
def test_application_account_not_an_email(tmp_path, value):
    err = _reject(tmp_path, _base(application_account=value), "application_account")
    assert "e-mail" in str(err)


def test_certificate_path_missing(tmp_path):
    err = _reject(tmp_path, _base(client_secret=None, certificate={"path": "gone.pfx"}), "certificate.path")
    assert "does not exist" in str(err)
    assert str(tmp_path / "gone.pfx") in str(err)


def test_certificate_unknown_extension(tmp_path):
    (tmp_path / "app.txt").write_text("x")
    err = _reject(tmp_path, _base(client_secret=None, certificate={"path": "app.txt"}), "certificate.path")
    assert "extension" in str(err)


def test_certificate_mapping_with_unknown_key(tmp_path):
    err = _reject(tmp_path, _base(client_secret=None, certificate={"pth": "app.pem"}), "certificate.pth")
    assert "did you mean 'certificate.path'?" in str(err)


def test_certificate_not_a_mapping(tmp_path):
    err = _reject(tmp_path, _base(client_secret=None, certificate="app.pem"), "certificate")
    assert "mapping" in str(err)


def test_certificate_thumbprint_with_path(tmp_path):
    err = _reject(
        tmp_path,
        _base(client_secret=None, certificate={"thumbprint": "A" * 40, "path": "x.pem"}),
        "certificate",
    )
    assert "cannot be combined" in str(err)


def test_certificate_password_inline(tmp_path, cert):
    write_pem(cert, tmp_path / "app.pem")
    err = _reject(
        tmp_path,
        _base(client_secret=None, certificate={"path": "app.pem", "password": "hunter2"}),
        "certificate.password",
    )
    assert "hunter2" not in str(err)


def test_bad_thumbprint(tmp_path):
    err = _reject(
        tmp_path, _base(client_secret=None, certificate={"thumbprint": "A94A8FE5"}), "certificate.thumbprint"
    )
    assert "40" in str(err)


def test_thumbprint_read_as_a_number(tmp_path):
    text = yaml.safe_dump(_base(client_secret=None)) + "certificate:\n  thumbprint: 1234567890\n"
    err = _reject(tmp_path, text, "certificate.thumbprint")
    assert err.code == "PROFILE_WRONG_TYPE"
    assert err.problem == "must be text, not a number"
    assert err.fix == "write it as text"


def test_sandbox_cloud_without_card(tmp_path):
    err = _reject(tmp_path, _base(cloud="sandbox"), "sandbox")
    assert "required" in str(err)


def test_sandbox_card_file_missing(tmp_path):
    err = _reject(tmp_path, _base(cloud="sandbox", sandbox="missing.json"), "sandbox")
    assert "does not exist" in str(err)


def test_sandbox_card_invalid(tmp_path):
    (tmp_path / "sandbox.json").write_text('{"version": 9}')
    err = _reject(tmp_path, _base(cloud="sandbox", sandbox="sandbox.json"), "sandbox")
    assert "version" in str(err)


def test_sandbox_card_with_another_cloud(tmp_path, card_file):
    err = _reject(tmp_path, _base(sandbox="sandbox.json"), "sandbox")
    assert "cloud: sandbox" in err.fix


def test_ca_bundle_missing(tmp_path):
    err = _reject(tmp_path, _base(ca_bundle="nope.pem"), "ca_bundle")
    assert "does not exist" in str(err)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "PROFILE_MISSING"),  # blank is "is empty", before the name rule
        ("x" * 65, "PROFILE_NAME_INVALID"),
        ("bad/name", "PROFILE_NAME_INVALID"),
        ("tab\tname", "PROFILE_NAME_INVALID"),
    ],
)
def test_bad_name(tmp_path, name, code):
    err = _reject(tmp_path, _base(name=name), "name")
    assert err.code == code


def test_onprem_keys_are_checked_as_onprem_keys(tmp_path):
    err = _reject(
        tmp_path, {"name": "farm", "kind": "onprem", "server_url": "https://sp.contoso.local"}, "server_url"
    )
    assert "sharepoint_url" in str(err)  # the closest on-premises key is suggested


def test_unknown_kind(tmp_path):
    err = _reject(tmp_path, _base(kind="cloud"), "kind")
    assert "online" in str(err)


def test_dict_errors_name_the_given_source():
    with pytest.raises(ProfileError) as info:
        profile_from_dict(_base(client_id="x"), source="wizard")
    assert str(info.value).startswith("wizard: field 'client_id'")


def test_messages_are_one_line_with_the_fix(tmp_path):
    err = _reject(
        tmp_path,
        textwrap.dedent("""\
        name: p
        kind: online
        sharepoint_url: contoso
        client_id: nope
        application_account: a@b.com
        client_secret: env:X
    """),
        "client_id",
    )
    assert "; fix: copy the Application (client) ID" in str(err)


def test_direct_construction_derives_cloud_and_address():
    profile = OnlineProfile(
        name="gov",
        cloud="usgov-dod",
        sharepoint_url="https://army.sharepoint-mil.us",
        client_id=CLIENT_ID,
        application_account="a@army.mil",
        credential=CertificateThumbprintCredential("A" * 40),
    )
    assert profile.cloud_obj.name == "usgov-dod"
    assert profile.admin_url == "https://army-admin.sharepoint-mil.us"
    assert profile_from_dict(profile.to_dict()) == profile


# --- a parameters file's fields read without validating them (what `connections add` edits) -------


def test_read_profile_mapping_returns_the_fields_unvalidated(tmp_path):
    path = _write(tmp_path, _base(clientid="kept as given", client_id="not a guid"))
    assert read_profile_mapping(path) == _base(clientid="kept as given", client_id="not a guid")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("# only a comment\n", "PROFILE_EMPTY"),
        ("- a\n- b\n", "PROFILE_NOT_MAPPING"),
        ("name: [unclosed\n", "PROFILE_FILE_INVALID"),
        ("name: a\nname: b\n", "PROFILE_DUPLICATE_KEY"),
    ],
)
def test_read_profile_mapping_refuses_with_load_profiles_words(tmp_path, text, code):
    path = _write(tmp_path, text)
    with pytest.raises(ProfileError) as mapping_error:
        read_profile_mapping(path)
    with pytest.raises(ProfileError) as profile_error:
        load_profile(path)
    assert mapping_error.value.code == code
    assert str(mapping_error.value) == str(profile_error.value)


def test_read_profile_mapping_of_a_file_that_cannot_be_read(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    for path, code, problem in [
        (tmp_path / "nope.yaml", "PROFILE_NOT_FOUND", "file not found"),
        (tmp_path, "PROFILE_FILE_INVALID", "is a directory, not a file"),
        (tmp_path / "latin1.yaml", "PROFILE_FILE_INVALID", "is not UTF-8 text"),
    ]:
        with pytest.raises(ProfileError) as info:
            read_profile_mapping(path)
        assert (info.value.code, info.value.problem) == (code, problem)
        assert str(info.value).startswith(f"{path}: {problem}; fix: ")
