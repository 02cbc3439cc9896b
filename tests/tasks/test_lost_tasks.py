"""A queued job whose task was lost (the queue file replaced, a worker killed between taking the
task and its lease) is enqueued again once the queue is empty, instead of keeping its integration
busy forever; only one run can take its lease, so a duplicate is harmless."""

from __future__ import annotations

import time
from pathlib import Path

from sentinel_cli.config import Settings
from sentinel_cli.operations import billing, integrations, job_leases
from sentinel_cli.operations.collect import start_collection
from sentinel_cli.secrets import open_secrets
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import Store, open_store
from tests.helpers.server import server_env
from tests.helpers.worker import running_worker


def _queued_long_ago(store: Store, iid: str, seconds: float) -> str:
    job = start_collection(store, iid, trigger="api", queued=True)
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds))
    store.conn.execute("UPDATE collection_jobs SET started_at = ? WHERE id = ?", (past, job["id"]))
    return job["id"]


def test_only_jobs_waiting_past_the_limit_and_untaken_are_lost(settings: Settings) -> None:
    with open_store(settings) as store:
        iid = integrations.connect_github(
            store, open_secrets(settings, announce=False), org="a", token="t", verify=False
        )["id"]
        recent = start_collection(store, iid, trigger="api", queued=True)["id"]
        assert job_leases.untaken(store) == []
        store.conn.execute("UPDATE collection_jobs SET status = 'FAILED' WHERE id = ?", (recent,))
        old = _queued_long_ago(store, iid, 120)
        assert job_leases.untaken(store) == [old]
        assert job_leases.take(store, old, owner="w", seconds=30)
        assert job_leases.untaken(store) == []


def test_a_worker_runs_a_job_whose_task_was_lost(tmp_path: Path, settings: Settings) -> None:
    with running_github_api(seed_org("acme")) as (base_url, _github):
        with open_store(settings) as store:
            billing.set_plan(store, "ENTERPRISE")
            iid = integrations.connect_github(
                store,
                open_secrets(settings, announce=False),
                org="acme",
                token=OWNER_TOKEN,
                base_url=base_url,
                verify=False,
            )["id"]
            lost = _queued_long_ago(store, iid, 60)  # recorded, never enqueued
        env = server_env(
            settings.home,
            SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
            SENTINEL_HOUSEKEEPING_SECONDS="0.5",
        )
        with running_worker(env, tmp_path / "worker.log"), open_store(settings) as store:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                row = store.jobs.get(lost)
                assert row is not None
                if row["status"] != "RUNNING":
                    break
                time.sleep(0.2)
            assert row["status"] in ("COMPLETED", "PARTIAL"), row
