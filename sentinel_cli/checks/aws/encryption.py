"""Encryption and key-management checks: EBS defaults, volumes and snapshots, S3 SSE-KMS, KMS
rotation, CloudWatch Logs keys, ACM certificates, secrets.

Where a customer-managed KMS key is only a stricter option (S3 objects and CloudWatch Logs events
are always encrypted at rest with AWS-owned keys), the KMS checks require it only for what the
settings name (``s3_require_sse_kms`` / ``s3_sse_kms_buckets``, ``logs_require_kms`` /
``logs_kms_groups``); everything else passes with its algorithm on record.

ACM certificates are judged on time left: an expired certificate is a FAIL (clients already reject
it); one expiring within ``acm_expiry_warning_days`` is a WARNING, since it still works and the
finding is inside its remediation window. Secrets Manager rotation counts only when it actually
happened: rotation switched on but not performed within ``secrets_rotation_max_days`` (a failing
rotation Lambda, say) is a FAIL.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import (
    age_days,
    arn,
    bucket_arn,
    bucket_region,
    evaluation_time,
    global_source,
    iso,
    joined_setting,
    matches_any,
    parse_time,
    regional,
    resource_error,
)
from sentinel_cli.checks.base import (
    ERROR,
    FAIL,
    PASS,
    WARNING,
    CheckResult,
    CheckSettings,
    check,
)
from sentinel_cli.inventory.aws import AwsInventory


@check("aws_ebs_default_encryption")
def ebs_default_encryption(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    account, kind = inv.account_resource
    for region, enabled in regional(inv, "ebs_default_encryption"):
        ok = enabled is True
        yield CheckResult(
            "aws_ebs_default_encryption",
            PASS if ok else FAIL,
            account,
            kind,
            f"New EBS volumes in {region} are encrypted by default."
            if ok
            else f"EBS encryption by default is off in {region}.",
            region=region,
            data={"EbsEncryptionByDefault": enabled},
        )


def _key_spec(key: Mapping[str, Any]) -> str:
    return str(key.get("KeySpec") or key.get("CustomerMasterKeySpec") or "")


@check("aws_kms_rotation")
def kms_rotation(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Enabled customer-managed SYMMETRIC_DEFAULT keys with AWS-generated material rotate yearly.

    AWS-managed keys rotate on their own; asymmetric, HMAC, imported (EXTERNAL) and custom key
    store keys cannot use automatic rotation, and disabled or pending-deletion keys protect nothing
    new, so none of those get a result.
    """
    for region, keys in regional(inv, "kms_keys", partial_ok=True):
        for key in keys or []:
            if key.get("KeyManager", "CUSTOMER") != "CUSTOMER":
                continue
            if _key_spec(key) != "SYMMETRIC_DEFAULT" or key.get("KeyState") != "Enabled":
                continue
            if key.get("Origin", "AWS_KMS") != "AWS_KMS":
                continue
            key_id = key.get("KeyId")
            resource = str(key.get("Arn") or arn("kms", region, inv.account_id, f"key/{key_id}"))
            rotation, problem = joined_setting(key, "SentinelRotationEnabled")
            if problem or rotation is None:
                status = ERROR
                message = (
                    f"Could not evaluate key {key_id}: its rotation status is unavailable "
                    f"({problem or 'none recorded'})."
                )
            elif rotation:
                status, message = PASS, f"KMS key {key_id} rotates its key material automatically."
            else:
                status, message = FAIL, f"KMS key {key_id} does not rotate its key material."
            yield CheckResult(
                "aws_kms_rotation",
                status,
                resource,
                "kms-key",
                message,
                region=region,
                data={"KeyId": key_id, "KeySpec": _key_spec(key), "RotationEnabled": rotation},
            )


@check("aws_acm_expiry")
def acm_expiry(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Issued certificates are valid for more than ``acm_expiry_warning_days``.

    Certificates without a NotAfter (pending validation, failed) were never issued and have
    nothing to expire, so they get no result, unless describe_certificate failed for them
    (``SentinelErrors``): then they are ERROR.
    """
    now = evaluation_time(inv, settings)
    limit = settings.acm_expiry_warning_days
    for region, certs in regional(inv, "certificates", partial_ok=True):
        for cert in certs or []:
            not_after = parse_time(cert.get("NotAfter"))
            domain = cert.get("DomainName")
            problem = resource_error(cert)
            if not_after is None and problem:
                yield CheckResult(
                    "aws_acm_expiry",
                    ERROR,
                    str(cert.get("CertificateArn")),
                    "acm-certificate",
                    f"Could not evaluate certificate for {domain}: {problem}.",
                    region=region,
                    data={"DomainName": domain, "error": problem},
                )
                continue
            if not_after is None:
                continue
            days = age_days(now, not_after)
            if days < 0:
                status, message = FAIL, f"Certificate for {domain} expired on {iso(not_after)}."
            elif days <= limit:
                status = WARNING
                message = (
                    f"Certificate for {domain} expires in {int(days)} day(s), on {iso(not_after)}."
                )
            else:
                status, message = PASS, f"Certificate for {domain} is valid until {iso(not_after)}."
            yield CheckResult(
                "aws_acm_expiry",
                status,
                str(cert.get("CertificateArn")),
                "acm-certificate",
                message,
                region=region,
                data={
                    "DomainName": domain,
                    "NotAfter": iso(not_after),
                    "daysLeft": math.floor(days),
                    "Status": cert.get("Status"),
                    "Type": cert.get("Type"),
                    "InUseBy": list(cert.get("InUseBy") or []),
                },
            )


@check("aws_secrets_rotation")
def secrets_rotation(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Secrets rotate automatically and last rotated within ``secrets_rotation_max_days``.

    A secret with rotation on that never rotated is measured from its creation date.
    """
    now = evaluation_time(inv, settings)
    limit = settings.secrets_rotation_max_days
    for region, secrets in regional(inv, "secrets", partial_ok=True):
        for secret in secrets or []:
            name = secret.get("Name")
            resource = str(
                secret.get("ARN") or arn("secretsmanager", region, inv.account_id, f"secret:{name}")
            )
            enabled = bool(secret.get("RotationEnabled"))
            last = parse_time(secret.get("LastRotatedDate")) or parse_time(
                secret.get("CreatedDate")
            )
            data = {
                "Name": name,
                "RotationEnabled": enabled,
                "LastRotatedDate": iso(parse_time(secret.get("LastRotatedDate"))),
                "AutomaticallyAfterDays": (secret.get("RotationRules") or {}).get(
                    "AutomaticallyAfterDays"
                ),
            }
            if not enabled:
                status, message = FAIL, f"Secret {name} has no automatic rotation."
            elif last is None:
                status = ERROR
                message = (
                    f"Could not evaluate: secret {name} has neither a rotation nor a creation date."
                )
            elif age_days(last, now) > limit:
                status = FAIL
                days = int(age_days(last, now))
                message = (
                    f"Secret {name} has rotation on but last rotated {days} days ago "
                    f"(limit {limit})."
                )
            else:
                status = PASS
                message = f"Secret {name} rotates automatically (last on {iso(last)})."
            yield CheckResult(
                "aws_secrets_rotation",
                status,
                resource,
                "secret",
                message,
                region=region,
                data=data,
            )


_KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})


@check("aws_s3_bucket_sse_kms")
def s3_bucket_sse_kms(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Buckets the settings name encrypt new objects with SSE-KMS; the others with any algorithm.

    A bucket without any default encryption rule fails in both cases.
    """
    for bucket in global_source(inv, "buckets") or []:
        name = str(bucket.get("Name"))
        resource, region = bucket_arn(name), bucket_region(bucket)
        config, problem = joined_setting(bucket, "SentinelEncryption")
        if problem:
            yield CheckResult(
                "aws_s3_bucket_sse_kms",
                ERROR,
                resource,
                "s3-bucket",
                f"Could not evaluate bucket {name}: encryption unavailable ({problem}).",
                region=region,
                data={"bucket": name, "error": problem},
            )
            continue
        defaults = [
            rule["ApplyServerSideEncryptionByDefault"]
            for rule in (config or {}).get("Rules") or []
            if rule.get("ApplyServerSideEncryptionByDefault")
        ]
        algorithms = sorted({str(d.get("SSEAlgorithm")) for d in defaults})
        keys = sorted({str(d["KMSMasterKeyID"]) for d in defaults if d.get("KMSMasterKeyID")})
        required = settings.s3_require_sse_kms or matches_any(name, settings.s3_sse_kms_buckets)
        if set(algorithms) & _KMS_ALGORITHMS:
            status = PASS
            key = keys[0] if keys else "the AWS-managed key aws/s3"
            message = f"Bucket {name} encrypts new objects with SSE-KMS ({key})."
        elif not algorithms:
            status, message = FAIL, f"Bucket {name} has no default encryption rule."
        elif required:
            status = FAIL
            message = (
                f"Bucket {name} encrypts with {', '.join(algorithms)}, but the settings require "
                "SSE-KMS for it."
            )
        else:
            status = PASS
            message = (
                f"Bucket {name} encrypts with {', '.join(algorithms)}; the settings do not "
                "require SSE-KMS for it."
            )
        yield CheckResult(
            "aws_s3_bucket_sse_kms",
            status,
            resource,
            "s3-bucket",
            message,
            region=region,
            data={
                "bucket": name,
                "SSEAlgorithms": algorithms,
                "KMSMasterKeyIDs": keys,
                "sseKmsRequired": required,
            },
        )


def _attached_to(volume: Mapping[str, Any]) -> list[str]:
    return sorted(
        str(a["InstanceId"]) for a in volume.get("Attachments") or [] if a.get("InstanceId")
    )


@check("aws_ebs_volume_encrypted")
def ebs_volume_encrypted(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Every EBS volume is encrypted; encryption by default only covers volumes created after it."""
    for region, volumes in regional(inv, "volumes", partial_ok=True):
        for volume in volumes or []:
            if volume.get("State") == "deleted":
                continue
            vid = volume.get("VolumeId")
            attached = _attached_to(volume)
            where = f" (attached to {', '.join(attached)})" if attached else ""
            if volume.get("Encrypted"):
                status, message = PASS, f"Volume {vid}{where} is encrypted."
            else:
                status, message = FAIL, f"Volume {vid}{where} stores data unencrypted."
            yield CheckResult(
                "aws_ebs_volume_encrypted",
                status,
                arn("ec2", region, inv.account_id, f"volume/{vid}"),
                "ebs-volume",
                message,
                region=region,
                data={
                    "volumeId": vid,
                    "Encrypted": bool(volume.get("Encrypted")),
                    "KmsKeyId": volume.get("KmsKeyId"),
                    "State": volume.get("State"),
                    "attachedTo": attached,
                },
            )


@check("aws_ebs_snapshot_encrypted")
def ebs_snapshot_encrypted(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Every snapshot the account owns is encrypted (a snapshot of an unencrypted volume is not)."""
    for region, snapshots in regional(inv, "snapshots", partial_ok=True):
        for snap in snapshots or []:
            sid = snap.get("SnapshotId")
            source = f" of volume {snap['VolumeId']}" if snap.get("VolumeId") else ""
            if snap.get("Encrypted"):
                status, message = PASS, f"Snapshot {sid}{source} is encrypted."
            else:
                status, message = FAIL, f"Snapshot {sid}{source} is not encrypted."
            yield CheckResult(
                "aws_ebs_snapshot_encrypted",
                status,
                arn("ec2", region, str(snap.get("OwnerId") or inv.account_id), f"snapshot/{sid}"),
                "ebs-snapshot",
                message,
                region=region,
                data={
                    "snapshotId": sid,
                    "volumeId": snap.get("VolumeId"),
                    "Encrypted": bool(snap.get("Encrypted")),
                    "KmsKeyId": snap.get("KmsKeyId"),
                },
            )


# Key states in which a key can neither encrypt new data nor, once deleted, decrypt old data.
UNUSABLE_KEY_STATES: dict[str, str] = {
    "PendingDeletion": "scheduled for deletion",
    "PendingReplicaDeletion": "scheduled for deletion",
    "Disabled": "disabled",
    "Unavailable": "unavailable",
}


def _key_problem(key: Mapping[str, Any] | None) -> str | None:
    """Why a known key cannot protect a log group's events, or None when it can (or is unknown)."""
    if key is None:
        return None
    state = str(key.get("KeyState") or "")
    if state not in UNUSABLE_KEY_STATES:
        return None
    when = iso(parse_time(key.get("DeletionDate")))
    return UNUSABLE_KEY_STATES[state] + (f" (deletion on {when})" if when else "")


@check("aws_logs_group_kms")
def logs_group_kms(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Log groups the settings name are encrypted with a KMS key, and no log group's KMS key is
    disabled or scheduled for deletion (CloudWatch Logs then cannot store new events, and the
    stored ones become unreadable once the key is gone). Keys of other accounts are not judged."""
    for region, groups in regional(inv, "log_groups", partial_ok=True):
        keys: dict[str, Mapping[str, Any]] = {}
        for key in inv.kms_keys.get(region) or []:
            keys[str(key.get("Arn"))] = key
            keys[str(key.get("KeyId"))] = key
        for group in groups or []:
            name = str(group.get("logGroupName"))
            resource = group.get("logGroupArn") or str(group.get("arn") or "").removesuffix(":*")
            if not resource:
                resource = arn("logs", region, inv.account_id, f"log-group:{name}")
            key_id = group.get("kmsKeyId")
            required = settings.logs_require_kms or matches_any(name, settings.logs_kms_groups)
            problem = _key_problem(keys.get(str(key_id))) if key_id else None
            if key_id and problem:
                status = FAIL
                message = (
                    f"Log group {name} is encrypted with KMS key {key_id}, which is {problem}: "
                    "its events cannot be written or read without the key."
                )
            elif key_id:
                status, message = PASS, f"Log group {name} is encrypted with KMS key {key_id}."
            elif required:
                status = FAIL
                message = (
                    f"Log group {name} has no KMS key, which the settings require for it "
                    "(CloudWatch Logs' own keys encrypt it)."
                )
            else:
                status = PASS
                message = (
                    f"Log group {name} is encrypted with CloudWatch Logs' own keys; the settings "
                    "do not require a KMS key for it."
                )
            yield CheckResult(
                "aws_logs_group_kms",
                status,
                str(resource),
                "log-group",
                message,
                region=region,
                data={
                    "logGroupName": name,
                    "kmsKeyId": key_id,
                    "keyState": (keys.get(str(key_id)) or {}).get("KeyState") if key_id else None,
                    "kmsRequired": required,
                },
            )
