"""Collection jobs: one row per collection run, with its outcome and counts.

A job a local CLI runs records its pid and host (``open_store`` ends it FAILED when that process is
gone). A job run by a queue worker (``queued`` = 1) is recorded when it is enqueued and is then run
under a lease: ``take_lease`` is the one conditional UPDATE that lets exactly one worker start it,
``renew_lease`` pushes the expiry ahead while it runs, and ``expired_leases`` finds the jobs whose
worker stopped renewing (killed, host lost) for the reaper.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from sentinel_cli.jsonio import dumps
from sentinel_cli.store.database import Database
from sentinel_cli.timeutil import now_iso

_COLUMNS = (
    "id, integration_id, status, trigger, started_at, finished_at, period_start, period_end, "
    "total_count, pass_count, fail_count, warning_count, error_count, api_calls, error_message, "
    "progress_done, progress_total, progress_step, run_started_at, queued, lease_owner, "
    "lease_expires_at, attempt, retry_of, run_options, actor, failure_kind"
)


class JobsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def start(
        self,
        *,
        job_id: str,
        integration_id: str,
        trigger: str,
        period_start: str | None = None,
        period_end: str | None = None,
        started_at: str | None = None,
        queued: bool = False,
        run_options: dict[str, Any] | None = None,
        actor: str | None = None,
        attempt: int = 1,
        retry_of: str | None = None,
    ) -> None:
        """Record a RUNNING job: started now by this process, or (``queued``) waiting for a
        worker, with no run start, pid or host until a worker takes its lease."""
        recorded = started_at or now_iso()
        self.conn.execute(
            "INSERT INTO collection_jobs (id, integration_id, status, trigger, started_at, "
            "run_started_at, period_start, period_end, pid, host, queued, run_options, actor, "
            "attempt, retry_of) VALUES (?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job_id,
                integration_id,
                trigger,
                recorded,
                None if queued else recorded,
                period_start,
                period_end,
                None if queued else os.getpid(),
                None if queued else socket.gethostname(),
                1 if queued else 0,
                dumps(run_options or {}),
                actor,
                attempt,
                retry_of,
            ),
        )

    def take_lease(self, job_id: str, *, owner: str, expires_at: float, now: str) -> bool:
        """Start a queued job under ``owner``'s lease; False when another worker has it or it ended
        (a task delivered twice, or a job the reaper already gave up on)."""
        cur = self.conn.execute(
            "UPDATE collection_jobs SET lease_owner = ?, lease_expires_at = ?, run_started_at = ?, "
            "host = ? WHERE id = ? AND status = 'RUNNING' AND queued = 1 AND lease_owner IS NULL",
            (owner, expires_at, now, socket.gethostname(), job_id),
        )
        return cur.rowcount == 1

    def renew_lease(self, job_id: str, *, owner: str, expires_at: float) -> bool:
        """Push the lease ahead; False once the job is no longer this owner's running job."""
        cur = self.conn.execute(
            "UPDATE collection_jobs SET lease_expires_at = ? "
            "WHERE id = ? AND status = 'RUNNING' AND lease_owner = ?",
            (expires_at, job_id, owner),
        )
        return cur.rowcount == 1

    def expired_leases(self, *, now: float) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM collection_jobs WHERE status = 'RUNNING' AND queued = 1 "
            "AND lease_expires_at IS NOT NULL AND lease_expires_at < ?",
            (now,),
        ).fetchall()
        return [dict(r) for r in rows]

    def queued_waiting(self) -> list[dict[str, Any]]:
        """Queued jobs no worker has taken yet, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM collection_jobs WHERE status = 'RUNNING' AND queued = 1 "
            "AND lease_owner IS NULL ORDER BY started_at"
        ).fetchall()
        return [dict(r) for r in rows]

    def running_for(self, integration_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM collection_jobs WHERE integration_id = ? "
            "AND status = 'RUNNING' LIMIT 1",
            (integration_id,),
        ).fetchone()
        return None if row is None else dict(row)

    def finish(
        self,
        job_id: str,
        *,
        status: str,
        counts: dict[str, int] | None = None,
        api_calls: int = 0,
        error_message: str | None = None,
        finished_at: str | None = None,
        failure_kind: str | None = None,
    ) -> None:
        c = counts or {}
        self.conn.execute(
            "UPDATE collection_jobs SET status = ?, finished_at = ?, total_count = ?, "
            "pass_count = ?, fail_count = ?, warning_count = ?, error_count = ?, api_calls = ?, "
            "error_message = ?, failure_kind = ?, lease_expires_at = NULL WHERE id = ?",
            (
                status,
                finished_at or now_iso(),
                sum(c.get(k, 0) for k in ("PASS", "FAIL", "WARNING", "ERROR")),
                c.get("PASS", 0),
                c.get("FAIL", 0),
                c.get("WARNING", 0),
                c.get("ERROR", 0),
                api_calls,
                error_message,
                failure_kind if status == "FAILED" else None,
                job_id,
            ),
        )

    def set_progress(self, job_id: str, *, done: int, total: int, step: str) -> None:
        """Record how far a running job is (ignored once it has ended)."""
        self.conn.execute(
            "UPDATE collection_jobs SET progress_done = ?, progress_total = ?, progress_step = ? "
            "WHERE id = ? AND status = 'RUNNING'",
            (done, total, step[:200], job_id),
        )

    def get(self, job_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM collection_jobs WHERE id = ?", (job_id,)
        ).fetchone()
        return None if row is None else dict(row)

    def list_for(self, integration_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM collection_jobs WHERE integration_id = ? "
            "ORDER BY started_at DESC, rowid DESC LIMIT ?",
            (integration_id, limit),
        ).fetchall()
        return [dict(r) for r in rows]
