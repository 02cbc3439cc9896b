"""The task queue on Redis: SENTINEL_QUEUE (or ``--queue``) set to a ``redis://`` URL.

Real processes throughout: ``sentinel serve --no-worker`` and ``sentinel worker`` processes share a
database of the run's redis-server (tests/helpers/redis.py) and a store, and collect from the
GitHub stand-in on 127.0.0.1. The tests look at the Redis server themselves to know the tasks
really travel through it, and check that no SQLite queue file appears beside the store. A worker
killed mid-job on Redis is tests/tasks/test_scale_out.py's.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from sentinel_cli.config import Settings, redact_url
from sentinel_cli.errors import InvalidInput, StoreUnavailable
from sentinel_cli.standins.github_api import OWNER_TOKEN, running_github_api
from sentinel_cli.standins.github_seed import seed_org
from sentinel_cli.tasks.queue import TaskQueue, describe_queue
from tests.helpers.redis import fresh_queue_url, queued_tasks
from tests.helpers.server import Server, add_users, data_of, free_port, login, server_env
from tests.helpers.waiting import wait_until
from tests.helpers.worker import Worker, start_worker

MEMBER = "member@example.com"


@pytest.fixture
def queue_url() -> Iterator[str]:
    with fresh_queue_url() as url:
        yield url


def _jobs(client: Any, integration_id: str) -> list[dict[str, Any]]:
    return list(data_of(client.get(f"/api/integrations/{integration_id}/jobs"))["jobs"])


def _server(tmp_path: Path, queue_url: str, **extra: str) -> Server:
    home = tmp_path / "home"
    home.mkdir()
    env = server_env(
        home, SENTINEL_QUEUE=queue_url, SENTINEL_ALLOW_ENDPOINT_HOSTS="127.0.0.1", **extra
    )
    server = Server(home, env, args=("--no-worker",))
    add_users(server.settings, (MEMBER, "MEMBER"))
    return server


def _connect(client: Any, base_url: str) -> str:
    body = {"orgName": "acme", "token": OWNER_TOKEN, "baseUrl": base_url, "name": "Acme"}
    return str(
        data_of(client.post("/api/integrations/github/connect", json=body), 201)["integration"][
            "id"
        ]
    )


@pytest.mark.e2e
def test_a_collection_started_over_the_api_runs_on_a_worker_through_redis(
    tmp_path: Path, queue_url: str
) -> None:
    server = _server(tmp_path, queue_url)
    server.start()
    worker: Worker | None = None
    try:
        assert f"queue: {redact_url(queue_url)};" in server.log()
        client = server.client(login(server, MEMBER))
        with running_github_api(seed_org("acme")) as (base_url, _github):
            iid = _connect(client, base_url)
            started = data_of(client.post(f"/api/integrations/{iid}/collect"), 202)["job"]
            assert started["status"] == "RUNNING" and started["startedAt"] is None

            # The task waits on the Redis server, and the health check reads it from there.
            assert queued_tasks(queue_url) == 1
            health = data_of(server.client().get("/api/health"))
            assert health["queue"] == {"waitingJobs": 1, "pendingTasks": 1}
            assert health["workers"] == 0

            # The worker names its queue by the option rather than the environment.
            worker_env = {k: v for k, v in server.env.items() if k != "SENTINEL_QUEUE"}
            worker = start_worker(worker_env, tmp_path / "worker.log", "--queue", queue_url)

            def ended() -> dict[str, Any] | None:
                job = _jobs(client, iid)[0]
                return job if job["status"] != "RUNNING" else None

            done = wait_until(ended, 30, "the queued collection to end")
            assert done["id"] == started["id"]
            assert done["status"] == "COMPLETED", done
            assert done["totalCount"] > 0

        health = data_of(server.client().get("/api/health"))
        assert health["queue"]["waitingJobs"] == 0 and health["workers"] == 1
        # Taken off Redis (a periodic reminder task may have just been enqueued: at most one).
        assert health["queue"]["pendingTasks"] in (0, 1)
        assert f"queue {redact_url(queue_url)}," in worker.log()
        assert worker.stop() == 0
        password = urlsplit(queue_url).password
        assert password and password not in worker.log() + server.log()
        assert not list(server.home.glob("*queue*")), "a SQLite queue file was created"
    finally:
        if worker is not None:
            worker.stop()
        server.stop()


@pytest.mark.e2e
@pytest.mark.parametrize("command", ["worker", "serve"])
def test_an_unreachable_redis_is_one_line_exit_6_with_the_password_masked(
    tmp_path: Path, command: str
) -> None:
    home = tmp_path / "home"
    password = "hunter2-queue-secret"
    url = f"redis://:{password}@127.0.0.1:{free_port()}/0"  # nothing listens there
    args = ["--port", str(free_port()), "--no-worker"] if command == "serve" else []
    done = subprocess.run(
        [sys.executable, "-m", "sentinel_cli", command, "--queue", url, *args],
        env=server_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 6, output
    assert password not in output
    assert "Traceback" not in output
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 or (len(errors) == 2 and "hint" in errors[1].lower()), errors
    assert "redis://:***@127.0.0.1" in errors[0] and "queue" in errors[0], errors
    assert "Uvicorn running" not in output  # serve stops before it listens


def test_tasks_wait_on_the_redis_server_the_url_names(
    settings: Settings, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_QUEUE", queue_url)
    queue = TaskQueue(settings)
    queue.check()
    assert queue.pending() == 0
    queue.enqueue_scheduled("some-integration")
    queue.enqueue_collection("some-job")
    assert queue.pending() == queued_tasks(queue_url) == 2
    shown = describe_queue(settings)
    assert shown == redact_url(queue_url) and ":***@" in shown
    assert not settings.home.exists() or not list(settings.home.glob("*queue*"))


def test_a_password_never_shows_in_what_the_queue_says(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("SENTINEL_QUEUE", f"redis://sentinel:p%40ss-w0rd@127.0.0.1:{port}/2")
    assert describe_queue(settings) == f"redis://sentinel:***@127.0.0.1:{port}/2"
    with pytest.raises(StoreUnavailable) as caught:
        TaskQueue(settings).check()
    assert "p%40ss-w0rd" not in str(caught.value) and "p@ss" not in str(caught.value)
    assert f"redis://sentinel:***@127.0.0.1:{port}/2" in caught.value.message

    monkeypatch.setenv("SENTINEL_QUEUE", "redis://:pw-1234@127.0.0.1:port/0")
    with pytest.raises(InvalidInput, match="not valid") as invalid:
        TaskQueue(settings)
    assert "pw-1234" not in str(invalid.value)


def test_a_queue_url_of_another_kind_is_refused_not_taken_for_a_file(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_QUEUE", "amqp://user:pw-1234@127.0.0.1/q")
    with pytest.raises(InvalidInput, match="neither a file path nor a Redis URL") as caught:
        TaskQueue(settings)
    assert "pw-1234" not in str(caught.value)
