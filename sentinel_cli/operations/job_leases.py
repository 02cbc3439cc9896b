"""Leases of queued collections: how a job survives the worker that ran it.

Huey hands a task to one worker and forgets it, so a worker killed mid-collection would take its
job with it. Each queued job is therefore run under a lease kept in the store, not a process id, so
it works across hosts: the worker that takes the job sets an expiry a few tens of seconds ahead and
renews it while it collects. Any worker's reaper ends a job whose lease expired FAILED
("interrupted"), and runs a collection that was on its first attempt once more, as a new job in the
same transaction, so the integration never has two RUNNING jobs and never none between the two.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass

from sentinel_cli.store import Store
from sentinel_cli.timeutil import now_iso

ENV_LEASE_SECONDS = "SENTINEL_JOB_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 30.0
INTERRUPTED = "interrupted: the worker running it stopped renewing its lease (killed or cut off)"


def lease_seconds() -> float:
    """The lease length (``SENTINEL_JOB_LEASE_SECONDS``, at least 2 s; default 30 s): how long a
    dead worker's job stays RUNNING before another worker takes over."""
    raw = os.environ.get(ENV_LEASE_SECONDS, "")
    try:
        value = float(raw) if raw else DEFAULT_LEASE_SECONDS
    except ValueError:
        value = DEFAULT_LEASE_SECONDS
    return max(2.0, value)


def take(store: Store, job_id: str, *, owner: str, seconds: float) -> bool:
    """Start the queued job under ``owner``'s lease; False when it is not this worker's to run."""
    with store.transaction():
        return store.jobs.take_lease(
            job_id, owner=owner, expires_at=time.time() + seconds, now=now_iso()
        )


def renew(store: Store, job_id: str, *, owner: str, seconds: float) -> bool:
    return store.jobs.renew_lease(job_id, owner=owner, expires_at=time.time() + seconds)


@dataclass(frozen=True)
class Reaped:
    job_id: str
    integration_id: str
    rerun_id: str | None
    """The job that runs the collection again (None after its second attempt)."""


def reap_expired(store: Store, *, now: float | None = None) -> list[Reaped]:
    """End every job whose lease expired, re-running first attempts once; the caller enqueues
    the re-runs. Safe to run from many workers at once: each row is re-read inside the write lock."""
    moment = time.time() if now is None else now
    if not store.jobs.expired_leases(now=moment):
        return []
    reaped: list[Reaped] = []
    finished = now_iso()
    with store.transaction():
        for job in store.jobs.expired_leases(now=moment):
            store.jobs.finish(
                job["id"],
                status="FAILED",
                error_message=INTERRUPTED,
                finished_at=finished,
                failure_kind="interrupted",
            )
            rerun_id = None
            if int(job.get("attempt") or 1) < 2:
                rerun_id = str(uuid.uuid4())
                store.jobs.start(
                    job_id=rerun_id,
                    integration_id=job["integration_id"],
                    trigger=job["trigger"],
                    period_start=job["period_start"],
                    period_end=job["period_end"],
                    queued=True,
                    run_options=json.loads(job.get("run_options") or "{}"),
                    actor=job.get("actor"),
                    attempt=2,
                    retry_of=job["id"],
                )
            else:
                store.integrations.update_after_job(
                    job["integration_id"],
                    job_id=job["id"],
                    status="ERROR",
                    finished_at=finished,
                    error="the last collection was interrupted twice",
                )
            store.activity.record(
                "collection.interrupted",
                "Collection interrupted (its worker stopped); "
                + ("running it again" if rerun_id else "not retried again"),
                actor=None,
                target_type="integration",
                target_id=job["integration_id"],
                details={"jobId": job["id"], "rerunJobId": rerun_id},
            )
            reaped.append(Reaped(job["id"], job["integration_id"], rerun_id))
    return reaped


LOST_AFTER_SECONDS = 30.0


def untaken(store: Store, *, older_than: float = LOST_AFTER_SECONDS) -> list[str]:
    """Queued jobs no worker has taken for ``older_than`` seconds. Asked only when the queue is
    empty, these are jobs whose task was lost (the queue file replaced, a worker killed between
    taking the task and its lease): enqueueing them again is safe, since only one run can take
    the lease, and it keeps the integration from being refused as busy forever."""
    from sentinel_cli.timeutil import parse_iso, utcnow

    cutoff = utcnow().timestamp() - older_than
    return [
        row["id"]
        for row in store.jobs.queued_waiting()
        if parse_iso(row["started_at"]).timestamp() < cutoff
    ]
