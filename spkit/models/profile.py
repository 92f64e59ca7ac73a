"""A connection profile of either kind, and the two ways in: a YAML parameters file (``load_profile``) and
plain data from the wizard or the store (``profile_from_dict``), each choosing the kind by ``kind``.

Every face builds a profile through these, so every face rejects the same mistakes with the same
message: the source, the field, the problem and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spkit.models.online_profile import OnlineProfile, build_online
from spkit.models.onprem_profile import OnpremProfile, build_onprem
from spkit.models.profile_fields import FieldBuilder, ProfileFieldError
from spkit.models.strict_yaml import load_yaml_text

Profile = OnlineProfile | OnpremProfile
ONPREM_KINDS = ("onprem", "on-prem", "on-premises")


def read_profile_mapping(path: str | Path) -> dict[str, Any]:
    """A parameters file's fields, unvalidated, read as ``load_profile`` reads them: the same strict YAML
    (a key given twice is refused) and the same errors for a missing, unreadable, empty or non-mapping
    file."""
    file = Path(path).expanduser()
    source = str(file)

    def fail(problem: str, fix: str, code: str = "PROFILE_FILE_INVALID") -> ProfileFieldError:
        return ProfileFieldError("", problem, source=source, fix=fix, code=code)

    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("file not found", "check the path of the parameters file", "PROFILE_NOT_FOUND") from None
    except IsADirectoryError:
        raise fail("is a directory, not a file", "name the parameters file") from None
    except UnicodeDecodeError:
        raise fail("is not UTF-8 text", "save the file as UTF-8") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})", "check the file's permissions") from None
    data = load_yaml_text(text, source)
    return FieldBuilder.for_mapping(data, source=source, base_dir=file.parent).data


def load_profile(path: str | Path) -> Profile:
    """Load a profile from a YAML parameters file; relative paths inside are relative to the file."""
    file = Path(path).expanduser()
    return profile_from_dict(read_profile_mapping(file), source=str(file), base_dir=file.parent)


def profile_from_dict(data: Any, *, source: str = "<dict>", base_dir: str | Path | None = None) -> Profile:
    """Validate plain data (from YAML, the wizard or the store) into a profile."""
    base = Path(base_dir).expanduser() if base_dir is not None else Path.cwd()
    builder = FieldBuilder.for_mapping(data, source=source, base_dir=base.resolve())
    kind = builder.data.get("kind")
    if isinstance(kind, str) and kind.strip().lower() in ONPREM_KINDS:
        # Chosen before the keys are checked: an on-premises profile has keys an online one does not.
        return build_onprem(builder)
    return build_online(builder)
