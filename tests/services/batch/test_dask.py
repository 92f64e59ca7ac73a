"""``--executor dask://HOST:PORT``: the batch's work on a Dask cluster (a LocalCluster on loopback here)
gives the results a local run gives, with the executed notebooks written under DIR by the client; a
scheduler that does not answer is bad input (exit 2, DASK_UNREACHABLE)."""

from __future__ import annotations

import socket

import pytest

from spkit.errors import InputError
from spkit.services.batch.dask_executor import DaskExecutor, scheduler_address
from spkit.services.batch.fleet import verify_fleet
from spkit.services.batch.outcome import BatchOptions
from spkit.services.batch.targets import collect_targets
from tests.conftest import spkit_cli
from tests.helpers import write_profile


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def _address(cluster) -> str:
    return "dask://" + cluster.scheduler_address.removeprefix("tcp://")


def _shape(outcome):
    steps = [
        (s.step, s.status.value, s.diagnosis.code if s.diagnosis else None) for s in outcome.result.steps
    ]
    return outcome.name, outcome.status, steps, outcome.result.facts.get("site_collections")


def test_fleet_chunks_on_dask_equal_a_local_fleet(cluster, tmp_path, card, card_path):
    targets = collect_targets(
        [
            write_profile(tmp_path, card_path, card, "spkit-certificate", name="pem"),
            write_profile(tmp_path, card_path, card, "spkit-secret", name="secret"),
            write_profile(
                tmp_path, card_path, card, "spkit-unconsented", name="unconsented", credential="pem"
            ),
        ]
    )
    local = verify_fleet(targets, jobs=2)
    with DaskExecutor(_address(cluster)) as executor:
        remote = executor.run_fleet(targets, tmp_path / "out", BatchOptions(fleet=True, notebooks="none"))
    assert [_shape(o) for o in remote] == [_shape(o) for o in local]
    assert [o.status for o in remote] == ["passed", "failed", "failed"]


@pytest.mark.notebook
def test_per_connection_runs_on_dask_write_the_notebooks_here(cluster, tmp_path, card, card_path):
    from functools import partial

    from spkit.services.batch.notebook_run import POOL, run_target

    targets = collect_targets([write_profile(tmp_path, card_path, card, "spkit-secret", name="refused")])
    out = tmp_path / "out"
    options = BatchOptions(notebooks="all")
    seen = []
    try:
        with DaskExecutor(_address(cluster)) as executor:
            outcomes = executor.run(
                partial(run_target, out_dir=out, options=options),
                targets,
                on_start=lambda t: seen.append(("start", t.name)),
                on_done=lambda t, o: seen.append(("done", t.name, o.status)),
            )
    finally:
        POOL.close_all()
    local = verify_fleet(targets)
    assert [_shape(o) for o in outcomes] == [_shape(o) for o in local]
    assert outcomes[0].result.failed_steps[0].diagnosis.code == "SPO_SECRET_TOKEN_REFUSED"
    assert outcomes[0].notebook == out / "refused.ipynb" and outcomes[0].notebook.is_file()
    assert outcomes[0].html == out / "refused.html" and outcomes[0].html.is_file()
    assert seen == [("start", "refused"), ("done", "refused", "failed")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_is_bad_input(tmp_path, card, card_path):
    profile = write_profile(tmp_path, card_path, card, "spkit-certificate")
    address = f"dask://127.0.0.1:{_free_port()}"
    with pytest.raises(InputError) as caught:
        DaskExecutor(address, timeout_s=1)
    assert caught.value.code == "DASK_UNREACHABLE"

    done = spkit_cli("batch", str(profile), "--out", str(tmp_path / "out"), "--executor", address, timeout=60)

    assert done.returncode == 2, done.stderr + done.stdout
    assert "DASK_UNREACHABLE" in done.stderr and "dask scheduler" in done.stderr


def test_scheduler_addresses():
    assert scheduler_address("dask://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert scheduler_address("dask://tls://sched:8786") == "tls://sched:8786"
    with pytest.raises(InputError):
        scheduler_address("dask://nohost")
