"""Announcing an ended collection: plan its notifications and enqueue their deliveries.

Workers call this after every job they run; the local CLI calls it after ``sentinel collect`` too,
so a collection run from cron is announced like one the server ran. The deliveries then wait in the
queue for a worker (``sentinel serve`` runs one, or ``sentinel worker``). Announcing never fails
the collection: a broken destination or queue is logged, and the job's outcome stands.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sentinel_cli.config import Settings
from sentinel_cli.store import Store

if TYPE_CHECKING:
    from sentinel_cli.tasks.queue import TaskQueue

log = logging.getLogger("sentinel.notify")


def announce_job(
    settings: Settings, store: Store, job_id: str, queue: TaskQueue | None = None
) -> int:
    """Plan the ended job's notifications and enqueue them; returns how many were queued."""
    try:
        from sentinel_cli.operations import notify

        ids = notify.plan_job_deliveries(store, job_id)
        if not ids:
            return 0
        from sentinel_cli.tasks.queue import TaskQueue

        target = queue or TaskQueue(settings)
        for delivery_id in ids:
            target.enqueue_delivery(delivery_id)
        return len(ids)
    except Exception:
        log.exception("could not announce job %s", job_id)
        return 0
