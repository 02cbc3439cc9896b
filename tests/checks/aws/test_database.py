"""Database checks: RDS exposure, encryption, backups, Multi-AZ, deletion protection, log exports,
tags on snapshots; DynamoDB PITR."""

from __future__ import annotations

import pytest

from sentinel_cli.checks.base import ERROR, FAIL, PASS

from .builders import (
    REGION,
    cluster_arn,
    db_arn,
    db_cluster,
    db_instance,
    error,
    inventory,
    table,
    table_arn,
)

# (check id, the field it reads, a failing value)
RDS_CHECKS = [
    ("aws_rds_not_public", "PubliclyAccessible", True),
    ("aws_rds_encrypted", "StorageEncrypted", False),
    ("aws_rds_backup", "BackupRetentionPeriod", 0),
    ("aws_rds_multi_az", "MultiAZ", False),
    ("aws_rds_deletion_protection", "DeletionProtection", False),
]


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


@pytest.mark.parametrize(("check_id", "field", "bad"), RDS_CHECKS)
def test_rds_pass_and_fail(run_check, check_id, field, bad):
    dbs = {REGION: [db_instance("good"), db_instance("bad", **{field: bad})]}
    results = run_check(check_id, inventory(db_instances=dbs))
    assert _ids(results) == [(PASS, db_arn("good")), (FAIL, db_arn("bad"))]
    assert results[1].resource_type == "rds-instance"
    assert results[1].data[field] == bad


@pytest.mark.parametrize(("check_id", "field", "bad"), RDS_CHECKS)
def test_rds_edge_failed_region_and_missing_arn(run_check, check_id, field, bad):
    db = db_instance("noarn", **{field: bad})
    del db["DBInstanceArn"]
    # eu-west-1's listing failed: the collector stores no data there and records the error.
    inv = inventory(db_instances={REGION: [db]}, errors=(error("db_instances", "eu-west-1"),))
    assert _ids(run_check(check_id, inv)) == [(FAIL, db_arn("noarn"))]


@pytest.mark.parametrize("check_id", ["aws_rds_multi_az", "aws_rds_deletion_protection"])
def test_rds_edge_aurora_skipped(run_check, check_id):
    aurora = db_instance(
        "aur-1", Engine="aurora-postgresql", MultiAZ=False, DeletionProtection=False
    )
    assert run_check(check_id, inventory(db_instances={REGION: [aurora]})) == []


CLUSTER_CHECKS = [
    ("aws_rds_multi_az", "MultiAZ"),
    ("aws_rds_deletion_protection", "DeletionProtection"),
]


@pytest.mark.parametrize(("check_id", "field"), CLUSTER_CHECKS)
def test_clusters_pass_and_fail_and_their_aurora_instances_are_not_judged(
    run_check, check_id, field
):
    clusters = {REGION: [db_cluster("good"), db_cluster("bad", **{field: False})]}
    members = [
        db_instance("good-1", Engine="aurora-postgresql", **{field: False}),
        db_instance("bad-1", Engine="aurora-postgresql", **{field: False}),
    ]
    results = run_check(check_id, inventory(db_clusters=clusters, db_instances={REGION: members}))
    assert _ids(results) == [(PASS, cluster_arn("good")), (FAIL, cluster_arn("bad"))]
    assert {r.resource_type for r in results} == {"rds-cluster"}
    assert results[1].data[field] is False and results[1].data["DBClusterMembers"] == ["bad-1"]


@pytest.mark.parametrize(("check_id", "field"), CLUSTER_CHECKS)
def test_clusters_edge_missing_field_missing_arn_and_failed_listing(run_check, check_id, field):
    """A cluster without the field is not protected; without an ARN one is built; a region whose
    cluster listing failed is not judged (the runner reports the ERROR)."""
    bare = db_cluster("bare")
    del bare[field], bare["DBClusterArn"]
    inv = inventory(
        db_clusters={REGION: [bare]},
        db_instances={REGION: [db_instance("plain")]},
        errors=(error("db_clusters", "eu-west-1"),),
    )
    assert _ids(run_check(check_id, inv)) == [(PASS, db_arn("plain")), (FAIL, cluster_arn("bare"))]


def test_rds_backup_edge_missing_retention(run_check):
    db = db_instance("x")
    del db["BackupRetentionPeriod"]
    assert _ids(run_check("aws_rds_backup", inventory(db_instances={REGION: [db]}))) == [
        (FAIL, db_arn("x"))
    ]


# ---- aws_rds_log_exports / aws_rds_copy_tags_to_snapshots ----------------------------------

# (check id, field, failing value, passing message of instance "good", failing message of "bad")
CLUSTER_SETTING_CHECKS = [
    (
        "aws_rds_log_exports",
        "EnabledCloudwatchLogsExports",
        [],
        "DB instance good exports postgresql logs to CloudWatch Logs.",
        "DB instance bad exports no logs to CloudWatch Logs.",
    ),
    (
        "aws_rds_copy_tags_to_snapshots",
        "CopyTagsToSnapshot",
        False,
        "DB instance good copies its tags to snapshots.",
        "DB instance bad does not copy its tags to snapshots.",
    ),
]


@pytest.mark.parametrize(
    ("check_id", "field", "bad", "ok_text", "bad_text"), CLUSTER_SETTING_CHECKS
)
def test_rds_settings_pass_and_fail(run_check, check_id, field, bad, ok_text, bad_text):
    dbs = {REGION: [db_instance("good"), db_instance("bad", **{field: bad})]}
    clusters = {REGION: [db_cluster("c-good"), db_cluster("c-bad", **{field: bad})]}
    results = run_check(check_id, inventory(db_instances=dbs, db_clusters=clusters))
    assert _ids(results) == [
        (PASS, db_arn("good")),
        (FAIL, db_arn("bad")),
        (PASS, cluster_arn("c-good")),
        (FAIL, cluster_arn("c-bad")),
    ]
    assert [r.message for r in results[:2]] == [ok_text, bad_text]
    assert results[3].message.startswith("DB cluster c-bad ")


@pytest.mark.parametrize(
    ("check_id", "field", "bad", "ok_text", "bad_text"), CLUSTER_SETTING_CHECKS
)
def test_rds_settings_edge_cluster_members_and_missing_field(
    run_check, check_id, field, bad, ok_text, bad_text
):
    member = db_instance(
        "member", DBClusterIdentifier="multi-az", Engine="postgres", **{field: bad}
    )
    aurora = db_instance("aurora-1", Engine="aurora-mysql", **{field: bad})
    bare = db_instance("bare")
    del bare[field]  # never set: a FAIL, not a crash
    results = run_check(check_id, inventory(db_instances={REGION: [member, aurora, bare]}))
    assert _ids(results) == [(FAIL, db_arn("bare"))]  # members are judged on their cluster


def test_rds_log_exports_lists_every_exported_log(run_check):
    db = db_instance("mysql", Engine="mysql", EnabledCloudwatchLogsExports=["audit", "error"])
    [result] = run_check("aws_rds_log_exports", inventory(db_instances={REGION: [db]}))
    assert result.message == "DB instance mysql exports audit, error logs to CloudWatch Logs."


# ---- aws_dynamodb_pitr ---------------------------------------------------------------------


def test_dynamodb_pitr(run_check):
    tables = {REGION: [table("orders"), table("sessions", "DISABLED")]}
    assert _ids(run_check("aws_dynamodb_pitr", inventory(dynamodb_tables=tables))) == [
        (PASS, table_arn("orders")),
        (FAIL, table_arn("sessions")),
    ]


def test_dynamodb_pitr_edge_not_collected(run_check):
    tables = {REGION: [table("unknown", None)]}
    assert _ids(run_check("aws_dynamodb_pitr", inventory(dynamodb_tables=tables))) == [
        (ERROR, table_arn("unknown"))
    ]


def test_dynamodb_pitr_edge_describe_denied(run_check):
    denied = {
        **table("locked", None),
        "SentinelErrors": {"SentinelPitr": "dynamodb:DescribeContinuousBackups: AccessDenied"},
    }
    inv = inventory(
        dynamodb_tables={REGION: [table("ok"), denied]},
        errors=(error("dynamodb_tables", REGION),),
    )
    results = run_check("aws_dynamodb_pitr", inv)
    assert _ids(results) == [(PASS, table_arn("ok")), (ERROR, table_arn("locked"))]
    assert "AccessDenied" in results[1].message
