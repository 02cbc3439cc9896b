"""Everything a test's store holds, as bytes, whichever database it is on.

Tests that promise a secret never reaches the database search these bytes for it (and, so that
its absence means something, for what the store does hold). On SQLite they are the database file
and its WAL, exactly as they sit on disk; on PostgreSQL (``SENTINEL_DB`` names the test's schema,
``tests/conftest.py``) every value of every row of every table in that schema.
"""

from __future__ import annotations

import os
from pathlib import Path

from sentinel_cli.config import is_database_url


def stored_bytes(home: Path) -> bytes:
    url = os.environ.get("SENTINEL_DB", "")
    if is_database_url(url):
        return _postgres_values(url)
    return b"".join(p.read_bytes() for p in sorted(home.glob("sentinel.db*")) if p.is_file())


def _postgres_values(url: str) -> bytes:
    import psycopg
    from psycopg import sql

    out: list[bytes] = []
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() ORDER BY table_name"
            )
        ]
        for table in tables:
            query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))
            for row in conn.execute(query):
                for value in row:
                    if value is None:
                        continue
                    out.append(
                        bytes(value)
                        if isinstance(value, bytes | memoryview)
                        else str(value).encode()
                    )
                    out.append(b"\n")
    return b"".join(out)
