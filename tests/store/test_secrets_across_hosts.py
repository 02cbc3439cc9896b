"""Secrets shared by hosts through the store (``SENTINEL_SECRETS_BACKEND=store``), end to end.

Two ``sentinel serve --no-worker`` processes and one ``sentinel worker`` run with three different
SENTINEL_HOME directories, as three hosts would: what they share is the store (a PostgreSQL
schema), the queue (a file all three name) and the secrets key, nothing else. A GitHub
integration (the local stand-in) connected through the first server is collected through the
second, and the worker, whose home never saw the token, reads it from the store and completes
the job. A token one server issued is accepted by the other; ``rotate-signing-key`` run from a
fourth home ends it on both, and no home holds a ``secrets.json``.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.secrets import KEY_ENV, new_key
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.store import open_store
from tests.helpers.server import Server, add_users, data_of, free_port, login, server_env
from tests.helpers.waiting import wait_until
from tests.helpers.worker import start_worker

pytestmark = pytest.mark.e2e

ADMIN = "ops@example.com"


@pytest.mark.slow
def test_hosts_with_different_homes_share_secrets_and_tokens(tmp_path: Path, pg_url: str) -> None:
    shared = {
        "SENTINEL_DB": pg_url,
        "SENTINEL_QUEUE": str(tmp_path / "shared-queue.db"),
        "SENTINEL_SECRETS_BACKEND": "store",
        KEY_ENV: new_key(),
        "SENTINEL_ALLOW_ENDPOINT_HOSTS": "127.0.0.1",
    }
    homes = {name: tmp_path / name for name in ("host-a", "host-b", "host-w", "host-admin")}
    envs = {name: server_env(path, **shared) for name, path in homes.items()}
    add_users(Settings.from_env(envs["host-a"]), (ADMIN, "ADMIN"))
    servers = [Server(homes[h], envs[h], args=("--no-worker",)) for h in ("host-a", "host-b")]
    worker = None
    with running_github_api(seed_org("acme", repos=3)) as (base_url, _github):
        try:
            with ThreadPoolExecutor(2) as pool:
                for started in [pool.submit(server.start) for server in servers]:
                    started.result()
            homes["host-w"].mkdir()
            worker = start_worker(envs["host-w"], tmp_path / "worker.log", "--concurrency", "1")
            token = login(servers[0], ADMIN)
            a, b = (server.client(token) for server in servers)
            assert (
                data_of(b.get("/api/integrations"))["integrations"] == []
            )  # A's token, accepted by B
            body = {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url, "verify": False}
            connected = a.post("/api/integrations/github/connect", json=body)
            iid = data_of(connected, 201)["integration"]["id"]
            job_id = data_of(b.post(f"/api/integrations/{iid}/collect"), 202)["job"]["id"]

            def ended() -> dict[str, Any] | None:
                job = data_of(a.get(f"/api/jobs/{job_id}"))
                job = job.get("job", job)
                return job if job["status"] != "RUNNING" else None

            done = wait_until(ended, 90, "the collection to end on the worker")
            assert done["status"] == "COMPLETED", (done, worker.log())
            assert done["totalCount"] > 0

            # A rotation from yet another home ends the token on both servers.
            rotated = subprocess.run(
                [sys.executable, "-m", "sentinel_cli", "users", "rotate-signing-key"],
                env=envs["host-admin"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert rotated.returncode == 0, rotated.stderr
            assert a.get("/api/integrations").status_code == 401
            assert b.get("/api/integrations").status_code == 401
            fresh = login(servers[1], ADMIN)
            with servers[0].client(fresh) as again:
                assert data_of(again.get("/api/integrations"))["integrations"][0]["id"] == iid
            a.close()
            b.close()
        finally:
            if worker is not None:
                worker.stop()
            for server in servers:
                server.stop()
    assert worker is not None and OWNER_TOKEN not in worker.log()
    for path in homes.values():
        assert not (path / "secrets.json").exists(), path
    with open_store(Settings.from_env(envs["host-a"])) as store:
        rows = store.conn.execute(
            "SELECT name, sealed FROM stored_secrets ORDER BY name"
        ).fetchall()
    assert sorted(r[0] for r in rows) == [f"integration:{iid}", "jwt-signing-key"]
    assert OWNER_TOKEN not in repr([tuple(r) for r in rows])


@pytest.mark.parametrize(
    "command", [["worker"], ["serve", "--no-worker", "--port", str(free_port())]]
)
def test_a_host_without_the_key_refuses_to_start(
    tmp_path: Path, pg_url: str, command: list[str]
) -> None:
    env = server_env(tmp_path / "host", SENTINEL_DB=pg_url, SENTINEL_SECRETS_BACKEND="store")
    done = subprocess.run(
        [sys.executable, "-m", "sentinel_cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 6, done.stderr
    lines = done.stderr.strip().splitlines()
    assert "SENTINEL_SECRETS_KEY or SENTINEL_SECRETS_KEY_FILE is not set" in lines[0], lines
    assert "sentinel secrets new-key" in done.stderr and "Traceback" not in done.stderr
