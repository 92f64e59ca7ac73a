"""What the import contracts (``make lint``) cannot see, checked on the source: no module reaches another's
private names, and no import hides in a string, where import-linter would not find it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "spkit"
# Imported for its side effect only (it silences ldap3's import warnings), never for a name.
SIDE_EFFECT_IMPORTS = {("spkit/services/ad/__init__.py", "_ldap3")}


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(PACKAGE.parent)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def test_no_module_imports_a_private_name_of_another():
    crossing = [
        f"{where}:{node.lineno} imports {alias.name}"
        for where, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_")
        and not alias.name.startswith("__")
        and (where, alias.name) not in SIDE_EFFECT_IMPORTS
    ]
    assert not crossing, crossing


def test_no_import_is_hidden_in_a_string():
    """``importlib.import_module`` / ``__import__`` only where the CLI loads a command's module lazily."""
    hidden = [
        f"{where}:{node.lineno}"
        for where, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            or (isinstance(node.func, ast.Name) and node.func.id == "__import__")
        )
        and where != "spkit/cli/main.py"
    ]
    assert not hidden, hidden
