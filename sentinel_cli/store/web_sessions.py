"""Web dashboard sessions, in the ``web_sessions`` table (migration 5).

Rows are keyed by the SHA-256 of the session id the browser holds (``sentinel_cli.web.sessions``
makes both); this repository never sees the id itself. ``holder`` is the one query a page request
costs: the session, its user with the columns the token rules read, and the signing key's current
generation, so the caller can apply the same rules as for a bearer token without a second trip.
"""

from __future__ import annotations

from typing import Any

from sentinel_cli.store.database import Database


class WebSessionsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def insert(
        self,
        *,
        id_hash: str,
        user_id: str,
        created_at: float,
        expires_at: float,
        generation_key: str,
    ) -> None:
        """A new session, stamped with the signing key's generation as the store has it now
        (the ``kv_settings`` value under ``generation_key``; '' before any rotation)."""
        self.conn.execute(
            "INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at, key_generation) "
            "VALUES (?, ?, ?, ?, COALESCE((SELECT value FROM kv_settings WHERE key = ?), ''))",
            (id_hash, user_id, created_at, expires_at, generation_key),
        )

    def holder(self, id_hash: str, *, generation_key: str) -> dict[str, Any] | None:
        """The session with its user (email, role, disabled, tokens_valid_after) and the signing
        key's current generation (``current_generation``), or ``None`` when there is no such
        session or user."""
        row = self.conn.execute(
            "SELECT s.id_hash, s.user_id, s.created_at, s.expires_at, s.key_generation, "
            "u.email, u.role, u.disabled, u.tokens_valid_after, "
            "COALESCE((SELECT value FROM kv_settings WHERE key = ?), '') AS current_generation "
            "FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?",
            (generation_key, id_hash),
        ).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["disabled"] = bool(out["disabled"])
        return out

    def delete(self, id_hash: str) -> None:
        self.conn.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))

    def prune(self, *, now: float) -> int:
        """Drop expired sessions (they are refused anyway)."""
        return self.conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,)).rowcount

    def count_for(self, user_id: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM web_sessions WHERE user_id = ?", (user_id,)
        ).fetchone()
        return int(row[0])
