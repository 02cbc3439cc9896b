"""AWS Backup checks: plans where data lives, and protection of each data store."""

from __future__ import annotations

from sentinel_cli.checks.base import FAIL, PASS

from .builders import ACCOUNT, REGION, db_arn, db_instance, error, inventory, table, table_arn

EU = "eu-west-1"
PLAN = {"BackupPlanId": "p-1", "BackupPlanName": "daily"}


def _regional(results):
    return [(r.status, r.resource_id, r.region) for r in results]


# ---- aws_backup_plans ----------------------------------------------------------------------


def test_backup_plans(run_check):
    inv = inventory(
        backup_plans={EU: [PLAN], REGION: []},
        db_instances={REGION: [db_instance("db1")]},
    )
    assert _regional(run_check("aws_backup_plans", inv)) == [
        (PASS, ACCOUNT, EU),
        (FAIL, ACCOUNT, REGION),
    ]


def test_backup_plans_edge(run_check):
    # An empty region needs no plan; a deleted plan does not count.
    inv = inventory(
        backup_plans={EU: [], REGION: [{**PLAN, "DeletionDate": "2024-01-01T00:00:00Z"}]},
        dynamodb_tables={REGION: [table("t")]},
    )
    assert _regional(run_check("aws_backup_plans", inv)) == [(FAIL, ACCOUNT, REGION)]


# ---- aws_backup_data_stores_protected ------------------------------------------------------


def test_data_stores_protected(run_check):
    inv = inventory(
        db_instances={REGION: [db_instance("db1"), db_instance("db2")]},
        dynamodb_tables={REGION: [table("orders")]},
        backup_protected_resources={
            REGION: [
                {"ResourceArn": db_arn("db1"), "ResourceType": "RDS"},
                {"ResourceArn": table_arn("orders"), "ResourceType": "DynamoDB"},
            ]
        },
    )
    results = run_check("aws_backup_data_stores_protected", inv)
    assert [(r.status, r.resource_id, r.resource_type) for r in results] == [
        (PASS, db_arn("db1"), "rds-instance"),
        (FAIL, db_arn("db2"), "rds-instance"),
        (PASS, table_arn("orders"), "dynamodb-table"),
    ]


def test_data_stores_protected_edge_aurora_cluster(run_check):
    cluster_arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:main"
    inv = inventory(
        db_instances={
            REGION: [db_instance("main-1", Engine="aurora-mysql", DBClusterIdentifier="main")]
        },
        backup_protected_resources={
            REGION: [{"ResourceArn": cluster_arn, "ResourceType": "Aurora"}]
        },
        dynamodb_tables={EU: [table("t")]},
        errors=(error("backup_protected_resources", EU),),
    )
    results = run_check("aws_backup_data_stores_protected", inv)
    assert [(r.status, r.resource_id) for r in results] == [(PASS, db_arn("main-1"))]
    assert results[0].data["protectedAs"] == cluster_arn
