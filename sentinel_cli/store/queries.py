"""Reading evidence back: current state, filters, pages, counts, history and exceptions.

Every read starts from a small set of job ids (the latest COMPLETED or PARTIAL collection of each
integration at a moment, ``jobs_at``), never from the whole evidence table, which holds every past
collection. The items of those jobs are reached through the ``evidence_current`` index (job_id,
status, severity, check_id, resource_id, + rowid): a page is chosen from the index alone (phase
one: rowids in order, ranks computed from the indexed status and severity) and only the rows of
that page are read from the table (phase two). Counts for pagination and the CI gate are
index-only too.

Framework and control filters do not parse each item's ``controls`` JSON. The per-check counts table
(``evidence_check_counts``, one row per job, check, status, severity, category and controls) tells
which checks of the jobs map to the control, so the filter becomes ``check_id IN (...)``. Only when
one check was recorded with different mappings inside the same jobs (a catalogue edited between two
collections of different integrations) does the filter fall back to ``json_each`` over those
checks' items, so the answer is exact either way.

An account filter (``--account``, AWS Organizations) cannot use the per-check counts, which have no
account; its counts come from the items instead, through the partial ``evidence_account`` index
(job_id, account_id, status, severity, check_id, resource_id), which answers them, and a page,
from the index alone just as ``evidence_current`` does without the filter.

Risk exceptions are matched with Python's ``fnmatch.fnmatchcase`` (resource patterns are globs) through
a SQL function registered on the connection. The SQL only calls it for items whose check has an
active exception and whose status can be excepted, so stores without exceptions pay nothing.
PostgreSQL has no such functions: there the same rule is a ``CASE`` over the exceptions, each glob
translated to an anchored POSIX regular expression (``store.globs``) with the same meaning.

On PostgreSQL the SQLite planner hints (the unary ``+``) are left out, since its planner has
statistics, and ``json_each`` becomes the ``jsonb`` containment it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from sentinel_cli.jsonio import loads
from sentinel_cli.store.database import Cursor, Database, Row, SqliteDatabase
from sentinel_cli.store.globs import glob_to_regex

STATUS_ORDER = ("FAIL", "ERROR", "WARNING", "PASS")
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")

# Both ranks are computed from columns of the evidence_current index, so ordering needs no table.
_STATUS_RANK_SQL = (
    "CASE e.status WHEN 'FAIL' THEN 0 WHEN 'ERROR' THEN 1 WHEN 'WARNING' THEN 2 ELSE 3 END"
)
_SEVERITY_RANK_SQL = (
    "CASE e.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 WHEN 'info' THEN 4 ELSE 5 END"
)
_ORDER_SQL = f"{_STATUS_RANK_SQL}, {_SEVERITY_RANK_SQL}, e.check_id, e.resource_id, e.rowid"
_SEVERITY_FIRST_SQL = (
    f"{_SEVERITY_RANK_SQL}, {_STATUS_RANK_SQL}, e.check_id, e.resource_id, e.rowid"
)
ORDERS = ("status", "severity")
"""Page orders: worst status first (then severity), or highest severity first (then status);
both then by check and resource, and both computed from the index alone."""

ITEM_COLUMNS = (
    "e.id, e.job_id, e.integration_id, e.check_id, e.title, e.status, e.severity, e.category, "
    "e.resource_id, e.resource_type, e.region, e.message, e.remediation, e.controls, e.sha256, "
    "e.collected_at, e.account_id"
)

_UDF_NAME = "sentinel_exception_id"


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


@dataclass(frozen=True)
class ExceptionRules:
    """Risk exceptions in force at one moment, and which statuses they can except."""

    exceptions: tuple[dict[str, Any], ...] = ()
    statuses: tuple[str, ...] = ("FAIL", "WARNING")
    _by_check: dict[str, list[tuple[str, str]]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for exc in self.exceptions:
            self._by_check.setdefault(exc["check_id"], []).append(
                (exc["resource_pattern"], exc["id"])
            )

    @property
    def check_ids(self) -> list[str]:
        return sorted(self._by_check)

    def match(self, check_id: str, resource_id: str, status: str | None = None) -> str | None:
        """The id of the exception covering this item, or None."""
        if status is not None and status not in self.statuses:
            return None
        for pattern, exception_id in self._by_check.get(check_id, ()):
            if fnmatchcase(resource_id, pattern):
                return exception_id
        return None

    def sql(
        self, *, postgres: bool = False, table: str = "e", function: str = _UDF_NAME
    ) -> tuple[str, list[Any]]:
        """A SQL expression over ``table``'s ``status``, ``check_id`` and ``resource_id`` giving
        the covering exception id, or NULL (``table=""``: the bare columns).

        On SQLite it calls ``function``, which the caller registers on the connection as
        ``match``; on PostgreSQL (``postgres``) it is plain SQL: each exception, in order, as a
        ``WHEN`` on its check and its pattern's regular expression, so the first exception of a
        check that matches wins, as in ``match``."""
        if not self._by_check:
            return "NULL", []
        col = f"{table}." if table else ""
        checks = self.check_ids
        guard = (
            f"{col}status IN ({placeholders(self.statuses)}) "
            f"AND {col}check_id IN ({placeholders(checks)})"
        )
        if not postgres:
            sql = f"CASE WHEN {guard} THEN {function}({col}check_id, {col}resource_id) END"
            return sql, [*self.statuses, *checks]
        whens: list[str] = []
        params: list[Any] = []
        for check_id, rules in self._by_check.items():
            for pattern, exception_id in rules:
                condition, condition_params = _resource_condition(f"{col}resource_id", pattern)
                whens.append(f"WHEN {col}check_id = ?{condition} THEN ?")
                params.extend([check_id, *condition_params, exception_id])
        sql = f"CASE WHEN {guard} THEN CASE {' '.join(whens)} END END"
        return sql, [*self.statuses, *checks, *params]


NO_EXCEPTIONS = ExceptionRules()


def _resource_condition(column: str, pattern: str) -> tuple[str, list[Any]]:
    """`` AND <column matches pattern>`` for PostgreSQL, with its parameters: nothing for a
    pattern matching every id, an equality for one without wildcards, else a regular expression
    (``store.globs``)."""
    if pattern and set(pattern) <= {"*"}:
        return "", []
    if not any(c in pattern for c in "*?["):
        return f" AND {column} = ?", [pattern]
    return f" AND {column} ~ ?", [glob_to_regex(pattern)]


@dataclass(frozen=True)
class EvidenceFilter:
    """Which items of which jobs. Empty tuples mean "no restriction", except ``job_ids``."""

    job_ids: tuple[str, ...]
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    check_ids: tuple[str, ...] | None = None
    """Checks all of whose items match (framework/control filter); None means any check."""
    mixed_check_ids: tuple[str, ...] = ()
    """Checks whose items are decided one by one from their ``controls`` JSON."""
    framework: str | None = None
    control: str | None = None
    account_id: str | None = None
    """Only items of this AWS account; counts then come from the items, not the per-check table."""


def _account_clause(account_id: str | None) -> tuple[str, list[Any]]:
    return ("", []) if account_id is None else (" AND e.account_id = ?", [account_id])


class EvidenceQueries:
    def __init__(self, conn: Database) -> None:
        self.conn = conn
        self._rules: ExceptionRules = NO_EXCEPTIONS
        self._udf_registered = False

    # -- exceptions ------------------------------------------------------------------------

    def _use(self, rules: ExceptionRules) -> tuple[str, list[Any]]:
        """Point the SQL exception function at ``rules`` and return their SQL expression (on
        PostgreSQL, the expression alone: it needs no function)."""
        self._rules = rules
        if not isinstance(self.conn, SqliteDatabase):
            return rules.sql(postgres=True)
        if rules.exceptions and not self._udf_registered:
            # One registration per connection; the function reads whichever rules are current.
            self.conn.raw.create_function(
                _UDF_NAME, 2, lambda check, resource: self._rules.match(check, resource)
            )
            self._udf_registered = True
        return rules.sql()

    # -- which jobs --------------------------------------------------------------------------

    def jobs_at(self, at: str, *, integration_id: str | None = None) -> list[dict[str, Any]]:
        """The latest COMPLETED/PARTIAL job finished by ``at`` of each integration not removed by
        then: the state of the store at that moment."""
        params: list[Any] = [at, at]
        where = "(i.removed_at IS NULL OR i.removed_at > ?)"
        if integration_id is not None:
            where += " AND i.id = ?"
            params.append(integration_id)
        rows = self.conn.execute(
            "SELECT j.id AS job_id, j.integration_id, j.finished_at, j.total_count, j.pass_count "
            "FROM integrations i JOIN collection_jobs j ON j.id = ("
            " SELECT j2.id FROM collection_jobs j2 WHERE j2.integration_id = i.id"
            " AND j2.status IN ('COMPLETED', 'PARTIAL') AND j2.finished_at <= ?"
            " ORDER BY j2.finished_at DESC, j2.rowid DESC LIMIT 1) "
            f"WHERE {where} ORDER BY i.created_at, i.id",
            params,
        ).fetchall()
        return [dict(r) for r in rows]

    def finished_jobs(self, until: str, *, since: str | None = None) -> list[dict[str, Any]]:
        """Every COMPLETED/PARTIAL job finished by ``until`` (and, with ``since``, started at or
        after it: a report counts only collections inside its period), with its integration's
        removal time, oldest first: enough to replay the state at each day of a timeline without
        the items."""
        rows = self.conn.execute(
            "SELECT j.id AS job_id, j.integration_id, j.finished_at, j.total_count, j.pass_count, "
            "j.fail_count, j.warning_count, j.error_count, i.removed_at "
            "FROM collection_jobs j JOIN integrations i ON i.id = j.integration_id "
            "WHERE j.status IN ('COMPLETED', 'PARTIAL') AND j.finished_at <= ? "
            "AND j.started_at >= ? ORDER BY j.finished_at, j.rowid",
            (until, since or ""),
        ).fetchall()
        return [dict(r) for r in rows]

    # -- per-check counts ---------------------------------------------------------------------

    def jobs_with_account(self, job_ids: Sequence[str], account_id: str) -> list[str]:
        """Those of ``job_ids`` holding items of ``account_id`` (one index probe per job)."""
        return [
            job_id
            for job_id in job_ids
            if self.conn.execute(
                "SELECT 1 FROM evidence e WHERE e.job_id = ? AND e.account_id = ? LIMIT 1",
                (job_id, account_id),
            ).fetchone()
        ]

    def check_counts(
        self, job_ids: Sequence[str], *, account_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Rows of ``evidence_check_counts`` for the jobs (``controls`` parsed); for one account,
        the same rows counted from that account's items."""
        if not job_ids:
            return []
        if account_id is not None:
            rows = self.conn.execute(
                "SELECT e.job_id, e.check_id, e.status, e.severity, e.category, e.controls, "
                "MAX(e.title) AS title, COUNT(*) AS count FROM evidence e "
                f"WHERE e.job_id IN ({placeholders(job_ids)}) AND e.account_id = ? "
                "GROUP BY e.job_id, e.check_id, e.status, e.severity, e.category, e.controls",
                [*job_ids, account_id],
            ).fetchall()
            return [{**dict(r), "controls": loads(r["controls"], {})} for r in rows]
        rows = self.conn.execute(
            "SELECT job_id, check_id, status, severity, category, controls, title, count "
            f"FROM evidence_check_counts WHERE job_id IN ({placeholders(job_ids)})",
            list(job_ids),
        ).fetchall()
        return [{**dict(r), "controls": loads(r["controls"], {})} for r in rows]

    def generation(self) -> tuple[object, ...]:
        """A fingerprint of everything evidence views read besides the items themselves: jobs
        (finishing changes ``finished_at`` and the RUNNING count), integrations, risk exceptions,
        policies and activity. Equal fingerprints mean equal answers (see ``api/cache.py``)."""
        row = self.conn.execute(
            "SELECT (SELECT COUNT(*) FROM collection_jobs),"
            " (SELECT MAX(finished_at) FROM collection_jobs),"
            " (SELECT COUNT(*) FROM collection_jobs WHERE status = 'RUNNING'),"
            " (SELECT COUNT(*) FROM integrations), (SELECT MAX(updated_at) FROM integrations),"
            " (SELECT COUNT(*) FROM risk_exceptions),"
            " (SELECT MAX(created_at) FROM risk_exceptions),"
            " (SELECT MAX(removed_at) FROM risk_exceptions),"
            " (SELECT COUNT(*) FROM policies), (SELECT MAX(updated_at) FROM policies),"
            " (SELECT MAX(rowid) FROM activity)"
        ).fetchone()
        return tuple(row)

    def categories_present(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT category FROM evidence_check_counts ORDER BY category"
        ).fetchall()
        return [r[0] for r in rows]

    def check_ids_present(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT check_id FROM evidence_check_counts ORDER BY check_id"
        ).fetchall()
        return [r[0] for r in rows]

    # -- items -------------------------------------------------------------------------------

    def _where(self, flt: EvidenceFilter) -> tuple[str, list[Any]]:
        clauses = [f"e.job_id IN ({placeholders(flt.job_ids)})"]
        params: list[Any] = list(flt.job_ids)
        if flt.statuses:
            clauses.append(f"e.status IN ({placeholders(flt.statuses)})")
            params.extend(flt.statuses)
        if flt.severities:
            clauses.append(f"e.severity IN ({placeholders(flt.severities)})")
            params.extend(flt.severities)
        if flt.categories:
            clauses.append(f"e.category IN ({placeholders(flt.categories)})")
            params.extend(flt.categories)
        if flt.account_id is not None:
            clauses.append("e.account_id = ?")
            params.append(flt.account_id)
        if flt.check_ids is not None:
            parts = []
            if flt.check_ids:
                parts.append(f"e.check_id IN ({placeholders(flt.check_ids)})")
                params.extend(flt.check_ids)
            if flt.mixed_check_ids and flt.framework:
                mapped, mapped_params = self._mapped(flt.framework, flt.control)
                parts.append(f"(e.check_id IN ({placeholders(flt.mixed_check_ids)}) AND {mapped})")
                params.extend([*flt.mixed_check_ids, *mapped_params])
            clauses.append("(" + " OR ".join(parts) + ")" if parts else "FALSE")
        return " AND ".join(clauses), params

    def _mapped(self, framework: str, control: str | None) -> tuple[str, list[Any]]:
        """The condition that an item's own ``controls`` map it to ``control`` of ``framework``
        (to any control of it, without ``control``)."""
        if self.conn.is_postgres:
            # ``->`` gives the framework's list (NULL when absent); ``@>`` is "holds the control"
            # and ``-> 0`` "has a first control", as json_each and json_array_length tell SQLite.
            if control:
                return "COALESCE((e.controls::jsonb -> ?) @> to_jsonb(CAST(? AS TEXT)), FALSE)", [
                    framework,
                    control,
                ]
            return "(e.controls::jsonb -> ? -> 0) IS NOT NULL", [framework]
        path = f'$."{framework}"'  # quoted: a framework id may hold a '-'
        if control:
            return "EXISTS (SELECT 1 FROM json_each(e.controls, ?) AS c WHERE c.value = ?)", [
                path,
                control,
            ]
        return "COALESCE(json_array_length(e.controls, ?), 0) > 0", [path]

    def _from_offset(self) -> str:
        """``OFFSET ?`` without a limit: SQLite needs ``LIMIT -1`` before it, PostgreSQL refuses
        a negative limit."""
        return " OFFSET ?" if self.conn.is_postgres else " LIMIT -1 OFFSET ?"

    def count(
        self,
        flt: EvidenceFilter,
        *,
        statuses: Sequence[str] | None = None,
        rules: ExceptionRules | None = None,
    ) -> int:
        """Items matching ``flt`` (and ``statuses``); with ``rules``, only those not excepted."""
        if not flt.job_ids:
            return 0
        plain = not flt.mixed_check_ids and flt.account_id is None
        if plain and (rules is None or not rules.exceptions):
            return self._count_from_check_counts(flt, statuses)
        where, params = self._where(flt)
        if statuses is not None:
            if not statuses:
                return 0
            where += f" AND e.status IN ({placeholders(statuses)})"
            params.extend(statuses)
        if rules is not None and rules.exceptions:
            expr, expr_params = self._use(rules)
            where += f" AND ({expr}) IS NULL"
            params.extend(expr_params)
        row = self.conn.execute(f"SELECT COUNT(*) FROM evidence e WHERE {where}", params).fetchone()
        return int(row[0])

    def _count_from_check_counts(self, flt: EvidenceFilter, statuses: Sequence[str] | None) -> int:
        """The same count read from ``evidence_check_counts`` (a few rows per check and job)
        instead of the items: every column a plain filter uses is a column of that table."""
        if statuses is not None and not statuses:
            return 0
        where, params = self._where(flt)
        if statuses is not None:
            where += f" AND e.status IN ({placeholders(statuses)})"
            params.extend(statuses)
        row = self.conn.execute(
            f"SELECT COALESCE(SUM(e.count), 0) FROM evidence_check_counts e WHERE {where}", params
        ).fetchone()
        return int(row[0])

    def _bucket_sizes(self, flt: EvidenceFilter) -> dict[tuple[str, str], int] | None:
        """Items per (status, severity) for plain filters, from ``evidence_check_counts`` (for one
        account, from the ``evidence_account`` index)."""
        if flt.mixed_check_ids:
            return None
        where, params = self._where(flt)
        if flt.account_id is not None:
            rows = self.conn.execute(
                f"SELECT e.status, e.severity, COUNT(*) FROM evidence e WHERE {where} "
                "GROUP BY e.status, e.severity",
                params,
            ).fetchall()
            return {(r[0], r[1]): int(r[2]) for r in rows}
        rows = self.conn.execute(
            f"SELECT e.status, e.severity, SUM(e.count) FROM evidence_check_counts e "
            f"WHERE {where} GROUP BY e.status, e.severity",
            params,
        ).fetchall()
        return {(r[0], r[1]): int(r[2]) for r in rows}

    def _page_by_buckets(
        self,
        flt: EvidenceFilter,
        sizes: dict[tuple[str, str], int],
        limit: int,
        offset: int,
        order_by: str = "status",
    ) -> list[int]:
        """Row ids of one page, walking (status, severity) buckets worst first.

        Each bucket is read in index order from ``evidence_current`` and only the buckets that
        hold the page are read at all, so a first page costs the same at 1,000 or 1,000,000 items
        instead of sorting every matching item.
        """

        def ranks(key: tuple[str, str]) -> tuple[int, int]:
            status = STATUS_ORDER.index(key[0]) if key[0] in STATUS_ORDER else len(STATUS_ORDER)
            sev = SEVERITY_ORDER.index(key[1]) if key[1] in SEVERITY_ORDER else len(SEVERITY_ORDER)
            return (sev, status) if order_by == "severity" else (status, sev)

        order = sorted(sizes, key=lambda k: (ranks(k), k))
        where, params = self._where(flt)
        rowids: list[int] = []
        skip = offset
        for status, severity in order:
            size = sizes[(status, severity)]
            if skip >= size:
                skip -= size
                continue
            want = limit - len(rowids)
            rows = self.conn.execute(
                f"SELECT e.rowid FROM evidence e WHERE {where} AND e.status = ? "
                "AND e.severity = ? ORDER BY e.check_id, e.resource_id, e.rowid LIMIT ? OFFSET ?",
                [*params, status, severity, want, skip],
            ).fetchall()
            skip = 0
            rowids.extend(r[0] for r in rows)
            if len(rowids) >= limit:
                break
        return rowids

    def page(
        self,
        flt: EvidenceFilter,
        *,
        rules: ExceptionRules,
        limit: int | None,
        offset: int = 0,
        exclude_excepted: bool = False,
        order_by: str = "status",
    ) -> list[dict[str, Any]]:
        """One page of items, worst first (status, severity, check, resource; ``order_by=
        "severity"``: severity before status), each with the id of the exception covering it
        (``exception_id``, or None). ``limit=None`` returns them all."""
        if not flt.job_ids:
            return []
        expr, expr_params = self._use(rules)
        if limit is not None and not (exclude_excepted and rules.exceptions):
            sizes = self._bucket_sizes(flt)
            if sizes is not None:
                rowids = self._page_by_buckets(flt, sizes, limit, offset, order_by)
                return self._rows_by_rowid(rowids, expr, expr_params)
        where, params = self._where(flt)
        if exclude_excepted and rules.exceptions:
            where += f" AND ({expr}) IS NULL"
            params.extend(expr_params)
        ordering = _SEVERITY_FIRST_SQL if order_by == "severity" else _ORDER_SQL
        sql = f"SELECT e.rowid FROM evidence e WHERE {where} ORDER BY {ordering}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        elif offset:
            sql += self._from_offset()
            params.append(offset)
        rowids = [r[0] for r in self.conn.execute(sql, params).fetchall()]
        return self._rows_by_rowid(rowids, expr, expr_params)

    def stream(
        self, flt: EvidenceFilter, *, rules: ExceptionRules, offset: int = 0, chunk: int = 500
    ) -> Iterator[dict[str, Any]]:
        """Every matching item from ``offset`` on, in ``page`` order, read ``chunk`` rows at a time
        so that a listing of any size never sits in memory whole.

        The ordered query runs now, not at the first ``next``: while it is open every other read on
        this connection (the counts of the same listing, the chunks) sees the same snapshot, so a
        collection finishing mid-way cannot make the items disagree with their total.

        On PostgreSQL the driver receives the ordered rowids whole when the query runs (a few
        bytes per item; the items themselves still come ``chunk`` at a time): that list is the
        snapshot, and the items of finished jobs it names do not change.
        """
        if not flt.job_ids:
            return iter(())
        expr, expr_params = self._use(rules)
        where, params = self._where(flt)
        cursor = self.conn.execute(
            f"SELECT e.rowid FROM evidence e WHERE {where} ORDER BY {_ORDER_SQL}"
            + self._from_offset(),
            [*params, offset],
        )

        def items() -> Iterator[dict[str, Any]]:
            try:
                while batch := cursor.fetchmany(chunk):
                    yield from self._rows_by_rowid([r[0] for r in batch], expr, expr_params)
            finally:  # a reader that stopped early (a closed pipe) may let the store close first
                _close_quietly(cursor)

        return items()

    def _rows_by_rowid(
        self, rowids: list[int], expr: str, expr_params: list[Any]
    ) -> list[dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            rows = self.conn.execute(
                f"SELECT e.rowid AS row_id, {ITEM_COLUMNS}, {expr} AS exception_id "
                f"FROM evidence e WHERE e.rowid IN ({placeholders(chunk)})",
                [*expr_params, *chunk],
            ).fetchall()
            for r in rows:
                out[r["row_id"]] = _item(r)
        return [out[rid] for rid in rowids if rid in out]

    def excepted_counts(
        self, job_ids: Sequence[str], rules: ExceptionRules, *, account_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Excepted items of the jobs (of one account), counted like ``evidence_check_counts``."""
        if not job_ids or not rules.exceptions:
            return []
        expr, expr_params = self._use(rules)
        account_sql, account_params = _account_clause(account_id)
        rows = self.conn.execute(
            "SELECT e.job_id, e.check_id, e.status, e.severity, e.category, e.controls, "
            f"COUNT(*) AS count FROM evidence e WHERE e.job_id IN ({placeholders(job_ids)}) "
            f"AND e.status IN ({placeholders(rules.statuses)}) "
            f"AND e.check_id IN ({placeholders(rules.check_ids)}) AND ({expr}) IS NOT NULL"
            f"{account_sql} "
            "GROUP BY e.job_id, e.check_id, e.status, e.severity, e.category, e.controls",
            [*job_ids, *rules.statuses, *rules.check_ids, *expr_params, *account_params],
        ).fetchall()
        return [{**dict(r), "controls": loads(r["controls"], {})} for r in rows]

    def ids_for(
        self,
        job_id: str,
        check_id: str,
        status: str,
        severity: str,
        *,
        limit: int | None,
        account_id: str | None = None,
    ) -> list[str]:
        """Evidence ids of one job's items of one check with one status (an index seek), of one
        account when ``account_id`` is given."""
        account_sql, account_params = _account_clause(account_id)
        sql = (
            "SELECT e.id FROM evidence e WHERE e.job_id = ? AND e.status = ? AND e.severity = ? "
            f"AND e.check_id = ?{account_sql} ORDER BY e.resource_id, e.rowid"
        )
        params: list[Any] = [job_id, status, severity, check_id, *account_params]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [r[0] for r in self.conn.execute(sql, params).fetchall()]

    def find(self, id_or_prefix: str) -> list[dict[str, Any]]:
        """The item with this id, or up to two items whose id starts with it (to spot ambiguity)."""
        row = self.conn.execute(
            f"SELECT {ITEM_COLUMNS}, NULL AS exception_id FROM evidence e WHERE e.id = ?",
            (id_or_prefix,),
        ).fetchone()
        if row is not None:
            return [_item(row)]
        rows = self.conn.execute(
            f"SELECT {ITEM_COLUMNS}, NULL AS exception_id FROM evidence e "
            "WHERE e.id >= ? AND e.id < ? ORDER BY e.id LIMIT 2",
            (id_or_prefix, id_or_prefix + "\uffff"),
        ).fetchall()
        return [_item(r) for r in rows]

    def history(
        self,
        *,
        integration_id: str,
        check_id: str,
        resource_id: str,
        until: str,
        limit: int = 366,
    ) -> list[dict[str, Any]]:
        """The same check on the same resource of the same integration in each collection up to
        ``until``, newest first (through the ``evidence_history`` index: the unary ``+`` keeps
        SQLite from walking ``evidence_integration`` instead, every item of the integration up to
        ``until``, which it prefers without statistics and which costs 30 ms at 100,000 items;
        PostgreSQL has statistics, and no unary ``+`` for text)."""
        integration = "e.integration_id" if self.conn.is_postgres else "+e.integration_id"
        rows = self.conn.execute(
            "SELECT e.id, e.job_id, e.status, e.collected_at, e.sha256, e.message "
            "FROM evidence e WHERE e.check_id = ? AND e.resource_id = ? AND e.collected_at <= ? "
            f"AND {integration} = ? ORDER BY e.collected_at DESC, e.rowid DESC LIMIT ?",
            (check_id, resource_id, until, integration_id, limit),
        ).fetchall()
        return [dict(r) for r in rows]

    def raw_data(self, sha256: str) -> str | None:
        row = self.conn.execute("SELECT data FROM raw_blobs WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else str(row[0])

    def job(self, job_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT id, status, finished_at FROM collection_jobs WHERE id = ?", (job_id,)
        ).fetchone()
        return None if row is None else dict(row)


def _close_quietly(cursor: Cursor) -> None:
    """Close a cursor that may outlive its connection: closing is only tidying up, so the
    driver's complaint about a connection already closed is not worth an error."""
    with suppress(Exception):
        cursor.close()


def _item(row: Row) -> dict[str, Any]:
    out = dict(row)
    out.pop("row_id", None)
    out["remediation"] = loads(out["remediation"], {})
    out["controls"] = loads(out["controls"], {})
    return out
