"""Counts of the current evidence by status, category and severity (``sentinel evidence stats``,
``GET /api/evidence/stats``), over the same scope as the listing."""

from __future__ import annotations

from datetime import datetime

from sentinel_cli.operations.evidence_query import resolve_scope
from sentinel_cli.store import Store
from sentinel_cli.wire import SEVERITIES, STATUSES, EvidenceStats


def _status_counts() -> dict[str, int]:
    return {s: 0 for s in STATUSES}


def evidence_stats(
    store: Store,
    *,
    integration: str | None = None,
    account: str | None = None,
    as_of: str | None = None,
    now: datetime | None = None,
) -> EvidenceStats:
    """Counts of the current items by status, category and severity (``/api/evidence/stats``).

    Statuses are as recorded; ``excepted`` counts the FAIL/WARNING items covered by an exception.
    ``account`` keeps the items of one AWS account (and the collections holding some).
    """
    scope = resolve_scope(store, integration=integration, account=account, as_of=as_of, now=now)
    rows = store.queries.check_counts(scope.job_ids, account_id=scope.account_id)
    excepted_rows = store.queries.excepted_counts(
        scope.job_ids, scope.rules, account_id=scope.account_id
    )
    by_status = _status_counts()
    by_category: dict[str, dict[str, int]] = {}
    by_severity: dict[str, dict[str, int]] = {
        s: {"total": 0, **_status_counts(), "excepted": 0} for s in SEVERITIES
    }
    for row in rows:
        n = int(row["count"])
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        for bucket in (
            by_category.setdefault(
                row["category"], {"total": 0, **_status_counts(), "excepted": 0}
            ),
            by_severity.setdefault(
                row["severity"], {"total": 0, **_status_counts(), "excepted": 0}
            ),
        ):
            bucket["total"] += n
            bucket[row["status"]] = bucket.get(row["status"], 0) + n
    excepted = 0
    for row in excepted_rows:
        excepted += int(row["count"])
        by_category[row["category"]]["excepted"] += int(row["count"])
        by_severity[row["severity"]]["excepted"] += int(row["count"])
    return {
        "total": sum(by_status.values()),
        "byStatus": by_status,
        "byCategory": dict(sorted(by_category.items())),
        "bySeverity": by_severity,
        "excepted": excepted,
        "asOf": scope.as_of,
        "collections": [
            {
                "integrationId": j["integration_id"],
                "jobId": j["job_id"],
                "finishedAt": j["finished_at"],
            }
            for j in scope.jobs
        ],
    }
