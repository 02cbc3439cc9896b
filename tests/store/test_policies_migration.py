"""Migration 3 on a store written by the previous version: policies generated before drafts could
carry placeholders read back with ``missingFields: []`` and can still be approved."""

from __future__ import annotations

import uuid

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import policies as ops
from sentinel_cli.store import connection, open_store
from sentinel_cli.store.migrations import MIGRATIONS, split_statements

pytestmark = pytest.mark.usefixtures("sqlite_file")  # old SQLite scripts: SQLite only


def _store_at_version_2(settings: Settings) -> str:
    settings.ensure_home()
    conn = connection.connect(settings.db_path)
    connection.current_version(conn)
    for migration in MIGRATIONS[:2]:
        for statement in split_statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (migration.number, migration.name, "2025-01-02T10:00:00Z"),
        )
    policy_id = str(uuid.uuid4())
    at = "2025-01-02T10:00:00Z"
    conn.execute(
        "INSERT INTO policies (id, template_id, template_version, title, version, status, owner, "
        "data, content, sha256, created_at, updated_at) VALUES "
        "(?, 'backup-policy', '1.0.0', 'Backup Policy', 1, 'DRAFT', 'j@acme.test', "
        "'{\"companyName\":\"Acme\"}', '# Backup Policy', 'abc', ?, ?)",
        (policy_id, at, at),
    )
    conn.close()
    return policy_id


def test_migrating_a_version_2_store_keeps_policies_approvable(settings: Settings) -> None:
    policy_id = _store_at_version_2(settings)
    with open_store(settings) as store:
        assert store.schema_version() == MIGRATIONS[-1].number >= 3
        assert [p["missingFields"] for p in ops.list_policies(store)] == [[]]
        assert ops.get_policy(store, policy_id)["missingFields"] == []
        approved = ops.approve_policy(store, policy_id, approver="ceo@acme.test")
        assert approved["status"] == "APPROVED" and approved["missingFields"] == []
