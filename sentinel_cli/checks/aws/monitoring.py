"""Monitoring and threat-detection checks: GuardDuty, Security Hub, Inspector, CloudWatch alarms.

These services are regional, so most results are one per (check, region) with the account as the
resource. A region whose data was not collected is skipped (the runner reports the failure). The
security-alarm check follows the CIS recipe: a metric filter on a CloudTrail log group, an alarm on
that metric, and an SNS topic with a confirmed subscriber, because an alarm nobody receives is no
control at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sentinel_cli.checks.aws._util import any_failed, global_source, region_collected, regional
from sentinel_cli.checks.base import ERROR, FAIL, PASS, CheckResult, CheckSettings, check
from sentinel_cli.inventory.aws import AwsInventory


@check("aws_guardduty_enabled")
def guardduty_enabled(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    account, kind = inv.account_resource
    for region, detectors in regional(inv, "guardduty_detectors"):
        enabled = [d.get("DetectorId") for d in detectors or [] if d.get("Status") == "ENABLED"]
        if enabled:
            status, message = PASS, f"GuardDuty detector {enabled[0]} is enabled in {region}."
        elif detectors:
            status, message = FAIL, f"The GuardDuty detector in {region} is suspended."
        else:
            status, message = FAIL, f"GuardDuty has no detector in {region}."
        yield CheckResult(
            "aws_guardduty_enabled",
            status,
            account,
            kind,
            message,
            region=region,
            data={
                "detectors": [
                    {"DetectorId": d.get("DetectorId"), "Status": d.get("Status")}
                    for d in detectors or []
                ]
            },
        )


@check("aws_guardduty_no_high_findings")
def guardduty_no_high_findings(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """No unarchived finding at or above ``guardduty_high_severity`` in a region GuardDuty watches.

    A region without an enabled detector cannot have findings; saying "no findings" there would
    be a pass on missing data, so such regions yield nothing (aws_guardduty_enabled fails them).
    """
    account, kind = inv.account_resource
    threshold = settings.guardduty_high_severity
    for region, findings in regional(inv, "guardduty_findings"):
        if region_collected(inv, "guardduty_detectors", region) and not any(
            d.get("Status") == "ENABLED" for d in inv.guardduty_detectors[region] or []
        ):
            continue
        high = [f for f in findings or [] if float(f.get("Severity") or 0) >= threshold]
        high.sort(key=lambda f: -float(f.get("Severity") or 0))
        if high:
            status = FAIL
            message = (
                f"{len(high)} GuardDuty finding(s) with severity >= {threshold:g} are open in "
                f"{region}, e.g. {high[0].get('Type')}."
            )
        else:
            status = PASS
            message = f"No GuardDuty finding with severity >= {threshold:g} is open in {region}."
        yield CheckResult(
            "aws_guardduty_no_high_findings",
            status,
            account,
            kind,
            message,
            region=region,
            data={
                "findings": [
                    {
                        "Id": f.get("Id"),
                        "Type": f.get("Type"),
                        "Severity": f.get("Severity"),
                        "Title": f.get("Title"),
                        "UpdatedAt": f.get("UpdatedAt"),
                    }
                    for f in high[:50]
                ],
                "count": len(high),
            },
        )


# Standards subscriptions in these states are not (or no longer) evaluating controls.
_INACTIVE_STANDARDS = frozenset({"FAILED", "DELETING"})


@check("aws_securityhub_enabled")
def securityhub_enabled(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Security Hub is subscribed with at least one standard that is not failed or being deleted."""
    account, kind = inv.account_resource
    for region, entry in regional(inv, "securityhub"):
        hub = (entry or {}).get("Hub")
        standards = (entry or {}).get("Standards") or []
        active = [
            str(s.get("StandardsArn"))
            for s in standards
            if s.get("StandardsStatus") not in _INACTIVE_STANDARDS
        ]
        if not hub:
            status, message = FAIL, f"Security Hub is not enabled in {region}."
        elif not active:
            status, message = (
                FAIL,
                f"Security Hub is enabled in {region} but no standard is active.",
            )
        else:
            status = PASS
            message = f"Security Hub is enabled in {region} with {len(active)} active standard(s)."
        yield CheckResult(
            "aws_securityhub_enabled",
            status,
            account,
            kind,
            message,
            region=region,
            data={
                "hubArn": (hub or {}).get("HubArn") if isinstance(hub, Mapping) else None,
                "standards": [
                    {
                        "StandardsArn": s.get("StandardsArn"),
                        "StandardsStatus": s.get("StandardsStatus"),
                    }
                    for s in standards
                ],
            },
        )


_INSPECTOR_SCANS: tuple[str, ...] = ("ec2", "ecr", "lambda")


@check("aws_inspector_enabled")
def inspector_enabled(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Inspector (v2) scans EC2, ECR and Lambda in every collected region.

    Inspector's ECR enhanced scanning rescans images on push, which covers the "scan on push"
    intent; the basic ECR registry scan setting is not part of the inventory.
    """
    account, kind = inv.account_resource
    for region, accounts in regional(inv, "inspector_status"):
        entry = next(
            (a for a in accounts or [] if a.get("accountId") == inv.account_id),
            (accounts or [None])[0],
        )
        if entry is None:
            yield CheckResult(
                "aws_inspector_enabled",
                ERROR,
                account,
                kind,
                f"Could not evaluate: Inspector returned no account status in {region}.",
                region=region,
            )
            continue
        states = {
            scan: ((entry.get("resourceState") or {}).get(scan) or {}).get("status", "DISABLED")
            for scan in _INSPECTOR_SCANS
        }
        off = [scan for scan, state in states.items() if state != "ENABLED"]
        if off:
            status = FAIL
            message = f"Inspector does not scan {', '.join(off)} in {region}."
        else:
            status, message = PASS, f"Inspector scans EC2, ECR and Lambda in {region}."
        yield CheckResult(
            "aws_inspector_enabled",
            status,
            account,
            kind,
            message,
            region=region,
            data={"state": (entry.get("state") or {}).get("status"), "resourceState": states},
        )


def _compact(pattern: str) -> str:
    return re.sub(r"\s+", "", pattern).lower()


# Each alarm the check wants: the fragments its metric filter pattern must contain (compared
# without whitespace and case-insensitively, so equivalent spellings of the CIS patterns match).
SECURITY_ALARMS: dict[str, tuple[str, ...]] = {
    "root-account-usage": ('$.useridentity.type="root"',),
    "unauthorized-api-calls": ("unauthorizedoperation", "accessdenied"),
    "console-login-without-mfa": (
        '$.eventname="consolelogin"',
        '$.additionaleventdata.mfaused!="yes"',
    ),
}


def _trail_log_groups(trails: list[Mapping[str, Any]]) -> set[str]:
    """Names of the log groups CloudTrail trails deliver to (parsed from their ARNs)."""
    names = set()
    for trail in trails:
        group_arn = str(trail.get("CloudWatchLogsLogGroupArn") or "")
        match = re.search(r":log-group:([^:]+)", group_arn)
        if match:
            names.add(match.group(1))
    return names


def _subscribed_topics(inv: AwsInventory) -> set[str]:
    topics = set()
    for _region, subs in regional(inv, "sns_subscriptions"):
        for sub in subs or []:
            if str(sub.get("SubscriptionArn", "")).startswith("arn:"):
                topics.add(str(sub.get("TopicArn")))
    return topics


@check("aws_cw_security_alarms")
def cw_security_alarms(inv: AwsInventory, settings: CheckSettings) -> Iterator[CheckResult]:
    """Account-level: alarms with subscribers exist for root use, unauthorized calls, no-MFA login.

    A metric filter counts only on a log group that a CloudTrail trail delivers to; an alarm counts
    only when one of its actions is an SNS topic with a confirmed subscription (a subscription still
    "PendingConfirmation" delivers nothing). Needs the trail list: without it, nothing is yielded;
    and when an alarm is missing while some of the sources failed somewhere, nothing is yielded
    either, since the missing piece may be in the data that could not be read.
    """
    trails = global_source(inv, "trails")
    if trails is None:
        return
    account, kind = inv.account_resource
    groups = _trail_log_groups(trails)
    topics = _subscribed_topics(inv)
    alarms_by_metric: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for _region, alarms in regional(inv, "alarms"):
        for alarm in alarms or []:
            key = (str(alarm.get("Namespace")), str(alarm.get("MetricName")))
            alarms_by_metric.setdefault(key, []).append(alarm)
    found: dict[str, str | None] = dict.fromkeys(SECURITY_ALARMS)
    for _region, filters in regional(inv, "metric_filters"):
        for mfilter in filters or []:
            if mfilter.get("logGroupName") not in groups:
                continue
            pattern = _compact(str(mfilter.get("filterPattern") or ""))
            for name, fragments in SECURITY_ALARMS.items():
                if found[name] or not all(f in pattern for f in fragments):
                    continue
                for transform in mfilter.get("metricTransformations") or []:
                    key = (str(transform.get("metricNamespace")), str(transform.get("metricName")))
                    for alarm in alarms_by_metric.get(key, []):
                        if any(a in topics for a in alarm.get("AlarmActions") or []):
                            found[name] = str(alarm.get("AlarmName"))
    missing = [name for name, alarm in found.items() if alarm is None]
    if missing and any_failed(inv, "trails", "metric_filters", "alarms", "sns_subscriptions"):
        return  # the missing piece may sit in data that could not be read: ERROR via the runner
    if not groups:
        status, message = (
            FAIL,
            "No CloudTrail trail delivers to CloudWatch Logs, so no alarm can fire.",
        )
    elif missing:
        status = FAIL
        message = f"No alarm with a subscriber for: {', '.join(missing)}."
    else:
        status = PASS
        message = (
            "Alarms with subscribers exist for root use, unauthorized API calls and no-MFA login."
        )
    yield CheckResult(
        "aws_cw_security_alarms",
        status,
        account,
        kind,
        message,
        data={"trailLogGroups": sorted(groups), "alarms": found, "missing": missing},
    )
