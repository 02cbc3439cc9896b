"""Generated reports, and the evidence of an audit period as the report generator reads it.

``ReportsRepo`` keeps the ``reports`` rows (migration 1): type, period, status GENERATING ->
COMPLETED / FAILED, the PDF itself as a BLOB with its size, SHA-256 and page count, and a JSON
summary. Listing never reads the BLOB.

``PeriodEvidence`` is the SQL behind a report's content. A report covers the evidence *collected
inside the period* by every COMPLETED or PARTIAL collection, and presents each (integration, check,
resource, region) once (a check that judges the account per region gives one finding per region):
its latest observation in the period, with how many times it was observed, when it first and last
failed and when it was remediated. History can be large (10,000 resources collected daily for a
year is 3.6 million rows), so nothing here loads it into Python:

* one ``GROUP BY`` over the period's items builds a TEMP table with one row per (integration,
  check, resource, region) (``report_items``) — its size is bounded by the number of distinct
  resources, not by the number of collections — and a second TEMP table maps each of them to its
  framework controls (``json_each`` over the recorded mappings, once);
* every section then reads those tables through a cursor (``Iterator``), so a renderer holds one
  row at a time, and the only per-row Python work is the row it is drawing.

TEMP tables live in the connection's temporary database (paged to a temporary file beyond the
page cache), never in the store file; ``close()`` drops them. On PostgreSQL they are the session's
``pg_temp`` tables, and the session outlives the store: its connection goes back to a pool. So
building first drops any a previous user of the connection left behind, and ``close()`` drops them
as on SQLite. Risk exceptions match through a Python function on SQLite and through a ``CASE`` of
regular expressions (``store.globs``) on PostgreSQL, to the same result. Each item gets a
reference number (``ref``, ``E-00042`` in the PDF) in check order, so one check's items form a
contiguous range a crosswalk can cite. Timestamps are ISO 8601 UTC text, which compares correctly
as text.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from typing import Any

from sentinel_cli.jsonio import dumps, loads
from sentinel_cli.store.database import Database, Row, SqliteDatabase
from sentinel_cli.store.queries import ExceptionRules, placeholders

_REPORT_COLUMNS = (
    "id, type, period_start, period_end, status, file_name, size, sha256, pages, summary, "
    "error_message, created_at, completed_at, created_by"
)

STATUS_RANK_SQL = (
    "CASE {col} WHEN 'FAIL' THEN 0 WHEN 'ERROR' THEN 1 WHEN 'WARNING' THEN 2 ELSE 3 END"
)
SEVERITY_RANK_SQL = (
    "CASE {col} WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 WHEN 'info' THEN 4 ELSE 5 END"
)
_EXCEPTION_UDF = "sentinel_report_exception"
_TEMP_TABLES = ("report_item_controls", "report_groups", "report_items", "report_jobs")

_ITEM_COLUMNS = (
    "i.ref, i.integration_id, i.check_id, i.resource_id, i.observations, i.last_seen, "
    "i.fail_observations, i.first_fail, i.last_fail, i.remediated_at, "
    "i.evidence_id, i.job_id, i.title, i.status, i.severity, i.category, i.resource_type, "
    "i.region, i.message, i.controls, i.sha256, i.exception_id"
)


def _report_row(row: Row) -> dict[str, Any]:
    out = dict(row)
    out["summary"] = loads(out.get("summary"), {})
    return out


class ReportsRepo:
    def __init__(self, conn: Database) -> None:
        self.conn = conn

    # -- report rows ---------------------------------------------------------------------------

    def create(
        self,
        *,
        report_id: str,
        report_type: str,
        period_start: str,
        period_end: str,
        created_at: str,
        created_by: str | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO reports (id, type, period_start, period_end, status, created_at, "
            "created_by) VALUES (?, ?, ?, ?, 'GENERATING', ?, ?)",
            (report_id, report_type, period_start, period_end, created_at, created_by),
        )

    def complete(
        self,
        report_id: str,
        *,
        file_name: str,
        content: bytes,
        sha256: str,
        pages: int,
        summary: dict[str, Any],
        completed_at: str,
    ) -> None:
        self.conn.execute(
            "UPDATE reports SET status = 'COMPLETED', file_name = ?, content = ?, size = ?, "
            "sha256 = ?, pages = ?, summary = ?, completed_at = ?, error_message = NULL "
            "WHERE id = ?",
            (
                file_name,
                bytes(content),
                len(content),
                sha256,
                pages,
                dumps(summary),
                completed_at,
                report_id,
            ),
        )

    def fail(self, report_id: str, *, error_message: str, completed_at: str) -> None:
        self.conn.execute(
            "UPDATE reports SET status = 'FAILED', error_message = ?, completed_at = ? "
            "WHERE id = ?",
            (error_message, completed_at, report_id),
        )

    def get(self, report_id: str) -> dict[str, Any] | None:
        """A report's metadata (no content)."""
        row = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE id = ?", (report_id,)
        ).fetchone()
        return None if row is None else _report_row(row)

    def find_by_prefix(self, prefix: str, *, limit: int = 2) -> list[dict[str, Any]]:
        """Reports whose id starts with ``prefix`` (UUIDs: compared as a text range)."""
        rows = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\uffff", limit),
        ).fetchall()
        return [_report_row(r) for r in rows]

    # Below this method, ``list`` in an annotation names it: they say ``builtins.list``.
    def list(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Every report, newest first, without content."""
        sql = f"SELECT {_REPORT_COLUMNS} FROM reports ORDER BY created_at DESC, rowid DESC"
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_report_row(r) for r in self.conn.execute(sql, params).fetchall()]

    def content(self, report_id: str) -> bytes | None:
        row = self.conn.execute("SELECT content FROM reports WHERE id = ?", (report_id,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def find_by_sha256(self, sha256: str) -> builtins.list[dict[str, Any]]:
        """Completed reports whose PDF has this SHA-256 (normally zero or one)."""
        rows = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE sha256 = ? AND status = 'COMPLETED' "
            "ORDER BY created_at",
            (sha256,),
        ).fetchall()
        return [_report_row(r) for r in rows]

    def find_by_file_name(self, file_name: str) -> builtins.list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE file_name = ? AND status = 'COMPLETED' "
            "ORDER BY created_at",
            (file_name,),
        ).fetchall()
        return [_report_row(r) for r in rows]

    def previous_completed(self, report_type: str, *, before: str) -> dict[str, Any] | None:
        """The latest COMPLETED report of a type created before ``before`` (for trends)."""
        row = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE type = ? AND status = 'COMPLETED' "
            "AND created_at < ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (report_type, before),
        ).fetchone()
        return None if row is None else _report_row(row)

    # -- evidence of a period ------------------------------------------------------------------

    def period(
        self, start: str, end: str, *, exceptions: Sequence[dict[str, Any]] = ()
    ) -> PeriodEvidence:
        """Build the period's item tables (see the module docstring); close() when done.

        ``exceptions`` are the risk exceptions in force at the end of the period (rows of
        ``risk_exceptions``); FAIL and WARNING items they cover get their ``exception_id``.
        """
        return PeriodEvidence(self.conn, start, end, exceptions)


class PeriodEvidence:
    """One report's view of the evidence collected between ``start`` and ``end`` (inclusive)."""

    def __init__(
        self,
        conn: Database,
        start: str,
        end: str,
        exceptions: Sequence[dict[str, Any]],
    ) -> None:
        self.conn = conn
        self.start = start
        self.end = end
        # The same rule as the evidence list: which statuses an exception covers, and how its
        # resource pattern matches.
        self._rules = ExceptionRules(tuple(exceptions))
        # The schema of the TEMP tables: SQLite's ``temp`` database, PostgreSQL's ``pg_temp``.
        self._t = "pg_temp" if conn.is_postgres else "temp"
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    # -- building ------------------------------------------------------------------------------

    def _create_index(self, name: str, table: str, columns: str) -> None:
        if self.conn.is_postgres:  # an index lives in its table's schema; its name takes none
            self.conn.execute(f"CREATE INDEX {name} ON pg_temp.{table} ({columns})")
        else:
            self.conn.execute(f"CREATE INDEX temp.{name} ON {table} ({columns})")

    def _analyze(self, table: str) -> None:
        """PostgreSQL's planner knows nothing of a TEMP table's rows until it is analysed
        (autovacuum never visits them); SQLite's needs no statistics for these plans."""
        if self.conn.is_postgres:
            self.conn.execute(f"ANALYZE pg_temp.{table}")

    def _build(self) -> None:
        conn, t = self.conn, self._t
        pg = conn.is_postgres
        # SQLite planner hints (unary ``+`` keeps an index off a column) are not PostgreSQL
        # syntax, and PostgreSQL spells a NULL-safe comparison ``IS NOT DISTINCT FROM``.
        hint = "" if pg else "+"
        same = "IS NOT DISTINCT FROM" if pg else "IS"
        self.close()
        conn.execute(
            "CREATE TEMP TABLE report_jobs (job_id TEXT PRIMARY KEY, integration_id TEXT, "
            "started_at TEXT, finished_at TEXT, status TEXT)"
        )
        # Collections that can hold items of the period: items are stamped with their job's start
        # (collect.py), so a job started after the end or finished before the start has none.
        conn.execute(
            f"INSERT INTO {t}.report_jobs SELECT id, integration_id, started_at, finished_at, "
            "status FROM collection_jobs WHERE status IN ('COMPLETED', 'PARTIAL') "
            "AND started_at <= ? AND COALESCE(finished_at, started_at) >= ?",
            (self.end, self.start),
        )
        self._analyze("report_jobs")
        conn.execute(
            "CREATE TEMP TABLE report_items ("
            " ref INTEGER PRIMARY KEY, integration_id TEXT, check_id TEXT, resource_id TEXT,"
            " observations INTEGER, last_seen TEXT, fail_observations INTEGER,"
            " first_fail TEXT, last_fail TEXT, remediated_at TEXT, evidence_id TEXT, job_id TEXT,"
            " title TEXT, status TEXT, severity TEXT, category TEXT, resource_type TEXT,"
            " region TEXT, message TEXT, controls TEXT, sha256 TEXT, exception_id TEXT)"
        )
        # One row per (check, resource, integration, region) with aggregates over every
        # observation. This GROUP BY is the one pass over the period's history (its sort dominates
        # the cost: the key starts with the check, which differs early, and no per-row string
        # building).
        conn.execute(
            "CREATE TEMP TABLE report_groups AS "
            "SELECT e.check_id AS check_id, e.resource_id AS resource_id,"
            " e.integration_id AS integration_id, e.region AS region, COUNT(*) AS observations,"
            " MAX(e.collected_at) AS last_seen,"
            " COUNT(*) FILTER (WHERE e.status = 'FAIL') AS fail_observations,"
            " MIN(CASE WHEN e.status = 'FAIL' THEN e.collected_at END) AS first_fail,"
            " MAX(CASE WHEN e.status = 'FAIL' THEN e.collected_at END) AS last_fail"
            f" FROM {t}.report_jobs j JOIN evidence e ON e.job_id = j.job_id"
            " WHERE e.collected_at >= ? AND e.collected_at <= ?"
            " GROUP BY e.check_id, e.resource_id, e.integration_id, e.region",
            (self.start, self.end),
        )
        self._analyze("report_groups")
        # The latest observation of each: one seek of the evidence_history index per item
        # (the latest insert wins a tie between two collections stamped the same second).
        # NULLS FIRST: a NULL region sorts as SQLite sorts it, so refs agree on both databases.
        status_rank = STATUS_RANK_SQL.format(col="e.status")
        conn.execute(
            f"INSERT INTO {t}.report_items (ref, integration_id, check_id, resource_id, "
            "observations, last_seen, fail_observations, first_fail, last_fail, "
            "evidence_id, job_id, title, status, severity, category, resource_type, region, "
            "message, controls, sha256) "
            "SELECT ROW_NUMBER() OVER (ORDER BY a.check_id, "
            f"{status_rank}, a.resource_id, a.integration_id, a.region NULLS FIRST), "
            "a.integration_id, a.check_id, a.resource_id, a.observations, a.last_seen, "
            "a.fail_observations, a.first_fail, a.last_fail, e.id, e.job_id, "
            "e.title, e.status, e.severity, e.category, e.resource_type, e.region, e.message, "
            "e.controls, e.sha256 "
            f"FROM {t}.report_groups a JOIN evidence e ON e.rowid = ("
            " SELECT MAX(l.rowid) FROM evidence l WHERE l.check_id = a.check_id"
            " AND l.resource_id = a.resource_id AND l.collected_at = a.last_seen"
            f" AND {hint}l.integration_id = a.integration_id AND l.region {same} a.region"
            f" AND l.job_id IN (SELECT job_id FROM {t}.report_jobs))"
        )
        conn.execute(f"DROP TABLE {t}.report_groups")
        # Remediated: the latest observation passes after a failure; when it first passed again.
        conn.execute(
            f"UPDATE {t}.report_items SET remediated_at = ("
            " SELECT MIN(e.collected_at) FROM evidence e"
            " WHERE e.check_id = report_items.check_id"
            " AND e.resource_id = report_items.resource_id"
            " AND e.collected_at > report_items.last_fail AND e.collected_at <= ?"
            f" AND {hint}e.integration_id = report_items.integration_id AND e.status = 'PASS'"
            f" AND e.region {same} report_items.region"
            f" AND e.job_id IN (SELECT job_id FROM {t}.report_jobs)) "
            "WHERE last_fail IS NOT NULL AND status = 'PASS'",
            (self.end,),
        )
        if self._rules.check_ids:
            checks = self._rules.check_ids
            statuses = list(self._rules.statuses)
            covering, covering_params = self._exception_sql()
            conn.execute(
                f"UPDATE {t}.report_items SET exception_id = {covering} "
                f"WHERE status IN ({placeholders(statuses)}) "
                f"AND check_id IN ({placeholders(checks)})",
                [*covering_params, *statuses, *checks],
            )
        conn.execute(
            "CREATE TEMP TABLE report_item_controls (framework TEXT, control_id TEXT, ref INTEGER)"
        )
        if pg:
            # ``controls`` is a JSON object of framework -> list of control ids; anything else
            # (NULL, another shape) maps to no control, as json_valid/type do below.
            conn.execute(
                "INSERT INTO pg_temp.report_item_controls SELECT f.key, c.value, i.ref "
                "FROM pg_temp.report_items i "
                "CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(i.controls::jsonb) = "
                "'object' THEN i.controls::jsonb ELSE '{}'::jsonb END) f "
                "CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(f.value) "
                "= 'array' THEN f.value ELSE '[]'::jsonb END) c"
            )
        else:
            conn.execute(
                "INSERT INTO temp.report_item_controls SELECT f.key, c.value, i.ref "
                "FROM temp.report_items i, json_each(i.controls) f, json_each(f.value) c "
                "WHERE json_valid(i.controls) AND f.type = 'array'"
            )
        self._create_index(
            "report_item_controls_control", "report_item_controls", "framework, control_id, ref"
        )
        self._create_index("report_items_check", "report_items", "check_id")
        self._analyze("report_items")
        self._analyze("report_item_controls")

    def _exception_sql(self) -> tuple[str, list[Any]]:
        """An expression over a ``report_items`` row: the id of the first exception of its check
        whose resource glob matches, or NULL (``ExceptionRules.sql`` over the bare columns)."""
        if isinstance(self.conn, SqliteDatabase):
            self.conn.raw.create_function(_EXCEPTION_UDF, 2, self._rules.match, deterministic=True)
        return self._rules.sql(postgres=self.conn.is_postgres, table="", function=_EXCEPTION_UDF)

    def close(self) -> None:
        """Drop the TEMP tables (idempotent)."""
        for table in _TEMP_TABLES:
            self.conn.execute(f"DROP TABLE IF EXISTS {self._t}.{table}")

    def __enter__(self) -> PeriodEvidence:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- small aggregates ----------------------------------------------------------------------

    def integrations(self) -> list[dict[str, Any]]:
        """Integrations with collections in the period: how many and first/last collection."""
        rows = self.conn.execute(
            "SELECT i.id, i.type, i.name, i.external_id, i.removed_at, COUNT(*) AS collections, "
            "MIN(j.started_at) AS first_collection, MAX(j.started_at) AS last_collection, "
            "COUNT(*) FILTER (WHERE j.status = 'PARTIAL') AS partial "
            f"FROM {self._t}.report_jobs j JOIN integrations i ON i.id = j.integration_id "
            "WHERE j.started_at >= ? AND j.started_at <= ? "
            "GROUP BY i.id ORDER BY i.type, i.name, i.id",
            (self.start, self.end),
        ).fetchall()
        return [dict(r) for r in rows]

    def totals(self) -> dict[str, Any]:
        """Item and observation counts of the period."""
        row = self.conn.execute(
            "SELECT COUNT(*) AS items, COALESCE(SUM(observations), 0) AS observations, "
            "COUNT(last_fail) AS failed_in_period, COUNT(remediated_at) AS remediated, "
            "COUNT(exception_id) AS excepted, "
            "COUNT(exception_id) FILTER (WHERE status = 'FAIL') AS excepted_fail, "
            "COUNT(DISTINCT check_id) AS checks "
            f"FROM {self._t}.report_items"
        ).fetchone()
        return dict(row)

    def counts(self, *, excepted_only: bool = False) -> list[dict[str, Any]]:
        """Items grouped like ``evidence_check_counts`` rows (``controls`` parsed), so the
        compliance logic of ``operations.compliance`` scores a period exactly as it scores now."""
        where = "WHERE exception_id IS NOT NULL" if excepted_only else ""
        rows = self.conn.execute(
            "SELECT 'period' AS job_id, check_id, status, severity, category, controls, "
            f"MAX(title) AS title, COUNT(*) AS count FROM {self._t}.report_items {where} "
            "GROUP BY check_id, status, severity, category, controls"
        ).fetchall()
        return [{**dict(r), "controls": loads(r["controls"], {})} for r in rows]

    def control_checks(self, framework: str) -> dict[str, list[dict[str, Any]]]:
        """control id -> per mapped check: items, failing items, first and last ``ref``.

        Bounded by controls x checks (not items): what a crosswalk cites."""
        rows = self.conn.execute(
            "SELECT c.control_id, i.check_id, MAX(i.title) AS title, COUNT(*) AS items, "
            "COUNT(*) FILTER (WHERE i.status = 'FAIL' AND i.exception_id IS NULL) AS failing, "
            "MIN(i.ref) AS first_ref, MAX(i.ref) AS last_ref "
            f"FROM {self._t}.report_item_controls c JOIN {self._t}.report_items i ON i.ref = c.ref "
            "WHERE c.framework = ? GROUP BY c.control_id, i.check_id "
            "ORDER BY c.control_id, i.check_id",
            (framework,),
        ).fetchall()
        out: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r["control_id"], []).append(dict(r))
        return out

    def check_ranges(self) -> list[dict[str, Any]]:
        """Per check: items, failing items and the ``ref`` range (checks are contiguous)."""
        rows = self.conn.execute(
            "SELECT check_id, MAX(title) AS title, MAX(severity) AS severity, COUNT(*) AS items, "
            "COUNT(*) FILTER (WHERE status = 'FAIL' AND exception_id IS NULL) AS failing, "
            "MIN(ref) AS first_ref, MAX(ref) AS last_ref "
            f"FROM {self._t}.report_items GROUP BY check_id ORDER BY check_id"
        ).fetchall()
        return [dict(r) for r in rows]

    def failing_by_severity(self) -> dict[str, int]:
        """Items whose latest observation fails and is not excepted, by severity."""
        rows = self.conn.execute(
            f"SELECT severity, COUNT(*) FROM {self._t}.report_items "
            "WHERE status = 'FAIL' AND exception_id IS NULL GROUP BY severity"
        ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def status_counts(self) -> dict[str, int]:
        rows = self.conn.execute(
            f"SELECT status, COUNT(*) FROM {self._t}.report_items GROUP BY status"
        ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    # -- streams -------------------------------------------------------------------------------

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        # A cursor of its own, consumed lazily: one row in Python at a time. The row's controls
        # stay JSON text; callers that need them parse one at a time.
        cursor = self.conn.execute(sql, list(params))
        try:
            for row in cursor:
                yield dict(row)
        finally:
            cursor.close()

    def items(self) -> Iterator[dict[str, Any]]:
        """Every item, in ``ref`` order (by check, worst status first, then resource)."""
        return self._stream(f"SELECT {_ITEM_COLUMNS} FROM {self._t}.report_items i ORDER BY i.ref")

    def items_for_control(self, framework: str, control_id: str) -> Iterator[dict[str, Any]]:
        """Items mapped to one control, worst first (status, severity), then check and resource."""
        order = (
            f"{STATUS_RANK_SQL.format(col='i.status')}, "
            f"{SEVERITY_RANK_SQL.format(col='i.severity')}, i.ref"
        )
        return self._stream(
            f"SELECT {_ITEM_COLUMNS} FROM {self._t}.report_item_controls c "
            f"JOIN {self._t}.report_items i ON i.ref = c.ref "
            f"WHERE c.framework = ? AND c.control_id = ? ORDER BY {order}",
            (framework, control_id),
        )

    def failures(self, *, statuses: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
        """Items that failed at least once in the period (or, with ``statuses``, whose latest
        observation has one of them), worst severity first, open before remediated."""
        if statuses:
            where = f"i.status IN ({placeholders(statuses)})"
            params: list[Any] = list(statuses)
        else:
            where, params = "i.last_fail IS NOT NULL", []
        return self._stream(
            f"SELECT {_ITEM_COLUMNS} FROM {self._t}.report_items i WHERE {where} "
            f"ORDER BY {SEVERITY_RANK_SQL.format(col='i.severity')}, "
            "i.remediated_at IS NOT NULL, i.first_fail NULLS FIRST, i.check_id, i.resource_id",
            params,
        )

    def top_failing(self, limit: int) -> list[dict[str, Any]]:
        """The worst open failures (latest observation FAIL, not excepted): severity, then age."""
        return list(
            self._stream(
                f"SELECT {_ITEM_COLUMNS} FROM {self._t}.report_items i "
                "WHERE i.status = 'FAIL' AND i.exception_id IS NULL "
                f"ORDER BY {SEVERITY_RANK_SQL.format(col='i.severity')}, i.first_fail, "
                "i.check_id, i.resource_id LIMIT ?",
                (limit,),
            )
        )

    def manifest(self) -> Iterator[tuple[int, str, str, str]]:
        """(ref, evidence id, collected at, SHA-256 of the raw data) of every item, ref order."""
        cursor = self.conn.execute(
            f"SELECT ref, evidence_id, last_seen, sha256 FROM {self._t}.report_items ORDER BY ref"
        )
        try:
            for row in cursor:
                yield (int(row[0]), str(row[1]), str(row[2]), str(row[3]))
        finally:
            cursor.close()

    def raw_versions(self, check_id: str) -> Iterator[dict[str, Any]]:
        """Each distinct raw data of one check per (integration, resource) in the period, oldest
        first, with the text of the blob: for populations gathered across collections."""
        cursor = self.conn.execute(
            "SELECT v.integration_id, v.resource_id, v.sha256, v.collected_at, b.data "
            "FROM (SELECT e.integration_id, e.resource_id, e.sha256,"
            " MAX(e.collected_at) AS collected_at"
            f" FROM evidence e JOIN {self._t}.report_jobs j ON j.job_id = e.job_id"
            " WHERE e.check_id = ? AND e.collected_at >= ? AND e.collected_at <= ?"
            " GROUP BY e.integration_id, e.resource_id, e.sha256) AS v "
            "JOIN raw_blobs b ON b.sha256 = v.sha256 "
            "ORDER BY v.resource_id, v.integration_id, v.collected_at",
            (check_id, self.start, self.end),
        )
        try:
            for row in cursor:
                yield dict(row)
        finally:
            cursor.close()


__all__ = ["PeriodEvidence", "ReportsRepo"]
