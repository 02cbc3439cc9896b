"""The schema state of a store, read without changing it: what ``sentinel db status`` reports.

``open_store()`` migrates as it opens, which is right for every command that uses the data but
wrong for a question about the data's schema: asking must not answer it. So this module opens the
file read-only (SQLite's ``mode=ro``), never creates it or its directory, and reads the applied
migrations from ``schema_migrations``. A store that any command would refuse (not a database,
unreadable, written by a newer Sentinel) is refused here with the same error.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sentinel_cli.config import Settings, is_database_url
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.store import connection
from sentinel_cli.store.migrations import MIGRATIONS, Migration


@dataclass(frozen=True)
class SchemaState:
    database: str
    """The file path, or the server's URL without its password."""
    exists: bool
    """False: no file yet; the first command that opens the store creates it."""
    version: int
    """The highest migration applied (0 for a store not created yet)."""
    latest: int
    """The last migration this Sentinel knows."""
    pending: tuple[Migration, ...]
    """The migrations the next ``open_store`` (or ``sentinel db migrate``) applies, in order."""


def read_schema(settings: Settings | Path | str) -> SchemaState:
    """The schema state of the store named by settings, a path or a URL, read-only."""
    if isinstance(settings, Settings) and settings.db_url:
        return _read_postgres(settings.db_url)
    if isinstance(settings, str) and is_database_url(settings):
        return _read_postgres(settings)
    if isinstance(settings, Settings):
        path, home = settings.db_path, settings.home
    else:
        path, home = Path(settings), None
    if not path.parent.exists() and path.parent != home:
        raise connection.missing_directory(path)  # a missing home is merely a fresh one
    if not path.exists():
        return _state(str(path), exists=False, applied=set())
    if path.is_dir():
        raise StoreUnavailable(
            f"{path} is a directory, not a database file",
            hint="point SENTINEL_DB at a file (it is created on first use)",
        )
    if not os.access(path, os.R_OK):
        raise StoreUnavailable(
            f"the database {path} is not readable by you",
            hint="fix its permissions, or point SENTINEL_DB / SENTINEL_HOME elsewhere",
        )
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=connection.BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )
    except sqlite3.DatabaseError as exc:
        raise connection._database_error(path, exc) from exc
    try:
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ).fetchone()
        rows = conn.execute("SELECT number FROM schema_migrations").fetchall() if has_table else []
    except sqlite3.DatabaseError as exc:
        raise connection._database_error(path, exc) from exc
    finally:
        conn.close()
    state = _state(str(path), exists=True, applied={int(row[0]) for row in rows})
    if state.version > state.latest:
        raise connection.newer_schema(state.version)
    return state


def _read_postgres(url: str) -> SchemaState:
    """The same, on a server: ``exists`` says whether Sentinel's tables are there yet."""
    from sentinel_cli.store.postgres import database_failure, open_postgres

    db = open_postgres(url)
    try:
        found = db.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is not None
        rows = db.execute("SELECT number FROM schema_migrations").fetchall() if found else []
    except Exception as exc:
        failure = database_failure(exc, db.label)
        if failure is None:
            raise
        raise failure from exc
    finally:
        db.close()
    state = _state(db.label, exists=found, applied={int(row[0]) for row in rows})
    if state.version > state.latest:
        raise connection.newer_schema(state.version)
    return state


def _state(database: str, *, exists: bool, applied: set[int]) -> SchemaState:
    return SchemaState(
        database=database,
        exists=exists,
        version=max(applied, default=0),
        latest=MIGRATIONS[-1].number,
        pending=tuple(m for m in MIGRATIONS if m.number not in applied),
    )


def migration_named(number: int) -> Migration:
    """The migration of this number (every number ``open_store`` reports applying is one)."""
    return next(m for m in MIGRATIONS if m.number == number)
