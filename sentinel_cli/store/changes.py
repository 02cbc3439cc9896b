"""What changed between two collections of one integration: the SQL behind ``evidence changes``.

An item's identity across collections is (check id, resource id, region). The region belongs to
it because regional checks of an account-level resource (GuardDuty, and the ERROR items of a
region that could not be read) give one item per region with the same resource id; without the
region a region turning FAIL while another stays FAIL would be invisible. For every other item the
region is fixed by the resource, so the key is the (check id, resource id) that ``history`` walks.

Each comparison is one statement over the ``evidence_current`` index (job_id, status, severity,
check_id, resource_id): the FAIL items of one job probe the other job's items of the same key with
a full-key seek, so the cost follows the number of FAIL items, not the store's size or history.
The seek needs the severity; when every check has one severity in both jobs (always, unless a
catalogue edit changed one in between) it is the outer item's, otherwise each severity either job
holds is tried (``IN``), so the answer is exact either way. ``INDEXED BY`` pins the index: without
statistics SQLite prefers ``evidence_history`` (check_id, resource_id) for the inner side, which
walks every past collection of that key. Resources come from two index-only ``DISTINCT`` scans.

The statements return rowids and index columns only; the few rows a caller shows are read by
rowid afterwards (``rows``), so a first collection with 15,000 failing items reads 15,000 index
entries and the 50 rows it prints.

On PostgreSQL the statements run without ``INDEXED BY``, with ``IS NOT DISTINCT FROM`` for
SQLite's null-safe ``IS`` and ``string_agg`` for ``GROUP_CONCAT``. Its planner too believes a
(check_id, resource_id) key holds about one row, so it would probe ``evidence_history`` per item
(every past collection of the key, each a heap visit); with no index hints, the two comparisons
over whole jobs read each job's items of one status once (``evidence_current``) as
``MATERIALIZED`` CTEs and match them in memory, a cost that follows the jobs' sizes, never the
history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sentinel_cli.store.database import Database

FINISHED = ("COMPLETED", "PARTIAL")

_JOB_COLUMNS = (
    "j.id, j.integration_id, j.status, j.trigger, j.started_at, j.finished_at, j.period_start, "
    "j.period_end, j.total_count, j.pass_count, j.fail_count, j.warning_count, j.error_count, "
    "j.api_calls, j.error_message, j.progress_done, j.progress_total, j.progress_step, "
    "i.name AS integration_name, i.type AS integration_type, i.removed_at AS integration_removed_at"
)
_JOBS = "collection_jobs j JOIN integrations i ON i.id = j.integration_id"

_KEY_COLUMNS = "rowid, severity, check_id, resource_id, region"
"""What the PostgreSQL comparisons keep of a job's items (see the module docstring)."""

ROW_COLUMNS = (
    "e.rowid AS row_id, e.id, e.check_id, e.title, e.status, e.severity, e.category, "
    "e.resource_id, e.resource_type, e.region, e.account_id, e.message"
)

Key = tuple[str, str, str | None]
"""(check_id, resource_id, region): an item's identity across collections."""


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


class ChangesQueries:
    def __init__(self, conn: Database) -> None:
        self.conn = conn
        postgres = conn.is_postgres
        self._current = "" if postgres else " INDEXED BY evidence_current"
        """Pins SQLite to ``evidence_current`` (see the module docstring)."""
        self._same = "IS NOT DISTINCT FROM" if postgres else "IS"
        """Equal, NULL equal to NULL (the region of a global item)."""
        self._severities = (
            "string_agg(DISTINCT c.severity, ',')"
            if postgres
            else "GROUP_CONCAT(DISTINCT c.severity)"
        )

    # -- which jobs -------------------------------------------------------------------------

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A job with its integration's name, type and removal time."""
        row = self.conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM {_JOBS} WHERE j.id = ?", (job_id,)
        ).fetchone()
        return None if row is None else dict(row)

    def jobs_by_prefix(self, prefix: str, *, limit: int = 2) -> list[dict[str, Any]]:
        """Jobs whose id starts with ``prefix`` (a text range: ``%`` and ``_`` are literal)."""
        rows = self.conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM {_JOBS} WHERE j.id >= ? AND j.id < ? "
            "ORDER BY j.id LIMIT ?",
            (prefix, prefix + "\uffff", limit),
        ).fetchall()
        return [dict(r) for r in rows]

    def latest_finished(self, *, integration_id: str | None = None) -> dict[str, Any] | None:
        """The most recently finished COMPLETED/PARTIAL job of an integration not removed (of
        ``integration_id`` only, when given)."""
        where = "j.status IN ('COMPLETED', 'PARTIAL') AND i.removed_at IS NULL"
        params: list[Any] = []
        if integration_id is not None:
            where += " AND j.integration_id = ?"
            params.append(integration_id)
        row = self.conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM {_JOBS} WHERE {where} "
            "ORDER BY j.finished_at DESC, j.rowid DESC LIMIT 1",
            params,
        ).fetchone()
        return None if row is None else dict(row)

    def previous_finished(self, job_id: str) -> dict[str, Any] | None:
        """The COMPLETED/PARTIAL job of the same integration that finished last before this one
        (by finish time, then by insertion for equal times), or None for its first collection."""
        row = self.conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM collection_jobs cur "
            "JOIN collection_jobs j ON j.integration_id = cur.integration_id "
            "JOIN integrations i ON i.id = j.integration_id "
            "WHERE cur.id = ? AND j.status IN ('COMPLETED', 'PARTIAL') AND j.id <> cur.id "
            "AND (j.finished_at < cur.finished_at "
            "OR (j.finished_at = cur.finished_at AND j.rowid < cur.rowid)) "
            "ORDER BY j.finished_at DESC, j.rowid DESC LIMIT 1",
            (job_id,),
        ).fetchone()
        return None if row is None else dict(row)

    # -- comparisons ------------------------------------------------------------------------

    def _severity_match(
        self, inner: str, outer: str, job_ids: Sequence[str]
    ) -> tuple[str, list[Any]]:
        """The condition tying ``inner.severity`` to the outer item for a full-key seek."""
        mixed = self.conn.execute(
            f"SELECT 1 FROM evidence_check_counts WHERE job_id IN ({_marks(job_ids)}) "
            "GROUP BY check_id HAVING COUNT(DISTINCT severity) > 1 LIMIT 1",
            list(job_ids),
        ).fetchone()
        if mixed is None:
            return f"{inner}.severity = {outer}.severity", []
        severities = [
            r[0]
            for r in self.conn.execute(
                f"SELECT DISTINCT severity FROM evidence_check_counts "
                f"WHERE job_id IN ({_marks(job_ids)})",
                list(job_ids),
            ).fetchall()
        ]
        return f"{inner}.severity IN ({_marks(severities)})", severities

    def newly_failing(self, job_id: str, previous_id: str | None) -> list[tuple[Any, ...]]:
        """(rowid, check_id, resource_id, severity) of the job's FAIL items whose key was not FAIL
        in ``previous_id`` (every FAIL item when there is no previous job)."""
        if previous_id is not None and self.conn.is_postgres:
            severity, severity_params = self._severity_match("p", "n", [job_id, previous_id])
            sql = (
                f"WITH p AS MATERIALIZED (SELECT {_KEY_COLUMNS} FROM evidence "
                "WHERE job_id = ? AND status = 'FAIL') "
                "SELECT n.rowid, n.check_id, n.resource_id, n.severity FROM evidence n "
                "WHERE n.job_id = ? AND n.status = 'FAIL' AND NOT EXISTS (SELECT 1 FROM p "
                f"WHERE {severity} AND p.check_id = n.check_id AND p.resource_id = n.resource_id "
                "AND p.region IS NOT DISTINCT FROM n.region)"
            )
            rows = self.conn.execute(sql, [previous_id, job_id, *severity_params]).fetchall()
            return [tuple(r) for r in rows]
        sql = (
            "SELECT n.rowid, n.check_id, n.resource_id, n.severity "
            f"FROM evidence n{self._current} WHERE n.job_id = ? AND n.status = 'FAIL'"
        )
        params: list[Any] = [job_id]
        if previous_id is not None:
            severity, severity_params = self._severity_match("p", "n", [job_id, previous_id])
            sql += (
                f" AND NOT EXISTS (SELECT 1 FROM evidence p{self._current} "
                f"WHERE p.job_id = ? AND p.status = 'FAIL' AND {severity} "
                "AND p.check_id = n.check_id AND p.resource_id = n.resource_id "
                f"AND p.region {self._same} n.region)"
            )
            params += [previous_id, *severity_params]
        return [tuple(r) for r in self.conn.execute(sql, params).fetchall()]

    def fixed(self, job_id: str, previous_id: str) -> list[tuple[Any, ...]]:
        """(rowid, previous rowid, check_id, resource_id, severity) of the job's PASS items whose
        key was FAIL in ``previous_id``: each previous FAIL item seeks its PASS successor."""
        severity, severity_params = self._severity_match("n", "p", [job_id, previous_id])
        if self.conn.is_postgres:
            rows = self.conn.execute(
                f"WITH p AS MATERIALIZED (SELECT {_KEY_COLUMNS} FROM evidence "
                "WHERE job_id = ? AND status = 'FAIL'), "
                f"n AS MATERIALIZED (SELECT {_KEY_COLUMNS} FROM evidence "
                "WHERE job_id = ? AND status = 'PASS') "
                "SELECT n.rowid, p.rowid, n.check_id, n.resource_id, n.severity FROM p "
                f"JOIN n ON {severity} AND n.check_id = p.check_id "
                "AND n.resource_id = p.resource_id AND n.region IS NOT DISTINCT FROM p.region",
                [previous_id, job_id, *severity_params],
            ).fetchall()
            return [tuple(r) for r in rows]
        rows = self.conn.execute(
            "SELECT n.rowid, p.rowid, n.check_id, n.resource_id, n.severity "
            f"FROM evidence p{self._current} "
            f"CROSS JOIN evidence n{self._current} "
            "WHERE p.job_id = ? AND p.status = 'FAIL' "
            f"AND n.job_id = ? AND n.status = 'PASS' AND {severity} "
            "AND n.check_id = p.check_id AND n.resource_id = p.resource_id "
            f"AND n.region {self._same} p.region",
            [previous_id, job_id, *severity_params],
        ).fetchall()
        return [tuple(r) for r in rows]

    def previous_of(
        self, rowids: Sequence[int], job_id: str, previous_id: str
    ) -> dict[int, tuple[str, str]]:
        """For items (by rowid) of ``job_id``: ``{rowid: (evidence id, status)}`` of the item with
        the same key in ``previous_id``, when there is one (the worst status if several)."""
        if not rowids:
            return {}
        severity, severity_params = self._severity_match("p", "n", [job_id, previous_id])
        rows = self.conn.execute(
            "SELECT n.rowid, p.id, p.status FROM evidence n "
            f"CROSS JOIN evidence p{self._current} "
            f"WHERE n.rowid IN ({_marks(rowids)}) AND p.job_id = ? "
            f"AND p.status IN ('FAIL', 'ERROR', 'WARNING', 'PASS') AND {severity} "
            "AND p.check_id = n.check_id AND p.resource_id = n.resource_id "
            f"AND p.region {self._same} n.region",
            [*rowids, previous_id, *severity_params],
        ).fetchall()
        order = ("FAIL", "ERROR", "WARNING", "PASS")
        out: dict[int, tuple[str, str]] = {}
        for rowid, evidence_id, status in rows:
            known = out.get(rowid)
            if known is None or order.index(status) < order.index(known[1]):
                out[rowid] = (evidence_id, status)
        return out

    def resource_ids(self, job_id: str) -> set[str]:
        """Every resource id the job holds an item about (an index-only scan)."""
        rows = self.conn.execute(
            f"SELECT DISTINCT resource_id FROM evidence{self._current} WHERE job_id = ?",
            (job_id,),
        ).fetchall()
        return {r[0] for r in rows}

    def resource_summaries(
        self, job_id: str, resource_ids: Sequence[str]
    ) -> dict[str, tuple[int, int, int]]:
        """``{resource_id: (items, FAIL items, rowid of its first item)}`` in the job."""
        if not resource_ids:
            return {}
        rows = self.conn.execute(
            "SELECT resource_id, COUNT(*), SUM(CASE WHEN status = 'FAIL' THEN 1 ELSE 0 END), "
            f"MIN(rowid) FROM evidence{self._current} "
            f"WHERE job_id = ? AND resource_id IN ({_marks(resource_ids)}) GROUP BY resource_id",
            [job_id, *resource_ids],
        ).fetchall()
        return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}

    def erroring_checks(self, job_id: str, previous_id: str | None) -> list[dict[str, Any]]:
        """Checks with ERROR items in the job and none in ``previous_id`` (from the per-check
        counts): ``check_id``, ``title``, ``severity`` (each one recorded), ``count`` and
        ``row_id``, the first ERROR item of the check."""
        sql = (
            f"SELECT c.check_id, MAX(c.title) AS title, {self._severities} AS severities, "
            "SUM(c.count) AS count FROM evidence_check_counts c "
            "WHERE c.job_id = ? AND c.status = 'ERROR'"
        )
        params: list[Any] = [job_id]
        if previous_id is not None:
            sql += (
                " AND c.check_id NOT IN (SELECT check_id FROM evidence_check_counts "
                "WHERE job_id = ? AND status = 'ERROR')"
            )
            params.append(previous_id)
        checks = [dict(r) for r in self.conn.execute(sql + " GROUP BY c.check_id", params)]
        if not checks:
            return []
        ids = [c["check_id"] for c in checks]
        first = dict(
            self.conn.execute(
                f"SELECT check_id, MIN(rowid) FROM evidence{self._current} "
                f"WHERE job_id = ? AND status = 'ERROR' AND check_id IN ({_marks(ids)}) "
                "GROUP BY check_id",
                [job_id, *ids],
            ).fetchall()
        )
        for check in checks:
            check["severities"] = str(check["severities"] or "").split(",")
            check["row_id"] = first.get(check["check_id"])
        return checks

    def rows(self, rowids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The columns a change shows, of items by rowid."""
        out: dict[int, dict[str, Any]] = {}
        unique = list(dict.fromkeys(rowids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            for r in self.conn.execute(
                f"SELECT {ROW_COLUMNS} FROM evidence e WHERE e.rowid IN ({_marks(chunk)})", chunk
            ).fetchall():
                out[int(r["row_id"])] = dict(r)
        return out
