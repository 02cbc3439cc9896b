"""Users of ``sentinel serve``: email, argon2 password hash, role, disabled flag.

The table exists since migration 1. Emails are unique case-insensitively, so ``Alice@x`` and
``alice@x`` are one user: in SQLite the column is ``COLLATE NOCASE`` and a plain ``email = ?`` goes
through that collation and its index; PostgreSQL has a unique index on ``lower(email)`` instead, and
the same lookup is written against it (``_BY_EMAIL``). Listings order by ``lower(email)`` on both.
The repository never sees a password, only its hash, and never returns the hash except through
``get_with_hash`` (for login), so a listing cannot leak it by accident.
"""

from __future__ import annotations

from typing import Any

from sentinel_cli.store.database import Database, Row
from sentinel_cli.timeutil import now_iso

_COLUMNS = "id, email, name, role, disabled, created_at, updated_at, last_login_at"
_BY_EMAIL = {"sqlite": "email = ?", "postgresql": "lower(email) = lower(CAST(? AS TEXT))"}
"""The case-insensitive match of an email, as each database's unique index on it reads it."""


def _row(row: Row) -> dict[str, Any]:
    out = dict(row)
    out["disabled"] = bool(out["disabled"])
    return out


class UsersRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn
        self._by_email = _BY_EMAIL[conn.dialect]

    def insert(
        self,
        *,
        user_id: str,
        email: str,
        role: str,
        password_hash: str,
        name: str | None = None,
        at: str | None = None,
    ) -> None:
        now = at or now_iso()
        self.conn.execute(
            "INSERT INTO users (id, email, name, password_hash, role, disabled, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            (user_id, email, name, password_hash, role, now, now),
        )

    def get(self, user_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else _row(row)

    def get_by_email(self, email: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM users WHERE {self._by_email}", (email,)
        ).fetchone()
        return None if row is None else _row(row)

    def get_with_hash(self, email: str) -> dict[str, Any] | None:
        """The user and its ``password_hash``: for login only."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS}, password_hash FROM users WHERE {self._by_email}", (email,)
        ).fetchone()
        return None if row is None else _row(row)

    def list(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM users ORDER BY created_at, lower(email)"
        ).fetchall()
        return [_row(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def count_enabled_admins(self) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM users WHERE role = 'ADMIN' AND disabled = 0"
        ).fetchone()
        return int(row[0])

    def set_role(self, user_id: str, role: str) -> None:
        self.conn.execute(
            "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", (role, now_iso(), user_id)
        )

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        self.conn.execute(
            "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
            (int(disabled), now_iso(), user_id),
        )

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.conn.execute(
            "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
            (password_hash, now_iso(), user_id),
        )

    def revoke_tokens(self, user_id: str, at: float) -> None:
        """Refuse every token of this user issued before ``at`` (Unix seconds); never moves the
        cut-off back. (The larger of two values is ``MAX(a, b)`` in SQLite, ``GREATEST`` in
        PostgreSQL, whose ``MAX`` is an aggregate only.)"""
        larger = "GREATEST" if self.conn.is_postgres else "MAX"
        self.conn.execute(
            f"UPDATE users SET tokens_valid_after = {larger}(tokens_valid_after, ?) WHERE id = ?",
            (at, user_id),
        )

    def token_holder(self, user_id: str, jti: str) -> dict[str, Any] | None:
        """The user behind a token with its ``tokens_valid_after`` and whether this ``jti`` was
        revoked (one query: the middleware runs it for every request with a token)."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS}, tokens_valid_after, "
            "EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?) AS revoked "
            "FROM users WHERE id = ?",
            (jti, user_id),
        ).fetchone()
        if row is None:
            return None
        out = _row(row)
        out["revoked"] = bool(out["revoked"])
        return out

    def revoke_token(self, jti: str, expires_at: float, now: float) -> None:
        """Refuse one token (logout) until it expires; rows of expired tokens are dropped."""
        self.conn.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (now,))
        self.conn.execute(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (jti, expires_at),
        )

    def touch_login(self, user_id: str, at: str | None = None) -> None:
        self.conn.execute(
            "UPDATE users SET last_login_at = ? WHERE id = ?", (at or now_iso(), user_id)
        )

    def delete(self, user_id: str) -> None:
        self.conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
