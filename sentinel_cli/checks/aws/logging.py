"""Logging checks: CloudTrail, AWS Config, VPC flow logs and CloudWatch Logs retention.

Audit logging is judged on what AWS reports as *running*, not merely configured: a trail counts
only while ``IsLogging`` is true, a Config recorder only while it records without failing. When a
per-trail detail the verdict needs (trail status, event selectors) is absent from the inventory the
trail is treated as unknown, never as compliant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import (
    age_days,
    any_failed,
    arn,
    bucket_arn,
    bucket_region,
    evaluation_time,
    global_source,
    iso,
    parse_time,
    region_collected,
    regional,
)
from sentinel_cli.checks.aws.storage import bucket_exposure
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory


def _trail_id(trail: Mapping[str, Any]) -> str:
    return str(trail.get("TrailARN") or trail.get("Name"))


def _selectors_cover_management(trail: Mapping[str, Any]) -> tuple[bool | None, str]:
    """Whether the trail records read *and* write management events; None when unknown.

    No selectors at all means CloudTrail's default: every management event. Basic selectors need
    one with management events included and ReadWriteType All. Advanced selectors need one that
    selects ``eventCategory = Management`` without narrowing on ``readOnly``.
    """
    if "SentinelEventSelectors" not in trail or trail["SentinelEventSelectors"] is None:
        return None, "event selectors were not collected"
    selectors = trail["SentinelEventSelectors"]
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if not basic and not advanced:
        return True, "no event selectors (all management events)"
    for sel in basic:
        if sel.get("IncludeManagementEvents", True) and sel.get("ReadWriteType", "All") == "All":
            return True, "event selector includes read and write management events"
    for sel in advanced:
        fields = sel.get("FieldSelectors") or []
        is_management = any(
            f.get("Field") == "eventCategory" and "Management" in (f.get("Equals") or [])
            for f in fields
        )
        narrows = any(f.get("Field") == "readOnly" for f in fields)
        if is_management and not narrows:
            return True, "advanced selector includes read and write management events"
    return False, "event selectors do not record both read and write management events"


@check("aws_cloudtrail_multi_region")
def cloudtrail_multi_region(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Account-level: one multi-region trail or more logs read and write management events.

    Trails are collected per home region; when some region's trails failed and no collected trail
    qualifies, nothing is yielded (the runner's ERROR stands) rather than a FAIL on partial data.
    """
    trails = global_source(inv, "trails")
    if trails is None:
        return
    account, kind = inv.account_resource
    good: list[str] = []
    reasons: dict[str, str] = {}
    unknown = False
    for trail in trails:
        name = _trail_id(trail)
        if not trail.get("IsMultiRegionTrail"):
            reasons[name] = "single-region trail"
            continue
        status = trail.get("SentinelStatus")
        if status is None:
            reasons[name] = "trail status was not collected"
            unknown = True
            continue
        if not status.get("IsLogging"):
            reasons[name] = "logging is stopped"
            continue
        covered, why = _selectors_cover_management(trail)
        reasons[name] = why
        if covered is None:
            unknown = True
        elif covered:
            good.append(name)
    data = {"qualifyingTrails": good, "trails": reasons}
    if not good and any_failed(inv, "trails"):
        # Trails of some region could not be read; one of them might qualify. The runner's
        # ERROR items say which; a FAIL here would be a guess.
        return
    if good:
        status_, message = (
            PASS,
            f"Multi-region trail {good[0]} logs read and write management events.",
        )
    elif unknown:
        status_ = ERROR
        message = (
            "Could not evaluate: status or event selectors of a multi-region trail are missing."
        )
    elif not trails:
        status_, message = FAIL, "The account has no CloudTrail trail."
    else:
        status_ = FAIL
        message = "No multi-region trail is logging read and write management events."
    yield CheckResult("aws_cloudtrail_multi_region", status_, account, kind, message, data=data)


def _per_trail(
    check_id: str, ok: bool, trail: Mapping[str, Any], message: str, data: dict[str, Any]
) -> CheckResult:
    return CheckResult(
        check_id,
        PASS if ok else FAIL,
        _trail_id(trail),
        "cloudtrail-trail",
        message,
        region=trail.get("HomeRegion"),
        data={"trail": trail.get("Name"), **data},
    )


@check("aws_cloudtrail_log_validation")
def cloudtrail_log_validation(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    for trail in global_source(inv, "trails") or []:
        ok = bool(trail.get("LogFileValidationEnabled"))
        name = trail.get("Name")
        yield _per_trail(
            "aws_cloudtrail_log_validation",
            ok,
            trail,
            f"Trail {name} {'validates' if ok else 'does not validate'} log file integrity.",
            {"LogFileValidationEnabled": trail.get("LogFileValidationEnabled", False)},
        )


@check("aws_cloudtrail_kms")
def cloudtrail_kms(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    for trail in global_source(inv, "trails") or []:
        key = trail.get("KmsKeyId")
        name = trail.get("Name")
        yield _per_trail(
            "aws_cloudtrail_kms",
            bool(key),
            trail,
            f"Trail {name} encrypts its logs with KMS key {key}."
            if key
            else f"Trail {name} does not encrypt its logs with a KMS key.",
            {"KmsKeyId": key},
        )


@check("aws_cloudtrail_cloudwatch")
def cloudtrail_cloudwatch(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Each trail sends to CloudWatch Logs, last within ``cloudtrail_delivery_max_age_hours``."""
    trails = global_source(inv, "trails")
    if trails is None:
        return
    now = evaluation_time(inv, settings)
    limit = settings.cloudtrail_delivery_max_age_hours
    for trail in trails:
        name = trail.get("Name")
        group = trail.get("CloudWatchLogsLogGroupArn")
        status = trail.get("SentinelStatus")
        delivered_raw = (status or {}).get("LatestCloudWatchLogsDeliveryTime")
        data = {
            "CloudWatchLogsLogGroupArn": group,
            "LatestCloudWatchLogsDeliveryTime": delivered_raw,
        }
        if not group:
            yield _per_trail(
                "aws_cloudtrail_cloudwatch",
                False,
                trail,
                f"Trail {name} does not send events to CloudWatch Logs.",
                data,
            )
            continue
        if status is None:
            yield CheckResult(
                "aws_cloudtrail_cloudwatch",
                ERROR,
                _trail_id(trail),
                "cloudtrail-trail",
                f"Could not evaluate: the status of trail {name} was not collected.",
                region=trail.get("HomeRegion"),
                data=data,
            )
            continue
        delivered = parse_time(delivered_raw)
        if delivered is None:
            ok, message = False, f"Trail {name} has never delivered events to CloudWatch Logs."
        else:
            hours = age_days(delivered, now) * 24
            ok = hours <= limit
            message = (
                f"Trail {name} last delivered to CloudWatch Logs at {iso(delivered)} "
                f"({'within' if ok else 'more than'} {limit} hours ago)."
            )
        yield _per_trail("aws_cloudtrail_cloudwatch", ok, trail, message, data)


@check("aws_cloudtrail_bucket_private")
def cloudtrail_bucket_private(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """The S3 bucket each trail writes to is not public (same rule as aws_s3_bucket_not_public).

    A trail bucket owned by another account is not in this inventory: that is reported as ERROR
    (cannot be judged here), to be checked in the owning account.
    """
    trails = global_source(inv, "trails")
    buckets = global_source(inv, "buckets")
    if trails is None or buckets is None:
        return
    by_name = {b.get("Name"): b for b in buckets}
    account_known = not inv.failed("account_public_access_block")
    account_pab = inv.account_public_access_block if account_known else None
    done: set[str] = set()
    for trail in trails:
        name = trail.get("S3BucketName")
        if not name or name in done:
            continue
        done.add(name)
        bucket = by_name.get(name)
        if bucket is None:
            yield CheckResult(
                "aws_cloudtrail_bucket_private",
                ERROR,
                bucket_arn(name),
                "s3-bucket",
                f"Could not evaluate: trail bucket {name} is not in this account's bucket list "
                "(owned by another account?).",
                data={"trail": trail.get("Name"), "bucket": name},
            )
            continue
        status, reason, data = bucket_exposure(bucket, account_pab, account_known)
        yield CheckResult(
            "aws_cloudtrail_bucket_private",
            status,
            bucket_arn(name),
            "s3-bucket",
            f"CloudTrail bucket {name} {reason}.",
            region=bucket_region(bucket),
            data={"trail": trail.get("Name"), **data},
        )


@check("aws_config_recorder")
def config_recorder(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Per region: a Config recorder that is recording and whose last delivery did not fail."""
    account, kind = inv.account_resource
    for region, recorders in regional(inv, "config_recorders"):
        summary = []
        healthy = []
        for rec in recorders or []:
            status = rec.get("SentinelStatus") or {}
            last = str(status.get("lastStatus", "")).upper()
            summary.append(
                {
                    "name": rec.get("name"),
                    "recording": status.get("recording"),
                    "lastStatus": status.get("lastStatus"),
                }
            )
            if status.get("recording") is True and last != "FAILURE":
                healthy.append(rec.get("name"))
        if healthy:
            result, message = PASS, f"AWS Config recorder {healthy[0]} is recording in {region}."
        elif recorders:
            result = FAIL
            message = f"The AWS Config recorder in {region} is stopped or failing."
        else:
            result, message = FAIL, f"No AWS Config recorder in {region}."
        yield CheckResult(
            "aws_config_recorder",
            result,
            account,
            kind,
            message,
            region=region,
            data={"recorders": summary},
        )


@check("aws_vpc_flow_logs")
def vpc_flow_logs(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Every VPC has an ACTIVE flow log (of any traffic type and destination)."""
    for region, vpcs in regional(inv, "vpcs", partial_ok=True):
        if not region_collected(inv, "flow_logs", region):
            continue
        logs = inv.flow_logs[region] or []
        for vpc in vpcs or []:
            vpc_id = vpc.get("VpcId")
            owner = vpc.get("OwnerId") or inv.account_id
            mine = [f for f in logs if f.get("ResourceId") == vpc_id]
            active = [f.get("FlowLogId") for f in mine if f.get("FlowLogStatus") == "ACTIVE"]
            if active:
                status, message = PASS, f"VPC {vpc_id} has active flow log {active[0]}."
            elif mine:
                status, message = FAIL, f"VPC {vpc_id} has flow logs but none is active."
            else:
                status, message = FAIL, f"VPC {vpc_id} has no flow logs."
            yield CheckResult(
                "aws_vpc_flow_logs",
                status,
                arn("ec2", region, owner, f"vpc/{vpc_id}"),
                "vpc",
                message,
                region=region,
                data={
                    "vpcId": vpc_id,
                    "flowLogs": [
                        {"FlowLogId": f.get("FlowLogId"), "FlowLogStatus": f.get("FlowLogStatus")}
                        for f in mine
                    ],
                },
            )


@check("aws_logs_retention_365")
def logs_retention(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Log groups keep events ``log_retention_min_days``; no retentionInDays means never expire."""
    limit = settings.log_retention_min_days
    for region, groups in regional(inv, "log_groups", partial_ok=True):
        for group in groups or []:
            name = group.get("logGroupName")
            resource = group.get("logGroupArn") or str(group.get("arn") or "").removesuffix(":*")
            if not resource:
                resource = arn("logs", region, inv.account_id, f"log-group:{name}")
            days = group.get("retentionInDays")
            if days is None:
                status, message = PASS, f"Log group {name} never expires its events."
            elif days >= limit:
                status, message = PASS, f"Log group {name} keeps events {days} days (>= {limit})."
            else:
                status, message = (
                    FAIL,
                    f"Log group {name} keeps events only {days} days (< {limit}).",
                )
            yield CheckResult(
                "aws_logs_retention_365",
                status,
                resource,
                "log-group",
                message,
                region=region,
                data={"logGroupName": name, "retentionInDays": days},
            )
