"""``sentinel db copy`` and the global ``--db`` option, on real SQLite files and the run's real
PostgreSQL server.

A store with rows in every table of the schema (the evidence estate written through the store's
own write path, one or two rows of every other table, gaps in ``rowid``, a binary report, text
with ``%`` and ``?``) goes SQLite -> PostgreSQL -> SQLite: counts and the evidence checksum agree
at each step, the final file holds exactly the original's rows with their ``rowid``, and
``sentinel evidence list --json`` answers the same from all three. A target with data is refused
and left alone, a copy that fails half-way leaves the target empty, an unreachable or wrong URL
is one line with exit 6 and never shows its password.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from sentinel_cli.operations.store_copy import compare
from sentinel_cli.store import open_store
from sentinel_cli.store.copying import schema_tables
from sentinel_cli.store.migrations import MIGRATIONS, split_statements
from sentinel_cli.store.postgres import close_pools
from tests.helpers.cli import Cli, CliResult
from tests.helpers.estate import build_estate

SECRET = "hunter2-not-a-real-password"


@pytest.fixture
def db_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--db`` sets SENTINEL_DB in this (in-process) CLI's environment: put it back afterwards."""
    monkeypatch.setenv("SENTINEL_DB", "placeholder")
    monkeypatch.delenv("SENTINEL_DB")


@pytest.fixture
def pg(pg_url: str) -> Iterator[str]:
    """A fresh schema's URL; this process's pools to it are closed before the schema is dropped."""
    yield pg_url
    close_pools()


def _with_password(url: str) -> str:
    """``url`` carrying a password: its own, or one a trust-auth server ignores."""
    parts = urlsplit(url)
    if parts.password:
        return url
    netloc = f"{parts.username or 'postgres'}:{SECRET}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


def _password(url: str) -> str:
    password = urlsplit(url).password
    assert password
    return password


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy(cli: Cli, source: str, target: str) -> CliResult:
    return cli("db", "copy", "--from", source, "--to", target, "--json")


def _build(path: Path) -> Path:
    """A SQLite store with at least one row in every table of the schema."""
    with open_store(str(path)) as store:
        estate = build_estate(store)
        integration = estate.integrations["prod"]
        job = estate.jobs["prod-1"]
    conn = sqlite3.connect(path)
    now = "2024-05-01T10:00:00Z"
    rows: dict[str, list[tuple[Any, ...]]] = {
        "users": [
            ("u1", "Ada@Example.com", "Ada", "$argon2id$x", "ADMIN", 0, now, now, None, 1.5),
            ("u2", "bob@example.com", None, None, "VIEWER", 1, now, now, now, 1714557600.25),
        ],
        "risk_exceptions": [
            ("x1", "aws_iam_root_mfa", "*", "100% accepted? yes", "ada", now, now, "u1", None)
        ],
        "policies": [
            (
                "p1",
                "access",
                "1.0",
                "Access policy",
                1,
                "DRAFT",
                "ada",
                None,
                None,
                None,
                '{"a": "b"}',
                "# Access\n\nUnicode: \u00e9\u00e8 \u2713",
                "ab" * 32,
                now,
                now,
                "u1",
                '["owner"]',
            )
        ],
        "reports": [
            (
                "r1",
                "soc2",
                now,
                now,
                "COMPLETED",
                "r1.pdf",
                bytes(range(256)) * 4,
                1024,
                "cd" * 32,
                3,
                '{"pass": 1}',
                None,
                now,
                now,
                "u1",
            ),
            (
                "r2",
                "soc2",
                now,
                now,
                "FAILED",
                None,
                None,
                None,
                None,
                None,
                "{}",
                "boom",
                now,
                None,
                None,
            ),
        ],
        "subscriptions": [("s1", "team", "ACTIVE", now, now, now, now)],
        "usage_records": [("ur1", "s1", "evidence_items", 42, now, now, job)],
        "activity": [
            ("a1", now, "ada", "login", None, None, "signed in", "{}"),
            ("a2", now, "ada", "gone", None, None, "deleted below: a rowid gap", "{}"),
            ("a3", now, None, "collect", "job", job, "collected 50% of ?", '{"n": 1}'),
        ],
        "kv_settings": [("signing_key_generation", "3", now)],
        "rate_limits": [("ip:127.0.0.1", 1714557600, 7)],
        "revoked_tokens": [("jti-1", 1714557600.125)],
        "web_sessions": [("h" * 64, "u1", 1714557600.5, 1714600000.75, "3")],
        "schedules": [
            (integration, 3600, None, now, None, None, None, "u1", now, now),
        ],
        "notify_destinations": [
            ("d1", "slack", "https://hooks.slack.com/***", '["x"]', None, "u1", now)
        ],
        "notify_deliveries": [
            (
                "nd1",
                "d1",
                "collection.failed",
                integration,
                job,
                '{"k": "v"}',
                "DELIVERED",
                1,
                200,
                None,
                now,
                now,
                now,
            )
        ],
        "notify_reminders": [("exception.expiring", "x1", "2024-06-01", now)],
        "workers": [("w1", "host-a", 4242, 2, now, 1714557600.0)],
    }
    if "job_parts" in schema_tables():  # migration 12
        rows["job_parts"] = [
            (job, "account-1", 1, '{"a": 1}', "DONE", None, 17.5, 1, "{}", None, now, now, now)
        ]
    if "stored_secrets" in schema_tables():  # migration 13: sealed, so copied as it is
        rows["stored_secrets"] = [("integration:i1", "0123456789abcdef", "bm9uY2UrYm94", now)]
    for table, values in rows.items():
        marks = ", ".join("?" for _ in values[0])
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    conn.execute("DELETE FROM activity WHERE id = 'a2'")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # one file, copied whole by _populated
    empty = [t for t in schema_tables() if not conn.execute(f"SELECT 1 FROM {t}").fetchone()]
    conn.close()
    assert not empty, f"the test store must fill every table: {empty}"
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The populated store, built once per test process (the estate takes most of a second)."""
    return _build(tmp_path_factory.mktemp("template") / "store.db")


def _populated(path: Path, template: Path) -> Path:
    shutil.copyfile(template, path)
    return path


def _without_rowid() -> set[str]:
    found = set()
    for migration in MIGRATIONS:
        for statement in split_statements(migration.sql):
            if statement.upper().startswith("CREATE TABLE") and statement.rstrip().upper().endswith(
                "WITHOUT ROWID"
            ):
                found.add(statement.split()[2].lower())
    return found


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every schema table, ``rowid`` first where there is one, in storage order."""
    conn = sqlite3.connect(path)
    keyless = _without_rowid()
    try:
        return {
            t: conn.execute(
                f"SELECT * FROM {t}" if t in keyless else f"SELECT rowid, * FROM {t} ORDER BY rowid"
            ).fetchall()
            for t in schema_tables()
        }
    finally:
        conn.close()


def _checksum(path: Path) -> str:
    """The evidence checksum as the docs define it, computed here independently."""
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    for row in conn.execute(
        "SELECT check_id, resource_id, status, collected_at, sha256 FROM evidence "
        "ORDER BY check_id, resource_id, collected_at, status, sha256"
    ):
        digest.update(("\x1f".join(row) + "\n").encode())
    conn.close()
    return digest.hexdigest()


def _assert_verified(result: CliResult) -> dict[str, Any]:
    assert result.exit_code == 0, result.stderr + result.stdout
    data: dict[str, Any] = result.json()
    assert data["verified"] is True and data["mismatches"] == []
    assert [t["table"] for t in data["tables"]] == list(schema_tables())
    assert all(t["source"] == t["target"] > 0 for t in data["tables"]), data["tables"]
    sums = data["evidenceChecksum"]
    assert sums["source"] == sums["target"] and len(sums["source"]) == 64
    assert data["rows"] == sum(t["source"] for t in data["tables"])
    return data


def _evidence(cli: Cli, where: str) -> Any:
    result = cli("--db", where, "evidence", "list", "--all", "--json", "--fail-on", "none")
    assert result.exit_code == 0, result.stderr
    return result.json()


def _pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in schema_tables()}


def test_round_trip_sqlite_postgres_sqlite_keeps_every_row(
    cli: Cli, tmp_path: Path, template: Path, pg: str, db_env: None
) -> None:
    original = _populated(tmp_path / "original.db", template)
    before = hashlib.sha256(original.read_bytes()).digest()

    there = _assert_verified(_copy(cli, str(original), pg))
    assert there["source"] == str(original)
    back_path = tmp_path / "back.db"
    back = _assert_verified(_copy(cli, pg, str(back_path)))
    assert back["tables"] == there["tables"]
    assert back["evidenceChecksum"] == there["evidenceChecksum"]

    assert _dump(back_path) == _dump(original), "the round trip changed a row or a rowid"
    assert there["evidenceChecksum"]["source"] == _checksum(original)
    assert hashlib.sha256(original.read_bytes()).digest() == before, "the source was written"
    listed = _evidence(cli, str(original))
    assert listed["evidence"], "the estate has current evidence"
    assert _evidence(cli, str(back_path)) == listed
    assert _evidence(cli, pg) == listed

    # New rows on PostgreSQL continue after the copied rowids (the identity was moved on).
    with psycopg.connect(pg) as conn:
        highest = conn.execute("SELECT MAX(rowid) FROM activity").fetchone()[0]
        conn.execute(
            "INSERT INTO activity (id, at, action, message) VALUES ('a9', 'now', 'x', 'after')"
        )
        assert conn.execute("SELECT rowid FROM activity WHERE id = 'a9'").fetchone()[0] > highest

    tables = schema_tables()
    table = cli("db", "copy", "--from", str(original), "--to", str(tmp_path / "third.db"))
    assert table.exit_code == 0, table.stderr
    assert f"Copied {there['rows']} rows from {original}" in table.stdout
    assert there["evidenceChecksum"]["source"] in table.stdout
    assert "Verified" in table.stdout
    lines = [ln for ln in table.stdout.splitlines() if ln.split()[:1] in [[t] for t in tables]]
    assert len(lines) == len(tables) and all(ln.rstrip().endswith("yes") for ln in lines)


def test_a_target_with_data_is_refused_and_left_alone(
    cli: Cli, tmp_path: Path, template: Path, pg: str
) -> None:
    original = _populated(tmp_path / "original.db", template)
    _assert_verified(_copy(cli, str(original), pg))
    counts = _pg_counts(pg)

    again = _copy(cli, str(original), pg)
    assert again.exit_code == 7, again.stderr
    assert "already holds Sentinel data" in " ".join(again.stderr.split())
    assert "hint:" in again.stderr and "Traceback" not in again.stderr
    assert _pg_counts(pg) == counts

    other = _populated(tmp_path / "other.db", template)
    digest = hashlib.sha256(other.read_bytes()).digest()
    into_file = _copy(cli, str(original), str(other))
    assert into_file.exit_code == 7
    assert hashlib.sha256(other.read_bytes()).digest() == digest

    same = _copy(cli, str(original), str(original))
    assert same.exit_code == 2 and "the same store" in same.stderr


def test_a_copy_that_fails_half_way_leaves_the_target_empty(
    cli: Cli, tmp_path: Path, template: Path, pg: str
) -> None:
    """A SQLite file whose foreign keys were not enforced holds a row PostgreSQL refuses: the
    tables before it were already sent, and must be gone with the rolled-back transaction."""
    original = _populated(tmp_path / "original.db", template)
    conn = sqlite3.connect(original)  # foreign keys off, as in a file some tool edited
    conn.execute(
        "INSERT INTO usage_records VALUES ('orphan', 'no-such-subscription', 'm', 1, 'x', 'x', NULL)"
    )
    conn.commit()
    conn.close()
    url = _with_password(pg)

    failed = _copy(cli, str(original), url)
    assert failed.exit_code == 6, failed.stderr
    message = " ".join(failed.stderr.split())
    assert "copying the table usage_records" in message and "nothing was written" in message
    assert _password(url) not in failed.stderr + failed.stdout
    assert "Traceback" not in failed.stderr
    assert set(_pg_counts(pg).values()) == {0}


def test_source_must_exist_and_be_current_and_is_never_migrated(cli: Cli, tmp_path: Path) -> None:
    missing = _copy(cli, str(tmp_path / "nope.db"), str(tmp_path / "out.db"))
    assert missing.exit_code == 6 and "no Sentinel store" in " ".join(missing.stderr.split())
    assert not (tmp_path / "nope.db").exists() and not (tmp_path / "out.db").exists()

    older = tmp_path / "older.db"
    conn = sqlite3.connect(older)
    conn.execute(
        "CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    for migration in MIGRATIONS[:-1]:
        for statement in split_statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, 'x')", (migration.number, migration.name)
        )
    conn.commit()
    conn.close()
    digest = hashlib.sha256(older.read_bytes()).digest()
    refused = _copy(cli, str(older), str(tmp_path / "out.db"))
    assert refused.exit_code == 6
    text = " ".join(refused.stderr.split())
    assert "never migrates its source" in text and f"sentinel --db {older} db migrate" in text
    assert hashlib.sha256(older.read_bytes()).digest() == digest


def test_unreachable_or_wrong_urls_are_one_line_exit_6_without_the_password(
    cli: Cli, tmp_path: Path, template: Path, pg: str, db_env: None
) -> None:
    original = _populated(tmp_path / "original.db", template)
    nobody = f"postgresql://sentinel:{SECRET}@127.0.0.1:{_free_port()}/sentinel"
    parts = urlsplit(_with_password(pg))
    no_database = urlunsplit(parts._replace(path="/no_such_database_for_sentinel", query=""))
    for result in (
        _copy(cli, str(original), nobody),
        _copy(cli, nobody, str(tmp_path / "out.db")),
        _copy(cli, str(original), no_database),
        cli("--db", nobody, "integrations", "list"),
        cli("--db", nobody, "evidence", "--status", "FAIL"),
        cli("--db", no_database, "db", "status"),
        cli("--db", no_database, "db", "migrate", "--json"),
    ):
        output = result.stdout + result.stderr
        assert result.exit_code == 6, output
        assert result.stderr.startswith("error: cannot use the database postgresql://"), output
        assert result.stderr.count("error:") == 1 and "Traceback" not in output
        assert SECRET not in output and _password(no_database) not in output
        assert ":***@" in output
    assert not (tmp_path / "out.db").exists()


def test_db_option_names_the_store_of_one_command(
    cli: Cli, tmp_path: Path, pg: str, db_env: None, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _with_password(pg)
    status = cli("--db", url, "db", "status", "--json")
    assert status.exit_code == 0, status.stderr
    assert status.json()["database"].startswith(f"postgresql://{urlsplit(url).username}:***@")
    assert _password(url) not in status.stdout + status.stderr
    migrated = cli("--db", url, "db", "migrate")
    assert migrated.exit_code == 0, migrated.stderr
    assert _password(url) not in migrated.stdout + migrated.stderr and ":***@" in migrated.stdout
    assert cli("--db", url, "integrations", "list", "--json").json()["integrations"] == []

    # A relative path is this directory's file, also for processes the command starts.
    monkeypatch.chdir(tmp_path)
    made = cli("--db=relative.db", "db", "migrate", "--json")
    assert made.exit_code == 0, made.stderr
    assert made.json()["database"] == str(tmp_path / "relative.db")
    assert (tmp_path / "relative.db").exists() and not (home / "sentinel.db").exists()

    empty = cli("--db", " ", "integrations", "list")
    assert empty.exit_code == 2 and "--db is empty" in empty.stderr


def test_mismatch_is_reported() -> None:
    """The verdict itself: any differing count or checksum is a mismatch, named."""
    tables = [
        {"table": "users", "source": 2, "target": 2},
        {"table": "evidence", "source": 10, "target": 9},
    ]
    same = {"source": "a" * 64, "target": "a" * 64}
    assert compare(tables[:1], same) == []  # type: ignore[arg-type]
    found = compare(tables, {"source": "a" * 64, "target": "b" * 64})  # type: ignore[arg-type]
    assert found == [
        "evidence: 9 rows in the target, 10 in the source",
        f"evidence checksum: {'b' * 64} in the target, {'a' * 64} in the source",
    ]


def test_cli_exits_1_and_says_why_when_the_copy_does_not_verify(
    cli: Cli, tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forced by a target checksum that differs, as a lost or altered row would make it."""
    from sentinel_cli.operations import store_copy

    original = _populated(tmp_path / "original.db", template)
    real = store_copy.read_tally
    monkeypatch.setattr(
        store_copy, "read_tally", lambda db: replace(real(db), evidence_checksum="0" * 64)
    )
    result = _copy(cli, str(original), str(tmp_path / "out.db"))
    assert result.exit_code == 1
    assert result.json()["verified"] is False
    assert "the copy does not match its source: evidence checksum" in " ".join(
        result.stderr.split()
    )
