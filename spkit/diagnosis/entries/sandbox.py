"""The local sandbox's codes (spkit sandbox start|stop|status, profiles with cloud: sandbox)."""

from __future__ import annotations

from ..entry import maker

E = maker("sandbox")

NOTHING = "Nothing to tell: this concerns only the local sandbox."
START = "'make sandbox-start' (the checkout's .sandbox/), or 'spkit sandbox start --detach --state DIR'."

ENTRIES = (
    E(
        "SANDBOX_ERROR",
        "Sandbox error",
        meaning="The local sandbox could not be started, found or stopped.",
        evidence="The message and the state directory.",
        fix=["Read the message; 'spkit sandbox status --state DIR' and DIR/sandbox.log tell more."],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_USAGE",
        "Sandbox argument invalid",
        meaning="A 'spkit sandbox start' option is out of range (--port, --sites, --throttle, --latency...).",
        evidence="The option and the allowed range.",
        fix=["Give the option a value in the range the message names."],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_SCENARIO",
        "Scenario file invalid",
        meaning="The --scenario file cannot be read, is not YAML, or describes something the sandbox "
        "cannot serve.",
        evidence="The file, the place in it and the problem.",
        fix=["Fix the scenario file (see scenarios/ in the repository for examples)."],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_NOT_RUNNING",
        "Sandbox not running",
        also=("input", "wizard"),
        meaning="The profile's sandbox card is gone or names a process that has ended.",
        evidence="The card's path and why it is not running.",
        fix=[f"Start it: {START}"],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_RUNNING",
        "Sandbox already running",
        meaning="A sandbox already runs in this state directory.",
        evidence="The state directory and the running sandbox's pid.",
        fix=["'spkit sandbox stop --state DIR', or give another --state."],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_PORT",
        "Sandbox port in use",
        meaning="The sandbox cannot listen on the port asked for.",
        evidence="The port and the socket error.",
        fix=["Give another --port, or 0 for a free one."],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_CARD",
        "Sandbox card unreadable",
        meaning="The sandbox's card cannot be read.",
        evidence="The card's path and the error.",
        fix=[f"Stop and start the sandbox again: {START}"],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_START_FAILED",
        "Sandbox did not start",
        meaning="The sandbox process exited during start, or did not write its card in time.",
        evidence="The exit code and the last lines of its output.",
        fix=["Read DIR/sandbox.log; fix what it says and start again."],
        tell=NOTHING,
    ),
    E(
        "SANDBOX_NO_DIRECTORY",
        "Sandbox serves no directory",
        also=("ad", "wizard"),
        meaning="The sandbox runs without its Active Directory (slapd missing, or --no-directory).",
        evidence="The card's directory.reason.",
        fix=["Install slapd and ldap-utils ('make system-deps'), restart the sandbox; or type the UPN."],
        tell=NOTHING,
    ),
)
