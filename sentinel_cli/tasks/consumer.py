"""Running a worker: Huey's consumer plus the housekeeping only a live worker can do.

``run_worker`` starts Huey's consumer (thread workers, SIGTERM finishes the tasks in hand within
the grace period, SIGINT stops at once) and a housekeeping thread that, every couple of seconds:

- ends jobs whose lease expired (their worker was killed or cut off) and enqueues their re-runs;
- claims schedules whose slot is due and enqueues their runs (a slot missed while no worker ran
  is claimed once at the next start: claiming moves the schedule past *now*);
- ends the parts of split collections whose lease expired, or enqueues them again
  (``operations.split``);
- when the queue is empty, enqueues again any job or part still waiting after 30 s (its task was
  lost);
- stops this worker when the ``serve`` that started it is gone (its parent pid changed).

Huey's own periodic tasks fire on whole minutes; a one-minute schedule and a dead worker's lease
need seconds, which is why these two sweeps run here. Both are idempotent across workers: the
store's conditional updates decide who wins, so any number of workers may run them at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time

from sentinel_cli.config import Settings
from sentinel_cli.egress import EgressPolicy
from sentinel_cli.errors import StoreUnavailable
from sentinel_cli.operations import job_leases, split, workers
from sentinel_cli.store import open_store
from sentinel_cli.store.errors import is_connection_failure
from sentinel_cli.tasks.queue import TaskQueue, describe_queue
from sentinel_cli.tasks.runner import TaskBodies, worker_id
from sentinel_cli.timeutil import now_iso

log = logging.getLogger("sentinel.worker")

ENV_HOUSEKEEPING_SECONDS = "SENTINEL_HOUSEKEEPING_SECONDS"


def housekeeping_interval() -> float:
    raw = os.environ.get(ENV_HOUSEKEEPING_SECONDS, "")
    try:
        if raw:
            return max(0.2, float(raw))
    except ValueError:
        pass
    return min(2.0, job_leases.lease_seconds() / 3)


class Housekeeper(threading.Thread):
    def __init__(
        self,
        bodies: TaskBodies,
        *,
        parent_pid: int | None,
        interval: float,
        concurrency: int,
    ) -> None:
        super().__init__(name="housekeeping", daemon=True)
        self.bodies = bodies
        self.parent_pid = parent_pid
        self.interval = interval
        self.stopped = threading.Event()
        self.identity = worker_id()
        self.concurrency = concurrency
        self.started_at = now_iso()
        self.last_beat = 0.0

    def sweep(self) -> None:
        from sentinel_cli.operations import schedules

        queue = self.bodies.queue
        with open_store(self.bodies.settings) as store:
            if time.monotonic() - self.last_beat >= workers.BEAT_SECONDS:
                workers.beat(
                    store,
                    self.identity,
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    concurrency=self.concurrency,
                    started_at=self.started_at,
                )
                self.last_beat = time.monotonic()
            for reaped in job_leases.reap_expired(store):
                log.warning(
                    "job %s: its worker stopped (lease expired); %s",
                    reaped.job_id,
                    f"re-run as {reaped.rerun_id}" if reaped.rerun_id else "not re-run",
                )
                if reaped.rerun_id:
                    queue.enqueue_collection(reaped.rerun_id)
                else:
                    self.bodies.notify_job(store, reaped.job_id)
            for job_id, part_key in split.reap_expired_parts(store):
                log.warning(
                    "part %s of job %s: its worker stopped (lease expired)", part_key, job_id
                )
                queue.enqueue_part(job_id, part_key)
            if queue.pending() == 0:
                for job_id in job_leases.untaken(store):
                    log.warning("job %s was queued but its task is gone; enqueued again", job_id)
                    queue.enqueue_collection(job_id)
                for job_id, part_key in split.untaken_parts(store):
                    log.warning("part %s of job %s lost its task; enqueued again", part_key, job_id)
                    queue.enqueue_part(job_id, part_key)
            for integration_id in schedules.claim_due(store):
                log.info("schedule of integration %s is due", integration_id)
                queue.enqueue_scheduled(integration_id)

    def run(self) -> None:
        while True:
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                log.info("the serve process that started this worker is gone; stopping")
                os.kill(os.getpid(), signal.SIGTERM)
                return
            try:
                self.sweep()
            except Exception as exc:
                if isinstance(exc, StoreUnavailable) or is_connection_failure(exc):
                    # An outage, not a bug: one line per attempt, no traceback, no password.
                    reason = exc.message if isinstance(exc, StoreUnavailable) else str(exc)
                    log.error("housekeeping failed, retrying: %s", " ".join(reason.split()))
                else:
                    log.exception("housekeeping failed; retrying")
            if self.stopped.wait(self.interval):
                return


def run_worker(
    settings: Settings,
    *,
    concurrency: int,
    egress: EgressPolicy,
    parent_pid: int | None = None,
    shutdown_timeout: float = 30.0,
) -> None:
    """Run until SIGTERM/SIGINT (or the parent ``serve`` exits)."""
    with open_store(settings):
        pass  # create the home and migrate before any task needs the schema
    queue = TaskQueue(settings)
    queue.check()  # an unreachable queue (Redis down, a wrong password) stops here, in one line
    bodies = TaskBodies(settings, egress, queue)
    queue.bodies = bodies
    consumer = queue.huey.create_consumer(
        workers=concurrency,
        worker_type="thread",
        periodic=True,
        # Poll the queue often when work just arrived, at most every half second when idle: a
        # collection enqueued by the API starts within half a second, at a few cheap reads a second.
        initial_delay=0.02,
        backoff=1.2,
        max_delay=0.5,
        graceful_signal="TERM",
        shutdown_timeout=shutdown_timeout,
    )
    keeper = Housekeeper(
        bodies,
        parent_pid=parent_pid,
        interval=housekeeping_interval(),
        concurrency=concurrency,
    )
    log.info(
        "Sentinel worker: %d thread(s), queue %s, store %s",
        concurrency,
        describe_queue(settings),
        settings.database,
    )
    keeper.start()
    try:
        consumer.run()
    finally:
        keeper.stopped.set()
        try:
            with open_store(settings) as store:
                workers.forget(store, keeper.identity)
        except Exception:  # the row goes stale on its own
            log.debug("could not remove this worker's row", exc_info=True)
