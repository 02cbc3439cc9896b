"""Split collections on real ``sentinel worker`` processes: the parts of one GitHub collection
are shared by two workers (through the SQLite queue, and through Redis) and its evidence equals
the whole collection's; a worker SIGKILLed
while it runs a part leaves that part to the other worker (after its lease expires), and the job
completes, once, without being reaped as interrupted.

The queue is the SQLite queue beside the store; the GitHub stand-in on 127.0.0.1 holds every
request while the test keeps its gate closed, so "mid-part" is a fact checked before the kill.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import billing, integrations, split
from sentinel_cli.operations.collect import start_collection
from sentinel_cli.secrets import open_secrets
from sentinel_cli.standins.github_api import OWNER_TOKEN, GithubApiServer, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import Store, open_store
from sentinel_cli.tasks.queue import TaskQueue
from tests.helpers.server import server_env
from tests.helpers.waiting import wait_until
from tests.helpers.worker import Worker, start_worker
from tests.tasks.test_split_collections import evidence_multiset, run_whole

REPOS = 60
BATCH = "15"


def _env(settings: Settings) -> dict[str, str]:
    return server_env(
        settings.home,
        SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
        SENTINEL_SPLIT_REPOS=BATCH,
        SENTINEL_JOB_LEASE_SECONDS="3",
        SENTINEL_HOUSEKEEPING_SECONDS="0.5",
    )


def _connect(store: Store, settings: Settings, base_url: str) -> str:
    billing.set_plan(store, "ENTERPRISE")
    return str(
        integrations.connect_github(
            store,
            open_secrets(settings, announce=False),
            org="acme",
            token=OWNER_TOKEN,
            base_url=base_url,
            verify=False,
        )["id"]
    )


def _ended(settings: Settings, job_id: str) -> dict[str, Any] | None:
    with open_store(settings) as store:
        row = store.jobs.get(job_id)
    return row if row is not None and row["status"] != "RUNNING" else None


def _parts(settings: Settings, job_id: str) -> list[dict[str, Any]]:
    with open_store(settings) as store:
        return store.job_parts.of_job(job_id)


def _pid(owner: str | None) -> int:
    return int(str(owner).split(":")[1])


def _compare_with_whole(settings: Settings, iid: str, job_id: str) -> None:
    with open_store(settings) as store:
        whole = run_whole(store, open_secrets(settings, announce=False), settings, iid)
        assert evidence_multiset(store, job_id) == evidence_multiset(store, whole["id"])
        jobs = store.jobs.list_for(iid)
    # The split job and the whole one: the split job was never reaped nor run again.
    assert len(jobs) == 2 and all(j["retry_of"] is None for j in jobs)


@pytest.mark.slow
@pytest.mark.long_wait
def test_two_workers_share_the_parts_of_one_collection(tmp_path: Path, settings: Settings) -> None:
    """On the SQLite queue; tests/tasks/test_scale_out.py does the same on Redis."""
    workers: list[Worker] = []
    with running_github_api(seed_org("acme", repos=REPOS)) as (base_url, _github):
        with open_store(settings) as store:
            iid = _connect(store, settings, base_url)
            job_id = start_collection(store, iid, trigger="api", queued=True)["id"]
        env = _env(settings)
        try:
            for n in (1, 2):
                workers.append(
                    start_worker(env, tmp_path / f"worker-{n}.log", "--concurrency", "1")
                )
            TaskQueue(settings).enqueue_collection(job_id)
            done = wait_until(lambda: _ended(settings, job_id), 120, "the split job to end")
        finally:
            for worker in workers:
                worker.stop()
        parts = _parts(settings, job_id)
        assert len(parts) == 1 + (REPOS - 1 + int(BATCH) - 1) // int(BATCH)
        assert {p["status"] for p in parts} == {"DONE"}
        ran = Counter(_pid(p["lease_owner"]) for p in parts)
        assert set(ran) == {w.proc.pid for w in workers}, ran  # both workers took parts
        assert done["status"] == "COMPLETED", done
        assert (done["progress_done"], done["progress_total"]) == (len(parts), len(parts))
        _compare_with_whole(settings, iid, job_id)


@pytest.mark.slow
@pytest.mark.long_wait
def test_a_part_of_a_killed_worker_runs_on_the_other(tmp_path: Path, settings: Settings) -> None:
    first = second = None
    with running_github_api(seed_org("acme", repos=REPOS)) as (base_url, github):
        with open_store(settings) as store:
            iid = _connect(store, settings, base_url)
            job_id = start_collection(store, iid, trigger="api", queued=True)["id"]
        env = _env(settings)
        try:
            first = start_worker(env, tmp_path / "worker-1.log", "--concurrency", "1")
            TaskQueue(settings).enqueue_collection(job_id)
            wait_until(lambda: _parts(settings, job_id), 60, "the job to be split")
            _hold(github)
            owned = wait_until(
                lambda: _held_part_of(settings, job_id, github, first),
                30,
                "the first worker to be held mid-part",
            )
            first.kill()
            second = start_worker(env, tmp_path / "worker-2.log", "--concurrency", "2")
            assert github.hold is not None
            github.hold.set()  # let the second worker (and the dead one's requests) through
            done = wait_until(lambda: _ended(settings, job_id), 120, "the split job to end")
        finally:
            github.hold = None
            for worker in (first, second):
                if worker is not None:
                    worker.stop()
        parts = {p["part_key"]: p for p in _parts(settings, job_id)}
        assert {p["status"] for p in parts.values()} == {"DONE"}
        retried = parts[owned]
        assert retried["attempt"] == 2 and second is not None
        assert _pid(retried["lease_owner"]) == second.proc.pid
        assert done["status"] == "COMPLETED", done
        assert "interrupted" not in (done["error_message"] or "")
        _compare_with_whole(settings, iid, job_id)


def _hold(github: GithubApiServer) -> None:
    github.reset_counters()
    github.hold = threading.Event()


def _held_part_of(
    settings: Settings, job_id: str, github: GithubApiServer, worker: Worker
) -> str | None:
    """The part ``worker`` runs while one of its requests is held at the gate, if any."""
    if github.total_requests == 0:
        return None
    for part in _parts(settings, job_id):
        if part["status"] == "RUNNING" and _pid(part["lease_owner"]) == worker.proc.pid:
            return str(part["part_key"])
    return None


def test_the_split_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(split.ENV_SPLIT_REPOS, raising=False)
    assert split.split_repos() == split.DEFAULT_SPLIT_REPOS == 50
    monkeypatch.setenv(split.ENV_SPLIT_REPOS, "25")
    assert split.split_repos() == 25
    monkeypatch.setenv(split.ENV_SPLIT_REPOS, "many")
    assert split.split_repos() == 50
    monkeypatch.setenv(split.ENV_SPLIT_ACCOUNTS, "0")
    assert split.split_accounts() == 1
