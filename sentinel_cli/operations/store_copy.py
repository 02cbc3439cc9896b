"""Moving a team's store to another database: ``sentinel db copy --from A --to B``.

SQLite to PostgreSQL when one machine is outgrown, PostgreSQL to SQLite to take a store back to
one machine (or to keep a file copy of a server's history); SQLite to SQLite and PostgreSQL to
PostgreSQL work the same way. Every table of the schema is copied with all its rows, so the target
answers every command and API request as the source did (``store.copying`` says how).

The rules, chosen so that a copy is safe to run and to trust:

- **The source is only read.** It must already be a Sentinel store at this Sentinel's latest
  schema version: an older one is refused rather than migrated behind the user's back (run
  ``sentinel --db SOURCE db migrate`` first), a newer one as every command refuses it, a missing
  file or a database without Sentinel's tables as a mistyped location. A server may keep using the
  source during the copy: it is read inside one snapshot.
- **The target must be empty.** A new file or a database without Sentinel's tables is created and
  migrated; an existing store is accepted only while every table is empty. Data already there is
  refused (exit 7), never merged or overwritten.
- **All or nothing.** The rows are written in one transaction of the target; a failure or an
  interrupt leaves it as empty as it was, and running the same command again is the fix.
- **Verified.** After the commit the target is read back: each table's row count and the
  evidence checksum (``store.copying.evidence_checksum``) must equal the source's, read in the
  snapshot the copy was made from. ``verified`` says whether they do; the CLI exits 1 when not.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TypedDict

from sentinel_cli.config import is_database_url, redact_url
from sentinel_cli.errors import InvalidInput, StoreUnavailable
from sentinel_cli.store import open_store
from sentinel_cli.store.copying import (
    CopyProgress,
    copy_rows,
    open_database,
    read_tally,
    refuse_occupied,
    same_database,
)
from sentinel_cli.store.schema import read_schema


class TableCount(TypedDict):
    table: str
    source: int
    target: int


class TableChecksum(TypedDict):
    source: str
    target: str


class StoreCopy(TypedDict):
    """``sentinel db copy --json``."""

    source: str
    """The source as a person may see it: a path, or a URL without its password."""
    target: str
    tables: list[TableCount]
    rows: int
    """Rows copied, all tables together."""
    evidenceChecksum: TableChecksum
    verified: bool
    """Every count and the checksum equal on both sides."""
    mismatches: list[str]
    """What differs, one sentence each (empty when verified)."""
    seconds: float


def copy_store(source: str, target: str, *, progress: CopyProgress | None = None) -> StoreCopy:
    """Copy the store at ``source`` (a SQLite path or a PostgreSQL URL) into the empty store at
    ``target``, then verify the target against the source (see the module docstring)."""
    source, target = _location(source, "--from"), _location(target, "--to")
    if same_database(source, target):
        raise InvalidInput(
            f"--from and --to name the same store ({_shown(source)})",
            hint="copy to another file or another database",
        )
    _require_current(source)
    started = time.monotonic()
    reader = open_database(source)
    try:
        with open_store(target) as writer:
            refuse_occupied(writer.conn)  # before reading anything; again under the write lock
            tally = copy_rows(reader, writer.conn, progress=progress)
            copied = read_tally(writer.conn)
            source_label, target_label = reader.label, writer.label
    finally:
        reader.close()
    tables: list[TableCount] = [
        {"table": name, "source": count, "target": copied.counts.get(name, 0)}
        for name, count in tally.counts.items()
    ]
    sums: TableChecksum = {"source": tally.evidence_checksum, "target": copied.evidence_checksum}
    mismatches = compare(tables, sums)
    return {
        "source": source_label,
        "target": target_label,
        "tables": tables,
        "rows": sum(t["target"] for t in tables),
        "evidenceChecksum": sums,
        "verified": not mismatches,
        "mismatches": mismatches,
        "seconds": round(time.monotonic() - started, 3),
    }


def compare(tables: list[TableCount], checksum: TableChecksum) -> list[str]:
    """Each difference between the two sides, as a sentence; none when the copy is faithful."""
    found = [
        f"{t['table']}: {t['target']} rows in the target, {t['source']} in the source"
        for t in tables
        if t["source"] != t["target"]
    ]
    if checksum["source"] != checksum["target"]:
        found.append(
            f"evidence checksum: {checksum['target']} in the target, "
            f"{checksum['source']} in the source"
        )
    return found


def _location(value: str, option: str) -> str:
    """A path (``~`` expanded) or a URL, as given; an empty one is refused."""
    text = value.strip()
    if not text:
        raise InvalidInput(
            f"{option} is empty", hint="give a SQLite file path or a postgresql:// URL"
        )
    return text if is_database_url(text) else str(Path(text).expanduser())


def _shown(location: str) -> str:
    return redact_url(location) if is_database_url(location) else location


def _require_current(source: str) -> None:
    """Refuse a source that is not a Sentinel store at the latest schema (it is never migrated)."""
    is_file = not is_database_url(source)
    if is_file and not Path(source).exists():
        raise _no_store(source, "file", " (no such file)")
    state = read_schema(source)
    if not state.exists or state.version == 0:
        raise _no_store(state.database, "file" if is_file else "database", "")
    if state.pending:
        raise StoreUnavailable(
            f"the source {state.database} is at schema version {state.version}, "
            f"not the latest ({state.latest}); a copy never migrates its source",
            hint=f"migrate it first: sentinel --db {_quote(source)} db migrate",
        )


def _no_store(where: str, kind: str, detail: str) -> StoreUnavailable:
    return StoreUnavailable(
        f"there is no Sentinel store at {where} to copy from{detail}",
        hint=f"check --from: it names the {kind} that holds the store to copy",
    )


def _quote(location: str) -> str:
    """The location as a shell word for a hint (a URL's password masked: the user knows it)."""
    import shlex

    return shlex.quote(_shown(location))
