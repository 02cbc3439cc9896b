"""One connection to the store's database, whichever database that is.

The repositories of this package talk to a ``Database``: ``execute`` / ``executemany`` with ``?``
placeholders, rows readable by position and by column name, ``transaction()`` for all-or-nothing
writes. ``SqliteDatabase`` is a thin shell over ``sqlite3``; ``store.postgres.PostgresDatabase``
runs the same statements on PostgreSQL (its module, and psycopg, are imported only when a store
URL names a server). A repository whose SQL cannot be written once for both asks ``dialect``; no
code above the store ever does.

Writes serialise the same way on both: SQLite's ``BEGIN IMMEDIATE`` takes the file's write lock up
front, and a PostgreSQL transaction takes one advisory lock first. So a read-then-write inside a
transaction (one RUNNING job per integration, a schedule claimed once) holds on both, and on many
hosts sharing one server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]

BUSY_TIMEOUT_MS = 15_000
"""How long a statement waits for another process's write lock before failing as busy."""


class Row(Protocol):
    """A result row: by position (``row[0]``, unpacking) and by column name (``row["id"]``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ...) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def close(self) -> None: ...


class Database:
    """What every repository needs of a connection; see the module docstring."""

    dialect: Dialect
    label: str
    """The database as a person may see it: a file path, or a URL without its password."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def execute_script(self, statements: Sequence[str]) -> None:
        """Run statements without parameters (a migration), inside the caller's transaction."""
        for statement in statements:
            self.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        raise NotImplementedError
        yield self  # pragma: no cover

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def set_lock_timeout(self, milliseconds: int) -> None:
        """How long a statement waits for another process's lock before failing as busy."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"


class SqliteDatabase(Database):
    dialect: Dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, label: str) -> None:
        self.raw = conn
        """The ``sqlite3`` connection, for the SQLite-only code of this package."""
        self.label = label

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.raw.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        self.raw.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def rollback(self) -> None:
        self.raw.rollback()

    def set_lock_timeout(self, milliseconds: int) -> None:
        self.raw.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    def close(self) -> None:
        self.raw.close()
