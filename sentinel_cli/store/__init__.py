"""The local store: the only way into the SQLite file.

``open_store()`` creates the home directory if needed, opens the database with WAL, foreign keys and a
busy timeout, applies pending migrations, and marks jobs interrupted by a dead process as FAILED. Each
table family has a small repository object on the ``Store`` (``store.integrations``, ``store.jobs``,
``store.evidence``, ``store.activity``, ``store.kv``, ``store.billing``); all SQL lives in this package.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sentinel_cli.config import Settings
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.store import connection
from sentinel_cli.store.activity import ActivityRepo
from sentinel_cli.store.billing import BillingRepo
from sentinel_cli.store.evidence import EvidenceRepo
from sentinel_cli.store.integrations import IntegrationsRepo
from sentinel_cli.store.jobs import JobsRepo
from sentinel_cli.store.kv import KeyValueRepo
from sentinel_cli.store.policies import PoliciesRepo
from sentinel_cli.store.queries import EvidenceQueries
from sentinel_cli.store.ratelimits import RateLimitsRepo
from sentinel_cli.store.reports import ReportsRepo
from sentinel_cli.store.risk_exceptions import RiskExceptionsRepo
from sentinel_cli.store.users import UsersRepo


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.integrations = IntegrationsRepo(conn)
        self.jobs = JobsRepo(conn)
        self.evidence = EvidenceRepo(conn)
        self.activity = ActivityRepo(conn)
        self.kv = KeyValueRepo(conn)
        self.queries = EvidenceQueries(conn)
        self.exceptions = RiskExceptionsRepo(conn)
        self.policies = PoliciesRepo(conn)
        self.billing = BillingRepo(conn)
        self.users = UsersRepo(conn)
        self.ratelimits = RateLimitsRepo(conn)
        self.reports = ReportsRepo(conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with connection.transaction(self.conn) as conn:
            yield conn

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        return [r[0] for r in rows]

    def schema_version(self) -> int:
        return connection.current_version(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(settings: Settings | Path | str | None = None) -> Store:
    """Open (creating and migrating as needed) the store named by settings or a path."""
    if settings is None:
        settings = Settings.from_env()
    if isinstance(settings, Settings):
        if settings.db_path.parent == settings.home:
            settings.ensure_home()
        path = settings.db_path
    else:
        path = Path(settings)
    if not path.parent.exists():
        raise StoreUnavailable(
            f"the directory of the database {path} does not exist",
            hint="create it, or point SENTINEL_DB at a file in an existing directory",
        )
    conn = connection.connect(path)
    try:
        connection.migrate(conn)
        connection.recover_interrupted_jobs(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise connection._database_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return Store(conn, path)


__all__ = ["Store", "open_store"]
