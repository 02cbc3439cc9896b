"""Leases of queued jobs in the store: one worker takes a job, an expired lease is reaped once and
re-run once, and a run whose job was ended elsewhere writes nothing."""

from __future__ import annotations

import time

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import integrations, job_leases
from sentinel_cli.operations.collect import run_collection, start_collection
from sentinel_cli.secrets import open_secrets
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import Store, open_store

# Leases taken, renewed and reaped by conditional UPDATEs: on both databases.
pytestmark = pytest.mark.both_databases


def _integration(store: Store, settings: Settings, base_url: str = "http://127.0.0.1:9") -> str:
    shape = integrations.connect_github(
        store,
        open_secrets(settings, announce=False),
        org="acme",
        token=OWNER_TOKEN,
        base_url=base_url,
        verify=False,
    )
    return str(shape["id"])


def test_exactly_one_worker_takes_a_queued_job(settings: Settings) -> None:
    with open_store(settings) as a, open_store(settings) as b:
        iid = _integration(a, settings)
        job = start_collection(a, iid, trigger="api", queued=True)
        assert job["startedAt"] is None and job["queuedAt"]
        assert job_leases.take(a, job["id"], owner="a", seconds=30)
        assert not job_leases.take(b, job["id"], owner="b", seconds=30)
        assert job_leases.renew(a, job["id"], owner="a", seconds=30)
        assert not job_leases.renew(b, job["id"], owner="b", seconds=30)
        row = a.jobs.get(job["id"])
        assert row is not None and row["lease_owner"] == "a" and row["run_started_at"]


def test_an_expired_lease_is_reaped_and_run_again_once(settings: Settings) -> None:
    with open_store(settings) as store:
        iid = _integration(store, settings)
        job = start_collection(store, iid, trigger="schedule", queued=True, actor="x@example.com")
        assert job_leases.take(store, job["id"], owner="dead", seconds=2)
        assert job_leases.reap_expired(store) == []  # not yet expired

        [reaped] = job_leases.reap_expired(store, now=time.time() + 5)
        assert reaped.job_id == job["id"] and reaped.rerun_id
        old = store.jobs.get(job["id"])
        assert old is not None and old["status"] == "FAILED"
        assert old["failure_kind"] == "interrupted" and "interrupted" in old["error_message"]
        rerun = store.jobs.get(reaped.rerun_id)
        assert rerun is not None and rerun["status"] == "RUNNING"
        assert (rerun["attempt"], rerun["retry_of"], rerun["trigger"], rerun["actor"]) == (
            2,
            job["id"],
            "schedule",
            "x@example.com",
        )
        assert rerun["period_start"] == old["period_start"]
        # Reaping again finds nothing: the re-run has no lease yet.
        assert job_leases.reap_expired(store, now=time.time() + 5) == []

        # The re-run's worker dies too: it ends FAILED and is not run a third time.
        assert job_leases.take(store, reaped.rerun_id, owner="dead-too", seconds=2)
        [second] = job_leases.reap_expired(store, now=time.time() + 5)
        assert second.rerun_id is None
        integration = store.integrations.get(iid)
        assert integration is not None and integration["status"] == "ERROR"
        assert store.jobs.running_for(iid) is None


def test_opening_the_store_leaves_queued_jobs_to_their_leases(settings: Settings) -> None:
    with open_store(settings) as store:
        iid = _integration(store, settings)
        job = start_collection(store, iid, trigger="api", queued=True)
    with open_store(settings) as store:  # crash recovery runs here: pid rule only for CLI jobs
        row = store.jobs.get(job["id"])
        assert row is not None and row["status"] == "RUNNING"


def test_a_run_whose_job_was_reaped_meanwhile_writes_no_evidence(settings: Settings) -> None:
    with (
        running_github_api(seed_org("acme")) as (base_url, _server),
        open_store(settings) as store,
        open_store(settings) as reaper,
    ):
        iid = _integration(store, settings, base_url)
        job = start_collection(store, iid, trigger="api", queued=True)
        assert job_leases.take(store, job["id"], owner="slow", seconds=2)
        reaped: list[job_leases.Reaped] = []

        def progress(done: int, total: int, step: str) -> None:
            if not reaped:  # the lease lapses while this worker is stalled mid-collection
                reaped.extend(job_leases.reap_expired(reaper, now=time.time() + 5))

        ended = run_collection(
            store,
            open_secrets(settings, announce=False),
            settings,
            job["id"],
            progress=progress,
        )
        assert reaped and ended["status"] == "FAILED"
        assert "interrupted" in (ended["errorMessage"] or "")
        count = store.conn.execute(
            "SELECT COUNT(*) FROM evidence WHERE job_id = ?", (job["id"],)
        ).fetchone()[0]
        assert count == 0


@pytest.mark.parametrize("raw, expected", [("", 30.0), ("5", 5.0), ("0.5", 2.0), ("x", 30.0)])
def test_lease_length_setting(monkeypatch: pytest.MonkeyPatch, raw: str, expected: float) -> None:
    monkeypatch.setenv(job_leases.ENV_LEASE_SECONDS, raw)
    assert job_leases.lease_seconds() == expected
