"""`spkit --help` stays fast: the CLI imports a command's module (services, MSAL, the sandbox...) only
when that command runs, yet `spkit --help` and `spkit X --help` still say everything.

A behavioural guard, not a timing: which modules a help command imports (``-X importtime``). The
times themselves are measured by bench/startup.py (docs/benchmarks.md).
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from spkit.cli import main as cli_main

# What a help command must not import: each costs tens to hundreds of milliseconds.
HEAVY = (
    "msal",
    "pandas",
    "cryptography",
    "requests",
    "urllib3",
    "papermill",
    "ipywidgets",
    "ldap3",
    "yaml",
    "spkit.sandbox",
    "spkit.services",
    "spkit.store",
    "spkit.http",
)
CLI_DIR = Path(cli_main.__file__).parent


def imported_by(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime -m spkit ARGS`` from a neutral directory; the modules it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "spkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    modules = {
        line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    return done, modules


@pytest.mark.parametrize("args", [("--help",), ("verify", "--help"), ("--version",)], ids=" ".join)
def test_help_and_version_import_no_heavy_module(args: tuple[str, ...], tmp_path: Path) -> None:
    done, modules = imported_by(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "spkit.cli.main" in modules  # the importtime report was read
    heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not heavy, f"`spkit {' '.join(args)}` imports {heavy}: import them where they are used"
    if args == ("--version",):
        assert done.stdout == f"spkit {version('spkit')}\n"


def test_help_lists_every_command_like_the_full_parser(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    shown = subprocess.run(
        [sys.executable, "-m", "spkit", "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    # the full parser imports every command module: their own help lines, in the table's order
    assert shown.stdout == cli_main.build_parser().format_help()
    for name in cli_main.COMMANDS:
        assert f"\n    {name} " in shown.stdout or f"\n    {name}\n" in shown.stdout


def test_every_command_module_is_in_the_table() -> None:
    modules = {path.stem for path in CLI_DIR.glob("*_cmd.py")}
    listed = {module for module, _help in cli_main.COMMANDS.values()}
    assert modules <= listed, f"add {sorted(modules - listed)} to COMMANDS in spkit/cli/main.py"


@pytest.mark.parametrize("name", list(cli_main.COMMANDS))
def test_command_help_is_the_full_one(name: str, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as lazy:
        cli_main.main(["--debug", name, "--help"])  # an option before the command is skipped over
    assert lazy.value.code == 0
    lazy_help = capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli_main.build_parser().parse_args([name, "--help"])
    assert lazy_help == capsys.readouterr().out
    assert "usage: spkit " + name in lazy_help


def test_a_command_still_runs_and_reports_bad_input(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spkit", "--debug", "verify"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "spkit verify: the following arguments are required: PARAMS.yaml" in done.stderr
