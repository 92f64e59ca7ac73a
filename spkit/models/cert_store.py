"""The local certificate store: spkit's counterpart of the Windows ``CurrentUser\\My`` personal store.

The vendor's service account keeps the app registration's certificate in its personal store and a
manual registration names it by thumbprint. spkit does the same on any OS: one directory, private to
the user (0700), one file per certificate named ``<THUMBPRINT>.pem`` (SHA-1, upper-case hex, as the
Entra admin center shows it) holding the certificate, its chain and its unencrypted PKCS#8 private key,
mode 0600, written atomically. There is no index: the files are the truth, so nothing can disagree
with them. A file that cannot be read back is reported with its name, never skipped or deleted.

Location: ``$SPKIT_CERT_STORE``, else ``$XDG_DATA_HOME/spkit/certificates``
(``~/.local/share/spkit/certificates``).

Codes beyond those of ``spkit.models.certificates``: CERT_NOT_IN_STORE, CERT_STORE_DAMAGED,
CERT_STORE_UNAVAILABLE (the directory cannot be read or written), CERT_EXPORT_EXISTS,
CERT_INVALID_REQUEST (bad ``create``/``export`` arguments).
"""

from __future__ import annotations

import builtins
import datetime
import os
import re
import stat
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization

from spkit.errors import CertificateError
from spkit.fileio import atomic_write
from spkit.models.certificates import (
    LoadedCertificate,
    check_usable,
    generate_self_signed,
    load_certificate,
    normalise_thumbprint,
    write_pem,
    write_pfx,
)

STORE_ENV = "SPKIT_CERT_STORE"
ENTRY_SUFFIX = ".pem"
MIN_KEY_BITS = 2048
MAX_KEY_BITS = 8192  # larger keys take minutes to generate and Entra gains nothing from them
MAX_DAYS = 36500
WARN_DAYS = 30
ExportFormat = Literal["cer", "pem", "pfx"]
EXPORT_FORMATS: tuple[str, ...] = ("cer", "pem", "pfx")
# Entra's "Upload certificate" takes .cer, .pem and .crt. A .cer is written as DER (what Windows'
# certificate export writes by default); .pem and .crt as PEM-armoured text.
CER_DER_EXTENSIONS = (".cer",)
CER_PEM_EXTENSIONS = (".pem", ".crt")
_ENTRY_NAME = re.compile(r"[0-9A-F]{40}\.pem")
IMPORT_HINT = (
    "import it: spkit certs import FILE.pfx --password-stdin (or FILE.pem with its key, "
    "or FILE.cer --key KEY.pem); 'spkit certs list' shows what is installed"
)


def _password_bytes(password: str | bytes | None) -> bytes | None:
    if password is None or password in ("", b""):
        return None
    return password.encode("utf-8") if isinstance(password, str) else password


def default_store_path() -> Path:
    """``$SPKIT_CERT_STORE``, else ``$XDG_DATA_HOME/spkit/certificates`` (``~/.local/share/...``)."""
    override = os.environ.get(STORE_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "spkit" / "certificates"


@dataclass(frozen=True)
class StoredCertificate(LoadedCertificate):
    """A certificate as the store holds it: where its entry is, whether it was there before, warnings."""

    path: Path | None = None
    already_present: bool = False
    warnings: tuple[str, ...] = ()

    @classmethod
    def wrap(cls, loaded: LoadedCertificate, **extra: Any) -> StoredCertificate:
        values = {f.name: getattr(loaded, f.name) for f in fields(LoadedCertificate)}
        if extra.get("path") is not None:
            values["source"] = str(extra["path"])
        return cls(**values, **extra)


@dataclass(frozen=True)
class StoreEntry:
    """One line of ``list``: the facts an admin compares with the app registration's Certificates page.

    ``problem`` is set (and the facts may be empty) when the entry's file cannot be used.
    """

    thumbprint: str
    subject: str
    not_after: datetime.datetime | None
    key_size: int
    days_left: int | None
    warnings: tuple[str, ...] = ()
    path: Path | None = None
    problem: str | None = None

    @property
    def damaged(self) -> bool:
        return self.problem is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "thumbprint": self.thumbprint,
            "subject": self.subject,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "key_size": self.key_size,
            "days_left": self.days_left,
            "warnings": list(self.warnings),
            "file": self.path.name if self.path else None,
            "problem": self.problem,
        }


def assess(cert: LoadedCertificate, now: datetime.datetime | None = None) -> list[str]:
    """What ``check_usable`` says, as warnings rather than errors (for listing, not for signing in)."""
    try:
        return check_usable(cert, now=now, min_key_bits=MIN_KEY_BITS, warn_days=WARN_DAYS)
    except CertificateError as exc:
        return [exc.summary]


def _days_left(cert: LoadedCertificate, now: datetime.datetime) -> int:
    return (cert.not_after - now).days


def _store_error(root: Path, action: str, exc: OSError) -> CertificateError:
    return CertificateError(
        f"the certificate store {root} cannot be {action} ({exc.strerror or exc})",
        code="CERT_STORE_UNAVAILABLE",
        fix=f"set {STORE_ENV} to a directory this account can read and write",
    )


class CertificateStore:
    """The user's private certificate store (see the module docstring for layout and rules)."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_store_path()

    def __repr__(self) -> str:
        return f"CertificateStore({str(self.root)!r})"

    # --- paths --------------------------------------------------------------------------------

    def entry_path(self, thumbprint: str) -> Path:
        """The file of a thumbprint's entry (whether or not it exists); accepts pasted thumbprints."""
        return self.root / f"{normalise_thumbprint(thumbprint)}{ENTRY_SUFFIX}"

    def _ensure_root(self) -> None:
        """Create the store private (0700); tighten it if it exists with group/other access."""
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            if stat.S_IMODE(self.root.stat().st_mode) & 0o077:
                os.chmod(self.root, 0o700)
        except OSError as exc:
            raise _store_error(self.root, "written", exc) from None
        if not self.root.is_dir():
            raise CertificateError(
                f"the certificate store {self.root} is not a directory",
                code="CERT_STORE_UNAVAILABLE",
                fix=f"set {STORE_ENV} to a directory",
            )

    # --- reading ------------------------------------------------------------------------------

    def _load_entry(self, path: Path) -> LoadedCertificate:
        """Load one entry file, or raise CERT_STORE_DAMAGED naming the file."""

        def damaged(problem: str, fix: str = "") -> CertificateError:
            return CertificateError(
                f"the certificate store entry {path.name} is damaged: {problem}",
                code="CERT_STORE_DAMAGED",
                evidence=str(path),
                fix=fix
                or f"import the certificate again (spkit certs import FILE), or remove the entry "
                f"(spkit certs remove {path.stem})",
            )

        if not _ENTRY_NAME.fullmatch(path.name):
            raise damaged(
                f"the name is not <THUMBPRINT>{ENTRY_SUFFIX} (40 upper-case hex digits)",
                f"move {path.name} out of {self.root}",
            )
        if path.is_dir():
            raise damaged("it is a directory, not a file")
        try:
            loaded = load_certificate(path)
        except CertificateError as exc:
            problem = exc.summary.removeprefix(f"certificate {path}: ")
            raise damaged(problem) from None
        if loaded.thumbprint != path.stem:
            raise damaged(f"it holds certificate {loaded.thumbprint}, not {path.stem}")
        if loaded.private_key is None:
            raise damaged("it holds no private key")
        return loaded

    def get(self, thumbprint: str) -> StoredCertificate:
        """The certificate (with key) stored under ``thumbprint``; CERT_NOT_IN_STORE when absent."""
        path = self.entry_path(thumbprint)
        if not path.exists():
            raise CertificateError(
                f"certificate {path.stem} is not in the certificate store ({self.root})",
                code="CERT_NOT_IN_STORE",
                fix=IMPORT_HINT,
            )
        loaded = self._load_entry(path)
        return StoredCertificate.wrap(loaded, path=path, already_present=True, warnings=tuple(assess(loaded)))

    def __contains__(self, thumbprint: str) -> bool:
        return self.entry_path(thumbprint).exists()

    def list(self) -> builtins.list[StoreEntry]:
        """Every entry, damaged ones included (with ``problem``), sorted by subject then thumbprint."""
        try:
            names = sorted(p for p in self.root.iterdir() if not p.name.startswith("."))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _store_error(self.root, "read", exc) from None
        now = datetime.datetime.now(datetime.UTC)
        entries: builtins.list[StoreEntry] = []
        for path in names:
            try:
                loaded = self._load_entry(path)
            except CertificateError as exc:
                problem = exc.summary.split(" is damaged: ", 1)[-1]
                entries.append(
                    StoreEntry(
                        thumbprint=path.stem if _ENTRY_NAME.fullmatch(path.name) else "",
                        subject="",
                        not_after=None,
                        key_size=0,
                        days_left=None,
                        warnings=(f"damaged entry {path.name}: {problem}",),
                        path=path,
                        problem=problem,
                    )
                )
                continue
            warnings = assess(loaded, now)
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                warnings.append(f"{path.name} is readable by other users (mode {mode:04o}); chmod 600 it")
            entries.append(
                StoreEntry(
                    thumbprint=loaded.thumbprint,
                    subject=loaded.subject,
                    not_after=loaded.not_after,
                    key_size=loaded.key_size,
                    days_left=_days_left(loaded, now),
                    warnings=tuple(warnings),
                    path=path,
                )
            )
        entries.sort(key=lambda e: (e.damaged, e.subject.lower(), e.thumbprint))
        return entries

    # --- writing ------------------------------------------------------------------------------

    def add(self, loaded: LoadedCertificate) -> StoredCertificate:
        """Install a loaded certificate after the sign-in rules (key, RSA >= 2048 bits, not expired).

        Idempotent: an intact entry with the same thumbprint is left as it is (``already_present``);
        a damaged one is replaced.
        """
        if loaded.private_key is None:
            raise CertificateError(
                f"certificate {loaded.thumbprint} comes without its private key; the store needs both",
                code="CERT_NO_PRIVATE_KEY",
                fix="import the .pfx, or the .pem that holds the key, or the .cer with --key KEY.pem",
            )
        warnings = tuple(check_usable(loaded, min_key_bits=MIN_KEY_BITS, warn_days=WARN_DAYS))
        path = self.entry_path(loaded.thumbprint)
        if path.exists():
            try:
                self._load_entry(path)
            except CertificateError:
                pass  # a damaged entry: the import repairs it
            else:
                return StoredCertificate.wrap(loaded, path=path, already_present=True, warnings=warnings)
        self._ensure_root()
        try:
            write_pem(loaded, path)
        except OSError as exc:
            raise _store_error(self.root, "written", exc) from None
        return StoredCertificate.wrap(loaded, path=path, already_present=False, warnings=warnings)

    def import_file(
        self,
        path: str | os.PathLike,
        password: str | bytes | None = None,
        key_path: str | os.PathLike | None = None,
    ) -> StoredCertificate:
        """Import a .pfx/.p12 (with ``password``), a .pem with certificate and key, or .cer/.crt + key."""
        loaded = load_certificate(path, password, key_path=key_path)
        return self.add(loaded)

    def create(self, common_name: str, days: int = 730, key_size: int = 2048) -> StoredCertificate:
        """Create a self-signed RSA certificate for an app registration and install it."""
        if key_size < MIN_KEY_BITS:
            raise CertificateError(
                f"a {key_size}-bit key is too small; at least {MIN_KEY_BITS} bits are required",
                code="CERT_KEY_TOO_SMALL",
                fix=f"use a key size of {MIN_KEY_BITS}, 3072 or 4096",
            )
        if key_size > MAX_KEY_BITS:
            raise CertificateError(
                f"a {key_size}-bit key is larger than spkit creates (at most {MAX_KEY_BITS})",
                code="CERT_INVALID_REQUEST",
                fix=f"use a key size of {MIN_KEY_BITS}, 3072 or 4096",
            )
        if not 1 <= days <= MAX_DAYS:
            raise CertificateError(
                f"a certificate must be valid for 1 to {MAX_DAYS} days, not {days}",
                code="CERT_INVALID_REQUEST",
                fix="give days between 1 and 730 (Entra's usual limit for rotation policies is 2 years)",
            )
        name = common_name.strip()
        if name[:3].upper() == "CN=":
            name = name[3:].strip()
        return self.add(generate_self_signed(name, days=days, key_size=key_size))

    def export(
        self,
        thumbprint: str,
        out_path: str | os.PathLike,
        fmt: ExportFormat = "cer",
        password: str | bytes | None = None,
        *,
        overwrite: bool = False,
    ) -> Path:
        """Write a stored certificate out.

        ``cer``: the public certificate only, for Entra's "Upload certificate" — DER for .cer,
        PEM-armoured for .pem/.crt; mode 0644. ``pem`` (certificate + PKCS#8 key, encrypted when
        ``password`` is given) and ``pfx`` (PKCS#12, encrypted when ``password`` is given) include the
        private key; mode 0600. An existing file is not replaced unless ``overwrite``.
        """
        if fmt not in EXPORT_FORMATS:
            raise CertificateError(
                f"unknown export format '{fmt}'",
                code="CERT_INVALID_REQUEST",
                fix=f"use one of {', '.join(EXPORT_FORMATS)}",
            )
        out = Path(out_path).expanduser()
        suffix = out.suffix.lower()
        allowed = {
            "cer": CER_DER_EXTENSIONS + CER_PEM_EXTENSIONS,
            "pem": (".pem",),
            "pfx": (".pfx", ".p12"),
        }[fmt]
        if suffix not in allowed:
            raise CertificateError(
                f"{out.name}: a '{fmt}' export needs the extension {' or '.join(allowed)}",
                code="CERT_UNKNOWN_EXTENSION",
                fix=f"name the file like app{allowed[0]}",
            )
        if fmt == "cer" and _password_bytes(password) is not None:
            raise CertificateError(
                "a public certificate (cer) holds no key, so it takes no password",
                code="CERT_INVALID_REQUEST",
                fix="drop the password, or export with --format pfx",
            )
        if out.is_dir():
            raise CertificateError(
                f"{out} is a directory", code="CERT_INVALID_REQUEST", fix="name the file to write"
            )
        if out.exists() and not overwrite:
            raise CertificateError(
                f"{out} already exists; not replacing it",
                code="CERT_EXPORT_EXISTS",
                fix="choose another file name, or pass --force to replace it",
            )
        stored = self.get(thumbprint)
        try:
            if fmt == "cer":
                encoding = (
                    serialization.Encoding.PEM if suffix in CER_PEM_EXTENSIONS else serialization.Encoding.DER
                )
                return atomic_write(out, stored.certificate.public_bytes(encoding), mode=0o644)
            if fmt == "pfx":
                return write_pfx(stored, out, password)
            secret = _password_bytes(password)
            if secret is None:
                return write_pem(stored, out)
            key = stored.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(secret),
            )
            return atomic_write(out, stored.certificate_pem() + key)
        except OSError as exc:
            raise CertificateError(
                f"{out} cannot be written ({exc.strerror or exc})",
                code="CERT_INVALID_REQUEST",
                fix="choose a file in a directory you can write",
            ) from None

    def remove(self, thumbprint: str) -> StoreEntry:
        """Delete an entry (damaged or not); CERT_NOT_IN_STORE when there is none."""
        path = self.entry_path(thumbprint)
        try:
            loaded: LoadedCertificate | None = self._load_entry(path) if path.exists() else None
            problem = None
        except CertificateError as exc:
            loaded, problem = None, exc.summary.split(" is damaged: ", 1)[-1]
        try:
            path.unlink()
        except FileNotFoundError:
            raise CertificateError(
                f"certificate {path.stem} is not in the certificate store ({self.root})",
                code="CERT_NOT_IN_STORE",
                fix="'spkit certs list' shows the thumbprints in the store",
            ) from None
        except OSError as exc:
            raise _store_error(self.root, "written", exc) from None
        return StoreEntry(
            thumbprint=path.stem,
            subject=loaded.subject if loaded else "",
            not_after=loaded.not_after if loaded else None,
            key_size=loaded.key_size if loaded else 0,
            days_left=None,
            path=path,
            problem=problem,
        )
