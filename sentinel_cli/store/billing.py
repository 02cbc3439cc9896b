"""Billing: the one subscription row and its metered usage records.

No method opens a transaction: enforcement runs inside the caller's transaction (connecting an
integration, finishing a collection job), so a refusal rolls back with everything else. The
statements that may race between processes are written to be idempotent on their own: creation
inserts only while the table is empty, and a period rollover updates only the period it read.
Usage is summed per period from ``usage_records`` (keyed by the period's start), so a new period
starts at zero without deleting history.
"""

from __future__ import annotations

from typing import Any

from sentinel_cli.store.database import Database

_SUBSCRIPTION_COLUMNS = (
    "id, tier, status, current_period_start, current_period_end, created_at, updated_at"
)


class BillingRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def get_subscription(self) -> dict[str, Any] | None:
        """The subscription (the oldest, should a race ever have written two)."""
        row = self.conn.execute(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY created_at, rowid LIMIT 1"
        ).fetchone()
        return None if row is None else dict(row)

    def create_subscription(
        self,
        *,
        subscription_id: str,
        tier: str,
        status: str,
        period_start: str,
        period_end: str,
        at: str,
    ) -> None:
        """Insert the subscription unless one exists (one statement: safe between processes)."""
        self.conn.execute(
            "INSERT INTO subscriptions (id, tier, status, current_period_start, "
            "current_period_end, created_at, updated_at) "
            "SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM subscriptions)",
            (subscription_id, tier, status, period_start, period_end, at, at),
        )

    def advance_period(
        self, subscription_id: str, *, from_end: str, start: str, end: str, at: str
    ) -> None:
        """Move to a later period, only if the stored period still ends at ``from_end``."""
        self.conn.execute(
            "UPDATE subscriptions SET current_period_start = ?, current_period_end = ?, "
            "updated_at = ? WHERE id = ? AND current_period_end = ?",
            (start, end, at, subscription_id, from_end),
        )

    def set_tier(self, subscription_id: str, tier: str, *, at: str) -> None:
        self.conn.execute(
            "UPDATE subscriptions SET tier = ?, updated_at = ? WHERE id = ?",
            (tier, at, subscription_id),
        )

    def set_status(self, subscription_id: str, status: str, *, at: str) -> None:
        self.conn.execute(
            "UPDATE subscriptions SET status = ?, updated_at = ? WHERE id = ?",
            (status, at, subscription_id),
        )

    def add_usage(
        self,
        *,
        usage_id: str,
        subscription_id: str,
        metric: str,
        quantity: int,
        period_start: str,
        recorded_at: str,
        source_id: str | None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO usage_records (id, subscription_id, metric, quantity, period_start, "
            "recorded_at, source_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (usage_id, subscription_id, metric, quantity, period_start, recorded_at, source_id),
        )

    def usage_total(self, subscription_id: str, metric: str, period_start: str) -> int:
        row = self.conn.execute(
            "SELECT COALESCE(SUM(quantity), 0) FROM usage_records "
            "WHERE subscription_id = ? AND period_start = ? AND metric = ?",
            (subscription_id, period_start, metric),
        ).fetchone()
        return int(row[0])

    def count_enabled_users(self) -> int:
        row = self.conn.execute("SELECT COUNT(*) FROM users WHERE disabled = 0").fetchone()
        return int(row[0])

    def last_completed_job_size(self, integration_id: str) -> int | None:
        """Evidence items of the integration's latest finished collection (the next one's estimate)."""
        row = self.conn.execute(
            "SELECT total_count FROM collection_jobs WHERE integration_id = ? "
            "AND status IN ('COMPLETED', 'PARTIAL') ORDER BY finished_at DESC, rowid DESC LIMIT 1",
            (integration_id,),
        ).fetchone()
        return None if row is None else int(row[0])
