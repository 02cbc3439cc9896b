"""Integrations: connected AWS accounts and GitHub organisations (never their secrets)."""

from __future__ import annotations

from typing import Any

from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.store.database import Database, Row
from sentinel_cli.timeutil import now_iso

_COLUMNS = (
    "i.id, i.type, i.name, i.status, i.external_id, i.config, i.settings, i.has_secret, "
    "i.created_at, i.updated_at, i.last_sync_at, i.last_job_id, i.last_error, i.removed_at"
)


def _row(row: Row) -> dict[str, Any]:
    out = dict(row)
    out["config"] = loads(out["config"], {})
    out["settings"] = loads(out["settings"], {})
    out["has_secret"] = bool(out["has_secret"])
    return out


class IntegrationsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def insert(
        self,
        *,
        integration_id: str,
        type: str,
        name: str,
        external_id: str | None,
        config: dict[str, Any],
        settings: dict[str, Any] | None = None,
        has_secret: bool,
        status: str = "CONNECTED",
    ) -> None:
        now = now_iso()
        self.conn.execute(
            "INSERT INTO integrations (id, type, name, status, external_id, config, settings, "
            "has_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                integration_id,
                type,
                name,
                status,
                external_id,
                dumps(config),
                dumps(settings or {}),
                int(has_secret),
                now,
                now,
            ),
        )

    def get(self, integration_id: str, *, include_removed: bool = False) -> dict[str, Any] | None:
        sql = f"SELECT {_COLUMNS} FROM integrations i WHERE i.id = ?"
        if not include_removed:
            sql += " AND i.removed_at IS NULL"
        row = self.conn.execute(sql, (integration_id,)).fetchone()
        return None if row is None else _row(row)

    def find_by_prefix(self, prefix: str, *, limit: int = 2) -> list[dict[str, Any]]:
        """Integrations whose id starts with ``prefix`` (users may type the first characters),
        compared as a text range: ``%`` and ``_`` in what a user typed are not wildcards. Ids
        compare byte by byte on both databases (``store.postgres_schema``), so the range is exact."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM integrations i WHERE i.id >= ? AND i.id < ? "
            "AND i.removed_at IS NULL ORDER BY i.id LIMIT ?",
            (prefix, prefix + "\uffff", limit),
        ).fetchall()
        return [_row(r) for r in rows]

    def list(self, *, include_removed: bool = False) -> list[dict[str, Any]]:
        """All integrations with their evidence count in the latest completed collection."""
        where = "" if include_removed else "WHERE i.removed_at IS NULL"
        rows = self.conn.execute(
            f"SELECT {_COLUMNS}, "
            "(SELECT j.total_count FROM collection_jobs j WHERE j.integration_id = i.id "
            " AND j.status IN ('COMPLETED', 'PARTIAL') ORDER BY j.finished_at DESC, j.rowid DESC"
            " LIMIT 1) "
            "AS evidence_count "
            f"FROM integrations i {where} ORDER BY i.created_at, i.id"
        ).fetchall()
        out = []
        for r in rows:
            item = _row(r)
            item["evidence_count"] = r["evidence_count"] or 0
            out.append(item)
        return out

    def count_active(self) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM integrations WHERE removed_at IS NULL"
        ).fetchone()
        return int(row[0])

    def mark_removed(self, integration_id: str) -> None:
        now = now_iso()
        self.conn.execute(
            "UPDATE integrations SET removed_at = ?, updated_at = ?, status = 'REMOVED', "
            "has_secret = 0 WHERE id = ?",
            (now, now, integration_id),
        )

    def update_after_job(
        self, integration_id: str, *, job_id: str, status: str, finished_at: str, error: str | None
    ) -> None:
        self.conn.execute(
            "UPDATE integrations SET last_job_id = ?, status = ?, last_error = ?, updated_at = ?, "
            "last_sync_at = CASE WHEN ? = 'CONNECTED' THEN ? ELSE last_sync_at END WHERE id = ?",
            (job_id, status, error, finished_at, status, finished_at, integration_id),
        )
