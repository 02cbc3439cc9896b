"""Regional data-store and encryption evidence: RDS instances and clusters, KMS, ACM, Secrets
Manager, DynamoDB, Backup.

KMS: ``ListKeys`` returns AWS-managed keys too, and only ``DescribeKey`` tells them apart, so every
key is described once; rotation is asked only of customer-managed symmetric AWS_KMS keys that are
enabled or disabled (the only ones for which AWS supports automatic rotation; for the others
``SentinelRotationEnabled`` is None), and every customer-managed key's policy is read once
(``GetKeyPolicy``), for the check of policies open to every principal. ACM lists every key type, not just RSA-2048 (the API's
default filter). As elsewhere, a per-resource failure marks the resource and is reported once per
region and call.
"""

from __future__ import annotations

import json
from typing import Any

from sentinel_cli.collectors.aws.engine import Collection, FetchFailed

ACM_KEY_TYPES = (
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
)
_ROTATABLE_STATES = ("Enabled", "Disabled")


def fetch_rds(ctx: Collection, region: str) -> None:
    rds = ctx.client("rds", region)
    with ctx.piece("db_instances", region):
        found = ctx.items("db_instances", region, rds, "describe_db_instances", "DBInstances")
        ctx.put("db_instances", found, region)
    with ctx.piece("db_clusters", region):
        # Aurora keeps availability and deletion protection on the cluster, not its instances.
        clusters = ctx.items("db_clusters", region, rds, "describe_db_clusters", "DBClusters")
        ctx.put("db_clusters", clusters, region)


def fetch_kms(ctx: Collection, region: str) -> None:
    kms = ctx.client("kms", region)
    with ctx.piece("kms_keys", region):
        keys: list[dict[str, Any]] = []
        for listed in ctx.items("kms_keys", region, kms, "list_keys", "Keys"):
            try:
                meta = (
                    ctx.call("kms_keys", region, kms, "describe_key", KeyId=listed["KeyId"]) or {}
                ).get("KeyMetadata") or {}
            except FetchFailed:
                continue  # recorded; the key may be AWS-managed, so it is not listed as a stub
            if meta.get("KeyManager") != "CUSTOMER":
                continue
            meta["SentinelRotationEnabled"] = None
            if (
                meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
                and meta.get("Origin", "AWS_KMS") == "AWS_KMS"
                and meta.get("KeyState") in _ROTATABLE_STATES
            ):
                try:
                    status = ctx.call(
                        "kms_keys", region, kms, "get_key_rotation_status", KeyId=meta["KeyId"]
                    )
                    meta["SentinelRotationEnabled"] = bool((status or {}).get("KeyRotationEnabled"))
                except FetchFailed as exc:
                    meta["SentinelErrors"] = {"SentinelRotationEnabled": str(exc)}
            meta["SentinelPolicy"] = _key_policy(ctx, kms, region, meta)
            keys.append(meta)
        ctx.put("kms_keys", keys, region)


def _key_policy(ctx: Collection, kms: Any, region: str, meta: dict[str, Any]) -> Any:
    """The key's policy as a dict (``default`` is the only policy name KMS has); None on failure,
    which is then recorded in the key's ``SentinelErrors`` and once for the region."""
    try:
        resp = ctx.call(
            "kms_keys", region, kms, "get_key_policy", KeyId=meta["KeyId"], PolicyName="default"
        )
    except FetchFailed as exc:
        meta.setdefault("SentinelErrors", {})["SentinelPolicy"] = str(exc)
        return None
    text = (resp or {}).get("Policy")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        meta.setdefault("SentinelErrors", {})["SentinelPolicy"] = "the key policy is not JSON"
        return None


def fetch_acm(ctx: Collection, region: str) -> None:
    acm = ctx.client("acm", region)
    with ctx.piece("certificates", region):
        certs: list[dict[str, Any]] = []
        summaries = ctx.items(
            "certificates",
            region,
            acm,
            "list_certificates",
            "CertificateSummaryList",
            Includes={"keyTypes": list(ACM_KEY_TYPES)},
        )
        for summary in summaries:
            arn = summary["CertificateArn"]
            try:
                got = ctx.call(
                    "certificates", region, acm, "describe_certificate", CertificateArn=arn
                )
                certs.append((got or {}).get("Certificate") or {"CertificateArn": arn})
            except FetchFailed as exc:
                certs.append({**summary, "SentinelErrors": {"Certificate": str(exc)}})
        ctx.put("certificates", certs, region)


def fetch_secrets(ctx: Collection, region: str) -> None:
    sm = ctx.client("secretsmanager", region)
    with ctx.piece("secrets", region):
        ctx.put("secrets", ctx.items("secrets", region, sm, "list_secrets", "SecretList"), region)


def fetch_dynamodb(ctx: Collection, region: str) -> None:
    ddb = ctx.client("dynamodb", region)
    with ctx.piece("dynamodb_tables", region):
        partition = ctx.partition(region)
        tables: list[dict[str, Any]] = []
        for name in ctx.items("dynamodb_tables", region, ddb, "list_tables", "TableNames"):
            table: dict[str, Any] = {
                "TableName": name,
                "TableArn": f"arn:{partition}:dynamodb:{region}:{ctx.account_id}:table/{name}",
            }
            try:
                got = (
                    ctx.call(
                        "dynamodb_tables",
                        region,
                        ddb,
                        "describe_continuous_backups",
                        TableName=name,
                    )
                    or {}
                )
                pitr = (got.get("ContinuousBackupsDescription") or {}).get(
                    "PointInTimeRecoveryDescription"
                ) or {}
                table["SentinelPitr"] = pitr.get("PointInTimeRecoveryStatus", "DISABLED")
            except FetchFailed as exc:
                table["SentinelPitr"] = None
                table["SentinelErrors"] = {"SentinelPitr": str(exc)}
            tables.append(table)
        ctx.put("dynamodb_tables", tables, region)


def fetch_backup(ctx: Collection, region: str) -> None:
    backup = ctx.client("backup", region)
    with ctx.piece("backup_plans", region):
        plans = ctx.items("backup_plans", region, backup, "list_backup_plans", "BackupPlansList")
        ctx.put("backup_plans", plans, region)
    with ctx.piece("backup_protected_resources", region):
        found = ctx.items(
            "backup_protected_resources", region, backup, "list_protected_resources", "Results"
        )
        ctx.put("backup_protected_resources", found, region)
