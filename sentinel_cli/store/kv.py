"""Small named settings kept in the store (policy company profile, client login metadata)."""

from __future__ import annotations

from typing import Any

from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.store.database import Database
from sentinel_cli.timeutil import now_iso


class KeyValueRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def get(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM kv_settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else loads(row[0])

    def set(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO kv_settings (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, dumps(value), now_iso()),
        )

    def delete(self, key: str) -> None:
        self.conn.execute("DELETE FROM kv_settings WHERE key = ?", (key,))
