"""Regional logging and threat-detection evidence: CloudTrail, Config, GuardDuty, Security Hub,
CloudWatch Logs and alarms, SNS subscriptions, IAM Access Analyzer.

One unit per service and region. Trails are listed in every region *with* shadow trails and kept
only in their home region: a multi-region trail is then seen once, its status read where it lives,
and an organisation trail (a shadow trail in every member-account region) is not missed. A service
not subscribed is evidence of absence, not an error: Security Hub's InvalidAccessException becomes
``{"Hub": None, "Standards": []}``; a hub whose standards cannot be read is kept with
``Standards: None`` and the error recorded.
"""

from __future__ import annotations

from typing import Any

from sentinel_cli.collectors.aws.engine import Collection, FetchFailed

GUARDDUTY_MIN_SEVERITY = 7
_FINDINGS_PER_CALL = 50  # GetFindings accepts at most 50 ids


def fetch_cloudtrail(ctx: Collection, region: str) -> None:
    ct = ctx.client("cloudtrail", region)
    with ctx.piece("trails", region):
        listed = ctx.call("trails", region, ct, "describe_trails", includeShadowTrails=True) or {}
        trails = []
        for trail in listed.get("trailList") or []:
            if trail.get("HomeRegion", region) != region:
                continue  # a shadow of a trail read in its home region's unit
            arn = trail.get("TrailARN") or trail["Name"]
            status = ctx.call("trails", region, ct, "get_trail_status", Name=arn) or {}
            selectors = ctx.call("trails", region, ct, "get_event_selectors", TrailName=arn) or {}
            trails.append({**trail, "SentinelStatus": status, "SentinelEventSelectors": selectors})
        ctx.put("trails", trails, region)


def fetch_config(ctx: Collection, region: str) -> None:
    cfg = ctx.client("config", region)
    with ctx.piece("config_recorders", region):
        recorders = (
            ctx.call("config_recorders", region, cfg, "describe_configuration_recorders") or {}
        ).get("ConfigurationRecorders") or []
        statuses = (
            ctx.call("config_recorders", region, cfg, "describe_configuration_recorder_status")
            or {}
        ).get("ConfigurationRecordersStatus") or []
        by_name = {s.get("name"): s for s in statuses}
        ctx.put(
            "config_recorders",
            [{**r, "SentinelStatus": by_name.get(r.get("name"))} for r in recorders],
            region,
        )


def fetch_guardduty(ctx: Collection, region: str) -> None:
    gd = ctx.client("guardduty", region)
    detector_ids: list[str] = []
    with ctx.piece("guardduty_detectors", region):
        detector_ids = ctx.items("guardduty_detectors", region, gd, "list_detectors", "DetectorIds")
        detectors = []
        for detector_id in detector_ids:
            got = ctx.call(
                "guardduty_detectors", region, gd, "get_detector", DetectorId=detector_id
            )
            detectors.append({"DetectorId": detector_id, **(got or {})})
        ctx.put("guardduty_detectors", detectors, region)
    with ctx.piece("guardduty_findings", region):
        findings: list[dict[str, Any]] = []
        criteria = {
            "Criterion": {
                "severity": {"GreaterThanOrEqual": GUARDDUTY_MIN_SEVERITY},
                "service.archived": {"Equals": ["false"]},
            }
        }
        for detector_id in detector_ids:
            ids = ctx.items(
                "guardduty_findings",
                region,
                gd,
                "list_findings",
                "FindingIds",
                DetectorId=detector_id,
                FindingCriteria=criteria,
            )
            for start in range(0, len(ids), _FINDINGS_PER_CALL):
                got = ctx.call(
                    "guardduty_findings",
                    region,
                    gd,
                    "get_findings",
                    DetectorId=detector_id,
                    FindingIds=ids[start : start + _FINDINGS_PER_CALL],
                )
                findings.extend((got or {}).get("Findings") or [])
        ctx.put("guardduty_findings", findings, region)


def fetch_securityhub(ctx: Collection, region: str) -> None:
    sh = ctx.client("securityhub", region)
    with ctx.piece("securityhub", region):
        hub = ctx.call(
            "securityhub",
            region,
            sh,
            "describe_hub",
            absent={"InvalidAccessException", "ResourceNotFoundException"},
        )
        standards: list[Any] | None = []
        if hub is not None:
            try:
                standards = ctx.items(
                    "securityhub", region, sh, "get_enabled_standards", "StandardsSubscriptions"
                )
            except FetchFailed:
                standards = None  # recorded: the region's Security Hub checks report ERROR
        ctx.put("securityhub", {"Hub": hub, "Standards": standards}, region)


def fetch_logs(ctx: Collection, region: str) -> None:
    logs = ctx.client("logs", region)
    with ctx.piece("log_groups", region):
        groups = ctx.items("log_groups", region, logs, "describe_log_groups", "logGroups")
        ctx.put("log_groups", groups, region)
    with ctx.piece("metric_filters", region):
        filters = ctx.items(
            "metric_filters", region, logs, "describe_metric_filters", "metricFilters"
        )
        ctx.put("metric_filters", filters, region)


def fetch_cloudwatch(ctx: Collection, region: str) -> None:
    cw = ctx.client("cloudwatch", region)
    with ctx.piece("alarms", region):
        ctx.put(
            "alarms", ctx.items("alarms", region, cw, "describe_alarms", "MetricAlarms"), region
        )


def fetch_sns(ctx: Collection, region: str) -> None:
    sns = ctx.client("sns", region)
    with ctx.piece("sns_subscriptions", region):
        subs = ctx.items("sns_subscriptions", region, sns, "list_subscriptions", "Subscriptions")
        ctx.put("sns_subscriptions", subs, region)


def fetch_access_analyzer(ctx: Collection, region: str) -> None:
    aa = ctx.client("accessanalyzer", region)
    with ctx.piece("access_analyzers", region):
        found = ctx.items("access_analyzers", region, aa, "list_analyzers", "analyzers")
        ctx.put("access_analyzers", found, region)
