"""Work the API and the dashboard hand to the queue's workers: collections, and long use cases.

``POST /api/integrations/:id/collect`` calls ``start_collection`` in the request (so a second
concurrent collection of one integration gets its 409 there, and a plan refusal its 403), records the
job RUNNING with ``startedAt`` null, enqueues it, and answers 202. A worker (the one ``sentinel
serve`` starts, or any ``sentinel worker`` sharing the store and queue) takes its lease, runs it
under the server's outbound rule and sends its notifications. If the job cannot be enqueued (the
queue file is unwritable) it is ended FAILED at once rather than left waiting for nothing.

A use case marked ``background`` (report generation) also runs on a worker, but the request waits
for its answer, so its status and body are those of the synchronous call.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.errors import (
    SentinelError,
    StoreUnavailable,
    WorkersUnavailable,
    error_class,
)
from sentinel_cli.operations.collect import fail_job, start_collection, validate_options
from sentinel_cli.operations.usecases import Context, UseCase, invoke
from sentinel_cli.store import Store
from sentinel_cli.wire import Job

if TYPE_CHECKING:
    from sentinel_cli.tasks.queue import TaskQueue

log = logging.getLogger("sentinel.api")

ENV_BACKGROUND_TIMEOUT = "SENTINEL_BACKGROUND_TIMEOUT"


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
            fail_job(store, job["id"], "the task queue is unavailable")
            raise StoreUnavailable(
                f"the task queue is unavailable ({type(exc).__name__})",
                hint="check that the queue (SENTINEL_QUEUE: a file beside the store, or a Redis "
                "server) is writable or reachable",
            ) from None
        return job

    def run_on_worker(
        self, name: str, values: dict[str, Any], *, actor: str | None, role: str | None
    ) -> Any:
        """Run a ``background`` use case on a queue worker and wait for its answer (up to
        ``SENTINEL_BACKGROUND_TIMEOUT`` seconds, default 300): the work leaves the web
        processes, the request keeps the contract of the synchronous call."""
        from huey.exceptions import ResultTimeout, TaskException

        timeout = background_timeout()
        result = self.queue.enqueue_use_case(name, values, actor, role)
        try:
            answer = result.get(blocking=True, timeout=timeout, max_delay=0.25)
        except ResultTimeout:
            result.revoke()  # nobody waits for it any more
            raise WorkersUnavailable(
                f"no queue worker finished this request within {timeout:g} s",
                hint="check that a worker runs: 'sentinel serve' starts one unless --no-worker, "
                "else start 'sentinel worker'",
            ) from None
        except TaskException:
            log.error("background use case %s crashed on the worker", name)
            raise SentinelError("internal error while running the request on a worker") from None
        if "error" in answer:
            cls = error_class(answer["error"]) or SentinelError
            raise cls(answer["message"], hint=answer.get("hint"))
        return answer["value"]


def background_timeout() -> float:
    try:
        return max(1.0, float(os.environ.get(ENV_BACKGROUND_TIMEOUT, "") or 300))
    except ValueError:
        return 300.0


def run_use_case(
    runner: CollectionRunner, case: UseCase, values: dict[str, Any], context: Context
) -> Any:
    """How the API and the dashboard run a row: in place, or on a worker when ``background``."""
    if case.background:
        return runner.run_on_worker(case.name, values, actor=context.actor, role=context.role)
    return invoke(case, values, context)
