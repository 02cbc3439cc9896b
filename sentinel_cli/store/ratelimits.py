"""Fixed-window request counters for the API's rate limiter, in the ``rate_limits`` table.

Why in the store: ``sentinel serve --workers N`` runs N processes (and several hosts may share one
PostgreSQL server), and a per-process counter would let a client make N times its allowance. One row per bucket (``user:<id>``, ``ip:<addr>``,
``login:<addr>``) holds the start of its current window (epoch seconds, aligned to the window
length) and the count in it. ``hit`` is a single ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
statement: atomic on its own in autocommit mode on both databases (PostgreSQL's row lock on the
conflicting row orders two upserts), so two workers never lose an increment, and a new window
resets the count in the same statement.
"""

from __future__ import annotations

from sentinel_cli.store.database import Database


class RateLimitsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def hit(self, bucket: str, *, window_start: int) -> int:
        """Count one request in ``bucket``'s window starting at ``window_start``; return the count."""
        row = self.conn.execute(
            "INSERT INTO rate_limits (bucket, window_start, count) VALUES (?, ?, 1) "
            "ON CONFLICT (bucket) DO UPDATE SET "
            "count = CASE WHEN rate_limits.window_start = excluded.window_start "
            "THEN rate_limits.count + 1 ELSE 1 END, "
            "window_start = excluded.window_start "
            "RETURNING count",
            (bucket, window_start),
        ).fetchone()
        return int(row[0])

    def peek(self, bucket: str, *, window_start: int) -> int:
        """The count in ``bucket``'s current window, without counting a request."""
        row = self.conn.execute(
            "SELECT count FROM rate_limits WHERE bucket = ? AND window_start = ?",
            (bucket, window_start),
        ).fetchone()
        return 0 if row is None else int(row[0])

    def prune(self, *, before: int) -> int:
        """Delete buckets whose window started before ``before`` (they would restart at 1 anyway)."""
        cur = self.conn.execute("DELETE FROM rate_limits WHERE window_start < ?", (before,))
        return cur.rowcount
