"""The field rules both kinds of profile stand on, called directly: the builder's reads, the key check,
the name rule, the sandbox card, and the one-line error every face shows."""

from __future__ import annotations

import pytest

from spkit.errors import ProfileError, SandboxError
from spkit.models.profile_fields import FieldBuilder, ProfileFieldError, parse_profile_name, type_name
from spkit.models.secrets import SecretRef

SOURCE = "params.yaml"
PASTED = "Xy8Q~abcDEF123.ghiJKL456_mnoPQR789-stuVW"


def builder(data: dict, tmp_path) -> FieldBuilder:
    return FieldBuilder.for_mapping(data, source=SOURCE, base_dir=tmp_path)


def refused(call) -> ProfileFieldError:
    with pytest.raises(ProfileFieldError) as info:
        call()
    return info.value


def test_the_error_is_one_line_with_source_field_problem_and_fix():
    err = ProfileFieldError("client_id", "is not a GUID", source=SOURCE, fix="copy it again", code="X_CODE")
    assert str(err) == "params.yaml: field 'client_id': is not a GUID; fix: copy it again"
    assert err.summary == "params.yaml: field 'client_id': is not a GUID"
    assert (err.field, err.problem, err.code, err.source) == ("client_id", "is not a GUID", "X_CODE", SOURCE)
    assert isinstance(err, ProfileError)
    assert str(ProfileFieldError("", "is empty", source="", fix="")) == "is empty"
    assert str(ProfileFieldError("", "is empty", source=SOURCE, fix="write it")) == (
        "params.yaml: is empty; fix: write it"
    )


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "empty"),
        (True, "true/false"),
        (3, "a number"),
        (2.5, "a number"),
        ([], "a list"),
        ({}, "a mapping"),
    ],
)
def test_type_names_say_what_yaml_made_of_a_value(value, name):
    assert type_name(value) == name


def test_a_builder_needs_a_mapping_with_fields(tmp_path):
    for empty in (None, {}):
        err = refused(lambda empty=empty: builder(empty, tmp_path))
        assert (err.code, err.field, err.problem) == ("PROFILE_EMPTY", "", "is empty")
    err = refused(lambda: builder(["name: x"], tmp_path))
    assert err.code == "PROFILE_NOT_MAPPING"
    assert err.problem == "must be a mapping of field: value, not a list"
    assert builder({"name": "x"}, tmp_path).data == {"name": "x"}


def test_text_is_stripped_and_only_text_is_taken(tmp_path):
    b = builder({"name": "  p  ", "port": 2016, "blank": "  ", "nested": {"path": 7}}, tmp_path)
    assert b.text("name") == "p"
    assert b.text("absent") is None
    err = refused(lambda: b.text("port"))
    assert (err.code, err.field, err.problem) == ("PROFILE_WRONG_TYPE", "port", "must be text, not a number")
    assert err.fix == "write it as text (quote it if YAML reads it as a number)"
    assert refused(lambda: b.text("port", secret=True)).fix == "write it as text"
    err = refused(lambda: b.text("blank"))
    assert (err.code, err.problem) == ("PROFILE_MISSING", "is empty")
    err = refused(lambda: b.text("path", mapping=b.data["nested"], label="nested.path"))
    assert err.field == "nested.path"


def test_required_names_the_key_to_add(tmp_path):
    b = builder({"kind": "online"}, tmp_path)
    assert b.required("kind") == "online"
    err = refused(lambda: b.required("name"))
    assert (err.code, err.problem, err.fix) == ("PROFILE_MISSING", "is required but missing", "add name: ...")


def test_unknown_keys_are_refused_with_the_closest_known_one(tmp_path):
    known = ("name", "kind", "client_id")
    err = refused(lambda: builder({"name": "p", "clientid": "x"}, tmp_path).check_keys(known))
    assert (err.code, err.field) == ("PROFILE_UNKNOWN_KEY", "clientid")
    assert err.problem == "is not a known key (did you mean 'client_id'?)"
    assert err.fix == "rename it to 'client_id'"
    err = refused(lambda: builder({"favourite_food": "pizza"}, tmp_path).check_keys(known))
    assert err.problem == "is not a known key (known keys: name, kind, client_id)"
    assert err.fix == "remove it, or fix its spelling"
    err = refused(lambda: builder({1: "x"}, tmp_path).check_keys(known))
    assert (err.field, err.problem) == ("1", "keys must be text")
    b = builder({"certificate": {"pth": "a.pem"}}, tmp_path)
    err = refused(lambda: b.check_keys(("path",), mapping=b.data["certificate"], prefix="certificate."))
    assert (err.field, err.fix) == ("certificate.pth", "rename it to 'certificate.path'")
    builder({"name": "p", "kind": "online"}, tmp_path).check_keys(known)  # all known: no error


@pytest.mark.parametrize("name", ["contoso-prod", "Farm 2016", "a.b_c", "x" * 64])
def test_names_that_are_accepted(name):
    assert parse_profile_name(f"  {name} ") == name


@pytest.mark.parametrize("name", ["", "x" * 65, "bad/name", "tab\tname", "naïve"])
def test_names_that_are_refused_with_an_example(name):
    err = refused(lambda: parse_profile_name(name, source=SOURCE, example="fabrikam-farm"))
    assert (err.code, err.field) == ("PROFILE_NAME_INVALID", "name")
    assert err.fix == "rename it, e.g. fabrikam-farm"


def test_the_name_field_is_required_then_checked(tmp_path):
    assert builder({"name": " farm "}, tmp_path).name(example="e") == "farm"
    assert refused(lambda: builder({"kind": "onprem"}, tmp_path).name(example="e")).code == "PROFILE_MISSING"
    assert (
        refused(lambda: builder({"name": "a/b"}, tmp_path).name(example="e")).code == "PROFILE_NAME_INVALID"
    )


def test_paths_are_existing_files_relative_to_the_profile(tmp_path):
    (tmp_path / "ca.pem").write_text("x")
    (tmp_path / "certs").mkdir()
    b = builder({"x": 1}, tmp_path)
    assert b.path("ca_bundle", "ca.pem", what="CA bundle") == tmp_path / "ca.pem"
    assert b.path("ca_bundle", str(tmp_path / "ca.pem"), what="CA bundle") == tmp_path / "ca.pem"
    err = refused(lambda: b.path("ca_bundle", "gone.pem", what="CA bundle"))
    assert (err.code, err.problem) == (
        "PROFILE_FILE_MISSING",
        f"CA bundle {tmp_path / 'gone.pem'} does not exist",
    )
    assert err.fix == f"check the path (relative paths start at {tmp_path})"
    assert (
        refused(lambda: b.path("ca_bundle", "certs", what="CA bundle")).problem
        == "is a directory, not a file"
    )


def test_secret_references_are_parsed_without_echoing_a_pasted_value(tmp_path):
    b = builder({"x": 1}, tmp_path)
    assert b.secret_ref("client_secret", "env:SPKIT_SECRET") == SecretRef("env", "SPKIT_SECRET")
    assert b.secret_ref("admin_password", "file:pw.txt") == SecretRef("file", str(tmp_path / "pw.txt"))
    err = refused(lambda: b.secret_ref("client_secret", PASTED))
    assert (err.code, err.field, err.source) == ("SECRET_INLINE", "client_secret", SOURCE)
    assert PASTED[:8] not in str(err) + err.fix
    err = refused(lambda: b.secret_ref("client_secret", 9876543210123))
    assert err.code == "PROFILE_WRONG_TYPE"
    assert "9876543210123" not in str(err) and "not a number" in err.problem


def test_the_sandbox_card_is_read_relative_to_the_profile(tmp_path, card_file):
    path, card = builder({"x": 1}, tmp_path).sandbox_card("sandbox.json")
    assert path == card_file
    assert card["tenants"][0]["name"] == "contoso"
    err = refused(lambda: builder({"x": 1}, tmp_path).sandbox_card("other.json"))
    assert (err.field, err.code) == ("sandbox", "CARD_NOT_FOUND")
    (tmp_path / "stopped").mkdir()
    with pytest.raises(SandboxError) as info:  # not a bad field: the sandbox is stopped (exit 1)
        builder({"x": 1}, tmp_path).sandbox_card("stopped/sandbox.json")
    assert info.value.code == "SANDBOX_NOT_RUNNING"
