"""Stop a slapd when the process that owns it is gone: ``python -I guardian.py OWNER_PID SLAPD_PID CONF``.

The owner (a sandbox, a test session) stops its slapd itself when it ends normally; this watcher covers
the other endings (SIGKILL, a crash). It is a script of the standard library only, run isolated, so it
starts fast and runs no code from the caller's directory. It exits as soon as slapd is gone.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _is_our_slapd(pid: int, conf: str) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _alive(pid)
    return b"slapd" in command and conf.encode() in command


def guard(owner: int, slapd: int, conf: str, interval: float = 0.25) -> None:
    while _alive(slapd) and _is_our_slapd(slapd, conf):
        if not _alive(owner):
            os.kill(slapd, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _alive(slapd) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _alive(slapd):
                os.kill(slapd, signal.SIGKILL)
            return
        time.sleep(interval)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    guard(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
