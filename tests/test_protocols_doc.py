"""The protocol facts live in the repository: nothing points outside it, and every
``docs/protocols.md#<anchor>`` a file cites is a heading of docs/protocols.md."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "protocols.md"
# The spec's file name (upper case, unlike docs/protocols.md) and the shared folder outside the repository;
# spelled in pieces so that this file does not match its own search.
FORBIDDEN = re.compile("PROTOCOLS" + r"\.md|(?i:\.\./shared\b|/work/" + r"shared\b)")
CITATION = re.compile(r"docs/protocols\.md#([A-Za-z0-9_-]+)")
SKIP_DIRS = {".git", ".venv", "__pycache__", ".sandbox", "node_modules", ".ruff_cache", ".pytest_cache"}


def github_anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces become '-'."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading anchor of a Markdown text, with GitHub's -1, -2 suffixes for repeats."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        match = None if in_fence else re.match(r"^#{1,6}\s+(.+?)\s*#*\s*$", line)
        if match:
            anchor = github_anchor(match.group(1))
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def repo_files() -> list[Path]:
    """The repository's files: git's tracked and untracked-but-not-ignored ones, else a walk."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
        paths = [ROOT / p for p in out.decode("utf-8", "replace").split("\0") if p]
    except (OSError, subprocess.SubprocessError):
        paths = [p for p in ROOT.rglob("*") if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]
    return [p for p in paths if p.is_file() and not SKIP_DIRS & set(p.relative_to(ROOT).parts)]


def read_text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:4096]:
        return None  # binary
    return data.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def texts() -> dict[Path, str]:
    return {p: t for p in repo_files() if (t := read_text(p)) is not None}


def test_forbidden_references_are_recognised() -> None:
    assert FORBIDDEN.search("see " + "PROTOCOLS" + ".md, section 2")
    assert FORBIDDEN.search("open(" + "'../" + "Shared/spec/x')")
    assert not FORBIDDEN.search("docs/protocols.md#certificate-assertion")


def test_github_anchor_rules() -> None:
    assert github_anchor("Certificate assertion") == "certificate-assertion"
    assert github_anchor("MSAL against spkit's hosts") == "msal-against-spkits-hosts"
    assert github_anchor("Sites.Selected on SharePoint") == "sitesselected-on-sharepoint"
    assert github_anchor("`tls-server-end-point` (RFC 5929)") == "tls-server-end-point-rfc-5929"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_no_file_points_outside_the_repository(texts: dict[Path, str]) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for path, text in texts.items()
        for number, line in enumerate(text.splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert not offenders, "files cite a document that is not in the repository:\n" + "\n".join(offenders)


def test_every_cited_anchor_is_a_heading(texts: dict[Path, str]) -> None:
    assert DOC.is_file(), "docs/protocols.md is missing"
    known = anchors(DOC.read_text(encoding="utf-8"))
    cited = [
        (path, number, anchor)
        for path, text in texts.items()
        for number, line in enumerate(text.splitlines(), 1)
        for anchor in CITATION.findall(line)
    ]
    assert cited, "no file cites docs/protocols.md#<anchor>"
    missing = [f"{p.relative_to(ROOT)}:{n}: #{a}" for p, n, a in cited if a not in known]
    assert not missing, "anchors cited but not headings of docs/protocols.md:\n" + "\n".join(missing)


def test_internal_links_of_the_document_resolve() -> None:
    text = DOC.read_text(encoding="utf-8")
    known = anchors(text)
    missing = sorted({a for a in re.findall(r"\]\(#([^)]+)\)", text) if a not in known})
    assert not missing, f"docs/protocols.md links to missing sections: {missing}"
