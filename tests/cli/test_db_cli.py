"""``sentinel db status|migrate`` on real store files: status reports without changing anything
(not even creating the store), migrate applies exactly what status listed, and a store no
command can use (written by a newer Sentinel, not a database, in a missing directory) is one
error line with exit 6 and no traceback, the file left as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from sentinel_cli.cli import login_state
from sentinel_cli.client.connection import ClientConfig
from sentinel_cli.config import Settings
from sentinel_cli.store import connection
from sentinel_cli.store.migrations import MIGRATIONS, split_statements
from sentinel_cli.timeutil import now_iso
from tests.helpers.cli import Cli, CliResult

LATEST = MIGRATIONS[-1].number
ALL = [{"number": m.number, "name": m.name} for m in MIGRATIONS]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_refused(result: CliResult, words: str) -> None:
    """Exit 6, one error (and its hint) on stderr naming the cause, nothing on stdout."""
    assert result.exit_code == 6, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.count("error:") == 1, result.stderr
    assert words in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr


def _store_at(settings: Settings, version: int) -> None:
    """A store as a Sentinel whose last migration was ``version`` left it."""
    settings.ensure_home()
    conn = connection.connect(settings.db_path)
    connection.current_version(conn)
    for migration in MIGRATIONS[:version]:
        for statement in split_statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (migration.number, migration.name, now_iso()),
        )
    conn.close()


def test_fresh_home_status_shows_everything_pending_then_migrate_applies_it(
    cli: Cli, home: Path, settings: Settings
) -> None:
    status = cli("db", "status", "--json")
    assert status.exit_code == 0, status.stderr
    assert status.json() == {
        "home": str(home),
        "database": str(settings.db_path),
        "exists": False,
        "schemaVersion": 0,
        "latestVersion": LATEST,
        "upToDate": False,
        "pending": ALL,
    }
    assert not home.exists(), "status must not create the home or the store"

    table = cli("db", "status")
    assert table.exit_code == 0, table.stderr
    assert f"{settings.db_path} (not created yet)" in table.stdout
    assert f"Pending migrations ({len(MIGRATIONS)}):" in table.stdout
    assert f"{LATEST}  {MIGRATIONS[-1].name}" in table.stdout
    assert "sentinel db migrate" in table.stdout
    assert not home.exists()

    migrated = cli("db", "migrate", "--json")
    assert migrated.exit_code == 0, migrated.stderr
    assert migrated.json() == {
        "database": str(settings.db_path),
        "applied": ALL,
        "schemaVersion": LATEST,
        "latestVersion": LATEST,
    }
    applied = sqlite3.connect(settings.db_path).execute("SELECT number FROM schema_migrations")
    assert sorted(n for (n,) in applied) == [m.number for m in MIGRATIONS]

    after = cli("db", "status", "--json")
    assert after.exit_code == 0, after.stderr
    assert after.json()["exists"] is True
    assert (after.json()["schemaVersion"], after.json()["upToDate"]) == (LATEST, True)
    assert after.json()["pending"] == []
    assert f"version {LATEST}, up to date" in cli("db", "status").stdout

    again = cli("db", "migrate")
    assert again.exit_code == 0, again.stderr
    assert f"{settings.db_path} is up to date (schema version {LATEST})" in again.stdout
    assert cli("db", "migrate", "--json").json()["applied"] == []


def test_status_of_an_older_store_lists_what_is_pending_and_changes_nothing(
    cli: Cli, settings: Settings
) -> None:
    older = LATEST - 2
    _store_at(settings, older)
    before = _digest(settings.db_path)

    status = cli("db", "status", "--json")
    assert status.exit_code == 0, status.stderr
    data = status.json()
    assert (data["exists"], data["schemaVersion"], data["upToDate"]) == (True, older, False)
    assert data["pending"] == ALL[older:]
    table = cli("db", "status")
    assert f"Schema: version {older}; this Sentinel knows up to {LATEST}." in table.stdout
    assert "Pending migrations (2):" in table.stdout
    assert _digest(settings.db_path) == before, "status changed the store"

    migrated = cli("db", "migrate")
    assert migrated.exit_code == 0, migrated.stderr
    assert f"Applied 2 migrations to {settings.db_path} (schema version now {LATEST})" in (
        migrated.stdout
    )
    for migration in MIGRATIONS[older:]:
        assert f"{migration.number}  {migration.name}" in migrated.stdout
    assert f"{MIGRATIONS[older - 1].name}" not in migrated.stdout
    assert cli("db", "status", "--json").json()["upToDate"] is True


@pytest.mark.parametrize("as_json", [False, True])
def test_a_store_of_a_newer_sentinel_is_refused_in_one_line(
    cli: Cli, settings: Settings, as_json: bool
) -> None:
    assert cli("db", "migrate").exit_code == 0
    conn = sqlite3.connect(settings.db_path)
    with conn:
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (LATEST + 90, "from the future", now_iso()),
        )
    conn.close()
    flags = ["--json"] if as_json else []
    for command in ("status", "migrate"):
        result = cli("db", command, *flags)
        _assert_refused(result, f"written by a newer Sentinel (schema {LATEST + 90}")
        assert "upgrade Sentinel" in result.stderr


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    cli: Cli, settings: Settings
) -> None:
    settings.ensure_home()
    settings.db_path.write_bytes(b"not a database, " * 512)
    before = _digest(settings.db_path)
    for command in ("status", "migrate"):
        _assert_refused(cli("db", command), "is not a Sentinel database")
    assert _digest(settings.db_path) == before


def test_a_database_path_in_a_missing_directory_is_refused(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_DB", str(tmp_path / "nowhere" / "sentinel.db"))
    for command in ("status", "migrate"):
        _assert_refused(cli("db", command, "--json"), "does not exist")
    assert not (tmp_path / "nowhere").exists()


def test_logged_in_to_a_server_db_says_it_acts_on_this_machines_store(
    cli: Cli, settings: Settings
) -> None:
    login_state.save(settings, ClientConfig(server="https://sentinel.example.com", email="a@b.c"))
    for command in ("migrate", "status"):
        result = cli("db", command, "--json")
        assert result.exit_code == 0, result.stderr
        assert result.json()["database"] == str(settings.db_path)  # stdout is the JSON alone
        notice = " ".join(result.stderr.split())
        assert "logged in to https://sentinel.example.com" in notice
        assert f"this machine's store {settings.db_path}, not the server's" in notice
    assert cli("db", "status", "--json").json()["upToDate"] is True
