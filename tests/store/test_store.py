"""The store: migrations, pragmas, crash recovery and refusing files it must not touch.

The tests marked ``both_databases`` run on SQLite and on PostgreSQL; the others are about the SQLite
file itself (pragmas, a corrupt file, a home that is a file) and always use one.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import psycopg
import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.store import open_store
from sentinel_cli.store.evidence import EvidenceRecord, sha256_of
from sentinel_cli.store.migrations import MIGRATIONS

EXPECTED_TABLES = {
    "users",
    "integrations",
    "collection_jobs",
    "evidence",
    "raw_blobs",
    "policies",
    "reports",
    "subscriptions",
    "usage_records",
    "activity",
    "risk_exceptions",
    "kv_settings",
    "rate_limits",
    "schema_migrations",
}
both_databases = pytest.mark.both_databases
sqlite_file = pytest.mark.usefixtures("sqlite_file")


@both_databases
def test_fresh_store_has_every_table(settings: Settings) -> None:
    with open_store(settings) as store:
        assert set(store.table_names()) >= EXPECTED_TABLES
        assert store.schema_version() == MIGRATIONS[-1].number


@sqlite_file
def test_fresh_sqlite_store_has_its_pragmas(settings: Settings) -> None:
    with open_store(settings) as store:
        assert store.dialect == "sqlite"
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert settings.db_path == settings.home / "sentinel.db"


@both_databases
def test_opening_twice_is_idempotent_and_keeps_data(settings: Settings) -> None:
    with open_store(settings) as store:
        store.kv.set("probe", {"a": 1})
    with open_store(settings) as store:
        assert store.kv.get("probe") == {"a": 1}
        rows = store.conn.execute("SELECT number FROM schema_migrations").fetchall()
        assert [r[0] for r in rows] == [m.number for m in MIGRATIONS]


def test_sentinel_db_env_names_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("SENTINEL_DB", str(tmp_path / "elsewhere.db"))
    with open_store(Settings.from_env()) as store:
        assert store.label == str(tmp_path / "elsewhere.db")
    assert (tmp_path / "elsewhere.db").exists()


@sqlite_file
def test_corrupt_database_is_refused_and_left_untouched(settings: Settings) -> None:
    settings.home.mkdir(parents=True)
    content = b"this is not a database, it holds someone's notes\n" * 10
    settings.db_path.write_bytes(content)
    with pytest.raises(StoreUnavailable, match="not a Sentinel database"):
        open_store(settings)
    assert settings.db_path.read_bytes() == content


@both_databases
def test_database_from_a_newer_version_is_refused(settings: Settings) -> None:
    with open_store(settings) as store:
        store.conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (999, 'future', 'x')"
        )
    with pytest.raises(StoreUnavailable, match="newer Sentinel"):
        open_store(settings)


def test_home_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = Settings(home=blocker / "home", db_path=blocker / "home" / "sentinel.db")
    with pytest.raises(StoreUnavailable, match="cannot create the Sentinel home"):
        open_store(settings)


def _insert_integration(store, integration_id: str = "i-1") -> None:  # type: ignore[no-untyped-def]
    store.integrations.insert(
        integration_id=integration_id,
        type="AWS",
        name="x",
        external_id=None,
        config={},
        has_secret=False,
    )


@both_databases
def test_interrupted_job_is_marked_failed_on_next_open(settings: Settings) -> None:
    with open_store(settings) as store:
        _insert_integration(store)
        store.jobs.start(job_id="job-dead", integration_id="i-1", trigger="cli")
        store.jobs.start(job_id="job-alive", integration_id="i-1", trigger="cli")
        # job-dead ran in a process that no longer exists; job-alive is this very process.
        store.conn.execute("UPDATE collection_jobs SET pid = 2147483646 WHERE id = 'job-dead'")
    with open_store(settings) as store:
        dead = store.jobs.get("job-dead")
        alive = store.jobs.get("job-alive")
        assert dead is not None and alive is not None
        assert dead["status"] == "FAILED"
        assert "interrupted" in dead["error_message"]
        assert alive["status"] == "RUNNING"
        assert os.getpid() > 0


@both_databases
def test_raw_data_is_stored_once_per_distinct_content(settings: Settings) -> None:
    raw = {"bucket": "logs", "policy": {"Statement": []}}

    def record(n: int) -> EvidenceRecord:
        return EvidenceRecord(
            id=f"e-{n}",
            check_id="aws_s3_versioning",
            title="t",
            status="PASS",
            severity="medium",
            category="storage",
            resource_id="arn:aws:s3:::logs",
            resource_type="s3-bucket",
            region=None,
            message="m",
            remediation={},
            controls={"SOC2": [], "ISO27001": []},
            raw=raw,
        )

    with open_store(settings) as store:
        _insert_integration(store)
        for day in range(3):
            job = f"job-{day}"
            store.jobs.start(job_id=job, integration_id="i-1", trigger="cli")
            with store.transaction():
                store.evidence.insert_many(
                    [record(day)],
                    job_id=job,
                    integration_id="i-1",
                    collected_at="2025-01-01T00:00:00Z",
                )
        assert store.evidence.blob_stats()["blobs"] == 1
        row = store.conn.execute("SELECT sha256 FROM evidence WHERE id = 'e-2'").fetchone()
        assert row[0] == sha256_of(raw)


@both_databases
def test_failed_transaction_leaves_no_rows(settings: Settings) -> None:
    with open_store(settings) as store:
        with pytest.raises(RuntimeError), store.transaction():
            _insert_integration(store, "i-rollback")
            raise RuntimeError("boom")
        assert store.integrations.get("i-rollback") is None


@both_databases
def test_two_connections_can_share_the_store(settings: Settings) -> None:
    with open_store(settings) as writer, open_store(settings) as reader:
        with writer.transaction():
            _insert_integration(writer, "i-shared")
            # A reader (SQLite in WAL mode, or PostgreSQL) is not blocked by the open write
            # transaction, and does not see its rows before the commit.
            assert reader.integrations.get("i-shared") is None
        assert reader.integrations.get("i-shared") is not None


@both_databases
def test_id_prefixes_are_text_not_like_patterns(settings: Settings) -> None:
    """``%`` and ``_`` typed as an id prefix are characters, not wildcards: ``sentinel
    integrations remove %%%%`` must not find (and remove) an integration."""
    from sentinel_cli.errors import NotFound
    from sentinel_cli.operations.integrations import resolve_integration

    with open_store(settings) as store:
        store.integrations.insert(
            integration_id="0a1b2c3d-0000-4000-8000-000000000000",
            type="AWS",
            name="prod",
            external_id=None,
            config={"region": "us-east-1"},
            has_secret=False,
        )
        assert resolve_integration(store, "0a1b")["name"] == "prod"
        for typed in ("%%%%", "____", "0a1_", "0a%"):
            with pytest.raises(NotFound):
                resolve_integration(store, typed)
        assert store.policies.find_by_prefix("____") == []
        store.notifications.insert_destination(
            destination_id="5e6f7a8b-0000-4000-8000-000000000000",
            kind="webhook",
            target="https://hooks.example.com/x",
            events=["collection-failed"],
            min_severity=None,
            created_by=None,
            created_at="2025-01-01T00:00:00Z",
        )
        assert [d["target"] for d in store.notifications.destinations_by_prefix("5e6f")] == [
            "https://hooks.example.com/x"
        ]
        for typed in ("%", "5e6_", "5E6F"):
            assert store.notifications.destinations_by_prefix(typed) == []


@both_databases
def test_emails_are_one_user_whatever_their_case(settings: Settings) -> None:
    """SQLite's ``COLLATE NOCASE`` column and PostgreSQL's unique index on ``lower(email)`` give
    the same answers: one user per address in any case, found by any case, listed by address."""
    with open_store(settings) as store:
        for user_id, email, at in (
            ("u-1", "Zoe@Example.com", "2025-01-01T00:00:00Z"),
            ("u-2", "bob@example.com", "2025-01-01T00:00:00Z"),
            ("u-3", "Alice@Example.com", "2025-01-01T00:00:00Z"),
        ):
            store.users.insert(
                user_id=user_id, email=email, role="VIEWER", password_hash="h", at=at
            )
        found = store.users.get_by_email("alice@EXAMPLE.com")
        assert found is not None and found["id"] == "u-3" and found["email"] == "Alice@Example.com"
        login = store.users.get_with_hash("ZOE@example.COM")
        assert login is not None and login["password_hash"] == "h"
        assert store.users.get_by_email("alice@example.org") is None
        assert store.users.get_by_email("%@example.com") is None
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
            store.users.insert(
                user_id="u-4", email="BOB@example.com", role="VIEWER", password_hash="h"
            )
        assert [u["id"] for u in store.users.list()] == ["u-3", "u-2", "u-1"]

        store.users.revoke_tokens("u-1", 2000.5)
        store.users.revoke_tokens("u-1", 1000.0)  # never moves the cut-off back
        holder = store.users.token_holder("u-1", "jti-1")
        assert holder is not None and holder["tokens_valid_after"] == 2000.5
        assert holder["revoked"] is False
        store.users.revoke_token("jti-1", expires_at=3000.0, now=1500.0)
        store.users.revoke_token("jti-1", expires_at=3000.0, now=1500.0)  # twice is once
        holder = store.users.token_holder("u-1", "jti-1")
        assert holder is not None and holder["revoked"] is True
