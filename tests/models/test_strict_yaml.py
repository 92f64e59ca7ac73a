"""The strict YAML reader of parameters files, called directly: a key given twice is refused with its
line, at any depth; bad syntax names the line; everything else reads as PyYAML's safe loader reads it."""

from __future__ import annotations

import pytest
import yaml

from spkit.models.profile_fields import ProfileFieldError
from spkit.models.strict_yaml import DuplicateKeyError, StrictLoader, load_yaml_text


def refused(text: str) -> ProfileFieldError:
    with pytest.raises(ProfileFieldError) as info:
        load_yaml_text(text, "params.yaml")
    return info.value


def test_it_reads_what_the_safe_loader_reads():
    text = "name: p\nkind: online\ncertificate:\n  path: app.pem\nport: 2016\nlist: [a, b]\n"
    assert load_yaml_text(text, "params.yaml") == yaml.safe_load(text)
    assert load_yaml_text("", "params.yaml") is None
    assert load_yaml_text("- a\n- b\n", "params.yaml") == ["a", "b"]  # the profile refuses it, not YAML


def test_a_key_given_twice_is_refused_with_the_line_it_comes_again():
    err = refused("name: p\nkind: online\nname: q\n")
    assert (err.code, err.field, err.source) == ("PROFILE_DUPLICATE_KEY", "name", "params.yaml")
    assert err.problem == "is given twice (again on line 3)"
    assert err.fix == "keep one of the two"
    assert str(err) == "params.yaml: field 'name': is given twice (again on line 3); fix: keep one of the two"


def test_a_key_given_twice_inside_a_nested_mapping_is_refused_too():
    err = refused("name: p\ncertificate:\n  path: a.pem\n  path: b.pem\n")
    assert (err.code, err.field, err.problem) == (
        "PROFILE_DUPLICATE_KEY",
        "path",
        "is given twice (again on line 4)",
    )


def test_the_loader_itself_raises_the_duplicate_for_other_readers():
    with pytest.raises(DuplicateKeyError) as info:
        yaml.load("a: 1\nb: 2\na: 3\n", Loader=StrictLoader)
    assert (info.value.key, info.value.line) == ("a", 3)
    assert issubclass(StrictLoader, yaml.SafeLoader)
    with pytest.raises(yaml.constructor.ConstructorError):  # still safe: no Python objects
        yaml.load("x: !!python/object/apply:os.getcwd []\n", Loader=StrictLoader)


def test_bad_syntax_names_the_line():
    err = refused("name: [unclosed\nkind: online\n")
    assert (err.code, err.field) == ("PROFILE_FILE_INVALID", "")
    assert err.problem.startswith("is not valid YAML (line ")
    assert err.fix == "fix the YAML syntax (indentation, colons, quotes)"


def test_an_unhashable_key_is_bad_yaml_not_a_crash():
    err = refused("? [a, b]\n: 1\n")
    assert err.code == "PROFILE_FILE_INVALID"
    assert "unhashable" in err.problem
