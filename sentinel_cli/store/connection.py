"""Opening the store's database: SQLite pragmas, schema migrations and crash recovery, in one place.

We use the standard library's ``sqlite3`` directly rather than sqlite-utils here: importing
sqlite-utils costs ~80 ms, which alone would break the start-up budget of ``sentinel evidence list``
(within 3x of a bare ``sqlite3`` process). The store keeps every SQL statement in this package.

The connection runs in autocommit mode; writes that must be atomic go through ``transaction()``, which
takes SQLite's write lock up front (``BEGIN IMMEDIATE``) so a CLI run and a server can share one file
without deadlocking on lock upgrades. WAL mode lets readers proceed while a collection writes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.store.database import BUSY_TIMEOUT_MS, Database, SqliteDatabase
from sentinel_cli.store.migrations import MIGRATIONS, Migration, split_statements
from sentinel_cli.timeutil import now_iso

__all__ = ["BUSY_TIMEOUT_MS", "connect", "migrate", "recover_interrupted_jobs"]


def connect(path: Path) -> SqliteDatabase:
    """Open and configure a connection, turning SQLite's failures into one clear error."""
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreUnavailable(
            f"the database {path} is not readable and writable by you",
            hint="fix its permissions, or point SENTINEL_DB / SENTINEL_HOME elsewhere",
        )
    create_private_file(path)
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return SqliteDatabase(conn, str(path))
    except sqlite3.DatabaseError as exc:
        raise _database_error(path, exc) from exc


def create_private_file(path: Path) -> None:
    """Create a missing database file as mode 0600 whatever the umask, before SQLite opens it.

    SQLite creates ``-wal`` and ``-shm`` with the permissions of the database file, so those follow.
    An existing file keeps the mode its owner gave it. ``:memory:`` and URIs are left to SQLite.
    """
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # SQLite reports the same failure with its own, clearer, message
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an unusual umask (e.g. 0o277) must not leave it unwritable
    finally:
        os.close(fd)


def missing_directory(path: Path) -> StoreUnavailable:
    """The error for a database path whose directory does not exist (Sentinel creates only its
    home, never a directory ``SENTINEL_DB`` names)."""
    return StoreUnavailable(
        f"the directory of the database {path} does not exist",
        hint="create it, or point SENTINEL_DB at a file in an existing directory",
    )


def _database_error(path: Path, exc: sqlite3.DatabaseError) -> StoreUnavailable:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return StoreUnavailable(
            f"{path} is not a Sentinel database (SQLite says: {text})",
            hint="restore it from a backup, or point SENTINEL_DB at another file; "
            "Sentinel never overwrites it",
        )
    if "locked" in text or "busy" in text:
        return StoreUnavailable(
            f"the database {path} is locked by another process",
            hint="wait for the other Sentinel command to finish and retry",
        )
    return StoreUnavailable(f"cannot open the database {path}: {text}")


@contextmanager
def transaction(conn: Database) -> Iterator[Database]:
    """All-or-nothing write (``Database.transaction``)."""
    with conn.transaction() as db:
        yield db


def current_version(conn: Database) -> int:
    """The highest migration applied; 0 for a database Sentinel has not written yet."""
    if conn.is_postgres:
        found = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
        if found[0] is None:
            return 0
    else:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
    row = conn.execute("SELECT MAX(number) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def newer_schema(found: int) -> StoreUnavailable:
    """The error for a store whose schema is past the last migration this Sentinel knows."""
    return StoreUnavailable(
        "this database was written by a newer Sentinel "
        f"(schema {found}, this version knows up to {MIGRATIONS[-1].number})",
        hint="upgrade Sentinel (pip install -U sentinel-compliance)",
    )


def migrate(conn: Database) -> list[int]:
    """Apply missing migrations in order, each in its own transaction. Returns the numbers applied.

    PostgreSQL runs DDL inside transactions too, so on both databases a migration is all or
    nothing, and the write lock makes concurrent openers apply each exactly once.
    """
    latest = MIGRATIONS[-1].number
    version = current_version(conn)
    if version >= latest:
        if version > latest:
            raise newer_schema(version)
        return []
    applied: list[int] = []
    for migration in MIGRATIONS:
        with transaction(conn):
            if conn.is_postgres:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
            # Re-check inside the write lock: another process may have migrated meanwhile.
            done = conn.execute(
                "SELECT 1 FROM schema_migrations WHERE number = ?", (migration.number,)
            ).fetchone()
            if done:
                continue
            conn.execute_script(statements_of(conn, migration))
            conn.execute(
                "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
                (migration.number, migration.name, now_iso()),
            )
            applied.append(migration.number)
    return applied


def statements_of(conn: Database, migration: Migration) -> list[str]:
    """The statements of a migration in the dialect of ``conn``."""
    if conn.is_postgres:
        from sentinel_cli.store.postgres_schema import postgres_statements

        return postgres_statements(migration)
    return split_statements(migration.sql)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted_jobs(conn: Database) -> int:
    """Mark RUNNING jobs whose process is gone as FAILED ("interrupted").

    A job records the pid and host that ran it; a job of a live process (a server collecting while a
    CLI command opens the store) is left alone. Evidence is written only when a job ends, so an
    interrupted job has none to hide. Jobs run by queue workers are judged by their lease instead
    (``tasks.leases``): their worker may be on another host.
    """
    rows = conn.execute(
        "SELECT id, integration_id, pid, host FROM collection_jobs "
        "WHERE status = 'RUNNING' AND queued = 0"
    ).fetchall()
    if not rows:
        return 0
    import socket  # only when there are RUNNING jobs to judge: keeps start-up light

    host = socket.gethostname()
    stale = [
        r for r in rows if r["pid"] is None or (r["host"] == host and not _pid_alive(r["pid"]))
    ]
    if not stale:
        return 0
    now = now_iso()
    with transaction(conn):
        for row in stale:
            conn.execute(
                "UPDATE collection_jobs SET status = 'FAILED', finished_at = ?, failure_kind = 'interrupted', "
                "error_message = 'interrupted: the collecting process ended before the job finished' "
                "WHERE id = ? AND status = 'RUNNING'",
                (now, row["id"]),
            )
            conn.execute(
                "UPDATE integrations SET status = 'ERROR', last_error = 'last collection was interrupted' "
                "WHERE id = ?",
                (row["integration_id"],),
            )
    return len(stale)
