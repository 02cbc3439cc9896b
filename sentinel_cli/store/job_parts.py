"""Parts of split collections: one row per part, run under a lease like a queued job.

A worker that splits a collection writes every part in one transaction and hands the job's own
lease to its parts (``lease_owner = 'parts'``, no expiry), so the job reaper leaves the job alone
while any part is in flight. Each part is taken (``take``: one conditional UPDATE, so one worker),
renewed while it runs, and ended DONE with its inventory slice or FAILED with its error. The
worker that ends the last part takes the job's lease back (``claim_job``, again one conditional
UPDATE inside the transaction that ended the part) and alone merges the slices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sentinel_cli.store.database import Database

SPLIT_OWNER = "parts"
"""The job's lease owner while its parts run: no worker renews it, no reaper expires it."""

_COLUMNS = (
    "job_id, part_key, seq, scope, status, lease_owner, lease_expires_at, attempt, error, "
    "created_at, started_at, finished_at"
)


class JobPartsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def split(
        self,
        job_id: str,
        *,
        job_owner: str,
        parts: Sequence[tuple[str, str]],
        running: str,
        owner: str,
        expires_at: float,
        now: str,
    ) -> bool:
        """Hand ``job_owner``'s running job to ``parts`` ((key, scope JSON), in order); the part
        ``running`` starts at once under ``owner``'s lease (the splitting worker goes on with it),
        the others wait. False (nothing written) when the job is no longer ``job_owner``'s."""
        cur = self.conn.execute(
            "UPDATE collection_jobs SET lease_owner = ?, lease_expires_at = NULL "
            "WHERE id = ? AND status = 'RUNNING' AND lease_owner = ?",
            (SPLIT_OWNER, job_id, job_owner),
        )
        if cur.rowcount != 1:
            return False
        self.conn.executemany(
            "INSERT INTO job_parts (job_id, part_key, seq, scope, status, lease_owner, "
            "lease_expires_at, created_at, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    job_id,
                    key,
                    seq,
                    scope,
                    "RUNNING" if key == running else "PENDING",
                    owner if key == running else None,
                    expires_at if key == running else None,
                    now,
                    now if key == running else None,
                )
                for seq, (key, scope) in enumerate(parts)
            ],
        )
        return True

    def take(self, job_id: str, key: str, *, owner: str, expires_at: float, now: str) -> bool:
        """Start a waiting part of a running job under ``owner``'s lease (False: not ours)."""
        cur = self.conn.execute(
            "UPDATE job_parts SET status = 'RUNNING', lease_owner = ?, lease_expires_at = ?, "
            "started_at = ? WHERE job_id = ? AND part_key = ? AND status = 'PENDING' "
            "AND EXISTS (SELECT 1 FROM collection_jobs j WHERE j.id = job_parts.job_id "
            "AND j.status = 'RUNNING')",
            (owner, expires_at, now, job_id, key),
        )
        return cur.rowcount == 1

    def renew(self, job_id: str, key: str, *, owner: str, expires_at: float) -> bool:
        cur = self.conn.execute(
            "UPDATE job_parts SET lease_expires_at = ? WHERE job_id = ? AND part_key = ? "
            "AND status = 'RUNNING' AND lease_owner = ?",
            (expires_at, job_id, key, owner),
        )
        return cur.rowcount == 1

    def end(
        self,
        job_id: str,
        key: str,
        *,
        owner: str | None,
        status: str,
        result: str | None,
        error: str | None,
        now: str,
    ) -> bool:
        """End a RUNNING part DONE or FAILED; ``owner`` None ends it whoever held it (the
        reaper). False when it is not (or no longer) that owner's running part."""
        sql = (
            "UPDATE job_parts SET status = ?, result = ?, error = ?, finished_at = ?, "
            "lease_expires_at = NULL WHERE job_id = ? AND part_key = ? AND status = 'RUNNING'"
        )
        params: tuple[Any, ...] = (status, result, error, now, job_id, key)
        if owner is not None:
            sql += " AND lease_owner = ?"
            params += (owner,)
        return self.conn.execute(sql, params).rowcount == 1

    def retry(self, job_id: str, key: str, *, owner: str | None, error: str) -> bool:
        """Put a RUNNING part back to wait for another attempt (its task is enqueued again)."""
        sql = (
            "UPDATE job_parts SET status = 'PENDING', lease_owner = NULL, "
            "lease_expires_at = NULL, attempt = attempt + 1, error = ? "
            "WHERE job_id = ? AND part_key = ? AND status = 'RUNNING'"
        )
        params: tuple[Any, ...] = (error, job_id, key)
        if owner is not None:
            sql += " AND lease_owner = ?"
            params += (owner,)
        return self.conn.execute(sql, params).rowcount == 1

    def expired(self, *, now: float) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM job_parts WHERE status = 'RUNNING' "
            "AND lease_expires_at IS NOT NULL AND lease_expires_at < ? ORDER BY job_id, seq",
            (now,),
        ).fetchall()
        return [dict(r) for r in rows]

    def waiting(self) -> list[dict[str, Any]]:
        """Parts no worker has taken (of running jobs), oldest first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM job_parts WHERE status = 'PENDING' AND EXISTS "
            "(SELECT 1 FROM collection_jobs j WHERE j.id = job_parts.job_id "
            "AND j.status = 'RUNNING') ORDER BY created_at, seq"
        ).fetchall()
        return [dict(r) for r in rows]

    def get(self, job_id: str, key: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM job_parts WHERE job_id = ? AND part_key = ?", (job_id, key)
        ).fetchone()
        return None if row is None else dict(row)

    def progress(self, job_id: str) -> tuple[int, int]:
        """(parts ended, parts in all) of a job."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(CASE WHEN status IN ('DONE', 'FAILED') THEN 1 ELSE 0 END), 0), "
            "COUNT(*) FROM job_parts WHERE job_id = ?",
            (job_id,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def claim_job(self, job_id: str, *, owner: str, expires_at: float) -> bool:
        """Take the job's lease back from its parts once every part has ended: True for exactly
        one caller, who then merges the slices and ends the job."""
        cur = self.conn.execute(
            "UPDATE collection_jobs SET lease_owner = ?, lease_expires_at = ? "
            "WHERE id = ? AND status = 'RUNNING' AND lease_owner = ? AND NOT EXISTS "
            "(SELECT 1 FROM job_parts p WHERE p.job_id = collection_jobs.id "
            "AND p.status IN ('PENDING', 'RUNNING'))",
            (owner, expires_at, job_id, SPLIT_OWNER),
        )
        return cur.rowcount == 1

    def results(self, job_id: str) -> list[dict[str, Any]]:
        """Every part with its scope, status, result and error, in the order they were split."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS}, result FROM job_parts WHERE job_id = ? ORDER BY seq",
            (job_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def drop_results(self, job_id: str) -> None:
        """Forget the slices once the evidence is stored (the rows stay as the record)."""
        self.conn.execute("UPDATE job_parts SET result = NULL WHERE job_id = ?", (job_id,))

    def of_job(self, job_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM job_parts WHERE job_id = ? ORDER BY seq", (job_id,)
        ).fetchall()
        return [dict(r) for r in rows]
