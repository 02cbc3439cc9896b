"""Which messages are planned: after a collection (new failures, fixes, failed and refused
collections; the first collection's failures are all new; severity filters; planning twice plans
nothing new) and the daily reminders (each exception and policy review once per due date)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.operations import exceptions, notify
from sentinel_cli.operations.notify_payloads import MAX_ITEMS
from sentinel_cli.secrets import FileSecrets
from sentinel_cli.store import Store
from sentinel_cli.timeutil import to_iso, utcnow
from tests.helpers.estate import (
    PROD_CURRENT,
    ROOT,
    Estate,
    _changed,
    bucket,
    day_at,
    user,
)

# Destinations, deliveries and reminders planned from real collections: on both databases.
pytestmark = pytest.mark.both_databases


def _secrets(store: Store) -> FileSecrets:
    """The file secrets of the test's home (beside the SQLite file; the home also when the store
    is on PostgreSQL)."""
    return FileSecrets(Settings.from_env().home / "secrets.json")


def _add(store: Store, kind: str = "webhook", **options: Any) -> dict[str, Any]:
    if kind == "email":
        options.setdefault("to", "soc@example.com")
    else:
        options.setdefault("url", "http://127.0.0.1:9/hook")
    return notify.add_destination(store, _secrets(store), kind=kind, **options)["destination"]


def _payload(store: Store, delivery_id: str) -> dict[str, Any]:
    row = store.notifications.get_delivery(delivery_id)
    assert row is not None
    return dict(json.loads(row["payload"]))


def _deliveries(store: Store) -> list[dict[str, Any]]:
    return [dict(d) for d in notify.list_deliveries(store, limit=1000)]


def test_nothing_is_planned_without_destinations_or_while_a_job_runs(estate: Estate) -> None:
    store = estate.store
    assert notify.plan_job_deliveries(store, estate.jobs["prod-1"]) == []
    _add(store)
    assert notify.plan_job_deliveries(store, estate.jobs["acme-running"]) == []
    assert _deliveries(store) == []


def test_a_collection_announces_its_new_failures_to_the_destinations_that_want_them(
    estate: Estate,
) -> None:
    store = estate.store
    hook = _add(store)
    _add(store, "slack", min_severity="high")  # bob's key is medium: nothing for Slack
    _add(store, "email", events="fixed")  # no fix in this collection
    job_id = estate.jobs["prod-1"]
    planned = notify.plan_job_deliveries(
        store, job_id, environ={"SENTINEL_PUBLIC_URL": "https://sentinel.example.com/"}
    )
    assert len(planned) == 1
    body = _payload(store, planned[0])
    assert body == {
        "event": "new-failures",
        "integrationId": estate.integrations["prod"],
        "jobId": job_id,
        "collectedAt": to_iso(day_at(1)),
        "counts": {
            "items": 1,
            "pass": 5,
            "fail": 5,
            "warning": 2,
            "error": 1,
            "newlyFailing": 1,
            "fixed": 0,
            "newResources": 0,
            "vanishedResources": 0,
            "startedErroring": 0,
            "excepted": 0,
        },
        "items": [
            {
                "checkId": "aws_iam_key_rotation_90d",
                "resourceId": user("bob"),
                "severity": "medium",
                "status": "FAIL",
                "title": "Access keys are rotated within 90 days",
            }
        ],
        "url": f"https://sentinel.example.com/integrations/{estate.integrations['prod']}",
    }
    [logged] = _deliveries(store)
    assert logged["destinationId"] == hook["id"] and logged["status"] == "PENDING"
    assert logged["event"] == "new-failures" and logged["jobId"] == job_id
    # Planned again (a task re-run): the same pending delivery, nothing new.
    assert notify.plan_job_deliveries(store, job_id) == planned
    assert len(_deliveries(store)) == 1


def test_the_first_collection_reports_every_failing_item_as_new(estate: Estate) -> None:
    store = estate.store
    _add(store, "slack")
    [planned] = notify.plan_job_deliveries(store, estate.jobs["acme-2"])
    message = _payload(store, planned)
    assert message["text"] == "Sentinel: First collection of acme: 1 failing item"
    assert "acme/api" in message["blocks"][1]["text"]["text"]


def test_fixed_items_go_to_destinations_that_want_fixes(estate: Estate) -> None:
    store = estate.store
    email = _add(store, "email", events=["fixed"])
    job = estate.collect(
        "prod-0",
        "prod",
        _changed(PROD_CURRENT, {("aws_iam_root_mfa", ROOT): "PASS"}),
        at=utcnow() - timedelta(hours=1),
    )
    [planned] = notify.plan_job_deliveries(store, job)
    mail = _payload(store, planned)
    assert mail["subject"] == "[Sentinel] 1 item fixed in prod"
    assert "[critical] The root user has MFA enabled" in mail["text"]
    assert _deliveries(store)[0]["destinationId"] == email["id"]


def test_failed_and_refused_collections(estate: Estate) -> None:
    store = estate.store
    _add(store, events="collection-failed,limit-reached", min_severity="critical")
    failed = estate.jobs["prod-failed"]
    [planned] = notify.plan_job_deliveries(store, failed)
    assert _payload(store, planned)["event"] == "collection-failed"
    assert _payload(store, planned)["items"] == []
    refused = estate.collect(
        "prod-refused", "prod", [], at=utcnow() - timedelta(minutes=5), status="FAILED"
    )
    store.conn.execute(
        "UPDATE collection_jobs SET failure_kind = 'limit', error_message = ? WHERE id = ?",
        ("the plan's limit of 100 checks is reached", refused),
    )
    [planned] = notify.plan_job_deliveries(store, refused)
    assert _payload(store, planned)["event"] == "limit-reached"
    assert [d["event"] for d in _deliveries(store)] == ["limit-reached", "collection-failed"]


def test_a_severity_filter_counts_every_item_beyond_the_listed_ones(estate: Estate) -> None:
    store = estate.store
    estate.integration("big")
    critical = [
        ("aws_iam_root_mfa", f"arn:aws:iam::{n:012d}:root", "FAIL", None) for n in range(55)
    ]
    low = [("aws_s3_versioning", bucket(f"b-{n}"), "FAIL", "us-east-1") for n in range(10)]
    job = estate.collect("big-1", "big", [*low, *critical], at=utcnow() - timedelta(hours=2))
    _add(store, min_severity="high")
    _add(store)
    planned = notify.plan_job_deliveries(store, job)
    by_count = sorted(_payload(store, d)["counts"]["items"] for d in planned)
    assert by_count == [55, 65]
    for delivery in planned:
        body = _payload(store, delivery)
        assert len(body["items"]) == MAX_ITEMS
        assert body["counts"]["newlyFailing"] == 65
        assert body["items"][0]["severity"] == "critical"


def test_reminders_are_announced_once_per_item_and_due_date(estate: Estate) -> None:
    store = estate.store
    now = utcnow()
    soon = (now + timedelta(days=5)).date().isoformat()
    later = (now + timedelta(days=40)).date().isoformat()
    for expires in (soon, later):
        exceptions.add_exception(
            store, check_id="aws_iam_root_mfa", reason="r", owner="o@example.com", expires=expires
        )
    policy_id = _approved_policy(store, review_at=now + timedelta(days=3))
    # No destination wants reminders yet: nothing is planned, nothing is remembered.
    _add(store, events="new-failures")
    assert notify.plan_reminder_deliveries(store, now=now) == []
    webhook = _add(store, events="exception-expiring,policy-review-due")
    _add(store, "email", events="policy-review-due")
    planned = notify.plan_reminder_deliveries(store, now=now)
    assert len(planned) == 3
    bodies = {(d["destinationId"], d["event"]): d for d in _deliveries(store)}
    expiring = _payload(store, bodies[(webhook["id"], "exception-expiring")]["id"])
    assert expiring["counts"] == {"items": 1}
    [announced] = expiring["items"]
    assert announced["status"] == "EXPIRING" and announced["checkId"] == "aws_iam_root_mfa"
    assert announced["severity"] == "critical" and soon in announced["title"]
    review = _payload(store, bodies[(webhook["id"], "policy-review-due")]["id"])
    assert review["items"][0]["status"] == "REVIEW_DUE" and review["items"][0]["severity"] is None
    # Once a day, once per item: nothing new tomorrow...
    assert notify.plan_reminder_deliveries(store, now=now + timedelta(days=1)) == []
    # ...but a new due date (the policy reviewed again, due soon) is announced again.
    store.policies.approve(
        policy_id,
        approved_by="a@example.com",
        approved_at=to_iso(now),
        next_review_at=to_iso(now + timedelta(days=10)),
    )
    again = notify.plan_reminder_deliveries(store, now=now + timedelta(days=1))
    assert len(again) == 2
    assert {_payload(store, d).get("event", "email") for d in again} == {
        "policy-review-due",
        "email",
    }


def _approved_policy(store: Store, *, review_at: Any) -> str:
    store.policies.insert(
        policy_id="p-1",
        template_id="backup-policy",
        template_version="1",
        title="Backup Policy",
        version=1,
        owner=None,
        data={},
        content="# Backup",
        sha256="0" * 64,
        created_at=to_iso(utcnow()),
    )
    store.policies.approve(
        "p-1",
        approved_by="a@example.com",
        approved_at=to_iso(utcnow()),
        next_review_at=to_iso(review_at),
    )
    return "p-1"
