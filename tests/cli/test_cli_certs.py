"""`spkit certs` through the real CLI, and a profile that names its certificate by thumbprint end to end."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from spkit.models.certificates import LoadedCertificate, generate_self_signed, load_certificate, write_pfx
from tests.conftest import spkit_cli
from tests.helpers import card_app, write_profile
from tests.models.test_cert_store import make_cert

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
PFX_PASSWORD = "Pfx-pass-7731"


@pytest.fixture(scope="module")
def good() -> LoadedCertificate:
    return generate_self_signed("spkit-cli-good")


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "certstore"


@pytest.fixture
def certs(store_dir: Path):
    """Run ``spkit certs ...`` against this test's own store; stdin is never a terminal."""

    def run(*args: str, input: str = "", env: dict | None = None):
        return spkit_cli("certs", *args, env={"SPKIT_CERT_STORE": str(store_dir), **(env or {})}, input=input)

    return run


def listed(certs) -> list[dict]:
    done = certs("list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["certificates"]


def assert_clean_error(done, code: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"spkit: error [{code}]" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2


def sha1_hex(cert: LoadedCertificate) -> str:
    return hashlib.sha1(cert.certificate.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def pem_file(path: Path, cert: LoadedCertificate) -> Path:
    path.write_bytes(cert.certificate_pem() + cert.private_key_pem())
    return path


# --- import -----------------------------------------------------------------------------------------


@posix_only
def test_import_pfx_with_password_on_stdin(certs, store_dir, tmp_path, good):
    pfx = write_pfx(good, tmp_path / "app.pfx", PFX_PASSWORD)
    done = certs("import", str(pfx), "--password-stdin", input=PFX_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert good.thumbprint in done.stdout and "imported" in done.stdout
    assert PFX_PASSWORD not in done.stdout + done.stderr
    (entry,) = listed(certs)
    assert entry["thumbprint"] == sha1_hex(good)
    assert entry["subject"] == "CN=spkit-cli-good" and entry["key_size"] == 2048
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((store_dir / f"{good.thumbprint}.pem").stat().st_mode) == 0o600


def test_import_pem_and_cer_with_key(certs, tmp_path, good):
    other = generate_self_signed("spkit-cli-other")
    assert certs("import", str(pem_file(tmp_path / "good.pem", good))).returncode == 0
    cer = tmp_path / "other.cer"
    cer.write_bytes(other.certificate.public_bytes(serialization.Encoding.DER))
    key = tmp_path / "other.key"
    key.write_bytes(other.private_key_pem())
    done = certs("import", str(cer), "--key", str(key))
    assert done.returncode == 0, done.stderr
    assert {e["thumbprint"] for e in listed(certs)} == {good.thumbprint, other.thumbprint}
    table = certs("list")
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split() == ["THUMBPRINT", "SUBJECT", "EXPIRES", "KEY", "WARNING"]
    assert good.thumbprint in table.stdout and f"{good.not_after:%Y-%m-%d}" in table.stdout


def test_reimport_says_already_in_the_store(certs, tmp_path, good):
    pem = pem_file(tmp_path / "good.pem", good)
    assert certs("import", str(pem)).returncode == 0
    again = certs("import", str(pem))
    assert again.returncode == 0, again.stderr
    assert "already in the store" in again.stdout
    assert len(listed(certs)) == 1


def test_cer_without_key_is_refused_with_the_way_to_pass_it(certs, tmp_path, good):
    cer = tmp_path / "good.cer"
    cer.write_bytes(good.certificate_pem())
    done = certs("import", str(cer))
    assert_clean_error(done, "CERT_NO_PRIVATE_KEY")
    assert "--key" in done.stderr


def test_password_protected_pfx_without_a_password_exits_2(certs, tmp_path, good):
    pfx = write_pfx(good, tmp_path / "locked.pfx", PFX_PASSWORD)
    done = certs("import", str(pfx))  # stdin is a pipe, not a terminal: no prompt is possible
    assert_clean_error(done, "CERT_PASSWORD_REQUIRED")
    assert "--password-stdin" in done.stderr
    wrong = certs("import", str(pfx), "--password-stdin", input="not-it\n")
    assert_clean_error(wrong, "CERT_BAD_PASSWORD")
    assert listed(certs) == []


def test_1024_bit_key_is_refused(certs, tmp_path):
    small = make_cert("spkit-small", key_size=1024)
    done = certs("import", str(pem_file(tmp_path / "small.pem", small)))
    assert_clean_error(done, "CERT_KEY_TOO_SMALL")
    assert "1024" in done.stderr
    assert listed(certs) == []


def test_expired_certificate_is_refused(certs, tmp_path):
    old = make_cert("spkit-old", valid_from=datetime.timedelta(days=-400))
    done = certs("import", str(pem_file(tmp_path / "old.pem", old)))
    assert_clean_error(done, "CERT_EXPIRED")
    assert listed(certs) == []


def test_expiring_in_10_days_is_imported_with_a_warning_that_list_shows(certs, tmp_path):
    soon = make_cert(
        "spkit-soon", valid_from=datetime.timedelta(hours=-1), valid_for=datetime.timedelta(days=10)
    )
    done = certs("import", str(pem_file(tmp_path / "soon.pem", soon)))
    assert done.returncode == 0, done.stderr
    assert "spkit: warning:" in done.stderr and "expires" in done.stderr
    table = certs("list")
    row = next(line for line in table.stdout.splitlines() if line.startswith(soon.thumbprint))
    assert "expires on" in row and "(in 9 days)" in row
    (entry,) = listed(certs)
    assert entry["days_left"] == 9 and entry["warnings"]


# --- new ----------------------------------------------------------------------------------------------


def test_new_creates_a_2048_bit_certificate_and_refuses_small_keys(certs):
    done = certs("new", "--subject", "spkit-contoso", "--days", "365")
    assert done.returncode == 0, done.stderr
    (entry,) = listed(certs)
    assert entry["subject"] == "CN=spkit-contoso" and entry["key_size"] == 2048
    assert entry["thumbprint"] in done.stdout and "certs export" in done.stdout
    assert "PRIVATE KEY" not in done.stdout + done.stderr
    assert_clean_error(certs("new", "--subject", "x", "--key-size", "1024"), "CERT_KEY_TOO_SMALL")
    assert_clean_error(certs("new", "--subject", "x", "--days", "many"), "USAGE")


# --- export, remove, pasted thumbprints ---------------------------------------------------------


def test_export_cer_is_public_only_with_the_same_thumbprint(certs, tmp_path, good):
    certs("import", str(pem_file(tmp_path / "good.pem", good)))
    out = tmp_path / "upload.cer"
    done = certs("export", good.thumbprint, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "DER" in done.stdout and "Upload certificate" in done.stdout
    loaded = load_certificate(out)
    assert loaded.thumbprint == good.thumbprint
    assert loaded.private_key is None
    assert b"PRIVATE KEY" not in out.read_bytes()
    assert_clean_error(certs("export", good.thumbprint, "--out", str(out)), "CERT_EXPORT_EXISTS")
    assert certs("export", good.thumbprint, "--out", str(out), "--force").returncode == 0


@posix_only
def test_export_pfx_with_password_round_trips(certs, tmp_path, good):
    certs("import", str(pem_file(tmp_path / "good.pem", good)))
    out = tmp_path / "backup.pfx"
    done = certs("export", good.thumbprint, "--out", str(out), "--password-stdin", input="Exp0rt-pass\n")
    assert done.returncode == 0, done.stderr
    assert "Exp0rt-pass" not in done.stdout + done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    loaded = load_certificate(out, "Exp0rt-pass")
    assert loaded.thumbprint == good.thumbprint and loaded.key_matches
    # round trip: a fresh store takes the exported .pfx back
    fresh = spkit_cli(
        "certs",
        "import",
        str(out),
        "--password-stdin",
        env={"SPKIT_CERT_STORE": str(tmp_path / "fresh")},
        input="Exp0rt-pass\n",
    )
    assert fresh.returncode == 0, fresh.stderr
    assert good.thumbprint in fresh.stdout


def test_export_pem_with_key_is_explicit(certs, tmp_path, good):
    certs("import", str(pem_file(tmp_path / "good.pem", good)))
    out = tmp_path / "with-key.pem"
    done = certs("export", good.thumbprint, "--out", str(out), "--format", "pem")
    assert done.returncode == 0, done.stderr
    assert "NOT password-protected" in done.stdout and "spkit: warning:" in done.stderr
    assert load_certificate(out).key_matches
    assert "PRIVATE KEY" not in done.stdout + done.stderr  # named, never printed
    public = tmp_path / "public.pem"
    assert certs("export", good.thumbprint, "--out", str(public)).returncode == 0  # default: cer
    assert load_certificate(public).private_key is None


def test_remove_then_lookup_is_not_in_store(certs, tmp_path, good):
    certs("import", str(pem_file(tmp_path / "good.pem", good)))
    done = certs("remove", good.thumbprint)
    assert done.returncode == 0, done.stderr
    assert "removed" in done.stdout and "CN=spkit-cli-good" in done.stdout
    gone = certs("export", good.thumbprint, "--out", str(tmp_path / "x.cer"))
    assert_clean_error(gone, "CERT_NOT_IN_STORE")
    assert "spkit certs import" in gone.stderr
    assert_clean_error(certs("remove", good.thumbprint), "CERT_NOT_IN_STORE")
    assert listed(certs) == []


@pytest.mark.parametrize(
    "paste",
    [
        lambda t: " ".join(t[i : i + 2] for i in range(0, 40, 2)).lower(),
        lambda t: "\u200e" + t.lower().replace("a", "a\u200b") + "\ufeff",
        lambda t: ":".join(t[i : i + 2] for i in range(0, 40, 2)),
    ],
    ids=["spaces-lowercase", "zero-width", "colons"],
)
def test_pasted_thumbprints_work(certs, tmp_path, good, paste):
    certs("import", str(pem_file(tmp_path / "good.pem", good)))
    out = tmp_path / "pasted.crt"
    done = certs("export", paste(good.thumbprint), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert load_certificate(out).thumbprint == good.thumbprint
    assert certs("remove", paste(good.thumbprint)).returncode == 0


def test_bad_thumbprint_is_bad_input(certs, tmp_path):
    assert_clean_error(certs("export", "1234", "--out", str(tmp_path / "x.cer")), "CERT_THUMBPRINT_INVALID")


def test_damaged_entry_is_listed_with_its_file_name(certs, store_dir, tmp_path, good):
    certs("import", str(pem_file(tmp_path / "good.pem", good)))
    entry = store_dir / f"{good.thumbprint}.pem"
    entry.write_text("not a certificate")
    table = certs("list")
    assert table.returncode == 0
    assert "DAMAGED" in table.stdout and entry.name in table.stdout
    assert entry.exists()
    assert_clean_error(
        certs("export", good.thumbprint, "--out", str(tmp_path / "x.cer")), "CERT_STORE_DAMAGED"
    )


def test_empty_store_says_how_to_add_one(certs):
    done = certs("list")
    assert done.returncode == 0
    assert "empty" in done.stdout and "spkit certs import" in done.stdout


# --- end to end: a profile names the sandbox app's certificate by thumbprint ----------------------


def test_profile_with_store_thumbprint_verifies_against_the_sandbox(tmp_path, card, card_path):
    store = {"SPKIT_CERT_STORE": str(tmp_path / "certstore")}
    app = card_app(card, "spkit-certificate")
    imported = spkit_cli("certs", "import", app["certificate"]["pfx"], env=store, input="")
    assert imported.returncode == 0, imported.stderr
    thumbprint = app["certificate"]["thumbprint"].upper()
    assert thumbprint in imported.stdout
    pasted = " ".join(thumbprint[i : i + 2] for i in range(0, 40, 2)).lower()
    profile = write_profile(
        tmp_path,
        card_path,
        card,
        "spkit-certificate",
        name="by-thumbprint",
        credential="none",  # no file credential: the certificate comes from the store
        certificate={"thumbprint": pasted},
    )
    done = spkit_cli("verify", str(profile), "--json", env=store)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert all(s["status"] == "passed" for s in result["steps"]), result["steps"]
    assert result["facts"]["credential"].startswith(f"certificate {thumbprint} (")
    assert "PRIVATE KEY" not in done.stdout + done.stderr


def test_profile_with_a_thumbprint_not_in_the_store_fails_the_token_step(tmp_path, card, card_path):
    profile = write_profile(
        tmp_path,
        card_path,
        card,
        "spkit-certificate",
        name="missing-thumbprint",
        credential="none",  # no file credential: the certificate comes from the store
        certificate={"thumbprint": "C" * 40},
    )
    done = spkit_cli("verify", str(profile), "--json", env={"SPKIT_CERT_STORE": str(tmp_path / "empty")})
    assert done.returncode == 1
    steps = {s["step"]: s for s in json.loads(done.stdout)["steps"]}
    assert steps["token"]["status"] == "failed"
    assert steps["token"]["diagnosis"]["code"] == "CERT_NOT_IN_STORE"
    assert "spkit certs import" in steps["token"]["diagnosis"]["fix"]
