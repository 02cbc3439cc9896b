"""The activity log: who did what and when, for the dashboard's recent activity and for audits."""

from __future__ import annotations

import uuid
from typing import Any

from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.store.database import Database
from sentinel_cli.timeutil import now_iso


class ActivityRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def record(
        self,
        action: str,
        message: str,
        *,
        actor: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        details: dict[str, Any] | None = None,
        at: str | None = None,
    ) -> str:
        activity_id = str(uuid.uuid4())
        self.conn.execute(
            "INSERT INTO activity (id, at, actor, action, target_type, target_id, message, details) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                activity_id,
                at or now_iso(),
                actor,
                action,
                target_type,
                target_id,
                message,
                dumps(details or {}),
            ),
        )
        return activity_id

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, at, actor, action, target_type, target_id, message, details "
            "FROM activity ORDER BY at DESC, rowid DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [{**dict(r), "details": loads(r["details"], {})} for r in rows]
