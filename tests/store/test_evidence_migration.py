"""Migration 2 on a store written by the previous version: the per-check counts are backfilled from
existing items, the new index answers the list query alone, and evidence reads as usual."""

from __future__ import annotations

import json
import uuid

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import evidence as ops
from sentinel_cli.operations import evidence_stats
from sentinel_cli.store import connection, open_store
from sentinel_cli.store.database import SqliteDatabase
from sentinel_cli.store.migrations import MIGRATIONS, split_statements
from sentinel_cli.timeutil import now_iso

pytestmark = pytest.mark.usefixtures("sqlite_file")  # old SQLite scripts: SQLite only


def _store_at_version_1(settings: Settings) -> dict[str, str]:
    settings.ensure_home()
    conn = connection.connect(settings.db_path)
    connection.current_version(conn)
    for statement in split_statements(MIGRATIONS[0].sql):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO schema_migrations (number, name, applied_at) VALUES (1, 'initial schema', ?)",
        (now_iso(),),
    )
    integration, job = str(uuid.uuid4()), str(uuid.uuid4())
    at = "2025-01-02T10:00:00Z"
    conn.execute(
        "INSERT INTO integrations (id, type, name, created_at, updated_at) "
        "VALUES (?, 'AWS', 'old', ?, ?)",
        (integration, at, at),
    )
    conn.execute(
        "INSERT INTO collection_jobs (id, integration_id, status, started_at, finished_at, "
        "total_count, pass_count, fail_count) VALUES (?, ?, 'COMPLETED', ?, ?, 3, 1, 2)",
        (job, integration, at, at),
    )
    conn.execute(
        "INSERT INTO raw_blobs (sha256, data, size, created_at) VALUES ('h', '{}', 2, ?)", (at,)
    )
    controls = json.dumps({"SOC2": ["CC6.1"], "ISO27001": ["A.8.24"]})
    for resource, status, severity in (
        ("b1", "PASS", "high"),
        ("b2", "FAIL", "high"),
        ("b3", "FAIL", "critical"),
    ):
        conn.execute(
            "INSERT INTO evidence (id, job_id, integration_id, check_id, title, status, severity, "
            "category, resource_id, resource_type, controls, sha256, collected_at) "
            "VALUES (?, ?, ?, 'aws_s3_bucket_default_encryption', 'S3 encrypts', ?, ?, "
            "'encryption', ?, 'bucket', ?, 'h', ?)",
            (str(uuid.uuid4()), job, integration, status, severity, resource, controls, at),
        )
    conn.close()
    return {"integration": integration, "job": job}


def test_migrating_a_version_1_store(settings: Settings) -> None:
    ids = _store_at_version_1(settings)
    with open_store(settings) as store:
        assert store.schema_version() == MIGRATIONS[-1].number >= 2
        counts = store.queries.check_counts([ids["job"]])
        assert sorted((r["status"], r["severity"], r["count"]) for r in counts) == [
            ("FAIL", "critical", 1),
            ("FAIL", "high", 1),
            ("PASS", "high", 1),
        ]
        assert counts[0]["controls"] == {"SOC2": ["CC6.1"], "ISO27001": ["A.8.24"]}
        indexes = {
            r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
        assert "evidence_current" in indexes and "evidence_job_status" not in indexes
        items = ops.list_evidence(store, status="FAIL", control="CC6.1")["evidence"]
        assert [(i["resourceId"], i["severity"]) for i in items] == [
            ("b3", "critical"),
            ("b2", "high"),
        ]
        assert evidence_stats.evidence_stats(store)["byStatus"] == {
            "PASS": 1,
            "FAIL": 2,
            "WARNING": 0,
            "ERROR": 0,
        }


def test_the_list_query_uses_the_index(settings: Settings) -> None:
    """The row-id queries the list operation really runs (captured, not written here) are
    answered from the covering index migration 2 creates."""
    _store_at_version_1(settings)
    with open_store(settings) as store:
        statements: list[str] = []
        assert isinstance(store.conn, SqliteDatabase)
        store.conn.raw.set_trace_callback(statements.append)
        try:
            page = ops.list_evidence(store, status="FAIL")["evidence"]
            # An export reads every matching item (no page): the other row-id query.
            export = ops.evidence_listing(store, status="FAIL", output="csv").items
        finally:
            store.conn.raw.set_trace_callback(None)
        assert [i["resourceId"] for i in page] == ["b3", "b2"]
        assert [i["resourceId"] for i in export] == ["b3", "b2"]
        rowid_queries = [
            sql.strip()
            for sql in statements
            if sql.strip().startswith("SELECT e.rowid FROM evidence e")
        ]
        assert rowid_queries, statements
        for sql in rowid_queries:
            plan = " ".join(str(r[3]) for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING COVERING INDEX evidence_current" in plan, (sql, plan)
