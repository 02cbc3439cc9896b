"""Evidence items and their raw data.

Raw data is stored once per distinct content in ``raw_blobs`` keyed by the SHA-256 of its canonical
JSON (sorted keys, compact separators), and each evidence row points at its blob. The same hash is the
item's ``sha256`` that reports print in their evidence manifest, so an auditor can recompute it from
the raw data shown by ``sentinel evidence show``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sentinel_cli.jsonio import dumps
from sentinel_cli.store.database import Database
from sentinel_cli.timeutil import now_iso


def canonical_json(data: Any) -> str:
    return dumps(data)


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EvidenceRecord:
    id: str
    check_id: str
    title: str
    status: str
    severity: str
    category: str
    resource_id: str
    resource_type: str
    region: str | None
    message: str
    remediation: dict[str, Any]
    controls: dict[str, list[str]]
    raw: Any
    account_id: str | None = None
    """The AWS account the item is about (migration 7); None for GitHub."""


class EvidenceRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    def insert_many(
        self,
        records: Iterable[EvidenceRecord],
        *,
        job_id: str,
        integration_id: str,
        collected_at: str,
    ) -> int:
        """Insert a job's items and any new raw blobs. Call inside the job-finishing transaction."""
        now = now_iso()
        blobs: dict[str, str] = {}
        rows: list[tuple[Any, ...]] = []
        for rec in records:
            text = canonical_json(rec.raw)
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            blobs.setdefault(digest, text)
            rows.append(
                (
                    rec.id,
                    job_id,
                    integration_id,
                    rec.check_id,
                    rec.title,
                    rec.status,
                    rec.severity,
                    rec.category,
                    rec.resource_id,
                    rec.resource_type,
                    rec.region,
                    rec.message,
                    dumps(rec.remediation),
                    dumps(rec.controls),
                    digest,
                    collected_at,
                    rec.account_id,
                )
            )
        self.conn.executemany(
            "INSERT INTO raw_blobs (sha256, data, size, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(d, t, len(t.encode("utf-8")), now) for d, t in blobs.items()],
        )
        self.conn.executemany(
            "INSERT INTO evidence (id, job_id, integration_id, check_id, title, status, severity, "
            "category, resource_id, resource_type, region, message, remediation, controls, sha256, "
            "collected_at, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._add_check_counts(job_id, rows)
        return len(rows)

    def _add_check_counts(self, job_id: str, rows: list[tuple[Any, ...]]) -> None:
        """Keep ``evidence_check_counts`` (migration 2) in step with the items just inserted.

        Stats, compliance and the dashboard read these per-check counts instead of every item.
        """
        counts: dict[tuple[str, str, str, str, str], list[Any]] = {}
        for row in rows:
            # (check_id, status, severity, category, controls) -> [title, count]
            key = (row[3], row[5], row[6], row[7], row[13])
            entry = counts.setdefault(key, [row[4], 0])
            entry[1] += 1
        self.conn.executemany(
            "INSERT INTO evidence_check_counts (job_id, check_id, status, severity, category, "
            "controls, title, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (job_id, check_id, status, severity, category, controls) "
            "DO UPDATE SET count = evidence_check_counts.count + excluded.count",
            [(job_id, *key, title, n) for key, (title, n) in counts.items()],
        )

    def blob_stats(self) -> dict[str, int]:
        row = self.conn.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM raw_blobs").fetchone()
        return {"blobs": int(row[0]), "bytes": int(row[1])}
