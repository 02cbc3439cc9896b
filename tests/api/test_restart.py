"""Start and stop: a job a killed server left RUNNING is FAILED when the server starts again, and
SIGTERM stops the server cleanly."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from sentinel_cli.store import open_store
from tests.helpers.server import Server, add_users, data_of, login, server_env


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_interrupted_job_is_failed_on_start_and_sigterm_is_clean(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    server = Server(home, server_env(home))
    add_users(server.settings, ("admin@example.com", "ADMIN"))
    integration_id, job_id = str(uuid.uuid4()), str(uuid.uuid4())
    with open_store(server.settings) as store:
        store.integrations.insert(
            integration_id=integration_id,
            type="GITHUB",
            name="acme",
            external_id="acme",
            config={"org": "acme"},
            has_secret=False,
        )
        store.jobs.start(job_id=job_id, integration_id=integration_id, trigger="api")
        # As if a server that has since been killed had started it.
        store.conn.execute("UPDATE collection_jobs SET pid = ? WHERE id = ?", (_dead_pid(), job_id))
    server.start()
    try:
        token = login(server, "admin@example.com")
        with server.client(token) as client:
            job = data_of(client.get(f"/api/jobs/{job_id}"))["job"]
        assert job["status"] == "FAILED"
        assert "interrupted" in job["errorMessage"]
    finally:
        code = server.stop()
    # uvicorn shuts down, then re-raises SIGTERM so the exit status says how it ended (systemd
    # counts a SIGTERM death after a stop request as clean).
    assert code in (0, -15), server.log()
    assert "Application shutdown complete" in server.log()


@pytest.mark.parametrize("limit", ["lots", "0/900x", "-1/5"])
def test_a_malformed_rate_limit_stops_serve_before_it_starts(tmp_path: Path, limit: str) -> None:
    home = tmp_path / "home"
    proc = subprocess.run(
        [sys.executable, "-m", "sentinel_cli", "serve", "--rate-limit", limit],
        env=server_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "rate limit" in proc.stderr.lower() or "SENTINEL_RATE_LIMIT" in proc.stderr
