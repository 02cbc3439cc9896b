"""Scheduled runs as the worker starts them: queued with trigger "schedule", skipped while the
previous run still runs, and, past the plan's limit, refused, recorded as a FAILED job and
announced as limit-reached rather than dropped silently."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.egress import UNRESTRICTED
from sentinel_cli.operations import billing, integrations, notify, schedules
from sentinel_cli.operations.collect import start_collection
from sentinel_cli.secrets import open_secrets
from sentinel_cli.store import Store, open_store
from sentinel_cli.tasks.queue import TaskQueue
from sentinel_cli.tasks.runner import TaskBodies
from sentinel_cli.timeutil import utcnow

pytestmark = pytest.mark.both_databases  # schedules claimed and queued, plan limits, announcements


def _setup(store: Store, settings: Settings) -> tuple[str, TaskBodies, TaskQueue]:
    iid = str(
        integrations.connect_github(
            store,
            open_secrets(settings, announce=False),
            org="acme",
            token="ghp_" + "a" * 36,
            base_url="http://127.0.0.1:9",
            verify=False,
        )["id"]
    )
    queue = TaskQueue(settings)
    return iid, TaskBodies(settings, UNRESTRICTED, queue), queue


def test_a_due_schedule_queues_a_collection_with_the_schedule_trigger(settings: Settings) -> None:
    with open_store(settings) as store:
        iid, bodies, queue = _setup(store, settings)
        billing.set_plan(store, "ENTERPRISE")
        schedules.set_schedule(store, iid, every="1m", now=utcnow() - timedelta(minutes=5))
        assert schedules.claim_due(store) == [iid]
        assert schedules.claim_due(store) == []  # the slot is taken: no second run

        bodies.start_scheduled(iid)
        [job] = store.jobs.list_for(iid)
        assert (job["status"], job["trigger"], job["queued"]) == ("RUNNING", "schedule", 1)
        assert job["run_started_at"] is None  # waiting for a worker
        assert queue.pending() == 1
        assert schedules.get_schedule(store, iid)["lastJobId"] == job["id"]

        bodies.start_scheduled(iid)  # the next slot while that one still runs: skipped
        assert len(store.jobs.list_for(iid)) == 1
        assert "still running" in (schedules.get_schedule(store, iid)["lastOutcome"] or "")


def test_a_scheduled_run_past_the_plan_limit_is_recorded_and_announced(
    settings: Settings,
) -> None:
    with open_store(settings) as store:
        iid, bodies, queue = _setup(store, settings)
        secrets = open_secrets(settings, announce=False)
        notify.add_destination(
            store, secrets, kind="webhook", url="http://127.0.0.1:9/hook", events=["limit-reached"]
        )
        # Use up the FREE plan's checks with one (finished) job's worth of metered items.
        job = start_collection(store, iid, trigger="cli")
        with store.transaction():
            billing.record_checks(store, 2000, job_id=job["id"])
            store.jobs.finish(job["id"], status="COMPLETED", counts={"PASS": 1})

        bodies.start_scheduled(iid)
        refused = store.jobs.list_for(iid)[0]
        assert (refused["status"], refused["trigger"], refused["failure_kind"]) == (
            "FAILED",
            "schedule",
            "limit",
        )
        assert "limit" in refused["error_message"]
        [delivery] = notify.list_deliveries(store)
        assert delivery["event"] == "limit-reached" and delivery["jobId"] == refused["id"]
        assert queue.pending() == 1  # its delivery waits for a worker
