"""Collection schedules: one row per integration (migration 9), a fixed interval or a cron line.

Timestamps are ISO 8601 UTC strings, which compare correctly as text, so "due" is a plain
``next_run_at <= now``. A worker claims a due slot with ``claim``: a conditional UPDATE that moves
``next_run_at`` forward only if it still holds the value the worker read, so of two workers (or
two processes on one database) reading the same slot exactly one wins it. Removing an integration is a
soft delete (``integrations.removed_at``), which the foreign key's cascade does not see: reads
that feed people and workers join the integration and leave removed ones out.
"""

from __future__ import annotations

import builtins
from typing import Any

from sentinel_cli.store.database import Database

_COLUMNS = (
    "s.integration_id, s.every_seconds, s.cron, s.next_run_at, s.last_run_at, s.last_job_id, "
    "s.last_outcome, s.created_by, s.created_at, s.updated_at, "
    "i.name AS integration_name, i.type AS integration_type, i.removed_at AS integration_removed_at"
)
_FROM = "FROM schedules s LEFT JOIN integrations i ON i.id = s.integration_id"
_ACTIVE = "i.id IS NOT NULL AND i.removed_at IS NULL"


class SchedulesRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def upsert(
        self,
        integration_id: str,
        *,
        every_seconds: int | None,
        cron: str | None,
        next_run_at: str,
        actor: str | None,
        at: str,
    ) -> None:
        """Create the integration's schedule, or replace its rule and next slot (its creator,
        creation time and the record of its last run are kept)."""
        self.conn.execute(
            "INSERT INTO schedules (integration_id, every_seconds, cron, next_run_at, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (integration_id) DO UPDATE SET every_seconds = excluded.every_seconds, "
            "cron = excluded.cron, next_run_at = excluded.next_run_at, "
            "updated_at = excluded.updated_at",
            (integration_id, every_seconds, cron, next_run_at, actor, at, at),
        )

    def get(self, integration_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE s.integration_id = ?", (integration_id,)
        ).fetchone()
        return None if row is None else dict(row)

    # Below this method, ``list`` in an annotation names it: they say ``builtins.list``.
    def list(self) -> list[dict[str, Any]]:
        """Schedules of integrations still connected, soonest next run first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE {_ACTIVE} ORDER BY s.next_run_at, s.integration_id"
        ).fetchall()
        return [dict(r) for r in rows]

    def due(self, at: str) -> builtins.list[dict[str, Any]]:
        """Every schedule whose next slot is at or before ``at``, removed integrations included
        (``integration_removed_at`` tells them apart, so the caller can drop their schedule)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE s.next_run_at <= ? "
            "ORDER BY s.next_run_at, s.integration_id",
            (at,),
        ).fetchall()
        return [dict(r) for r in rows]

    def claim(self, integration_id: str, *, expected_next: str, next_run_at: str) -> bool:
        """Move a due slot forward if nobody has yet: True for the one caller that did."""
        cursor = self.conn.execute(
            "UPDATE schedules SET next_run_at = ? WHERE integration_id = ? AND next_run_at = ?",
            (next_run_at, integration_id, expected_next),
        )
        return cursor.rowcount == 1

    def record_run(self, integration_id: str, *, at: str, job_id: str | None, outcome: str) -> bool:
        cursor = self.conn.execute(
            "UPDATE schedules SET last_run_at = ?, last_job_id = ?, last_outcome = ? "
            "WHERE integration_id = ?",
            (at, job_id, outcome, integration_id),
        )
        return cursor.rowcount == 1

    def delete(self, integration_id: str) -> bool:
        cursor = self.conn.execute(
            "DELETE FROM schedules WHERE integration_id = ?", (integration_id,)
        )
        return cursor.rowcount == 1

    def earliest_next(self) -> str | None:
        """The soonest next slot of any connected integration's schedule (None: no schedule)."""
        row = self.conn.execute(f"SELECT MIN(s.next_run_at) {_FROM} WHERE {_ACTIVE}").fetchone()
        return None if row is None or row[0] is None else str(row[0])
