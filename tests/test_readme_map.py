"""The README's Layout map is the first thing a newcomer reads: it must name every folder of the package
(and of tests/), and nothing that is not there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = ("spkit", "tests")  # folders whose every sub-folder the map names


def _map_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return layout.split("```", 2)[1].splitlines()


def _mapped_folders() -> set[str]:
    """``a/b/`` for every folder line of the map (indentation is nesting, two spaces a level)."""
    found: set[str] = set()
    parents: list[str] = []
    for line in _map_block():
        match = re.match(r"^( *)([\w.-]+)/(\s|$)", line)
        if not match or len(match.group(1)) >= 16:  # a description's continuation line
            continue
        level = len(match.group(1)) // 2
        parents = parents[:level] + [match.group(2)]
        found.add("/".join(parents))
    return found


def _tracked_folders() -> set[str]:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = set()
    for name in files.splitlines():
        parts = Path(name).parts[:-1]
        if not parts or parts[0].startswith("."):
            continue
        folders.add(parts[0])
        if parts[0] in MAPPED:
            for depth in range(2, len(parts) + 1):
                folders.add("/".join(parts[:depth]))
    return folders


def test_the_map_names_every_folder_of_the_package_and_tests():
    missing = sorted(_tracked_folders() - _mapped_folders())
    assert not missing, f"README Layout does not name: {missing}"


def test_every_folder_the_map_names_exists():
    stale = sorted(folder for folder in _mapped_folders() if not (ROOT / folder).is_dir())
    assert not stale, f"README Layout names folders that do not exist: {stale}"
