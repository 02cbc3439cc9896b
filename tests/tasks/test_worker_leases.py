"""A worker killed mid-collection: its lease expires, the job ends FAILED (interrupted), and the
re-enqueued collection completes on another worker, with no evidence of the killed run anywhere.

Real processes throughout: ``sentinel serve --no-worker``, two ``sentinel worker`` processes, and
the GitHub stand-in on 127.0.0.1, which holds every request while the test keeps its gate closed,
so "mid-collection" is a fact checked before the kill rather than a guess about timing.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import open_store
from tests.helpers.server import Server, add_users, data_of, login, server_env
from tests.helpers.waiting import wait_until
from tests.helpers.worker import start_worker


def _jobs(client: Any, integration_id: str) -> list[dict[str, Any]]:
    return list(data_of(client.get(f"/api/integrations/{integration_id}/jobs"))["jobs"])


@pytest.mark.long_wait
def test_a_killed_workers_job_is_interrupted_and_run_again_elsewhere(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = server_env(
        home,
        SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1",
        SENTINEL_JOB_LEASE_SECONDS="3",
        SENTINEL_HOUSEKEEPING_SECONDS="0.5",
    )
    server = Server(home, env, args=("--no-worker",))
    add_users(server.settings, ("member@example.com", "MEMBER"))
    server.start()
    first = second = None
    try:
        client = server.client(login(server, "member@example.com"))
        with running_github_api(seed_org("acme")) as (base_url, github):
            body = {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url, "name": "Acme"}
            integration = data_of(client.post("/api/integrations/github/connect", json=body), 201)[
                "integration"
            ]
            iid = integration["id"]

            # Queued: no worker runs, so the job waits with no startedAt.
            started = data_of(client.post(f"/api/integrations/{iid}/collect"), 202)["job"]
            assert started["status"] == "RUNNING" and started["trigger"] == "api"
            assert started["queuedAt"] and started["startedAt"] is None
            time.sleep(1.0)
            assert _jobs(client, iid)[0]["startedAt"] is None

            github.hold = threading.Event()
            github.reset_counters()
            first = start_worker(env, tmp_path / "worker-1.log")
            wait_until(lambda: github.total_requests > 0, 30, "the first worker to reach GitHub")
            running = _jobs(client, iid)[0]
            assert running["id"] == started["id"] and running["status"] == "RUNNING"
            assert running["startedAt"] is not None

            first.kill()
            second = start_worker(env, tmp_path / "worker-2.log")

            def interrupted() -> list[dict[str, Any]] | None:
                jobs = _jobs(client, iid)
                old = next(j for j in jobs if j["id"] == started["id"])
                return jobs if old["status"] == "FAILED" else None

            jobs = wait_until(interrupted, 30, "the lease to expire and the job to be reaped")
            old = next(j for j in jobs if j["id"] == started["id"])
            assert "interrupted" in old["errorMessage"]
            rerun = next(j for j in jobs if j.get("retryOf") == started["id"])
            assert rerun["trigger"] == "api"

            github.hold.set()  # let the re-run (and the dead worker's orphaned requests) through

            def finished() -> dict[str, Any] | None:
                job = next(j for j in _jobs(client, iid) if j["id"] == rerun["id"])
                return job if job["status"] != "RUNNING" else None

            done = wait_until(finished, 60, "the re-run to finish")
            assert done["status"] in ("COMPLETED", "PARTIAL"), done
            assert done["totalCount"] > 0
            assert len(_jobs(client, iid)) == 2  # the interrupted job and its one re-run

        with open_store(server.settings) as store:
            by_job = dict(
                store.conn.execute(
                    "SELECT job_id, COUNT(*) FROM evidence WHERE integration_id = ? "
                    "GROUP BY job_id",
                    (iid,),
                ).fetchall()
            )
        assert by_job == {rerun["id"]: done["totalCount"]}
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
        server.stop()
