"""Which queue workers are alive, so a queued job is never left waiting without anyone saying so.

A worker records itself when it starts and every few seconds after (``beat``), and forgets itself
when it stops cleanly; a killed worker simply stops being seen. ``live_workers`` is what the
dashboard and ``sentinel workers`` / ``GET /api/workers`` show: with ``sentinel serve --no-worker``
and no ``sentinel worker`` running, a queued collection would otherwise wait in silence.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sentinel_cli.store import Store
from sentinel_cli.timeutil import to_iso
from sentinel_cli.wire import Worker

BEAT_SECONDS = 5.0
ALIVE_SECONDS = 20.0
"""A worker unseen for this long is taken for gone (four missed beats)."""


def beat(
    store: Store, worker_id: str, *, host: str, pid: int, concurrency: int, started_at: str
) -> None:
    now = time.time()
    with store.transaction():
        store.workers.beat(
            worker_id,
            host=host,
            pid=pid,
            concurrency=concurrency,
            started_at=started_at,
            seen_at=now,
        )
        store.workers.prune(now - 24 * 3600)  # long-dead workers' rows


def forget(store: Store, worker_id: str) -> None:
    with store.transaction():
        store.workers.forget(worker_id)


def live_workers(store: Store, *, now: float | None = None) -> list[Worker]:
    """Queue workers seen in the last ``ALIVE_SECONDS`` seconds, oldest first."""
    moment = time.time() if now is None else now
    return [
        {
            "id": row["id"],
            "host": row["host"],
            "pid": row["pid"],
            "concurrency": row["concurrency"],
            "startedAt": row["started_at"],
            "lastSeenAt": to_iso(datetime.fromtimestamp(row["seen_at"], UTC)),
        }
        for row in store.workers.seen_since(moment - ALIVE_SECONDS)
    ]
