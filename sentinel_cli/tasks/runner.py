"""What a worker does with each task: run a queued collection under its lease, start a scheduled
run, send a notification, announce reminders. Every body opens its own store connection (tasks run
on several worker threads) and never lets an exception escape for a failure it can record.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from typing import TYPE_CHECKING, Any

from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.errors import Conflict, PlanLimitExceeded, SentinelError, error_name
from sentinel_cli.operations import job_leases, split
from sentinel_cli.operations.collect import (
    CollectionOptions,
    fail_job,
    record_refused_run,
    run_collection,
    start_collection,
)
from sentinel_cli.operations.store_secrets import open_secrets
from sentinel_cli.store import Store, open_store
from sentinel_cli.tasks.announce import announce_job

if TYPE_CHECKING:
    from sentinel_cli.tasks.queue import TaskQueue

log = logging.getLogger("sentinel.worker")

DELIVERY_ATTEMPTS = 5
ENV_DELIVERY_RETRY_SECONDS = "SENTINEL_DELIVERY_RETRY_SECONDS"


def _retry_base() -> float:
    try:
        return max(0.1, float(os.environ.get(ENV_DELIVERY_RETRY_SECONDS, "") or 5.0))
    except ValueError:
        return 5.0


def worker_id() -> str:
    """Who holds a lease: host, pid and a random tag (a pid is reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Heartbeat(threading.Thread):
    """Renews one job's lease every third of its length, on its own store connection; or, in a
    split collection, the lease of the part this worker runs (``follow``)."""

    def __init__(
        self,
        settings: Settings,
        job_id: str,
        owner: str,
        seconds: float,
        part_key: str | None = None,
    ) -> None:
        super().__init__(name=f"lease-{job_id[:8]}", daemon=True)
        self.settings, self.job_id, self.owner, self.seconds = settings, job_id, owner, seconds
        self.part_key = part_key
        self.stopped = threading.Event()

    def follow(self, part_key: str | None) -> None:
        """Renew the part ``part_key`` from now on (None: the job). The caller has just taken
        that lease, so the next beat is in time."""
        self.part_key = part_key

    def _renew(self, store: Store) -> bool:
        key = self.part_key
        if key is None:
            return job_leases.renew(store, self.job_id, owner=self.owner, seconds=self.seconds)
        return split.renew_part(store, self.job_id, key, owner=self.owner, seconds=self.seconds)

    def run(self) -> None:
        with open_store(self.settings) as store:
            while not self.stopped.wait(self.seconds / 3):
                try:
                    if not self._renew(store):
                        log.warning("lost the lease of job %s", self.job_id)
                        return
                except Exception:  # a busy store: try again at the next beat
                    log.debug("could not renew the lease of %s", self.job_id, exc_info=True)


class TaskBodies:
    def __init__(self, settings: Settings, egress: EgressPolicy, queue: TaskQueue) -> None:
        self.settings = settings
        self.egress = egress
        self.queue = queue

    # -- collections ------------------------------------------------------------------------

    def collect(self, job_id: str) -> None:
        owner = worker_id()
        seconds = job_leases.lease_seconds()
        with open_store(self.settings) as store:
            if not job_leases.take(store, job_id, owner=owner, seconds=seconds):
                log.info("job %s is not ours to run (taken, or ended); skipped", job_id)
                return
            heartbeat = _Heartbeat(self.settings, job_id, owner, seconds)
            heartbeat.start()
            try:
                row = store.jobs.get(job_id)
                assert row is not None
                saved = json.loads(row.get("run_options") or "{}")
                options = CollectionOptions(
                    since=saved.get("since"), until=saved.get("until"), egress=self.egress
                )
                secrets = open_secrets(self.settings, announce=False, store=store)
                splitter = split.WorkerSplitter(
                    store,
                    job_id,
                    owner=owner,
                    lease_seconds=seconds,
                    settings=self.settings,
                    enqueue=self.queue.enqueue_part,
                    follow=heartbeat.follow,
                    actor=row.get("actor"),
                )
                job = run_collection(
                    store,
                    secrets,
                    self.settings,
                    job_id,
                    options=options,
                    actor=row.get("actor"),
                    splitter=splitter,
                )
                log.info("collection job %s ended %s", job_id, job["status"])
            except Exception as exc:
                log.exception("collection job %s crashed", job_id)
                try:
                    fail_job(store, job_id, f"internal error: {type(exc).__name__}")
                except Exception:  # the store itself failed: the lease expires, the reaper ends it
                    log.exception("cannot mark collection job %s as failed", job_id)
            finally:
                heartbeat.stopped.set()
            self.after_job(store, job_id)

    def collect_part(self, job_id: str, part_key: str) -> None:
        """Run one part of a split collection under its lease; the worker that ends the last
        part merges them and ends the job. A part that cannot be taken (ended FAILED by the
        reaper, or another worker's) may still leave the job ready to end."""
        owner = worker_id()
        seconds = job_leases.lease_seconds()
        with open_store(self.settings) as store:
            if not split.take_part(store, job_id, part_key, owner=owner, seconds=seconds):
                if split.try_complete(store, job_id, owner=owner, seconds=seconds):
                    self._complete(store, job_id, owner, seconds)
                return
            heartbeat = _Heartbeat(self.settings, job_id, owner, seconds, part_key=part_key)
            heartbeat.start()
            last = False
            try:
                options = CollectionOptions(egress=self.egress)
                secrets = open_secrets(self.settings, announce=False, store=store)
                try:
                    result = split.run_part(
                        store, secrets, self.settings, job_id, part_key, options=options
                    )
                except Exception as exc:
                    message = exc.message if isinstance(exc, SentinelError) else repr(exc)
                    log.warning("part %s of job %s failed: %s", part_key, job_id, message)
                    retry, last = split.part_failed(
                        store, job_id, part_key, owner=owner, message=message, seconds=seconds
                    )
                    if retry:
                        self.queue.enqueue_part(job_id, part_key)
                else:
                    last = split.end_part(
                        store, job_id, part_key, owner=owner, result=result, seconds=seconds
                    )
            finally:
                heartbeat.stopped.set()
            if last:
                self._complete(store, job_id, owner, seconds)

    def _complete(self, store: Store, job_id: str, owner: str, seconds: float) -> None:
        """Merge a split job's parts and end it, renewing the job's lease meanwhile."""
        heartbeat = _Heartbeat(self.settings, job_id, owner, seconds)
        heartbeat.start()
        try:
            job = split.complete_split(store, self.settings, job_id)
            log.info("collection job %s ended %s (split)", job_id, job["status"])
        except Exception as exc:
            log.exception("collection job %s crashed while its parts were merged", job_id)
            try:
                fail_job(store, job_id, f"internal error: {type(exc).__name__}")
            except Exception:
                log.exception("cannot mark collection job %s as failed", job_id)
        finally:
            heartbeat.stopped.set()
        self.after_job(store, job_id)

    def after_job(self, store: Store, job_id: str) -> None:
        """Notifications for an ended job, and the schedule's record of its run."""
        row = store.jobs.get(job_id)
        if row is None or row["status"] == "RUNNING":
            return
        if row["trigger"] == "schedule":
            try:
                from sentinel_cli.operations import schedules

                schedules.record_run(
                    store, row["integration_id"], job_id=job_id, outcome=row["status"]
                )
            except Exception:
                log.exception("could not record the scheduled run of job %s", job_id)
        self.notify_job(store, job_id)

    def notify_job(self, store: Store, job_id: str) -> None:
        announce_job(self.settings, store, job_id, self.queue)

    def start_scheduled(self, integration_id: str) -> None:
        from sentinel_cli.operations import schedules

        with open_store(self.settings) as store:
            try:
                job = start_collection(store, integration_id, trigger="schedule", queued=True)
            except PlanLimitExceeded as exc:
                refused = record_refused_run(
                    store, integration_id, trigger="schedule", message=exc.message
                )
                schedules.record_run(
                    store, integration_id, job_id=refused["id"], outcome="refused: " + exc.message
                )
                self.notify_job(store, refused["id"])
                return
            except Conflict:
                schedules.record_run(
                    store,
                    integration_id,
                    job_id=None,
                    outcome="skipped: the previous collection was still running",
                )
                return
            except SentinelError as exc:
                log.warning("scheduled collection of %s not started: %s", integration_id, exc)
                schedules.record_run(store, integration_id, job_id=None, outcome=exc.message)
                return
            schedules.record_run(store, integration_id, job_id=job["id"], outcome="queued")
            self.queue.enqueue_collection(job["id"])

    # -- long use cases ---------------------------------------------------------------------

    def use_case(
        self, name: str, values: dict[str, Any], actor: str | None, role: str | None
    ) -> dict[str, Any]:
        """Run a ``background`` use case for the API request waiting on it. A domain error
        travels back as its class name, message and hint, so the request answers exactly as if
        the operation had run in place."""
        from sentinel_cli.operations.usecases import BY_NAME, Context, invoke

        case = BY_NAME[name]
        try:
            with open_store(self.settings) as store:
                context = Context(
                    store=lambda: store,
                    secrets=lambda: open_secrets(self.settings, announce=False, store=store),
                    actor=actor,
                    role=role,
                    egress=self.egress,
                )
                return {"value": invoke(case, values, context)}
        except SentinelError as exc:
            return {"error": error_name(exc), "message": exc.message, "hint": exc.hint}

    # -- notifications ----------------------------------------------------------------------

    def deliver(self, delivery_id: str, attempt: int = 1) -> None:
        from sentinel_cli.operations import notify

        with open_store(self.settings) as store:
            secrets = open_secrets(self.settings, announce=False, store=store)
            outcome = notify.deliver(
                store,
                secrets,
                self.settings,
                delivery_id,
                egress=self.egress,
                final=attempt >= DELIVERY_ATTEMPTS,
            )
        if outcome == "RETRY":
            delay = _retry_base() * (3 ** (attempt - 1))
            log.info("delivery %s failed (attempt %d); next in %.0f s", delivery_id, attempt, delay)
            self.queue.enqueue_delivery(delivery_id, attempt + 1, delay=delay)

    def remind(self) -> None:
        from sentinel_cli.operations import notify
        from sentinel_cli.timeutil import utcnow

        with open_store(self.settings) as store:
            for delivery_id in notify.plan_reminder_deliveries(store, now=utcnow()):
                self.queue.enqueue_delivery(delivery_id)
