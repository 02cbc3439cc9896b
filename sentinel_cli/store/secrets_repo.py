"""Sealed secrets in the ``stored_secrets`` table (``SENTINEL_SECRETS_BACKEND=store``).

This module only moves rows: it never sees a secret in clear. Sealing and opening (AES-256-GCM
with the key every host is given) happen in ``operations.store_secrets``; a row here is the
secret's name, the id of the key that sealed it and the sealed text. The SQL is the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel_cli.store.database import Database
from sentinel_cli.timeutil import now_iso


@dataclass(frozen=True)
class SealedSecret:
    name: str
    key_id: str
    sealed: str
    """base64 of nonce + ciphertext (with its tag)."""


class SecretsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def get(self, name: str) -> SealedSecret | None:
        row = self.conn.execute(
            "SELECT name, key_id, sealed FROM stored_secrets WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else SealedSecret(row[0], row[1], row[2])

    def put(self, secret: SealedSecret) -> None:
        self.conn.execute(
            "INSERT INTO stored_secrets (name, key_id, sealed, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, "
            "sealed = excluded.sealed, updated_at = excluded.updated_at",
            (secret.name, secret.key_id, secret.sealed, now_iso()),
        )

    def add(self, secret: SealedSecret) -> bool:
        """Insert unless the name is taken (by any host, at the same moment too); True if this
        row went in. Two hosts creating the same secret at once thus agree on one value."""
        cursor = self.conn.execute(
            "INSERT INTO stored_secrets (name, key_id, sealed, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO NOTHING",
            (secret.name, secret.key_id, secret.sealed, now_iso()),
        )
        return bool(cursor.rowcount == 1)

    def delete_many(self, names: list[str]) -> int:
        removed = 0
        for name in names:
            cursor = self.conn.execute("DELETE FROM stored_secrets WHERE name = ?", (name,))
            removed += max(cursor.rowcount, 0)
        return removed

    def names(self) -> list[str]:
        rows = self.conn.execute("SELECT name FROM stored_secrets ORDER BY name").fetchall()
        return [row[0] for row in rows]

    def other_key_id(self, key_id: str) -> str | None:
        """The id of a key other than ``key_id`` some row was sealed with, if any."""
        row = self.conn.execute(
            "SELECT key_id FROM stored_secrets WHERE key_id <> ? LIMIT 1", (key_id,)
        ).fetchone()
        return None if row is None else str(row[0])
