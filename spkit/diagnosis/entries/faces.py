"""Codes of the faces (command line, wizard, onboarding record) and of spkit itself (base classes,
unexpected errors)."""

from __future__ import annotations

from ..entry import maker

WIZARD, RECORD, CLI, INTERNAL = maker("wizard"), maker("record"), maker("cli"), maker("internal")

NOTHING = "Nothing to change on your side."
BUG = "Report it as a bug in spkit, with the output of the command run again with --debug."
ANY_RUNG = ("discovery", "token", "graph", "sharepoint", "http", "web", "search", "central_admin")

ENTRIES = (
    CLI(
        "USAGE",
        "Command used wrongly",
        meaning="The command's arguments do not fit together (a required argument missing, options that "
        "exclude each other).",
        evidence="The argument and the command's usage.",
        fix=["Read 'spkit COMMAND --help' and run it again."],
        tell=NOTHING,
    ),
    WIZARD(
        "PASSWORD_MISSING",
        "Password required",
        meaning="The wizard's Password field is required here (the farm account's password).",
        evidence="The field.",
        fix=["Type the password of the account above."],
        tell="Please send us the password of the farm account (we keep it encrypted).",
    ),
    WIZARD(
        "CONFIGURE_NEEDED",
        "Configuration not tried yet",
        meaning="The connection has not been tried with these settings: Configure must run first.",
        evidence="The wizard's Configuration step.",
        fix=["Click Configure."],
        tell=NOTHING,
    ),
    WIZARD(
        "PLAN_NEEDED",
        "Registration preview not ready",
        meaning="The preview of the automatic registration is not ready yet.",
        evidence="The Application registration step.",
        fix=["Wait for the preview (the admin must be signed in)."],
        tell=NOTHING,
    ),
    WIZARD(
        "PLAN_NOT_CONFIRMED",
        "Registration preview not confirmed",
        meaning="Automatic registration needs the signed-in admin and the confirmed preview.",
        evidence="The Application registration step.",
        fix=["Go Back to Application registration and confirm the preview."],
        tell=NOTHING,
    ),
    WIZARD(
        "NOT_SAVED",
        "Connection not saved",
        meaning="The onboarding record needs a saved connection.",
        evidence="The Save step.",
        fix=["Click Save first."],
        tell=NOTHING,
    ),
    WIZARD(
        "SIGNIN_MOOT",
        "Sign-in finished too late",
        meaning="A sign-in finished after the wizard moved on (another connection, Cancel); it was dropped.",
        evidence="The wizard's state.",
        fix=["Sign in again on the current connection."],
        tell=NOTHING,
    ),
    WIZARD(
        "WIZARD_FAILED",
        "Wizard server failed",
        meaning="The wizard's server could not be started or stopped.",
        evidence="The message.",
        fix=["Read the log file the message names."],
        tell=NOTHING,
    ),
    WIZARD(
        "WIZARD_NOTEBOOK_MISSING",
        "Wizard notebook missing",
        meaning="spkit runs from an installation without its notebooks/ folder.",
        evidence="The notebook path.",
        fix=["Run spkit from its source tree (make install), where notebooks/ is."],
        tell=NOTHING,
    ),
    WIZARD(
        "WIZARD_PORT",
        "Wizard port invalid",
        meaning="--port is out of range or cannot be used.",
        evidence="The port.",
        fix=["Give another --port, or 0 for a free one."],
        tell=NOTHING,
    ),
    WIZARD(
        "WIZARD_PORT_IN_USE",
        "Wizard port in use",
        meaning="Another program listens on the port asked for.",
        evidence="The port and the socket error (EADDRINUSE).",
        fix=["Give another --port, or 0 for a free one."],
        tell=NOTHING,
    ),
    WIZARD(
        "WIZARD_START_FAILED",
        "Wizard server did not start",
        meaning="Voila did not start (or exited).",
        evidence="The last lines of its output and the log file.",
        fix=["Read the log file; check that 'make install' completed."],
        tell=NOTHING,
    ),
    RECORD(
        "RECORD_FAILED",
        "Onboarding record notebook failed",
        meaning="The onboarding record notebook raised an error while it ran.",
        evidence="The executed notebook's path and the error.",
        fix=["Fix what the error says (see the executed notebook), then 'spkit record NAME' again."],
        tell=NOTHING,
    ),
    RECORD(
        "RECORD_SECRET_FOUND",
        "Secret found in the onboarding record",
        meaning="The record contained one of the connection's own secrets; it was deleted.",
        evidence="Which kind of secret was found (never the secret).",
        fix=[BUG, "Never share that record."],
        tell=NOTHING,
    ),
    INTERNAL(
        "INTERNAL_ERROR",
        "Unexpected error in spkit",
        also=ANY_RUNG,
        meaning="A rung (or the wizard) hit an exception spkit does not expect: a bug.",
        evidence="The exception's type and message.",
        fix=[BUG],
        tell="We hit a problem in our own tool; nothing to change on your side.",
    ),
    INTERNAL(
        "SPKIT_ERROR",
        "spkit error",
        meaning="The base of every error spkit raises on purpose, without a more specific code.",
        evidence="The message.",
        fix=["Read the message and its fix."],
        tell=NOTHING,
    ),
    INTERNAL(
        "CHECK_FAILED",
        "Check failed",
        also=ANY_RUNG,
        meaning="A step of connecting or verifying failed, without a more specific code.",
        evidence="The message.",
        fix=["Run 'spkit diagnose PARAMS.yaml' to see every rung with its evidence."],
        tell="A check failed; we are analysing it.",
    ),
    INTERNAL(
        "SERVICE_ERROR",
        "Service error",
        also=ANY_RUNG,
        meaning="The service answered an error spkit has no more specific diagnosis for.",
        evidence="The status and the service's message.",
        fix=["Read the evidence; retry if transient."],
        tell="The service returned an error; we are retrying.",
    ),
    INTERNAL(
        "SERVICE_NOT_JSON",
        "Answer is not JSON",
        also=ANY_RUNG,
        meaning="The service answered with a body that is not JSON: the address points at something else "
        "(a proxy's block page, a sign-in page, another web server).",
        evidence="The status and the first characters of the body.",
        fix=["Check the address, and whether a proxy answers in the service's place."],
        tell="Something between us and your server answers in its place (a proxy page?). Please check the "
        "address and your proxy.",
    ),
    INTERNAL(
        "ACCESS_DENIED",
        "Access denied",
        also=ANY_RUNG,
        meaning="Authenticated, but the resource refused the request, without a more specific code.",
        evidence="The status and the service's message.",
        fix=["Check the permissions of the app or account."],
        tell="Our access is refused; please check the permissions granted to our app or account.",
    ),
    INTERNAL(
        "THROTTLED",
        "Throttled",
        also=ANY_RUNG,
        meaning="The service kept answering 429/503 after the retries spkit allows, without a more specific "
        "code.",
        evidence="The status and the retries.",
        fix=["Run again later."],
        tell="Your service is throttling us right now; nothing to change.",
    ),
)
