"""What a database failure means, asked of the store rather than of the database driver.

Code above the store must react to two kinds of failure without knowing which database raised
them: the store was *busy* (another process held the write lock longer than the busy timeout; the
API answers 503 with ``Retry-After``), and, more broadly, the database *could not carry out a
statement* (busy, disk full, I/O error, a read-only file), which the rate limiter survives by
failing open. Both questions are answered here, so ``sqlite3`` is imported by no module outside
``sentinel_cli.store`` and a second database only has to teach these functions its own errors.
"""

from __future__ import annotations

import sqlite3
import sys

_CAUSE_DEPTH = 5
"""How far down an exception's ``__cause__`` / ``__context__`` chain to look: a domain error raised
from a failed statement, or a failure while handling one, is a step or two away from it."""


def is_busy(exc: BaseException) -> bool:
    """Whether the database reported itself locked or busy, in ``exc`` or in what caused it.

    The nearest database failure in the chain decides: a busy store that then failed in another
    way (say, a full disk during the retry) is that other failure.
    """
    seen: BaseException | None = exc
    for _ in range(_CAUSE_DEPTH):
        if seen is None:
            return False
        if isinstance(seen, sqlite3.OperationalError):
            text = str(seen).lower()
            return "locked" in text or "busy" in text
        busy = _postgres_busy(seen)
        if busy is not None:
            return busy
        seen = seen.__cause__ or seen.__context__
    return False


def _postgres_busy(exc: BaseException) -> bool | None:
    """For a psycopg error: whether it is a lock wait that timed out (the write lock held by
    another process past the lock timeout) or a conflict worth retrying. ``None`` otherwise.

    psycopg is looked up, never imported: if it is not loaded, nothing raised it.
    """
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    errors = psycopg.errors
    return isinstance(
        exc, errors.LockNotAvailable | errors.SerializationFailure | errors.DeadlockDetected
    )


def is_database_failure(exc: BaseException) -> bool:
    """Whether ``exc`` itself is the database failing to carry out a statement at run time: locked
    or busy past the timeout, disk full, an I/O error, a read-only file (SQLite's "operational"
    errors, which also cover a missing table), as opposed to a constraint the data broke. Only
    ``exc`` is judged, not its causes. On PostgreSQL the same kinds: a lost or refused connection
    (and a pool that has none to lend), a lock wait that timed out, a server out of resources
    (disk full) or shutting down, a read-only server, and a missing table."""
    if isinstance(exc, sqlite3.OperationalError):
        return True
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return False
    errors = psycopg.errors
    return isinstance(
        exc,
        psycopg.OperationalError  # also psycopg_pool's PoolTimeout
        | errors.LockNotAvailable
        | errors.InsufficientResources
        | errors.AdminShutdown
        | errors.ReadOnlySqlTransaction
        | errors.UndefinedTable,
    )


def is_connection_failure(exc: BaseException) -> bool:
    """Whether ``exc``, or what caused it, is the database server out of reach: a connection
    refused, lost mid-request (the server restarted or shut down) or not lent by the pool in time.
    Code above the store answers it as the store being unavailable, not as a bug. A SQLite file
    has no connection to lose: its failures to open are ``StoreUnavailable`` already.
    """
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return False
    seen: BaseException | None = exc
    for _ in range(_CAUSE_DEPTH):
        if seen is None:
            return False
        if isinstance(seen, psycopg.OperationalError):
            return _postgres_busy(seen) is not True
        seen = seen.__cause__ or seen.__context__
    return False
