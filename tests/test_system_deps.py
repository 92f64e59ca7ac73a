"""``.ci/system-deps`` (run first by ``make test``): looks, installs what is missing, or says what to install.

The system is simulated by a folder of stand-in programs searched instead of the real ones
(``SYSTEM_DEPS_PATH``) and put first on PATH: ``id`` (root or not), ``sudo`` (refusing), and an
``apt-get`` that records its arguments and "installs" by creating the programs. Nothing real is
installed, started or stopped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import REPO

SCRIPT = REPO / ".ci" / "system-deps"
PROGRAMS = {"slapd": "slapd", "slapadd": "slapd", "ldapsearch": "ldap-utils", "chromium": "chromium"}


def _program(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _system(tmp_path: Path, *, present: tuple[str, ...], root: bool) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for name in present:
        _program(bin_dir, name)
    _program(bin_dir, "id", f"echo {0 if root else 1000}")
    _program(bin_dir, "sudo", "echo 'sudo: a password is required' >&2; exit 1")
    creates = "".join(
        f"    {package}) for p in {' '.join(p for p, pkg in PROGRAMS.items() if pkg == package)}; do "
        f'printf "#!/bin/sh\\n" > {bin_dir}/$p; chmod +x {bin_dir}/$p; done ;;\n'
        for package in sorted(set(PROGRAMS.values()))
    )
    _program(
        bin_dir,
        "apt-get",
        f'echo "apt-get $*" >> {log}\nfor a in "$@"; do\n  case "$a" in\n{creates}  esac\ndone',
    )
    for tool in ("service", "update-rc.d", "systemctl"):
        _program(bin_dir, tool, f'echo "{tool} $*" >> {log}')
    return bin_dir


def _run(bin_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "SYSTEM_DEPS_PATH": str(bin_dir),
    }
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
    )


def _calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_everything_there_does_nothing_quickly(tmp_path):
    """Quick because it only looks: every stand-in program (the packages' own, id, sudo, apt-get, the
    service tools) records being run, and none is."""
    bin_dir = _system(tmp_path, present=tuple(PROGRAMS), root=True)
    for program in bin_dir.iterdir():
        _program(bin_dir, program.name, f'echo "{program.name} $*" >> {tmp_path / "calls.log"}')
    done = _run(bin_dir)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert _calls(tmp_path) == []


def test_not_root_and_no_sudo_says_exactly_what_to_install_in_one_line(tmp_path):
    bin_dir = _system(tmp_path, present=("slapd", "slapadd"), root=False)
    done = _run(bin_dir)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "system-deps: missing Debian packages ldap-utils chromium: install them with: "
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends ldap-utils chromium"
    ]
    assert _calls(tmp_path) == []
    optional = _run(bin_dir, "--optional", "directory")  # what make demo and make lab run
    assert optional.returncode == 0 and len(optional.stderr.splitlines()) == 1
    assert "ldap-utils" in optional.stderr and "chromium" not in optional.stderr


def test_root_installs_what_is_missing_and_stops_the_packaged_slapd(tmp_path):
    bin_dir = _system(tmp_path, present=("chromium",), root=True)
    done = _run(bin_dir)
    assert done.returncode == 0, done.stderr
    assert "installing slapd ldap-utils (apt-get)" in done.stdout
    calls = _calls(tmp_path)
    assert calls[:2] == [
        "apt-get update -q",
        "apt-get install -y -q --no-install-recommends slapd ldap-utils",
    ]
    assert "service slapd stop" in calls and "update-rc.d slapd disable" in calls
    assert _run(bin_dir).stdout == ""  # now all there: nothing more


def test_a_missing_slapadd_counts_as_a_missing_slapd(tmp_path):
    bin_dir = _system(tmp_path, present=("slapd", "ldapsearch", "chromium"), root=False)
    done = _run(bin_dir, "directory")
    assert done.returncode == 1 and "missing Debian packages slapd:" in done.stderr
