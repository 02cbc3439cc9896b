"""Migration 7 on a store written by the previous version: every AWS item gets its integration's
account id, GitHub items (and AWS ones connected unverified) stay without one, the partial index
exists, and ``--account`` reads the migrated items."""

from __future__ import annotations

import json
import uuid

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import evidence as ops
from sentinel_cli.store import connection, open_store
from sentinel_cli.store.migrations import MIGRATIONS, split_statements
from sentinel_cli.timeutil import now_iso

pytestmark = pytest.mark.usefixtures("sqlite_file")  # old SQLite scripts: SQLite only

AT = "2025-01-02T10:00:00Z"


def _store_at_version_6(settings: Settings) -> dict[str, str]:
    settings.ensure_home()
    conn = connection.connect(settings.db_path)
    connection.current_version(conn)
    for migration in MIGRATIONS[:6]:
        for statement in split_statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (migration.number, migration.name, now_iso()),
        )
    conn.execute(
        "INSERT INTO raw_blobs (sha256, data, size, created_at) VALUES ('h', '{}', 2, ?)", (AT,)
    )
    ids: dict[str, str] = {}
    for label, kind, external in (
        ("aws", "AWS", "111122223333"),
        ("unverified", "AWS", None),
        ("github", "GITHUB", "acme"),
    ):
        integration, job = str(uuid.uuid4()), str(uuid.uuid4())
        ids[label] = integration
        conn.execute(
            "INSERT INTO integrations (id, type, name, external_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (integration, kind, label, external, AT, AT),
        )
        conn.execute(
            "INSERT INTO collection_jobs (id, integration_id, status, started_at, finished_at, "
            "total_count, fail_count) VALUES (?, ?, 'COMPLETED', ?, ?, 1, 1)",
            (job, integration, AT, AT),
        )
        conn.execute(
            "INSERT INTO evidence (id, job_id, integration_id, check_id, title, status, severity, "
            "category, resource_id, resource_type, controls, sha256, collected_at) "
            "VALUES (?, ?, ?, 'some_check', 'A check', 'FAIL', 'high', 'iam', ?, 'thing', ?, "
            "'h', ?)",
            (str(uuid.uuid4()), job, integration, f"res-{label}", json.dumps({}), AT),
        )
        conn.execute(
            "INSERT INTO evidence_check_counts (job_id, check_id, status, severity, category, "
            "controls, title, count) VALUES (?, 'some_check', 'FAIL', 'high', 'iam', '{}', "
            "'A check', 1)",
            (job,),
        )
    conn.close()
    return ids


def test_migrating_a_version_6_store(settings: Settings) -> None:
    ids = _store_at_version_6(settings)
    with open_store(settings) as store:
        assert store.schema_version() == MIGRATIONS[-1].number >= 7
        rows = store.conn.execute(
            "SELECT integration_id, account_id FROM evidence ORDER BY resource_id"
        ).fetchall()
        accounts = {r["integration_id"]: r["account_id"] for r in rows}
        assert accounts == {
            ids["aws"]: "111122223333",
            ids["unverified"]: None,
            ids["github"]: None,  # a GitHub org's external id is not an account
        }
        index = store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'evidence_account'"
        ).fetchone()
        assert index is not None and "WHERE account_id IS NOT NULL" in index["sql"]
        listed = ops.list_evidence(store, account="111122223333")["evidence"]
        assert [(i["resourceId"], i["accountId"]) for i in listed] == [("res-aws", "111122223333")]
        everything = ops.list_evidence(store)["evidence"]
        assert {i["accountId"] for i in everything} == {"111122223333", None}
