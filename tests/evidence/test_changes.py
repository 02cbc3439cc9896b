"""What changed in a collection (``operations.changes``) on stores written through the real write
path: the evidence estate (``tests/helpers/estate.py``) and an integration of our own, "ops",
whose two collections hold one of each kind of change."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from sentinel_cli.config import Settings
from sentinel_cli.errors import InvalidInput, NotFound
from sentinel_cli.operations import exceptions
from sentinel_cli.operations.changes import changes_for_job, job_changes
from sentinel_cli.store import open_store
from sentinel_cli.store.evidence import EvidenceRecord
from sentinel_cli.timeutil import to_iso
from tests.helpers.estate import ACCOUNT, ROOT, Estate, Spec, bucket, day_at, records, user

pytestmark = pytest.mark.both_databases

TRAIL = "aws_cloudtrail_multi_region"
ROTATION = "aws_iam_key_rotation_90d"
ENCRYPTION = "aws_s3_bucket_default_encryption"
VERSIONING = "aws_s3_versioning"

BEFORE: list[Spec] = [
    (ROTATION, user("alice"), "PASS", None),  # -> FAIL: newly failing, was PASS
    (ROTATION, user("carol"), "WARNING", None),  # -> FAIL: newly failing, was WARNING
    (ROTATION, user("dan"), "FAIL", None),  # -> FAIL: still failing, not new
    (ENCRYPTION, bucket("ops-a"), "FAIL", "us-east-1"),  # -> PASS: fixed
    (ENCRYPTION, bucket("ops-b"), "FAIL", "us-east-1"),  # -> WARNING: neither
    (VERSIONING, bucket("ops-old"), "FAIL", "us-east-1"),  # gone: a vanished resource
    ("aws_ec2_sg_no_ssh_world", "sg-0ops", "ERROR", "us-east-1"),  # erroring both times
    # One account-level item per region: the region is part of the identity.
    (TRAIL, ACCOUNT, "PASS", "us-east-1"),  # -> FAIL: newly failing
    (TRAIL, ACCOUNT, "FAIL", "eu-west-1"),  # -> PASS: fixed
    ("aws_iam_root_mfa", ROOT, "PASS", None),  # -> ERROR: the check started erroring
]
AFTER: list[Spec] = [
    (ROTATION, user("alice"), "FAIL", None),
    (ROTATION, user("carol"), "FAIL", None),
    (ROTATION, user("dan"), "FAIL", None),
    (ENCRYPTION, bucket("ops-a"), "PASS", "us-east-1"),
    (ENCRYPTION, bucket("ops-b"), "WARNING", "us-east-1"),
    ("aws_ec2_sg_no_ssh_world", "sg-0ops", "ERROR", "us-east-1"),
    (TRAIL, ACCOUNT, "FAIL", "us-east-1"),
    (TRAIL, ACCOUNT, "PASS", "eu-west-1"),
    ("aws_iam_root_mfa", ROOT, "ERROR", None),
    (VERSIONING, bucket("ops-new"), "FAIL", "us-east-1"),  # a new resource, failing
    (ENCRYPTION, bucket("ops-new"), "PASS", "us-east-1"),
]


def _collect(
    est: Estate, label: str, integration: str, recs: list[EvidenceRecord], *, at: datetime
) -> str:
    """A COMPLETED collection of ready-made records through the real write path
    (``Estate.collect`` makes its records from specs; some tests change a record first)."""
    job_id = str(uuid.uuid4())
    integration_id = est.integrations[integration]
    est.store.jobs.start(
        job_id=job_id, integration_id=integration_id, trigger="test", started_at=to_iso(at)
    )
    with est.store.transaction():
        est.store.evidence.insert_many(
            recs, job_id=job_id, integration_id=integration_id, collected_at=to_iso(at)
        )
        est.store.jobs.finish(
            job_id,
            status="COMPLETED",
            counts=dict(Counter(r.status for r in recs)),
            finished_at=to_iso(at + timedelta(minutes=5)),
        )
    est.jobs[label] = job_id
    est.items[label] = recs
    return job_id


@pytest.fixture
def ops(estate: Estate) -> Estate:
    """The estate plus "ops": BEFORE, then a FAILED collection (ignored), then AFTER."""
    estate.integration("ops")
    estate.collect("ops-before", "ops", BEFORE, at=day_at(1, 12))
    estate.collect(
        "ops-failed",
        "ops",
        [(ROTATION, user("alice"), "PASS", None)],
        at=day_at(1, 13),
        status="FAILED",
    )
    estate.collect("ops-after", "ops", AFTER, at=day_at(1, 14))
    return estate


def _record(
    est: Estate, label: str, check_id: str, resource_id: str, region: str | None = None
) -> EvidenceRecord:
    return next(
        r
        for r in est.items[label]
        if (r.check_id, r.resource_id, r.region) == (check_id, resource_id, region)
    )


def _keys(items: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(i["checkId"], i["resourceId"], i["region"]) for i in items]


def test_every_kind_of_change_against_the_previous_finished_collection(ops: Estate) -> None:
    changes = job_changes(ops.store, ops.jobs["ops-after"])
    assert changes["job"]["id"] == ops.jobs["ops-after"]
    # The FAILED collection in between is not a finished one: BEFORE is the previous.
    assert changes["previousJob"] is not None
    assert changes["previousJob"]["id"] == ops.jobs["ops-before"]
    assert changes["first"] is False and changes["integrationName"] == "ops"
    assert changes["counts"] == {
        "newlyFailing": 4,
        "fixed": 2,
        "newResources": 1,
        "vanishedResources": 1,
        "startedErroring": 1,
        "excepted": 0,
    }
    # Severity first (high, medium, low), then check id, then resource.
    assert _keys(changes["newlyFailing"]) == [
        (TRAIL, ACCOUNT, "us-east-1"),
        (ROTATION, user("alice"), None),
        (ROTATION, user("carol"), None),
        (VERSIONING, bucket("ops-new"), "us-east-1"),
    ]
    assert [(i["severity"], i["previousStatus"], i["status"]) for i in changes["newlyFailing"]] == [
        ("high", "PASS", "FAIL"),
        ("medium", "PASS", "FAIL"),
        ("medium", "WARNING", "FAIL"),
        ("low", None, "FAIL"),
    ]
    alice = changes["newlyFailing"][1]
    assert alice["evidenceId"] == _record(ops, "ops-after", ROTATION, user("alice")).id
    assert alice["previousEvidenceId"] == _record(ops, "ops-before", ROTATION, user("alice")).id
    assert alice["title"] == "Access keys are rotated within 90 days"
    assert alice["accountId"] is None  # "ops" records no account (the estate's rule)
    assert changes["newlyFailing"][3]["previousEvidenceId"] is None

    assert _keys(changes["fixed"]) == [
        (TRAIL, ACCOUNT, "eu-west-1"),
        (ENCRYPTION, bucket("ops-a"), "us-east-1"),
    ]
    fixed = changes["fixed"][1]
    assert (fixed["previousStatus"], fixed["status"]) == ("FAIL", "PASS")
    assert (
        fixed["evidenceId"]
        == _record(ops, "ops-after", ENCRYPTION, bucket("ops-a"), "us-east-1").id
    )
    assert (
        fixed["previousEvidenceId"]
        == _record(ops, "ops-before", ENCRYPTION, bucket("ops-a"), "us-east-1").id
    )

    (erroring,) = changes["startedErroring"]
    assert erroring["checkId"] == "aws_iam_root_mfa" and erroring["severity"] == "critical"
    assert erroring["errors"] == 1
    assert erroring["evidenceId"] == _record(ops, "ops-after", "aws_iam_root_mfa", ROOT).id

    (new,) = changes["newResources"]
    assert (new["resourceId"], new["items"], new["failing"]) == (bucket("ops-new"), 2, 1)
    assert new["evidenceId"] in {r.id for r in ops.items["ops-after"]}
    (gone,) = changes["vanishedResources"]
    assert (gone["resourceId"], gone["items"], gone["failing"]) == (bucket("ops-old"), 1, 1)
    assert (
        gone["evidenceId"]
        == _record(ops, "ops-before", VERSIONING, bucket("ops-old"), "us-east-1").id
    )


def test_the_estate_history_collection_by_collection(estate: Estate) -> None:
    first = job_changes(estate.store, estate.jobs["prod-3"])
    assert first["first"] is True and first["previousJob"] is None
    # The first collection: every FAIL item is new, worst severity first, then check id.
    assert _keys(first["newlyFailing"]) == [
        ("aws_iam_root_mfa", ROOT, None),
        ("aws_ec2_sg_no_ssh_world", "sg-0bbb2222", "eu-west-1"),
        (ENCRYPTION, bucket("acme-tmp-scratch"), "eu-west-1"),
    ]
    assert all(i["previousStatus"] is None for i in first["newlyFailing"])
    assert first["counts"]["newResources"] == len({r.resource_id for r in estate.items["prod-3"]})
    assert first["counts"]["vanishedResources"] == 0 and first["fixed"] == []

    second = job_changes(estate.store, estate.jobs["prod-2"])
    assert _keys(second["newlyFailing"]) == [(ENCRYPTION, bucket("acme-data"), "eu-west-1")]
    assert [c["checkId"] for c in second["startedErroring"]] == [TRAIL]
    third = job_changes(estate.store, estate.jobs["prod-1"])
    assert _keys(third["newlyFailing"]) == [(ROTATION, user("bob"), None)]
    assert third["startedErroring"] == []  # still erroring is not "started"
    assert third["previousJob"] is not None and third["previousJob"]["id"] == estate.jobs["prod-2"]


def test_latest_is_the_most_recently_finished_collection(estate: Estate) -> None:
    # prod's FAILED job finished later and acme's RUNNING job is newer: neither counts.
    assert job_changes(estate.store)["job"]["id"] == estate.jobs["prod-1"]
    assert job_changes(estate.store, "latest")["job"]["id"] == estate.jobs["prod-1"]
    acme = job_changes(estate.store, integration=estate.integrations["acme"][:8])
    assert acme["job"]["id"] == estate.jobs["acme-2"] and acme["first"] is True
    assert _keys(acme["newlyFailing"]) == [
        ("github_repo_default_branch_protected", "acme/api", None)
    ]
    # A job given by a unique prefix, as tables print them.
    assert (
        job_changes(estate.store, estate.jobs["prod-2"][:8])["job"]["id"] == estate.jobs["prod-2"]
    )
    # A removed integration's job is still reachable by id, never as "latest".
    legacy = job_changes(estate.store, estate.jobs["legacy-3"])
    assert legacy["counts"]["newlyFailing"] == 1


def test_an_excepted_failure_is_left_out_and_counted(ops: Estate) -> None:
    now = day_at(0)
    exceptions.add_exception(
        ops.store,
        check_id=ROTATION,
        resource=f"arn:aws:iam::{ACCOUNT}:user/a*",
        reason="keys rotate with the next release",
        owner="sec@example.com",
        expires=(now + timedelta(days=30)).date().isoformat(),
        now=now,
    )
    changes = job_changes(ops.store, ops.jobs["ops-after"], now=now)
    assert (ROTATION, user("alice"), None) not in _keys(changes["newlyFailing"])
    assert (ROTATION, user("carol"), None) in _keys(changes["newlyFailing"])
    assert changes["counts"]["newlyFailing"] == 3 and changes["counts"]["excepted"] == 1
    # Once the exception has expired the failure is reported again.
    later = job_changes(ops.store, ops.jobs["ops-after"], now=now + timedelta(days=60))
    assert later["counts"]["newlyFailing"] == 4 and later["counts"]["excepted"] == 0


def test_a_severity_recorded_differently_keeps_the_identity(estate: Estate) -> None:
    """A catalogue edit between two collections changed a check's severity: its items are still
    the same items (not newly failing again), and a fix is still a fix."""
    estate.integration("sev")
    before = records([(ROTATION, user("x"), "FAIL", None), (ROTATION, user("y"), "FAIL", None)])
    after = [
        dataclasses.replace(r, severity="critical")
        for r in records([(ROTATION, user("x"), "FAIL", None), (ROTATION, user("y"), "PASS", None)])
    ]
    _collect(estate, "sev-1", "sev", before, at=day_at(1, 16))
    job = _collect(estate, "sev-2", "sev", after, at=day_at(1, 17))
    changes = changes_for_job(estate.store, job)
    assert changes["counts"]["newlyFailing"] == 0
    assert _keys(changes["fixed"]) == [(ROTATION, user("y"), None)]
    assert changes["fixed"][0]["severity"] == "critical"


def test_limit_cuts_each_list_but_never_the_counts(ops: Estate) -> None:
    changes = job_changes(ops.store, ops.jobs["ops-after"], limit=1)
    assert changes["limit"] == 1
    assert len(changes["newlyFailing"]) == 1 and changes["counts"]["newlyFailing"] == 4
    assert len(changes["fixed"]) == 1 and changes["counts"]["fixed"] == 2
    assert _keys(changes["newlyFailing"]) == [(TRAIL, ACCOUNT, "us-east-1")]
    assert job_changes(ops.store, ops.jobs["ops-after"], limit="2")["limit"] == 2
    for bad in (0, 1001, "many"):
        with pytest.raises(InvalidInput, match="--limit"):
            job_changes(ops.store, ops.jobs["ops-after"], limit=bad)


def test_jobs_that_cannot_be_compared_say_why(estate: Estate) -> None:
    with pytest.raises(NotFound, match="no collection job"):
        job_changes(estate.store, "00000000-0000-0000-0000-000000000000")
    for label, status in (("acme-running", "RUNNING"), ("prod-failed", "FAILED")):
        with pytest.raises(InvalidInput, match=f"is {status}"):
            job_changes(estate.store, estate.jobs[label])
    with pytest.raises(InvalidInput, match="is a collection of prod, not of acme"):
        job_changes(estate.store, estate.jobs["prod-1"], integration=estate.integrations["acme"])
    with pytest.raises(NotFound, match="no integration"):
        job_changes(estate.store, integration="nope-nope")
    estate.integration("idle")
    with pytest.raises(NotFound, match="no finished collection of idle yet"):
        job_changes(estate.store, integration=estate.integrations["idle"])


def test_an_empty_store_has_nothing_to_compare(settings: Settings) -> None:
    with (
        open_store(settings) as store,
        pytest.raises(NotFound, match="no finished collection yet"),
    ):
        job_changes(store)
