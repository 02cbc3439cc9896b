"""Collection jobs: one row per collection run, with its outcome and counts."""

from __future__ import annotations

import os
import socket
import sqlite3
from typing import Any

from sentinel_cli.timeutil import now_iso

_COLUMNS = (
    "id, integration_id, status, trigger, started_at, finished_at, period_start, period_end, "
    "total_count, pass_count, fail_count, warning_count, error_count, api_calls, error_message, "
    "progress_done, progress_total, progress_step"
)


class JobsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
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
    ) -> None:
        self.conn.execute(
            "INSERT INTO collection_jobs (id, integration_id, status, trigger, started_at, "
            "period_start, period_end, pid, host) VALUES (?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)",
            (
                job_id,
                integration_id,
                trigger,
                started_at or now_iso(),
                period_start,
                period_end,
                os.getpid(),
                socket.gethostname(),
            ),
        )

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
    ) -> None:
        c = counts or {}
        self.conn.execute(
            "UPDATE collection_jobs SET status = ?, finished_at = ?, total_count = ?, "
            "pass_count = ?, fail_count = ?, warning_count = ?, error_count = ?, api_calls = ?, "
            "error_message = ? WHERE id = ?",
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
