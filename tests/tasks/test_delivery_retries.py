"""Deliveries as worker tasks: a failing receiver gets the same message again later (with the same
delivery id and bytes), at growing delays, and the last attempt ends the delivery FAILED; a
receiver that recovers gets it once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.egress import UNRESTRICTED
from sentinel_cli.operations import integrations, notify
from sentinel_cli.operations.collect import start_collection
from sentinel_cli.secrets import open_secrets
from sentinel_cli.store import open_store
from sentinel_cli.tasks import runner
from sentinel_cli.tasks.queue import TaskQueue
from sentinel_cli.tasks.runner import TaskBodies
from tests.notify.receiver import http_receiver


def _failed_job(settings: Settings, url: str) -> tuple[TaskBodies, TaskQueue, str]:
    """A collection-failed message planned for one webhook destination; its delivery id."""
    with open_store(settings) as store:
        secrets = open_secrets(settings, announce=False)
        iid = integrations.connect_github(
            store, secrets, org="acme", token="ghp_" + "a" * 36, verify=False
        )["id"]
        notify.add_destination(
            store, secrets, kind="webhook", url=url, events=["collection-failed"]
        )
        job = start_collection(store, iid, trigger="api")
        with store.transaction():
            store.jobs.finish(
                job["id"], status="FAILED", error_message="boom", failure_kind="error"
            )
        [delivery_id] = notify.plan_job_deliveries(store, job["id"])
    queue = TaskQueue(settings)
    bodies = TaskBodies(settings, UNRESTRICTED, queue)
    queue.bodies = bodies
    return bodies, queue, delivery_id


def test_a_failing_receiver_is_retried_with_backoff_then_failed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = [503] * runner.DELIVERY_ATTEMPTS
    with http_receiver(*statuses) as receiver:
        bodies, queue, delivery_id = _failed_job(settings, receiver.url)
        delays: list[float] = []
        monkeypatch.setattr(
            queue,
            "enqueue_delivery",
            lambda did, attempt=1, delay=0.0: delays.append(delay),
        )
        for attempt in range(1, runner.DELIVERY_ATTEMPTS + 1):
            bodies.deliver(delivery_id, attempt)
        assert len(receiver.requests) == runner.DELIVERY_ATTEMPTS
        ids = {r.headers["x-sentinel-delivery"] for r in receiver.requests}
        assert ids == {delivery_id} and len({r.body for r in receiver.requests}) == 1
        # A retry after each failure but the last, each later than the one before.
        assert len(delays) == runner.DELIVERY_ATTEMPTS - 1
        assert all(later > earlier > 0 for earlier, later in itertools.pairwise(delays))
    with open_store(settings) as store:
        [logged] = notify.list_deliveries(store)
        assert logged["status"] == "FAILED" and logged["attempts"] == runner.DELIVERY_ATTEMPTS


def test_a_retry_is_scheduled_on_the_queue_and_a_recovered_receiver_gets_it_once(
    settings: Settings,
) -> None:
    with http_receiver(500) as receiver:
        bodies, queue, delivery_id = _failed_job(settings, receiver.url)
        bodies.deliver(delivery_id, 1)
        # The retry is on the queue with a time before which no worker runs it.
        [retry] = queue.huey.pending()
        assert retry.args == (delivery_id, 2)
        assert retry.eta is not None and retry.eta > datetime.now(UTC).replace(tzinfo=None)
        bodies.deliver(delivery_id, 2)  # what the worker runs when the delay is over
        bodies.deliver(delivery_id, 3)  # a duplicate run of the task sends nothing more
        assert [r.headers["x-sentinel-delivery"] for r in receiver.requests] == [delivery_id] * 2
    with open_store(settings) as store:
        [logged] = notify.list_deliveries(store)
        assert logged["status"] == "DELIVERED"
