import os
import pickle
import subprocess
import sys
import types
import warnings

import pytest

from spkit.errors import InputError, ProfileError, SecretReferenceError
from spkit.models.secrets import Secret, SecretFileWarning, SecretRef, parse_secret_ref

PASTED = "Xy8Q~abcDEF123.ghiJKL456_mnoPQR789-stuVWX"


def test_env_reference_resolves(monkeypatch, tmp_path):
    monkeypatch.setenv("SPKIT_SECRET", "value-1")
    ref = parse_secret_ref("env:SPKIT_SECRET", field="client_secret", base_dir=tmp_path)
    assert ref == SecretRef("env", "SPKIT_SECRET")
    assert ref.resolve() == "value-1"


def test_missing_env_variable_names_the_reference(monkeypatch):
    monkeypatch.delenv("SPKIT_NOT_SET", raising=False)
    with pytest.raises(SecretReferenceError) as info:
        parse_secret_ref("env:SPKIT_NOT_SET", field="f").resolve()
    assert "environment variable SPKIT_NOT_SET is not set" in str(info.value)


def test_empty_env_variable(monkeypatch):
    monkeypatch.setenv("SPKIT_EMPTY", "")
    with pytest.raises(SecretReferenceError, match="empty"):
        parse_secret_ref("env:SPKIT_EMPTY", field="f").resolve()


def test_scheme_is_case_insensitive(monkeypatch):
    monkeypatch.setenv("X1", "v")
    assert parse_secret_ref(" ENV:X1 ", field="f").resolve() == "v"


def test_file_reference_is_relative_to_base_dir_and_strips_one_newline(tmp_path):
    secret = tmp_path / "app.secret"
    secret.write_text("line\n\n")
    secret.chmod(0o600)
    ref = parse_secret_ref("file:app.secret", field="client_secret", base_dir=tmp_path)
    assert ref.path == secret
    assert ref.resolve() == "line\n"


def test_file_reference_strips_a_windows_newline(tmp_path):
    secret = tmp_path / "s"
    secret.write_bytes(b"abc\r\n")
    secret.chmod(0o600)
    assert parse_secret_ref(f"file:{secret}", field="f").resolve() == "abc"


def test_file_reference_expands_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    ref = parse_secret_ref("file:~/s.txt", field="f", base_dir="/elsewhere")
    assert ref.path == tmp_path / "s.txt"


def test_missing_secret_file(tmp_path):
    ref = parse_secret_ref("file:nope.txt", field="f", base_dir=tmp_path)
    with pytest.raises(SecretReferenceError) as info:
        ref.resolve()
    assert str(tmp_path / "nope.txt") in str(info.value)
    assert "does not exist" in str(info.value)


def test_empty_secret_file(tmp_path):
    (tmp_path / "s").write_text("\n")
    (tmp_path / "s").chmod(0o600)
    with pytest.raises(SecretReferenceError, match="empty"):
        parse_secret_ref("file:s", field="f", base_dir=tmp_path).resolve()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_secret_file_readable_by_others_warns(tmp_path):
    secret = tmp_path / "s"
    secret.write_text("v")
    secret.chmod(0o644)
    with pytest.warns(SecretFileWarning, match="chmod 600"):
        assert parse_secret_ref("file:s", field="f", base_dir=tmp_path).resolve() == "v"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_private_secret_file_does_not_warn(tmp_path):
    secret = tmp_path / "s"
    secret.write_text("v")
    secret.chmod(0o600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_secret_ref("file:s", field="f", base_dir=tmp_path).resolve() == "v"


def test_keyring_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes "import keyring" fail
    ref = parse_secret_ref("keyring:spkit/contoso", field="f")
    with pytest.raises(SecretReferenceError) as info:
        ref.resolve()
    assert "pip install keyring" in info.value.fix


def test_keyring_reference_uses_the_keyring_package(monkeypatch):
    calls = []

    def get_password(service, key):
        calls.append((service, key))
        return "from-keyring" if key == "contoso" else None

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=get_password))
    assert parse_secret_ref("keyring:spkit/contoso", field="f").resolve() == "from-keyring"
    assert calls == [("spkit", "contoso")]
    with pytest.raises(SecretReferenceError, match="no keyring entry"):
        parse_secret_ref("keyring:spkit/other", field="f").resolve()


def test_sandbox_reference_to_an_app_gives_its_client_secret(card):
    assert parse_secret_ref("sandbox:contoso/backup", field="f").resolve(card) == "s3cret~value"


def test_sandbox_reference_to_a_user_gives_the_password(card):
    ref = parse_secret_ref("sandbox:contoso.onmicrosoft.com/admin@contoso.onmicrosoft.com", field="f")
    assert ref.resolve(card) == "Adm1n-pass"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sandbox:contoso/certonly", "no client secret"),
        ("sandbox:contoso/nopass@contoso.onmicrosoft.com", "no password"),
        ("sandbox:contoso/ghost", "no app or user"),
        ("sandbox:fabrikam/backup", "no tenant"),
    ],
)
def test_sandbox_reference_failures(card, text, fragment):
    with pytest.raises(SecretReferenceError, match=fragment):
        parse_secret_ref(text, field="f").resolve(card)


def test_sandbox_reference_needs_the_card():
    with pytest.raises(SecretReferenceError, match="sandbox card"):
        parse_secret_ref("sandbox:contoso/backup", field="f").resolve()


@pytest.mark.parametrize("text", [PASTED, "abc123", "vault:thing", "http://x"])
def test_inline_secret_is_refused_without_echoing_it(text):
    with pytest.raises(ProfileError) as info:
        parse_secret_ref(text, field="client_secret")
    err = info.value
    assert err.field == "client_secret"
    assert err.code == "SECRET_INLINE"
    assert "looks like an inline secret" in str(err)
    for part in (text, text[:8], text[-8:]):
        assert part not in str(err)
        assert part not in repr(err.diagnosis)


@pytest.mark.parametrize(
    "text", ["env:", "env:1ABC", "env:A-B", "file:", "keyring:svc", "keyring:/key", "sandbox:contoso", "  "]
)
def test_malformed_references(text):
    with pytest.raises(ProfileError) as info:
        parse_secret_ref(text, field="client_secret")
    assert info.value.field == "client_secret"
    assert info.value.code == "SECRET_REF_INVALID"


def test_non_text_reference():
    with pytest.raises(ProfileError):
        parse_secret_ref(12345, field="client_secret")


def test_reference_prints_only_the_reference(tmp_path):
    ref = parse_secret_ref("env:SPKIT_SECRET", field="f")
    assert str(ref) == "env:SPKIT_SECRET"
    assert repr(ref) == "SecretRef('env:SPKIT_SECRET')"
    file_ref = parse_secret_ref("file:s", field="f", base_dir=tmp_path)
    assert str(file_ref) == f"file:{tmp_path / 's'}"


def test_secret_wrapper_never_prints_the_value():
    secret = Secret("hunter2")
    assert repr(secret) == "***"
    assert str(secret) == "***"
    assert f"{secret}" == "***"
    assert "hunter2" not in repr([secret, {"k": secret}])
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2")
    assert secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_resolve_secret_wraps(monkeypatch):
    monkeypatch.setenv("SPKIT_W", "v")
    wrapped = parse_secret_ref("env:SPKIT_W", field="f").resolve_secret()
    assert isinstance(wrapped, Secret)
    assert wrapped.reveal() == "v"


# --- store: references are resolved through the store's reader, passed in ---------------------------


def test_a_store_reference_is_read_through_the_store_given():
    asked = []

    def store(name: str, key: str) -> str:
        asked.append((name, key))
        return "from-the-store"

    ref = parse_secret_ref("store:contoso prod/client_secret", field="f")
    assert ref.resolve(store=store) == "from-the-store"
    assert ref.resolve_secret(store=store).reveal() == "from-the-store"
    assert asked == [("contoso prod", "client_secret")] * 2


def test_a_store_reference_without_a_store_says_what_is_missing():
    with pytest.raises(SecretReferenceError) as info:
        parse_secret_ref("store:contoso/client_secret", field="f").resolve()
    error = info.value
    assert error.code == "SECRET_UNRESOLVED"
    assert error.summary == (
        "secret store:contoso/client_secret: it names a saved connection's secret, "
        "but no saved-connections store was given to read it"
    )
    assert error.fix == "resolve it through spkit.services.secret_values.secret_value, which reads the store"


def test_the_stores_own_code_and_fix_are_kept():
    def store(name: str, key: str) -> str:
        raise InputError(f"no saved connection named '{name}'", code="CONNECTION_NOT_FOUND", fix="list them")

    with pytest.raises(SecretReferenceError) as info:
        parse_secret_ref("store:gone/client_secret", field="f").resolve(store=store)
    assert info.value.code == "CONNECTION_NOT_FOUND"
    assert info.value.summary == "secret store:gone/client_secret: no saved connection named 'gone'"
    assert info.value.fix == "list them"


def test_other_references_never_ask_the_store(monkeypatch):
    monkeypatch.setenv("SPKIT_NOT_STORE", "v")

    def store(name: str, key: str) -> str:
        raise AssertionError("asked the store")

    assert parse_secret_ref("env:SPKIT_NOT_STORE", field="f").resolve(store=store) == "v"


def test_resolving_never_imports_the_store():
    """The models layer no longer reaches up for the store, not even lazily on a store: reference."""
    code = (
        "import sys\n"
        "from spkit.errors import SecretReferenceError\n"
        "from spkit.models.secrets import parse_secret_ref\n"
        "try:\n"
        "    parse_secret_ref('store:x/client_secret', field='f').resolve()\n"
        "except SecretReferenceError:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('spkit.store', 'spkit.services'))))\n"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
