"""Accepted risks: a check (and a glob of resource ids) whose failures are excepted until a date.

Rows are never deleted: removing an exception sets ``removed_at``, so ``--as-of`` views and audit
reports can tell which exceptions were in force at any past moment (``active_at``). Timestamps are
ISO 8601 UTC strings, which compare correctly as text.
"""

from __future__ import annotations

import builtins
from typing import Any

from sentinel_cli.store.database import Database

_COLUMNS = (
    "id, check_id, resource_pattern, reason, owner, expires_at, created_at, created_by, removed_at"
)


class RiskExceptionsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def insert(
        self,
        *,
        exception_id: str,
        check_id: str,
        resource_pattern: str,
        reason: str,
        owner: str,
        expires_at: str,
        created_at: str,
        created_by: str | None,
    ) -> None:
        self.conn.execute(
            f"INSERT INTO risk_exceptions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                exception_id,
                check_id,
                resource_pattern,
                reason,
                owner,
                expires_at,
                created_at,
                created_by,
            ),
        )

    def get(self, exception_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM risk_exceptions WHERE id = ?", (exception_id,)
        ).fetchone()
        return None if row is None else dict(row)

    def find_by_prefix(self, prefix: str) -> list[dict[str, Any]]:
        """Exceptions whose id starts with ``prefix`` (ids are UUIDs: compare as a text range)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM risk_exceptions WHERE id >= ? AND id < ? LIMIT 2",
            (prefix, prefix + "\uffff"),
        ).fetchall()
        return [dict(r) for r in rows]

    # Below this method, ``list`` in an annotation names it: they say ``builtins.list``.
    def list(self) -> list[dict[str, Any]]:
        """Every exception ever recorded, soonest expiry first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM risk_exceptions ORDER BY expires_at, created_at, id"
        ).fetchall()
        return [dict(r) for r in rows]

    def active_at(self, at: str) -> builtins.list[dict[str, Any]]:
        """Exceptions in force at ``at``: created by then, not yet removed, not yet expired."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM risk_exceptions WHERE created_at <= ? AND expires_at >= ? "
            "AND (removed_at IS NULL OR removed_at > ?) ORDER BY expires_at DESC, id",
            (at, at, at),
        ).fetchall()
        return [dict(r) for r in rows]

    def active_between(self, start: str, end: str) -> builtins.list[dict[str, Any]]:
        """Exceptions in force at some moment of [start, end] (for the dashboard's timeline)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM risk_exceptions WHERE created_at <= ? AND expires_at >= ? "
            "AND (removed_at IS NULL OR removed_at > ?) ORDER BY expires_at DESC, id",
            (end, start, start),
        ).fetchall()
        return [dict(r) for r in rows]

    def mark_removed(self, exception_id: str, *, at: str) -> None:
        self.conn.execute(
            "UPDATE risk_exceptions SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
            (at, exception_id),
        )
