"""Whether anything will run a queued job: workers record themselves while alive, the API, the
CLI and the dashboard say when none is, and a killed worker stops counting once unseen."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import workers
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import open_store
from tests.helpers.cli import Cli
from tests.helpers.server import Server, add_users, data_of, login, server_env
from tests.helpers.worker import start_worker
from tests.web.browser import Browser

# Login, connecting, a collection queued and run by a real worker, a web session: on both.

ADMIN = "admin@example.com"


def test_a_worker_is_listed_while_it_runs_and_its_absence_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = server_env(home, SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1")
    server = Server(home, env, args=("--no-worker",))
    add_users(server.settings, (ADMIN, "ADMIN"))
    server.start()
    worker = None
    try:
        client = server.client(login(server, ADMIN))
        assert data_of(client.get("/api/workers"))["workers"] == []
        with running_github_api(seed_org("acme")) as (base_url, _github):
            body = {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url, "name": "Acme"}
            iid = data_of(client.post("/api/integrations/github/connect", json=body), 201)[
                "integration"
            ]["id"]
            data_of(client.post(f"/api/integrations/{iid}/collect"), 202)
            with Browser(server) as browser:
                browser.sign_in(ADMIN)
                assert "No queue worker is running" in browser.get(f"/integrations/{iid}").text
            health = data_of(server.client().get("/api/health"))  # what a load balancer sees
            assert health["store"] == "ok" and health["workers"] == 0
            assert health["queue"] == {"waitingJobs": 1, "pendingTasks": 1}

            monkeypatch.setenv("SENTINEL_HOME", str(home))
            listed = Cli()("workers")
            assert listed.exit_code == 0 and "No worker is running" in listed.stdout

            worker = start_worker(env, tmp_path / "worker.log", "--concurrency", "3")
            deadline = time.monotonic() + 20
            alive: list[dict[str, object]] = []
            while not alive and time.monotonic() < deadline:
                alive = data_of(client.get("/api/workers"))["workers"]
                time.sleep(0.2)
            [seen] = alive
            assert seen["concurrency"] == 3 and seen["pid"] == worker.proc.pid
            shown = json.loads(Cli()("workers", "--json").stdout)
            assert [w["id"] for w in shown["workers"]] == [seen["id"]]

            # The queued job is taken; the page no longer says nobody will run it.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                job = data_of(client.get(f"/api/integrations/{iid}/jobs"))["jobs"][0]
                if job["status"] != "RUNNING":
                    break
                time.sleep(0.2)
            assert job["status"] in ("COMPLETED", "PARTIAL"), job

            health = data_of(server.client().get("/api/health"))
            assert health["workers"] == 1
            assert health["queue"]["waitingJobs"] == 0  # (a periodic reminder task may be pending)
            assert isinstance(health["queue"]["pendingTasks"], int)

        assert worker.stop() == 0  # a clean stop removes its own row
        assert data_of(client.get("/api/workers"))["workers"] == []
        assert data_of(server.client().get("/api/health"))["workers"] == 0
    finally:
        if worker is not None:
            worker.stop()
        server.stop()


def test_a_killed_worker_stops_counting_once_unseen(settings: Settings) -> None:
    with open_store(settings) as store:
        workers.beat(
            store, "h:1:a", host="h", pid=1, concurrency=2, started_at="2026-01-01T00:00:00Z"
        )
        now = time.time()
        assert [w["id"] for w in workers.live_workers(store, now=now)] == ["h:1:a"]
        later = now + workers.ALIVE_SECONDS + 1
        assert workers.live_workers(store, now=later) == []
        workers.forget(store, "h:1:a")
        assert workers.live_workers(store, now=now) == []
