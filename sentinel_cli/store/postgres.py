"""The store on a PostgreSQL server, through psycopg 3 and its connection pool.

Imported only when ``SENTINEL_DB`` (or ``--db``) is a ``postgresql://`` URL, so the SQLite start-up
budget never pays for psycopg. The first store a process opens has a connection of its own (a CLI
command needs no more); from the second on, the process keeps one ``psycopg_pool.ConnectionPool``
per URL, and a ``Store`` borrows a connection when it opens and gives it back when it closes.

Statements are the repositories' own, written with ``?`` placeholders as for SQLite: they become
``%s`` here (and a literal ``%`` becomes ``%%``). Rows read by position and by name, as
``sqlite3.Row`` does. SUM and AVG of integers come back from PostgreSQL as ``numeric``; they are
loaded as ``int`` (or ``float`` when fractional) so the JSON answers look the same on both.

A write transaction first takes one advisory lock (``pg_advisory_xact_lock``), so writers queue
exactly as they do for SQLite's file lock, across every host that shares the server; readers are
never blocked. ``set_lock_timeout`` bounds that wait like SQLite's busy timeout.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from sentinel_cli.config import redact_url, url_passwords
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.store.database import BUSY_TIMEOUT_MS, Cursor, Database, Dialect

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

WRITE_LOCK_KEY = 0x53_45_4E_54  # "SENT": with the schema's hash, the advisory lock writes take
CONNECT_TIMEOUT_SECONDS = 10
"""How long opening the store waits for a connection before it reports the server unreachable
(``SENTINEL_DB_CONNECT_TIMEOUT`` overrides)."""
DEFAULT_POOL_SIZE = 10
"""Connections one process keeps at most (``SENTINEL_DB_POOL_SIZE`` overrides)."""

_pools: dict[str, ConnectionPool[Any]] = {}
_opened: set[str] = set()
_pools_lock = threading.Lock()
_CONNECTION_OPTIONS: dict[str, Any] = {
    "autocommit": True,
    # Text is UTF-8 whatever the database's own encoding (an SQL_ASCII database would
    # otherwise hand psycopg bytes where every query expects str).
    "client_encoding": "UTF8",
}


def open_postgres(url: str) -> PostgresDatabase:
    """A connection to ``url``; one clear error when there is none.

    The first store a process opens gets a connection of its own: a CLI command opens one and
    exits, and a pool (its threads, a second connection) would only slow it down. A process that
    opens a second store (a server, a worker) gets a pool, and every later store borrows from it.
    """
    _require_driver()
    with _pools_lock:
        first = url not in _opened
        _opened.add(url)
    if first:
        return PostgresDatabase(_connect(url), None, redact_url(url))
    pool = _pool(url)
    from psycopg_pool import PoolTimeout

    try:
        conn = pool.getconn(timeout=_connect_timeout())
    except PoolTimeout:
        # The pool keeps its reasons to itself: one direct attempt says what is wrong.
        raise _unreachable(url, _probe(url)) from None
    return PostgresDatabase(conn, pool, redact_url(url))


def close_pools() -> None:
    """Close every pool of this process (tests, and a worker stopping)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
        _opened.clear()
    for pool in pools:
        pool.close()


def _require_driver() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise _not_installed() from None


def _not_installed() -> StoreUnavailable:
    return StoreUnavailable(
        "PostgreSQL support is not installed",
        hint="pip install 'sentinel-compliance[postgres]' (psycopg 3 and its pool)",
    )


def _connect(url: str) -> psycopg.Connection[Any]:
    """A configured connection of its own, or the server's reason for refusing one."""
    import psycopg

    try:
        conn = psycopg.connect(url, connect_timeout=_connect_timeout(), **_CONNECTION_OPTIONS)
    except (
        Exception
    ) as exc:  # psycopg.Error; a malformed URL or option: ProgrammingError, ValueError
        raise _unreachable(url, _reason(exc, url)) from None
    _configure(conn)
    return conn


def _pool(url: str) -> ConnectionPool[Any]:
    with _pools_lock:
        pool = _pools.get(url)
        if pool is not None:
            return pool
        try:
            from psycopg_pool import ConnectionPool
        except ImportError:
            raise _not_installed() from None
        # Connect once directly first: a wrong password or a server that is down is reported with
        # the server's own reason before any pool thread retries in the background.
        reason = _probe(url)
        if reason is not None:
            raise _unreachable(url, reason)
        pool = ConnectionPool(
            url,
            min_size=1,
            max_size=_pool_size(),
            kwargs={**_CONNECTION_OPTIONS, "connect_timeout": _connect_timeout()},
            configure=_configure,
            reset=_reset,
            name="sentinel-store",
            open=True,
        )
        _pools[url] = pool
        return pool


def _probe(url: str) -> str | None:
    """Why a direct connection to ``url`` fails, or ``None`` when it succeeds."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=_connect_timeout(), **_CONNECTION_OPTIONS):
            return None
    except psycopg.Error as exc:
        return _reason(exc, url)
    except Exception as exc:  # a malformed URL is a ProgrammingError, a bad option a ValueError
        return _reason(exc, url)


def _reason(exc: BaseException, url: str) -> str:
    """The driver's message on one line, never containing the password: nor a piece of one,
    which libpq quotes as a host name when a password with ``@`` or ``/`` was not
    percent-encoded (``user:p@ss@host`` fails to resolve host ``ss@host``)."""
    import re

    text = " ".join(str(exc).split()) or type(exc).__name__
    for password in url_passwords(url):
        pieces = [password, *re.split(r"[@/?#:&=]", password)]
        for piece in sorted(pieces, key=len, reverse=True):
            if len(piece) >= 3:  # shorter ones would garble the message, not hide much
                text = text.replace(piece, "***")
    return text


def _unreachable(url: str, reason: str | None) -> StoreUnavailable:
    return StoreUnavailable(
        f"cannot use the database {redact_url(url)}: {reason or 'no connection became available'}",
        hint="check that the PostgreSQL server is running and the URL in SENTINEL_DB / --db "
        "(host, port, user, password, database) is right",
    )


def _connect_timeout() -> int:
    return _positive_env("SENTINEL_DB_CONNECT_TIMEOUT", CONNECT_TIMEOUT_SECONDS)


def _pool_size() -> int:
    return _positive_env("SENTINEL_DB_POOL_SIZE", DEFAULT_POOL_SIZE)


def _positive_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = default
    return value if value > 0 else default


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every pooled connection: rows as ``PgRow``, numeric sums as int or float."""
    from psycopg.adapt import Loader

    class NumberLoader(Loader):
        def load(self, data: Any) -> int | float:
            value = Decimal(bytes(data).decode())
            return int(value) if value == value.to_integral_value() else float(value)

    conn.adapters.register_loader("numeric", NumberLoader)
    conn.row_factory = _row_factory
    _reset(conn)


def _reset(conn: psycopg.Connection[Any]) -> None:
    """A connection back in the pool forgets a request's shorter lock timeout."""
    conn.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")


class PgRow(tuple[Any, ...]):
    """A row readable like ``sqlite3.Row``: by position, by column name, ``keys()``, ``dict()``."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    return type("PgRow", (PgRow,), {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}})


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    description = cursor.description
    if description is None:
        return tuple
    cls = _row_class(tuple(column.name for column in description))
    return cls


@lru_cache(maxsize=4096)
def to_postgres(sql: str) -> str:
    """A repository statement with psycopg's placeholders: ``?`` → ``%s``, ``%`` → ``%%``."""
    return sql.replace("%", "%%").replace("?", "%s")


def _params(params: Sequence[Any]) -> Sequence[Any]:
    """Booleans as 0/1: the schema keeps flags in integer columns, as SQLite stores them."""
    if any(isinstance(p, bool) for p in params):
        return [int(p) if isinstance(p, bool) else p for p in params]
    return params


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"

    def __init__(
        self, conn: psycopg.Connection[Any], pool: ConnectionPool[Any] | None, label: str
    ) -> None:
        self.raw = conn
        self._pool = pool
        self.label = label

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.raw.execute(to_postgres(sql), _params(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(to_postgres(sql), [_params(r) for r in rows])

    def execute_script(self, statements: Sequence[str]) -> None:
        """All in one round trip (the simple query protocol takes several statements at once):
        a fresh schema's migrations cost one exchange each instead of one per statement."""
        if statements:
            self.raw.execute(";\n".join(statements))

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        with self.raw.transaction():
            # Advisory locks are per database: the schema's hash in the key lets two stores in
            # one database (a schema each) write without waiting for each other.
            self.raw.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (WRITE_LOCK_KEY,)
            )
            yield self

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def rollback(self) -> None:
        self.raw.rollback()

    def set_lock_timeout(self, milliseconds: int) -> None:
        self.raw.execute(f"SET lock_timeout = {int(milliseconds)}")

    def close(self) -> None:
        if self._pool is None:
            self.raw.close()
            return
        pool, self._pool = self._pool, None
        pool.putconn(self.raw)


def database_failure(exc: BaseException, label: str) -> StoreUnavailable | None:
    """``exc`` as the one clear error of an unusable server (connection lost, server shut down,
    permission refused), or ``None`` when it is some other kind of failure."""
    import psycopg

    if isinstance(exc, psycopg.OperationalError | psycopg.errors.InsufficientPrivilege):
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return StoreUnavailable(
            f"cannot use the database {label}: {reason}",
            hint="check that the PostgreSQL server is running and that the user in the URL may "
            "create tables in its database",
        )
    return None
