"""Copying every row of one store into an empty one, SQLite or PostgreSQL on either side.

``sentinel db copy`` moves a team from one database to the other (and back) with its history.
The SQL is generic table SQL, so one routine serves all four directions:

- The tables are the ones the numbered migrations create, in the order they create them, so a
  table comes after every table its foreign keys name and the target accepts each row as it comes.
  ``schema_migrations`` is not copied: the target records its own migrations when it is created.
- The source is read inside one snapshot (a deferred SQLite read transaction; a PostgreSQL
  ``REPEATABLE READ`` one), so a server writing to it during the copy cannot make the tables
  disagree with each other, and the counts and checksum describe exactly what was copied. Nothing
  is written to the source.
- Rows are read in ``rowid`` order (primary-key order for tables without one) and streamed in
  batches (a server-side cursor on PostgreSQL), so a table of any size is never held in memory.
  Each row keeps its ``rowid`` on the target: pages ordered by ``rowid`` come out in the same
  order, and the ids a paging cursor holds stay valid. On PostgreSQL the ``rowid`` identity's
  sequence is then moved past the highest value copied, so new rows continue after them.
- Everything is written in one transaction of the target, which holds the store's write lock, so
  a failure (or Ctrl-C) leaves the target as empty as it was, and no other Sentinel process can
  write to it half-way.

``evidence_checksum`` is the copy's proof beside per-table counts: a SHA-256 over the fields that
identify a piece of evidence, in an order both databases compute the same way (byte order of the
text), so equal checksums mean the same evidence on both sides.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sentinel_cli.config import is_database_url
from sentinel_cli.errors import Conflict, SentinelError, StoreUnavailable
from sentinel_cli.store.database import Database
from sentinel_cli.store.migrations import MIGRATIONS, split_statements

BATCH_ROWS = 1_000
"""Rows read and written per round trip: large enough to amortise it, small enough for memory."""

CopyProgress = Callable[[int, int, str], None]
"""``(rows copied, rows in all, table being copied)``, after every batch."""

EVIDENCE_FIELDS = ("check_id", "resource_id", "status", "collected_at", "sha256")
"""What the evidence checksum covers, in the order each row's fields are hashed."""
_EVIDENCE_ORDER = ("check_id", "resource_id", "collected_at", "status", "sha256")

_CREATE = re.compile(r"^CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
_DROP = re.compile(r"^DROP TABLE (?:IF EXISTS )?(\w+)", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT ROWID\s*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def schema_tables() -> tuple[str, ...]:
    """Every table of the latest schema, in the order the migrations create them."""
    tables: list[str] = []
    for migration in MIGRATIONS:
        for statement in split_statements(migration.sql):
            created, dropped = _CREATE.match(statement), _DROP.match(statement)
            if created:
                tables.append(created.group(1).lower())
            elif dropped and dropped.group(1).lower() in tables:
                tables.remove(dropped.group(1).lower())
    return tuple(tables)


@lru_cache(maxsize=1)
def _rowid_tables() -> frozenset[str]:
    found: set[str] = set()
    for migration in MIGRATIONS:
        for statement in split_statements(migration.sql):
            created = _CREATE.match(statement)
            if created and not _WITHOUT_ROWID.search(statement):
                found.add(created.group(1).lower())
    return frozenset(found)


@dataclass(frozen=True)
class Table:
    """One table as the copy reads and writes it."""

    name: str
    columns: tuple[str, ...]
    """Its data columns, in the database's order, without ``rowid``."""
    order: tuple[str, ...]
    """What its rows are read in order of: ``("rowid",)``, or the primary key's columns."""

    @property
    def has_rowid(self) -> bool:
        return self.order == ("rowid",)


def open_database(location: str) -> Database:
    """A connection to an existing store at ``location`` (a path or a URL), without migrating it
    or recovering its jobs: the copy only reads its source."""
    if is_database_url(location):
        from sentinel_cli.store.postgres import open_postgres

        return open_postgres(location)
    from sentinel_cli.store.connection import connect

    return connect(Path(location).expanduser())


def same_database(a: str, b: str) -> bool:
    """Whether two locations name one store (the same file, or the same URL)."""
    if is_database_url(a) or is_database_url(b):
        return a.strip() == b.strip()
    first, second = Path(a).expanduser(), Path(b).expanduser()
    try:
        return first.resolve() == second.resolve() or (
            first.exists() and second.exists() and first.samefile(second)
        )
    except OSError:
        return False


def describe(db: Database) -> list[Table]:
    """The tables of the schema as this database has them (names of columns, read order)."""
    tables = []
    for name in schema_tables():
        columns, key = _columns(db, name)
        if not columns:
            raise StoreUnavailable(
                f"the database {db.label} has no table {name}, which its schema version promises",
                hint="restore it from a backup; Sentinel's migrations create every table",
            )
        order = ("rowid",) if name in _rowid_tables() else key
        tables.append(Table(name, columns, order))
    return tables


def _columns(db: Database, table: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The data columns of ``table`` and its primary key's columns, from the catalog."""
    if db.is_postgres:
        columns = db.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        key = db.execute(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = to_regclass(?) AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)",
            (_quoted(table),),
        ).fetchall()
        names = tuple(str(r[0]) for r in columns if r[0] != "rowid")
        return names, tuple(str(r[0]) for r in key)
    rows = db.execute("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (table,)).fetchall()
    names = tuple(str(r[0]) for r in rows)
    key_parts = sorted((int(r[1]), str(r[0])) for r in rows if int(r[1]) > 0)
    return names, tuple(name for _, name in key_parts)


def _quoted(identifier: str) -> str:
    """An identifier both databases read as written (``trigger`` and ``count`` are keywords)."""
    return '"' + identifier.replace('"', '""') + '"'


def _column(name: str) -> str:
    return "rowid" if name == "rowid" else _quoted(name)


def row_counts(db: Database, tables: Sequence[str] | None = None) -> dict[str, int]:
    """Rows per table of the schema (or of ``tables``), in schema order."""
    names = schema_tables() if tables is None else tables
    return {
        name: int(db.execute(f"SELECT COUNT(*) FROM {_quoted(name)}").fetchone()[0])
        for name in names
    }


def occupied_tables(db: Database) -> list[str]:
    """The tables of the schema that hold at least one row (an empty store has none)."""
    return [
        name
        for name in schema_tables()
        if db.execute(f"SELECT 1 FROM {_quoted(name)} LIMIT 1").fetchone() is not None
    ]


def evidence_checksum(db: Database) -> str:
    """SHA-256 over every evidence row's (check id, resource id, status, collected at, sha256).

    Rows are hashed in the byte order of (check id, resource id, collected at, status, sha256):
    SQLite compares text bytewise; PostgreSQL is told to (``COLLATE "C"``) whatever the database's
    locale. Each row is its five fields (all ``NOT NULL`` text) joined by U+001F, the unit
    separator, and ended by a newline, in UTF-8: ``sha256sum`` of such lines gives the same.
    """
    collate = ' COLLATE "C"' if db.is_postgres else ""
    order = ", ".join(f"{_quoted(c)}{collate}" for c in _EVIDENCE_ORDER)
    columns = ", ".join(_quoted(c) for c in EVIDENCE_FIELDS)
    digest = hashlib.sha256()
    with closing(_stream(db, f"SELECT {columns} FROM evidence ORDER BY {order}")) as batches:
        for batch in batches:
            lines = "".join("\x1f".join(map(str, row)) + "\n" for row in batch)
            digest.update(lines.encode())
    return digest.hexdigest()


@contextmanager
def snapshot(db: Database) -> Iterator[Database]:
    """Every read in the block sees the database as it was at the first one, whatever other
    processes commit meanwhile; nothing is written, nothing locks writers out."""
    if db.is_postgres:
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        db.execute("BEGIN DEFERRED")
    try:
        yield db
    except BaseException:
        with suppress(Exception):  # a lost connection must not hide why the block failed
            db.execute("ROLLBACK")
        raise
    db.execute("ROLLBACK")


def _stream(db: Database, sql: str) -> Generator[list[Any], None, None]:
    """The rows of ``sql`` in batches, never all at once. psycopg would fetch a whole result
    into memory: on PostgreSQL the rows come through a server-side cursor (``DECLARE``), which
    needs a transaction; one is begun for the block when the caller has none."""
    if not db.is_postgres:
        cursor = db.execute(sql)
        try:
            while batch := cursor.fetchmany(BATCH_ROWS):
                yield batch
        finally:
            cursor.close()
        return
    own = not db.in_transaction
    if own:
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    end = "ROLLBACK" if own else "CLOSE sentinel_copy"
    try:
        db.execute(f"DECLARE sentinel_copy NO SCROLL CURSOR FOR {sql}")
        while batch := db.execute(f"FETCH {BATCH_ROWS} FROM sentinel_copy").fetchall():
            yield batch
    except BaseException:
        with suppress(Exception):  # an aborted transaction refuses CLOSE: keep the first error
            db.execute(end)
        raise
    db.execute(end)


@dataclass(frozen=True)
class CopyTally:
    """What a store holds, as the copy is verified by: rows per table and the evidence checksum."""

    counts: dict[str, int]
    evidence_checksum: str


def read_tally(db: Database) -> CopyTally:
    """The row counts and evidence checksum of ``db`` as it is now (the copy's target, read back
    after the commit)."""
    try:
        return CopyTally(counts=row_counts(db), evidence_checksum=evidence_checksum(db))
    except SentinelError:
        raise
    except Exception as exc:
        raise StoreUnavailable(
            f"cannot read back the copy in {db.label} to verify it: {_one_line(exc)}",
            hint="the copy was committed; check the database, then compare with "
            "sentinel --db TARGET db status, or empty it and copy again",
        ) from exc


def copy_rows(
    source: Database, target: Database, *, progress: CopyProgress | None = None
) -> CopyTally:
    """Copy every row of every schema table from ``source`` into the empty ``target``, all or
    nothing (see the module docstring), and return the source's tally from the same snapshot.
    Both must be at the same, latest, schema version.

    Raises ``Conflict`` when the target holds data (checked again under its write lock) and
    ``StoreUnavailable`` when the copy cannot be made (the target is left as it was).
    """
    table: str | None = None
    try:
        with snapshot(source):
            tables = describe(source)
            _check_same_columns(tables, describe(target), source.label, target.label)
            tally = CopyTally(
                counts=row_counts(source), evidence_checksum=evidence_checksum(source)
            )
            total, done = sum(tally.counts.values()), 0
            if progress is not None:
                progress(0, total, tables[0].name if tables else "")
            with target.transaction():
                refuse_occupied(target)
                for each in tables:
                    table = each.name
                    done = _copy_table(source, target, each, done, total, progress)
            table = None
            _analyze(target)
    except SentinelError:
        raise
    except Exception as exc:
        raise _copy_failure(exc, table, source.label, target.label) from exc
    return tally


def _analyze(db: Database) -> None:
    """Fresh planner statistics for the copied tables: autovacuum would gather them only a while
    later, and until then PostgreSQL plans the first queries over a million rows blind. A SQLite
    store never has statistics (nothing runs ``ANALYZE`` there; its queries are tuned without),
    so a copy to SQLite stays like every other SQLite store."""
    if db.is_postgres:
        db.execute("ANALYZE")


def refuse_occupied(target: Database) -> None:
    """``Conflict`` when ``target`` holds any Sentinel data: a copy never merges two stores."""
    occupied = occupied_tables(target)
    if occupied:
        shown = ", ".join(occupied[:5]) + (f" and {len(occupied) - 5} more" if occupied[5:] else "")
        raise Conflict(
            f"the target {target.label} already holds Sentinel data (in {shown}); "
            "a copy goes only into an empty store",
            hint="copy to a new file or an empty database, or remove the target's data first",
        )


def _check_same_columns(
    source: list[Table], target: list[Table], source_label: str, target_label: str
) -> None:
    theirs = {t.name: set(t.columns) for t in target}
    for table in source:
        if set(table.columns) != theirs.get(table.name):
            raise StoreUnavailable(
                f"the table {table.name} has other columns in {target_label} than in "
                f"{source_label}, though both are at the same schema version",
                hint="one of them was changed outside Sentinel; copy into a freshly created store",
            )


def _copy_table(
    source: Database,
    target: Database,
    table: Table,
    done: int,
    total: int,
    progress: CopyProgress | None,
) -> int:
    """Stream one table into the target in read order; the running count of rows copied."""
    columns = (("rowid",) if table.has_rowid else ()) + table.columns
    listed = ", ".join(_column(c) for c in columns)
    order = ", ".join(_column(c) for c in table.order)
    insert = (
        f"INSERT INTO {_quoted(table.name)} ({listed}) VALUES ({', '.join('?' for _ in columns)})"
    )
    highest = None
    select = f"SELECT {listed} FROM {_quoted(table.name)} ORDER BY {order}"
    with closing(_stream(source, select)) as batches, _writer(target, table.name, listed) as write:
        for batch in batches:
            write([tuple(row) for row in batch], insert)
            if table.has_rowid:
                highest = batch[-1][0]
            done += len(batch)
            if progress is not None:
                progress(done, total, table.name)
    if target.is_postgres and highest is not None:
        # The identity would otherwise hand out 1, 2, ... again: new rows go after the copied.
        target.execute(
            "SELECT setval(pg_get_serial_sequence(?, 'rowid'), ?)",
            (_quoted(table.name), int(highest)),
        )
    return done


@contextmanager
def _writer(
    target: Database, table: str, listed: str
) -> Iterator[Callable[[list[tuple[Any, ...]], str], None]]:
    """A function that writes batches of rows into ``table``: PostgreSQL's ``COPY FROM STDIN``
    (one per table, several times faster than row-by-row inserts, even pipelined), or
    ``executemany`` of the ``INSERT`` on SQLite."""
    if not target.is_postgres:
        yield lambda rows, insert: target.executemany(insert, rows)
        return
    from sentinel_cli.store.postgres import PostgresDatabase

    assert isinstance(target, PostgresDatabase)
    with (
        target.raw.cursor() as cursor,
        cursor.copy(f"COPY {_quoted(table)} ({listed}) FROM STDIN") as copy,
    ):

        def write(rows: list[tuple[Any, ...]], insert: str) -> None:
            for row in rows:
                copy.write_row(row)

        yield write


def _copy_failure(
    exc: BaseException, table: str | None, source: str, target: str
) -> StoreUnavailable:
    """A row the target refused, a connection lost or a lock not granted mid-copy, as one line
    (the drivers' messages name no password)."""
    what = f"the table {table}" if table else "the store"
    return StoreUnavailable(
        f"copying {what} from {source} to {target} failed, so nothing was written: "
        f"{_one_line(exc)}",
        hint="the target is as empty as before; fix the cause and run the same copy again",
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
