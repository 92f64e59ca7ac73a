"""``run_batch`` called directly (the CLI's ``spkit batch`` is one call to it): options refused before any
run, and a fleet batch's outcomes, summary files and frame as the caller gets them."""

from __future__ import annotations

import json

import pytest

from spkit.errors import InputError
from spkit.services.batch.outcome import BatchOptions
from spkit.services.batch.run import check_options, run_batch
from spkit.services.batch.targets import collect_targets
from tests.helpers import write_profile


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (BatchOptions(jobs=0), "--jobs 0: must be at least 1"),
        (BatchOptions(timeout_s=0), "--timeout 0: must be more than 0 seconds"),
        (BatchOptions(notebooks="some"), "--notebooks some: not one of"),
        (BatchOptions(executor="dask://"), "--executor dask://: not 'local' nor dask://HOST:PORT"),
        (BatchOptions(executor="ssh://host"), "--executor ssh://host: not 'local' nor dask://HOST:PORT"),
    ],
)
def test_options_no_run_can_use_are_refused_before_anything_runs(tmp_path, options, said):
    with pytest.raises(InputError) as refused:
        run_batch([], tmp_path / "out", options)
    assert refused.value.code == "USAGE" and refused.value.summary.startswith(said)
    assert not (tmp_path / "out").exists()
    check_options(BatchOptions(jobs=1, timeout_s=0.5, notebooks="none", executor="dask://127.0.0.1:1"))


def test_a_fleet_batch_returns_each_outcome_and_writes_its_summary(tmp_path, card, card_path, monkeypatch):
    monkeypatch.setenv("SPKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SPKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPKIT_KEYRING", "off")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    write_profile(profiles, card_path, card, "spkit-certificate", name="works")
    write_profile(profiles, card_path, card, "spkit-secret", name="refused")
    targets = collect_targets([profiles])
    assert [t.name for t in targets] == ["refused", "works"]  # a folder's files, sorted
    out = tmp_path / "out"
    run = run_batch(targets, out, BatchOptions(fleet=True, jobs=2), command=["spkit", "batch", "profiles/"])
    assert not run.interrupted and run.skipped == 0
    assert {o.name: o.status for o in run.outcomes} == {"works": "passed", "refused": "failed"}
    refused = next(o for o in run.outcomes if o.name == "refused")
    assert [(s.step, s.diagnosis.code) for s in refused.result.failed_steps] == [
        ("sharepoint", "SPO_SECRET_TOKEN_REFUSED")
    ]
    assert run.exit_code == 1
    assert list(run.frame["connection"]) == [o.name for o in run.outcomes]
    assert {p.name for p in (run.files.csv, run.files.json, run.files.html)} == {
        "summary.csv",
        "summary.json",
        "summary.html",
    }
    written = json.loads(run.files.json.read_text())
    assert written["meta"]["mode"] == "fleet" and written["meta"]["command"] == "spkit batch profiles/"
    assert {row["connection"]: row["status"] for row in written["connections"]} == {
        "works": "passed",
        "refused": "failed",
    }
    assert (out / "refused.ipynb").is_file() and not (out / "works.ipynb").exists()  # fleet: failed only
