"""The store: the only way into the database, a SQLite file by default or a PostgreSQL server.

``open_store()`` creates the home directory if needed, opens the database (SQLite with WAL, foreign
keys and a busy timeout; PostgreSQL through a pooled connection when ``SENTINEL_DB`` / ``--db`` is a
``postgresql://`` URL), applies pending migrations, and marks jobs interrupted by a dead process as
FAILED. Repositories run on a ``store.database.Database``; which dialect it speaks is known inside
this package only. Each
table family has a small repository object on the ``Store`` (``store.integrations``, ``store.jobs``,
``store.evidence``, ``store.queries``, ``store.exceptions``, ``store.activity``, ``store.kv``,
``store.policies``, ``store.reports``, ``store.billing``, ``store.users``, ``store.ratelimits``,
``store.web_sessions``, ``store.changes``, ``store.schedules``, ``store.notifications``, ``store.job_parts``);
all SQL lives in this package.

``store.schema.read_schema()`` reports the schema version and pending migrations of a store without
opening it for writing or migrating it (``sentinel db status``); ``store.errors`` tells busy and
other database failures apart for code that must not know which database it talks to.

Repositories are created (and their modules imported) on first use: `sentinel evidence list` touches
three of them, and importing all twelve would cost a measurable share of its start-up budget.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sentinel_cli.config import Settings, is_database_url
from sentinel_cli.store import connection
from sentinel_cli.store.database import Database

if TYPE_CHECKING:
    from sentinel_cli.store.activity import ActivityRepo
    from sentinel_cli.store.billing import BillingRepo
    from sentinel_cli.store.changes import ChangesQueries
    from sentinel_cli.store.evidence import EvidenceRepo
    from sentinel_cli.store.integrations import IntegrationsRepo
    from sentinel_cli.store.job_parts import JobPartsRepo
    from sentinel_cli.store.jobs import JobsRepo
    from sentinel_cli.store.kv import KeyValueRepo
    from sentinel_cli.store.notifications import NotificationsRepo
    from sentinel_cli.store.policies import PoliciesRepo
    from sentinel_cli.store.queries import EvidenceQueries
    from sentinel_cli.store.ratelimits import RateLimitsRepo
    from sentinel_cli.store.reports import ReportsRepo
    from sentinel_cli.store.risk_exceptions import RiskExceptionsRepo
    from sentinel_cli.store.schedules import SchedulesRepo
    from sentinel_cli.store.users import UsersRepo
    from sentinel_cli.store.web_sessions import WebSessionsRepo
    from sentinel_cli.store.workers import WorkersRepo


def _repo(module: str, cls: str, conn: Database) -> Any:
    """A repository of a module imported now; each caller casts it to the class it names."""
    return getattr(importlib.import_module(f"sentinel_cli.store.{module}"), cls)(conn)


class Store:
    def __init__(self, conn: Database) -> None:
        self.conn = conn
        self.migrations_applied: tuple[int, ...] = ()
        """The migrations ``open_store`` applied to this file just now (``sentinel db migrate``)."""

    @cached_property
    def integrations(self) -> IntegrationsRepo:
        return cast("IntegrationsRepo", _repo("integrations", "IntegrationsRepo", self.conn))

    @cached_property
    def jobs(self) -> JobsRepo:
        return cast("JobsRepo", _repo("jobs", "JobsRepo", self.conn))

    @cached_property
    def job_parts(self) -> JobPartsRepo:
        """Parts of split collections, each run by any worker under its own lease."""
        return cast("JobPartsRepo", _repo("job_parts", "JobPartsRepo", self.conn))

    @cached_property
    def evidence(self) -> EvidenceRepo:
        return cast("EvidenceRepo", _repo("evidence", "EvidenceRepo", self.conn))

    @cached_property
    def activity(self) -> ActivityRepo:
        return cast("ActivityRepo", _repo("activity", "ActivityRepo", self.conn))

    @cached_property
    def kv(self) -> KeyValueRepo:
        return cast("KeyValueRepo", _repo("kv", "KeyValueRepo", self.conn))

    @cached_property
    def queries(self) -> EvidenceQueries:
        return cast("EvidenceQueries", _repo("queries", "EvidenceQueries", self.conn))

    @cached_property
    def changes(self) -> ChangesQueries:
        """What changed between two collections (``evidence changes``)."""
        return cast("ChangesQueries", _repo("changes", "ChangesQueries", self.conn))

    @cached_property
    def exceptions(self) -> RiskExceptionsRepo:
        return cast("RiskExceptionsRepo", _repo("risk_exceptions", "RiskExceptionsRepo", self.conn))

    @cached_property
    def policies(self) -> PoliciesRepo:
        return cast("PoliciesRepo", _repo("policies", "PoliciesRepo", self.conn))

    @cached_property
    def billing(self) -> BillingRepo:
        return cast("BillingRepo", _repo("billing", "BillingRepo", self.conn))

    @cached_property
    def users(self) -> UsersRepo:
        return cast("UsersRepo", _repo("users", "UsersRepo", self.conn))

    @cached_property
    def ratelimits(self) -> RateLimitsRepo:
        return cast("RateLimitsRepo", _repo("ratelimits", "RateLimitsRepo", self.conn))

    @cached_property
    def workers(self) -> WorkersRepo:
        """Queue workers that are alive (``sentinel workers``)."""
        return cast("WorkersRepo", _repo("workers", "WorkersRepo", self.conn))

    @cached_property
    def web_sessions(self) -> WebSessionsRepo:
        return cast("WebSessionsRepo", _repo("web_sessions", "WebSessionsRepo", self.conn))

    @cached_property
    def reports(self) -> ReportsRepo:
        return cast("ReportsRepo", _repo("reports", "ReportsRepo", self.conn))

    @cached_property
    def schedules(self) -> SchedulesRepo:
        """Collection schedules (``sentinel schedules``), claimed by the queue's workers."""
        return cast("SchedulesRepo", _repo("schedules", "SchedulesRepo", self.conn))

    @cached_property
    def notifications(self) -> NotificationsRepo:
        """Notification destinations, deliveries and announced reminders."""
        return cast("NotificationsRepo", _repo("notifications", "NotificationsRepo", self.conn))

    @property
    def label(self) -> str:
        """The database as a person may see it: the file path, or the URL without its password."""
        return self.conn.label

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: for status output, never for choosing SQL above the store."""
        return self.conn.dialect

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        with self.conn.transaction() as conn:
            yield conn

    def set_lock_timeout(self, milliseconds: int) -> None:
        """How long this store's statements wait for another process's write lock."""
        self.conn.set_lock_timeout(milliseconds)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def rollback(self) -> None:
        self.conn.rollback()

    def table_names(self) -> list[str]:
        if self.conn.is_postgres:
            sql = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() ORDER BY table_name"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        return [r[0] for r in self.conn.execute(sql).fetchall()]

    def schema_version(self) -> int:
        return connection.current_version(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(settings: Settings | Path | str | None = None) -> Store:
    """Open (creating and migrating as needed) the store named by settings, a path or a URL."""
    if settings is None:
        settings = Settings.from_env()
    if isinstance(settings, Settings) and settings.db_url:
        return _open_postgres(settings.db_url)
    if isinstance(settings, str) and is_database_url(settings):
        return _open_postgres(settings)
    if isinstance(settings, Settings):
        if settings.db_path.parent == settings.home:
            settings.ensure_home()
        path = settings.db_path
    else:
        path = Path(settings)
    if not path.parent.exists():
        raise connection.missing_directory(path)
    conn = connection.connect(path)
    try:
        applied = connection.migrate(conn)
        connection.recover_interrupted_jobs(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise connection._database_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    store = Store(conn)
    store.migrations_applied = tuple(applied)
    return store


def _open_postgres(url: str) -> Store:
    from sentinel_cli.store.postgres import database_failure, open_postgres

    conn = open_postgres(url)
    try:
        applied = connection.migrate(conn)
        connection.recover_interrupted_jobs(conn)
    except BaseException as exc:
        conn.close()
        failure = database_failure(exc, conn.label)
        if failure is not None:
            raise failure from exc
        raise
    store = Store(conn)
    store.migrations_applied = tuple(applied)
    return store


__all__ = ["Store", "open_store"]
