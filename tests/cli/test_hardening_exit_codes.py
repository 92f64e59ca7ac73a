"""A bug in spkit has its own exit status (3), so a script tells it from a failed check (1) and from
bad input (2); the statuses are documented in ``spkit --help`` and in the README."""

from __future__ import annotations

import argparse

from spkit.cli import main as cli_main
from spkit.cli import sites_cmd
from tests.conftest import REPO, spkit_cli


def _broken_handler(args: argparse.Namespace) -> int:
    raise KeyError("a bug")


def test_an_internal_error_exits_3_with_one_line_and_the_way_to_the_traceback(monkeypatch, capsys, tmp_path):
    # The command's own handler fails with an error that is no SpkitError: the CLI layer's mapping.
    monkeypatch.setattr(sites_cmd, "run", _broken_handler)
    code = cli_main.main(["sites", str(tmp_path / "any.yaml")])
    err = capsys.readouterr().err
    assert code == 3
    assert err.splitlines() == [
        "spkit: internal error: KeyError: 'a bug'",
        "  fix: run again with --debug for the traceback and report it",
    ]
    assert cli_main.main(["--debug", "sites", str(tmp_path / "any.yaml")]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_failed_check_and_bad_input_keep_1_and_2(tmp_path):
    card = tmp_path / "state" / "sandbox.json"
    card.parent.mkdir()
    card.write_text("[1]")  # a damaged card is a sandbox error (exit 1), not a bug
    done = spkit_cli("sandbox", "status", "--state", str(card.parent))
    assert done.returncode == 1, done.stderr
    assert "[SANDBOX_CARD]" in done.stderr and "internal error" not in done.stderr
    assert spkit_cli("verify", str(tmp_path / "missing.yaml")).returncode == 2


def test_the_exit_statuses_are_documented_in_help_and_readme():
    shown = spkit_cli("--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "3 internal error" in text and "1 a check failed" in text and "2 bad input" in text
    readme = " ".join((REPO / "README.md").read_text("utf-8").split())
    assert "3 an internal error" in readme
