"""A ``sentinel serve`` whose PostgreSQL store goes away: requests get the 503 envelope (never a
500, never a traceback in the log), and the server serves again as soon as the database is back.

The outage is made real without touching the shared test server: every connection this server
(and its queue worker) holds is terminated from the outside, as a database restart would, found
by the ``application_name`` its URL carries. A store that cannot be reached at all when ``serve``
starts is one error line and exit 6.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from tests.helpers.cli import Cli
from tests.helpers.server import Server, assert_error, free_port, server_env


def _named(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("application_name", name)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _terminate(url: str, name: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (name,),
        ).fetchall()
    return len(rows)


def test_a_lost_database_is_503_then_service_resumes(tmp_path: Path, pg_url: str) -> None:
    name = f"sentinel-outage-{uuid.uuid4().hex[:12]}"
    server = Server(
        tmp_path / "home", server_env(tmp_path / "home", SENTINEL_DB=_named(pg_url, name))
    )
    server.start()
    try:
        assert server.settings.db_url is not None
        assert _terminate(pg_url, name) >= 1, "the server holds no connection to lose"

        with server.client() as client:
            lost = client.get("/api/health")
            assert_error(lost, 503, "the server's store is unavailable")
            assert lost.headers["x-sentinel-error"] == "StoreUnavailable"
            statuses = [lost.status_code]
            deadline = time.monotonic() + 20
            while statuses[-1] != 200 and time.monotonic() < deadline:
                answer = client.get("/api/health")
                if answer.status_code != 200:
                    assert_error(answer, 503, "the server's store is unavailable")
                statuses.append(answer.status_code)
                time.sleep(0.2)
        assert statuses[-1] == 200, statuses
    finally:
        server.stop()
    log = server.log()
    assert "store unavailable" in log
    assert "Traceback" not in log, log


def test_serve_refuses_to_start_on_an_unreachable_database(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_DB", "restored-afterwards")  # --db sets it in this process
    secret = "not-a-real-password-42"
    url = f"postgresql://sentinel:{secret}@127.0.0.1:{free_port()}/sentinel"
    result = cli("--db", url, "serve", "--port", str(free_port()), "--no-worker")
    assert result.exit_code == 6, result.stdout + result.stderr
    assert result.stderr.startswith("error: cannot use the database postgresql://sentinel:***@")
    assert len(result.stderr.splitlines()) == 2  # the error and its hint, each one line
    assert secret not in result.stdout + result.stderr and "Traceback" not in result.stderr
