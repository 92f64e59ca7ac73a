"""docs/troubleshooting.md is the catalog, rendered: every code once, with its steps, and never stale."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from spkit.diagnosis import CATALOG
from spkit.diagnosis.docs import render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md"


def test_docs_troubleshooting_md_is_up_to_date():
    assert PAGE.is_file(), "docs/troubleshooting.md is missing: run `make docs`"
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/troubleshooting.md is out of date with the diagnosis catalog (spkit/diagnosis): run `make docs`"
    )


def test_every_code_is_one_section_with_its_fix_and_customer_paragraph():
    page = render()
    headings = re.findall(r"^#### `([A-Z0-9_]+)` — ", page, flags=re.M)
    assert sorted(headings) == sorted(CATALOG)  # each code exactly once
    section = page.split('<a id="AUTH_SECRET_ID_PASTED"></a>', 1)[1].split("<a id=", 1)[0]
    item = CATALOG["AUTH_SECRET_ID_PASTED"]
    assert "**What it means.**" in section and "**Evidence.**" in section
    assert all(f"{n}. " in section for n in range(1, len(item.fix_steps) + 1))
    assert "**What to tell the customer.**" in section and "Certificates & secrets" in section


def test_the_generator_writes_the_file_it_is_asked_for(tmp_path):
    out = tmp_path / "docs" / "troubleshooting.md"
    done = subprocess.run(
        [sys.executable, "-I", "-m", "spkit.diagnosis.docs", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == render()
    assert f"({len(CATALOG)} codes)" in done.stdout
