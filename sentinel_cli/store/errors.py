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
        seen = seen.__cause__ or seen.__context__
    return False


def is_database_failure(exc: BaseException) -> bool:
    """Whether ``exc`` itself is the database failing to carry out a statement at run time: locked
    or busy past the timeout, disk full, an I/O error, a read-only file (SQLite's "operational"
    errors, which also cover a missing table), as opposed to a constraint the data broke. Only
    ``exc`` is judged, not its causes."""
    return isinstance(exc, sqlite3.OperationalError)
