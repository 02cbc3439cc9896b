"""Database checks: RDS exposure, encryption, backups, availability, log exports, tags on
snapshots, and DynamoDB recovery.

Aurora keeps availability (a replica in another zone) and deletion protection on the *cluster*;
its instances' ``MultiAZ`` and ``DeletionProtection`` fields do not reflect them. So the multi-AZ
and deletion-protection checks judge non-Aurora instances on their own fields and every DB
cluster (``describe_db_clusters``) on the cluster's, and skip Aurora instances.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sentinel_cli.checks.aws._util import arn, joined_setting, regional
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory


@dataclass(frozen=True)
class _RdsKind:
    """Where one kind of RDS resource sits in the inventory and how its evidence is named."""

    source: str
    id_key: str
    arn_key: str
    arn_prefix: str
    resource_type: str
    members_key: str | None = None


INSTANCES = _RdsKind("db_instances", "DBInstanceIdentifier", "DBInstanceArn", "db", "rds-instance")
CLUSTERS = _RdsKind(
    "db_clusters",
    "DBClusterIdentifier",
    "DBClusterArn",
    "cluster",
    "rds-cluster",
    "DBClusterMembers",
)


def _is_aurora(db: Mapping[str, Any]) -> bool:
    return str(db.get("Engine", "")).startswith("aurora")


def _per_resource(
    inv: AwsInventory,
    kind: _RdsKind,
    check_id: str,
    field: str,
    verdict: Callable[[Mapping[str, Any]], tuple[bool, str]],
    *,
    skip: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Iterator[CheckResult]:
    """One result per instance or cluster from ``verdict(item) -> (ok, message)``, ``field`` (and
    a cluster's member instances) as data."""
    for region, items in regional(inv, kind.source, partial_ok=True):
        for item in items or []:
            if skip is not None and skip(item):
                continue
            name = item.get(kind.id_key)
            ok, message = verdict(item)
            data = {kind.id_key: name, "Engine": item.get("Engine"), field: item.get(field)}
            if kind.members_key is not None:
                data[kind.members_key] = [
                    m.get("DBInstanceIdentifier") for m in item.get(kind.members_key) or []
                ]
            resource = item.get(kind.arn_key) or arn(
                "rds", region, inv.account_id, f"{kind.arn_prefix}:{name}"
            )
            yield CheckResult(
                check_id,
                PASS if ok else FAIL,
                str(resource),
                kind.resource_type,
                message,
                region=region,
                data=data,
            )


@check("aws_rds_not_public")
def rds_not_public(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    def verdict(db: Mapping[str, Any]) -> tuple[bool, str]:
        name = db.get("DBInstanceIdentifier")
        if db.get("PubliclyAccessible"):
            return False, f"DB instance {name} is publicly accessible."
        return True, f"DB instance {name} is not publicly accessible."

    yield from _per_resource(inv, INSTANCES, "aws_rds_not_public", "PubliclyAccessible", verdict)


@check("aws_rds_encrypted")
def rds_encrypted(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    def verdict(db: Mapping[str, Any]) -> tuple[bool, str]:
        name = db.get("DBInstanceIdentifier")
        if db.get("StorageEncrypted"):
            return True, f"DB instance {name} encrypts its storage."
        return False, f"DB instance {name} stores data unencrypted."

    yield from _per_resource(inv, INSTANCES, "aws_rds_encrypted", "StorageEncrypted", verdict)


@check("aws_rds_backup")
def rds_backup(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Automated backups are on: a BackupRetentionPeriod of 0 disables them."""

    def verdict(db: Mapping[str, Any]) -> tuple[bool, str]:
        name = db.get("DBInstanceIdentifier")
        days = db.get("BackupRetentionPeriod") or 0
        if days > 0:
            return True, f"DB instance {name} keeps automated backups for {days} day(s)."
        return False, f"DB instance {name} has automated backups disabled."

    yield from _per_resource(inv, INSTANCES, "aws_rds_backup", "BackupRetentionPeriod", verdict)


@check("aws_rds_multi_az")
def rds_multi_az(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    def verdict(db: Mapping[str, Any]) -> tuple[bool, str]:
        name = db.get("DBInstanceIdentifier")
        if db.get("MultiAZ"):
            return True, f"DB instance {name} is deployed across availability zones."
        return False, f"DB instance {name} runs in a single availability zone."

    def cluster_verdict(cluster: Mapping[str, Any]) -> tuple[bool, str]:
        name = cluster.get("DBClusterIdentifier")
        if cluster.get("MultiAZ"):
            return True, f"DB cluster {name} has instances in more than one availability zone."
        return False, (
            f"DB cluster {name} has no instance in a second availability zone: a zone outage "
            "stops it until a new instance is created."
        )

    yield from _per_resource(
        inv, INSTANCES, "aws_rds_multi_az", "MultiAZ", verdict, skip=_is_aurora
    )
    yield from _per_resource(inv, CLUSTERS, "aws_rds_multi_az", "MultiAZ", cluster_verdict)


@check("aws_rds_deletion_protection")
def rds_deletion_protection(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    def verdict(db: Mapping[str, Any]) -> tuple[bool, str]:
        name = db.get("DBInstanceIdentifier")
        if db.get("DeletionProtection"):
            return True, f"DB instance {name} has deletion protection."
        return False, f"DB instance {name} can be deleted without first disabling protection."

    def cluster_verdict(cluster: Mapping[str, Any]) -> tuple[bool, str]:
        name = cluster.get("DBClusterIdentifier")
        if cluster.get("DeletionProtection"):
            return True, f"DB cluster {name} has deletion protection."
        return False, f"DB cluster {name} can be deleted without first disabling protection."

    yield from _per_resource(
        inv,
        INSTANCES,
        "aws_rds_deletion_protection",
        "DeletionProtection",
        verdict,
        skip=_is_aurora,
    )
    yield from _per_resource(
        inv, CLUSTERS, "aws_rds_deletion_protection", "DeletionProtection", cluster_verdict
    )


def _cluster_member(db: Mapping[str, Any]) -> bool:
    """Instances of a cluster (Aurora, Multi-AZ DB clusters) take these settings from the cluster."""
    return bool(db.get("DBClusterIdentifier")) or _is_aurora(db)


def _exports(item: Mapping[str, Any]) -> list[str]:
    return [str(e) for e in item.get("EnabledCloudwatchLogsExports") or []]


@check("aws_rds_log_exports")
def rds_log_exports(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Databases publish at least one engine log (error, audit, general, postgresql ...) to
    CloudWatch Logs, where it is retained and searchable beyond the instance's own short buffer."""

    def verdict_for(label: str, id_key: str) -> Callable[[Mapping[str, Any]], tuple[bool, str]]:
        def verdict(item: Mapping[str, Any]) -> tuple[bool, str]:
            name, logs = item.get(id_key), _exports(item)
            if logs:
                return True, f"{label} {name} exports {', '.join(logs)} logs to CloudWatch Logs."
            return False, f"{label} {name} exports no logs to CloudWatch Logs."

        return verdict

    field = "EnabledCloudwatchLogsExports"
    yield from _per_resource(
        inv,
        INSTANCES,
        "aws_rds_log_exports",
        field,
        verdict_for("DB instance", INSTANCES.id_key),
        skip=_cluster_member,
    )
    yield from _per_resource(
        inv, CLUSTERS, "aws_rds_log_exports", field, verdict_for("DB cluster", CLUSTERS.id_key)
    )


@check("aws_rds_copy_tags_to_snapshots")
def rds_copy_tags_to_snapshots(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Snapshots inherit the database's tags, so ownership, classification and retention tags
    (and tag-based access policies) follow the data into its backups."""

    def verdict_for(label: str, id_key: str) -> Callable[[Mapping[str, Any]], tuple[bool, str]]:
        def verdict(item: Mapping[str, Any]) -> tuple[bool, str]:
            name = item.get(id_key)
            if item.get("CopyTagsToSnapshot"):
                return True, f"{label} {name} copies its tags to snapshots."
            return False, f"{label} {name} does not copy its tags to snapshots."

        return verdict

    field = "CopyTagsToSnapshot"
    yield from _per_resource(
        inv,
        INSTANCES,
        "aws_rds_copy_tags_to_snapshots",
        field,
        verdict_for("DB instance", INSTANCES.id_key),
        skip=_cluster_member,
    )
    yield from _per_resource(
        inv,
        CLUSTERS,
        "aws_rds_copy_tags_to_snapshots",
        field,
        verdict_for("DB cluster", CLUSTERS.id_key),
    )


@check("aws_dynamodb_pitr")
def dynamodb_pitr(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    for region, tables in regional(inv, "dynamodb_tables", partial_ok=True):
        for table in tables or []:
            name = table.get("TableName")
            resource = str(
                table.get("TableArn") or arn("dynamodb", region, inv.account_id, f"table/{name}")
            )
            pitr, problem = joined_setting(table, "SentinelPitr")
            if problem or pitr is None:
                status = ERROR
                message = (
                    f"Could not evaluate table {name}: its backup settings are unavailable "
                    f"({problem or 'none recorded'})."
                )
            elif pitr == "ENABLED":
                status, message = PASS, f"Table {name} has point-in-time recovery enabled."
            else:
                status = FAIL
                message = f"Table {name} has point-in-time recovery {str(pitr).lower()}."
            yield CheckResult(
                "aws_dynamodb_pitr",
                status,
                resource,
                "dynamodb-table",
                message,
                region=region,
                data={"TableName": name, "SentinelPitr": pitr},
            )
