"""Collections started from the API and the dashboard are queued for a worker.

``POST /api/integrations/:id/collect`` calls ``start_collection`` in the request (so a second
concurrent collection of one integration gets its 409 there, and a plan refusal its 403), records the
job RUNNING with ``startedAt`` null, enqueues it, and answers 202. A worker (the one ``sentinel
serve`` starts, or any ``sentinel worker`` sharing the store and queue) takes its lease, runs it
under the server's outbound rule and sends its notifications. If the job cannot be enqueued (the
queue file is unwritable) it is ended FAILED at once rather than left waiting for nothing.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.operations.collect import start_collection, validate_options
from sentinel_cli.store import Store
from sentinel_cli.timeutil import now_iso
from sentinel_cli.wire import Job

if TYPE_CHECKING:
    from sentinel_cli.tasks.queue import TaskQueue

log = logging.getLogger("sentinel.api")


class CollectionRunner:
    def __init__(self, settings: Settings, egress: EgressPolicy) -> None:
        self.settings = settings
        self.egress = egress

    @cached_property
    def queue(self) -> TaskQueue:
        from sentinel_cli.tasks.queue import TaskQueue

        return TaskQueue(self.settings)

    def begin(
        self,
        store: Store,
        integration_id: str,
        *,
        trigger: str,
        actor: str | None,
        since: str | None = None,
        until: str | None = None,
    ) -> Job:
        """Record a queued RUNNING job (409 while one of this integration runs, 403 past the
        plan) and hand it to the workers: what the API's collect route and the dashboard's
        Collect now both do."""
        options = replace(validate_options(since=since, until=until), egress=self.egress)
        job = start_collection(
            store, integration_id, trigger=trigger, options=options, actor=actor, queued=True
        )
        try:
            self.queue.enqueue_collection(job["id"])
        except Exception as exc:
            log.exception("cannot enqueue collection job %s", job["id"])
            with store.transaction():
                store.jobs.finish(
                    job["id"],
                    status="FAILED",
                    error_message="the task queue is unavailable",
                    finished_at=now_iso(),
                    failure_kind="error",
                )
            raise StoreUnavailable(
                f"the task queue is unavailable ({type(exc).__name__})",
                hint="check that the queue file beside the store is writable (SENTINEL_QUEUE)",
            ) from None
        return job
