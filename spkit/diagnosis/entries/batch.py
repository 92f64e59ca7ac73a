"""Batch codes: what ``spkit batch`` refuses before it starts (exit 2); a connection that fails inside a
batch is a row of the report with its own code, never one of these."""

from __future__ import annotations

from ..entry import maker

E = maker("batch")

NOTHING = "Nothing to change on your side: we are re-running our checks."

ENTRIES = (
    E(
        "BATCH_PATH_NOT_FOUND",
        "A batch path does not exist",
        meaning="A PATH given to 'spkit batch' is neither a parameters file, a folder, nor connection:NAME.",
        evidence="The path as given.",
        fix=[
            "Check the path (relative paths are taken from the current folder).",
            "For saved connections write connection:NAME ('spkit connections list' shows the names), or "
            "pass --connections for all of them.",
        ],
        tell=NOTHING,
    ),
    E(
        "BATCH_EMPTY_FOLDER",
        "No parameters files in a batch folder",
        meaning="A folder given to 'spkit batch' holds no *.yaml or *.yml file (subfolders are not read).",
        evidence="The folder.",
        fix=["Name the folder that holds the parameters files, or the files themselves."],
        tell=NOTHING,
    ),
    E(
        "BATCH_NO_PREVIOUS",
        "--only-failed names no earlier batch",
        meaning="--only-failed reads DIR/summary.json of an earlier 'spkit batch'; it is missing or is not "
        "a batch summary.",
        evidence="The folder and what is wrong with its summary.json.",
        fix=[
            "Name the --out folder of the earlier run (the one holding summary.html and summary.json).",
            "Or run the whole batch again without --only-failed.",
        ],
        tell=NOTHING,
    ),
    E(
        "DASK_UNREACHABLE",
        "No Dask scheduler answers",
        meaning="--executor dask://HOST:PORT names a scheduler that does not answer within 5 s.",
        evidence="The address and the connection error.",
        fix=[
            "Start the scheduler: 'dask scheduler' (it prints its address, port 8786 by default).",
            "Start a worker on each machine: 'dask worker tcp://HOST:8786'.",
            "Check HOST:PORT and the firewall between this machine and the scheduler.",
            "Or run on this machine with --executor local (the default).",
        ],
        tell=NOTHING,
    ),
)
