"""Deciding which messages to send: after a collection ended, and once a day for reminders.

The queue's tasks call these inside a worker and send each returned delivery as its own task (with
retries), so a slow or failing receiver never holds up a collection. Each planned message is a
PENDING delivery row holding the exact text to send (``notify_payloads.render``), one per
destination that wants the event and per event.

**After a collection** (``plan_job_deliveries``): a finished collection (COMPLETED or PARTIAL) is
compared with the previous one of its integration (``changes.changes_for_job``: on the first
collection every failing item is new, so it is announced as one ``new-failures`` message with the
counts and the top items) and yields ``new-failures`` and ``fixed``; a FAILED collection yields
``limit-reached`` when the plan refused it and ``collection-failed`` otherwise. Planning a job
twice (a task run again after its worker died) plans nothing new: the job's existing deliveries
are returned while still PENDING. Newly failing items a risk exception covers are not announced,
as the CI gate does not count them.

**Reminders** (``plan_reminder_deliveries``): risk exceptions in force that expire within
``REMINDER_DAYS`` days, and policies in force whose review date is within ``REMINDER_DAYS`` days
(or already past), each announced once per due date (``notify_reminders``): a re-approved policy
or an extended exception has a new due date and is announced again when that one comes near. An
item is remembered only when some destination wants its event, so a destination added later still
hears of what is coming.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sentinel_cli.errors import NotFound
from sentinel_cli.operations.notify_payloads import (
    MAX_ITEMS,
    Message,
    for_destination,
    items_of,
    public_url,
    render,
)
from sentinel_cli.store import Store
from sentinel_cli.timeutil import to_iso, utcnow
from sentinel_cli.wire import NotifyItem

REMINDER_DAYS = 14
FINISHED = ("COMPLETED", "PARTIAL")

__all__ = ["REMINDER_DAYS", "plan_job_deliveries", "plan_reminder_deliveries"]


def plan_job_deliveries(
    store: Store, job_id: str, *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Plan the messages of a collection job that ended; returns the ids of the deliveries to
    send (none while the job runs, or when no destination wants what happened).

    ``environ`` is read for ``SENTINEL_PUBLIC_URL`` (the process environment by default)."""
    notes = store.notifications
    facts = notes.job_facts(job_id)
    if facts is None:
        raise NotFound(f"no collection job with id {job_id!r}")
    if facts["status"] == "RUNNING":
        return []
    already = notes.deliveries_of_job(job_id)
    if already:
        return [d["id"] for d in already if d["status"] == "PENDING"]
    destinations = notes.list_destinations()
    if not destinations:
        return []
    wanted = {event for d in destinations for event in d["events"]}
    messages = _job_messages(store, facts, wanted, destinations, public_url(environ))
    with store.transaction():
        if notes.deliveries_of_job(job_id):  # another worker planned it meanwhile
            return [d["id"] for d in notes.deliveries_of_job(job_id) if d["status"] == "PENDING"]
        return _insert_deliveries(store, destinations, messages)


def _job_messages(
    store: Store,
    facts: dict[str, Any],
    wanted: set[str],
    destinations: list[dict[str, Any]],
    base: str | None,
) -> list[Message]:
    common: dict[str, Any] = {
        "integration_id": facts["integration_id"],
        "integration_name": facts["integration_name"],
        "job_id": facts["id"],
        "collected_at": facts["run_started_at"] or facts["started_at"],
        "url": f"{base}/integrations/{facts['integration_id']}" if base else None,
    }
    job_counts = {
        "pass": facts["pass_count"] or 0,
        "fail": facts["fail_count"] or 0,
        "warning": facts["warning_count"] or 0,
        "error": facts["error_count"] or 0,
    }
    if facts["status"] == "FAILED":
        event = "limit-reached" if facts["failure_kind"] == "limit" else "collection-failed"
        if event not in wanted:
            return []
        return [Message(event, counts=job_counts, detail=facts["error_message"], **common)]
    if facts["status"] not in FINISHED or not wanted & {"new-failures", "fixed"}:
        return []
    from sentinel_cli.operations.changes import changes_for_job

    changes = changes_for_job(store, facts["id"], limit=MAX_ITEMS)
    counts = changes["counts"]
    filtering = any(
        d["min_severity"] for d in destinations if {"new-failures", "fixed"} & set(d["events"])
    )
    largest = max(counts["newlyFailing"], counts["fixed"])
    if filtering and largest > MAX_ITEMS:
        # A severity filter must see every item to count the ones it keeps.
        changes = changes_for_job(store, facts["id"], limit=largest)
    all_counts = {
        **job_counts,
        "newlyFailing": counts["newlyFailing"],
        "fixed": counts["fixed"],
        "newResources": counts["newResources"],
        "vanishedResources": counts["vanishedResources"],
        "startedErroring": counts["startedErroring"],
        "excepted": counts["excepted"],
    }
    out = []
    if "new-failures" in wanted:
        out.append(
            Message(
                "new-failures",
                items=items_of(changes["newlyFailing"]),
                total=counts["newlyFailing"],
                counts=all_counts,
                first=changes["first"],
                **common,
            )
        )
    if "fixed" in wanted:
        out.append(
            Message(
                "fixed",
                items=items_of(changes["fixed"]),
                total=counts["fixed"],
                counts=all_counts,
                **common,
            )
        )
    return out


def _insert_deliveries(
    store: Store, destinations: list[dict[str, Any]], messages: list[Message]
) -> list[str]:
    """One PENDING delivery per (destination wanting the event, message) that survives the
    destination's severity filter. Call inside a transaction."""
    now = to_iso(utcnow())
    ids: list[str] = []
    for message in messages:
        for destination in destinations:
            if message.event not in destination["events"]:
                continue
            cut = for_destination(message, destination["min_severity"])
            if cut is None:
                continue
            delivery_id = str(uuid.uuid4())
            store.notifications.insert_delivery(
                delivery_id=delivery_id,
                destination_id=destination["id"],
                event=message.event,
                integration_id=message.integration_id,
                job_id=message.job_id,
                payload=render(destination["kind"], cut),
                created_at=now,
            )
            ids.append(delivery_id)
    return ids


# -- reminders ------------------------------------------------------------------------------------


def plan_reminder_deliveries(
    store: Store, *, now: datetime | None = None, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Plan today's reminders: exceptions expiring and policy reviews due within
    ``REMINDER_DAYS`` days that were not announced yet for their due date. Idempotent: run it
    as often as you like, each item is announced once per due date."""
    moment = now or utcnow()
    at, horizon = to_iso(moment), to_iso(moment + timedelta(days=REMINDER_DAYS))
    base = public_url(environ)
    destinations = store.notifications.list_destinations()
    ids: list[str] = []
    for event, candidates, page in (
        ("exception-expiring", _expiring_exceptions(store, at, horizon), "exceptions"),
        ("policy-review-due", _reviews_due(store, at, horizon), "policies"),
    ):
        wanting = [d for d in destinations if event in d["events"]]
        if not wanting or not candidates:
            continue
        with store.transaction():
            fresh = [
                item
                for item_id, due, item in candidates
                if store.notifications.claim_reminder(
                    event=event, item_id=item_id, due_date=due, sent_at=at
                )
            ]
            if not fresh:
                continue
            fresh.sort(key=lambda i: i["title"])
            message = Message(
                event,
                items=tuple(fresh),
                total=len(fresh),
                url=f"{base}/{page}" if base else None,
            )
            ids += _insert_deliveries(store, wanting, [message])
    return ids


Candidate = tuple[str, str, NotifyItem]
"""(item id, due date YYYY-MM-DD, the item as messages show it)."""


def _expiring_exceptions(store: Store, at: str, horizon: str) -> list[Candidate]:
    from sentinel_cli.checks import all_metadata

    catalogue = all_metadata()
    out: list[Candidate] = []
    for row in store.exceptions.active_at(at):
        if row["expires_at"] > horizon:
            continue
        due = row["expires_at"][:10]
        meta = catalogue.get(row["check_id"])
        what = meta.title if meta is not None else row["check_id"]
        item: NotifyItem = {
            "checkId": row["check_id"],
            "resourceId": row["resource_pattern"],
            "severity": meta.severity if meta is not None else None,
            "status": "EXPIRING",
            "title": f"Accepted risk ends {due}: {what} (owner {row['owner']})",
        }
        out.append((row["id"], due, item))
    return out


def _reviews_due(store: Store, at: str, horizon: str) -> list[Candidate]:
    out: list[Candidate] = []
    for row in store.policies.in_force():
        due_at = row.get("next_review_at")
        if not due_at or due_at > horizon:
            continue
        due = due_at[:10]
        overdue = due_at < at
        item: NotifyItem = {
            "checkId": None,
            "resourceId": row["template_id"],
            "severity": None,
            "status": "REVIEW_OVERDUE" if overdue else "REVIEW_DUE",
            "title": f"{row['title']} (version {row['version']}): review "
            f"{'overdue since' if overdue else 'due'} {due}",
        }
        out.append((row["id"], due, item))
    return out
