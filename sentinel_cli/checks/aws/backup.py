"""AWS Backup checks: a backup plan exists where data lives, and each data store is protected.

The table's single "backup plans" row mixes two questions of different weight, so it is split: a
regional plan check (its id kept) and a per-resource protection check. "Data stores" here are the
RDS instances and DynamoDB tables in the inventory; Aurora instances are protected through their
cluster, so a protected cluster ARN counts for its instances.

Regions with neither a plan nor a data store get no plan result: an empty region needs no plan and
saying FAIL there would only add noise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import arn, region_collected, regional
from sentinel_cli.checks.base import FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory


def _data_stores(inv: AwsInventory, region: str) -> list[tuple[str, str, str, list[str]]]:
    """(arn, resource_type, name, ARNs that count as its protection) per data store in a region."""
    stores: list[tuple[str, str, str, list[str]]] = []
    if region_collected(inv, "db_instances", region):
        for db in inv.db_instances[region] or []:
            ident = str(db.get("DBInstanceIdentifier"))
            db_arn = str(
                db.get("DBInstanceArn") or arn("rds", region, inv.account_id, f"db:{ident}")
            )
            accepted = [db_arn]
            if db.get("DBClusterIdentifier"):
                accepted.append(
                    arn("rds", region, inv.account_id, f"cluster:{db['DBClusterIdentifier']}")
                )
            stores.append((db_arn, "rds-instance", ident, accepted))
    if region_collected(inv, "dynamodb_tables", region):
        for table in inv.dynamodb_tables[region] or []:
            name = str(table.get("TableName"))
            table_arn = str(
                table.get("TableArn") or arn("dynamodb", region, inv.account_id, f"table/{name}")
            )
            stores.append((table_arn, "dynamodb-table", name, [table_arn]))
    return stores


def _plan_names(plans: list[Mapping[str, Any]]) -> list[str]:
    return [str(p.get("BackupPlanName")) for p in plans if not p.get("DeletionDate")]


@check("aws_backup_plans")
def backup_plans(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Per region holding data stores or plans: at least one (non-deleted) AWS Backup plan."""
    account, kind = inv.account_resource
    for region, plans in regional(inv, "backup_plans"):
        names = _plan_names(plans or [])
        stores = _data_stores(inv, region)
        if not names and not stores:
            continue
        if names:
            status, message = PASS, f"AWS Backup plan {names[0]} exists in {region}."
        else:
            status = FAIL
            message = f"No AWS Backup plan in {region}, which holds {len(stores)} data store(s)."
        yield CheckResult(
            "aws_backup_plans",
            status,
            account,
            kind,
            message,
            region=region,
            data={"backupPlans": names, "dataStores": len(stores)},
        )


@check("aws_backup_data_stores_protected")
def backup_data_stores_protected(
    inv: AwsInventory, settings: CheckSettings
) -> Iterator[CheckResult]:
    """Each RDS instance and DynamoDB table has a recovery point in AWS Backup."""
    for region, protected in regional(inv, "backup_protected_resources"):
        covered = {str(r.get("ResourceArn")) for r in protected or []}
        for store_arn, kind, name, accepted in _data_stores(inv, region):
            hit = next((a for a in accepted if a in covered), None)
            yield CheckResult(
                "aws_backup_data_stores_protected",
                PASS if hit else FAIL,
                store_arn,
                kind,
                f"{name} is protected by AWS Backup."
                if hit
                else f"{name} has no recovery point in AWS Backup.",
                region=region,
                data={"name": name, "protectedAs": hit},
            )
