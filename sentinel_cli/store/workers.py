"""Queue workers that are alive: one row per running ``sentinel worker``, refreshed as it works."""

from __future__ import annotations

from typing import Any

from sentinel_cli.store.database import Database


class WorkersRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def beat(
        self,
        worker_id: str,
        *,
        host: str,
        pid: int,
        concurrency: int,
        started_at: str,
        seen_at: float,
    ) -> None:
        self.conn.execute(
            "INSERT INTO workers (id, host, pid, concurrency, started_at, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
            (worker_id, host, pid, concurrency, started_at, seen_at),
        )

    def forget(self, worker_id: str) -> None:
        self.conn.execute("DELETE FROM workers WHERE id = ?", (worker_id,))

    def seen_since(self, moment: float) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, host, pid, concurrency, started_at, seen_at FROM workers "
            "WHERE seen_at >= ? ORDER BY started_at, id",
            (moment,),
        ).fetchall()
        return [dict(r) for r in rows]

    def prune(self, before: float) -> None:
        """Drop rows of workers unseen since ``before`` (killed; a clean stop deletes its own)."""
        self.conn.execute("DELETE FROM workers WHERE seen_at < ?", (before,))
