"""Monitoring and threat-detection checks: GuardDuty, Security Hub, Inspector, CloudWatch alarms."""

from __future__ import annotations

from sentinel_cli.checks.base import ERROR, FAIL, PASS

from .builders import ACCOUNT, REGION, error, inventory, trail

EU = "eu-west-1"


def _regional(results):
    return [(r.status, r.resource_id, r.region) for r in results]


# ---- aws_guardduty_enabled -----------------------------------------------------------------


def test_guardduty_enabled(run_check):
    detectors = {
        EU: [{"DetectorId": "d1", "Status": "ENABLED"}],
        REGION: [{"DetectorId": "d2", "Status": "DISABLED"}],
    }
    results = run_check("aws_guardduty_enabled", inventory(guardduty_detectors=detectors))
    assert _regional(results) == [(PASS, ACCOUNT, EU), (FAIL, ACCOUNT, REGION)]


def test_guardduty_enabled_edge(run_check):
    detectors = {EU: [], REGION: [{"DetectorId": "d", "Status": "ENABLED"}]}
    inv = inventory(guardduty_detectors=detectors, errors=(error("guardduty_detectors", REGION),))
    assert _regional(run_check("aws_guardduty_enabled", inv)) == [(FAIL, ACCOUNT, EU)]


# ---- aws_guardduty_no_high_findings (alias aws_guardduty_no_higithub_findings) --------------


def _finding(fid, severity):
    return {
        "Id": fid,
        "Type": "UnauthorizedAccess:EC2/SSHBruteForce",
        "Severity": severity,
        "Title": "t",
    }


def test_guardduty_findings(run_check):
    inv = inventory(
        guardduty_detectors={
            EU: [{"DetectorId": "d", "Status": "ENABLED"}],
            REGION: [{"DetectorId": "e", "Status": "ENABLED"}],
        },
        guardduty_findings={EU: [], REGION: [_finding("f1", 8.0), _finding("f2", 7.5)]},
    )
    results = run_check("aws_guardduty_no_high_findings", inv)
    assert _regional(results) == [(PASS, ACCOUNT, EU), (FAIL, ACCOUNT, REGION)]
    assert results[1].data["count"] == 2


def test_guardduty_findings_edge(run_check):
    # Below the threshold passes; a region without an enabled detector yields nothing.
    inv = inventory(
        guardduty_detectors={EU: [], REGION: [{"DetectorId": "e", "Status": "ENABLED"}]},
        guardduty_findings={EU: [], REGION: [_finding("f3", 5.0)]},
    )
    assert _regional(run_check("aws_guardduty_no_high_findings", inv)) == [(PASS, ACCOUNT, REGION)]
    stricter = run_check("aws_guardduty_no_high_findings", inv, guardduty_high_severity=4.0)
    assert stricter[0].status == FAIL


# ---- aws_securityhub_enabled ---------------------------------------------------------------


def _hub(*statuses):
    return {
        "Hub": {"HubArn": f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"},
        "Standards": [
            {"StandardsArn": f"std-{i}", "StandardsStatus": s} for i, s in enumerate(statuses)
        ],
    }


def test_securityhub(run_check):
    hubs = {EU: _hub("READY"), REGION: {"Hub": None, "Standards": []}}
    results = run_check("aws_securityhub_enabled", inventory(securityhub=hubs))
    assert _regional(results) == [(PASS, ACCOUNT, EU), (FAIL, ACCOUNT, REGION)]


def test_securityhub_edge(run_check):
    hubs = {EU: _hub("FAILED"), REGION: _hub(), "us-west-2": None}
    results = run_check("aws_securityhub_enabled", inventory(securityhub=hubs))
    assert _regional(results) == [
        (FAIL, ACCOUNT, EU),
        (FAIL, ACCOUNT, REGION),
        (FAIL, ACCOUNT, "us-west-2"),
    ]


# ---- aws_inspector_enabled -----------------------------------------------------------------


def _inspector(ec2="ENABLED", ecr="ENABLED", lam="ENABLED"):
    return [
        {
            "accountId": ACCOUNT,
            "state": {"status": "ENABLED"},
            "resourceState": {
                "ec2": {"status": ec2},
                "ecr": {"status": ecr},
                "lambda": {"status": lam},
            },
        }
    ]


def test_inspector(run_check):
    status = {EU: _inspector(), REGION: _inspector(ecr="DISABLED", lam="SUSPENDED")}
    results = run_check("aws_inspector_enabled", inventory(inspector_status=status))
    assert _regional(results) == [(PASS, ACCOUNT, EU), (FAIL, ACCOUNT, REGION)]
    assert "ecr, lambda" in results[1].message


def test_inspector_edge(run_check):
    status = {
        EU: [],
        REGION: [{"accountId": ACCOUNT, "resourceState": {"ec2": {"status": "ENABLED"}}}],
    }
    results = run_check("aws_inspector_enabled", inventory(inspector_status=status))
    assert _regional(results) == [(ERROR, ACCOUNT, EU), (FAIL, ACCOUNT, REGION)]


# ---- aws_cw_security_alarms ----------------------------------------------------------------

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:security"
PATTERNS = {
    "Root": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }',
    "Unauthorized": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    "NoMfa": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
}


def _alarm_inventory(log_group="trail-logs", confirmed=True, skip=(), **fields):
    filters = [
        {
            "filterName": name,
            "logGroupName": log_group,
            "filterPattern": pattern,
            "metricTransformations": [
                {"metricName": name, "metricNamespace": "CIS", "metricValue": "1"}
            ],
        }
        for name, pattern in PATTERNS.items()
        if name not in skip
    ]
    alarms = [
        {
            "AlarmName": f"{name}-alarm",
            "MetricName": name,
            "Namespace": "CIS",
            "AlarmActions": [TOPIC],
        }
        for name in PATTERNS
    ]
    sub = f"{TOPIC}:abcd" if confirmed else "PendingConfirmation"
    fields.setdefault("trails", [trail("main")])
    return inventory(
        metric_filters={REGION: filters},
        alarms={REGION: alarms},
        sns_subscriptions={
            REGION: [{"TopicArn": TOPIC, "SubscriptionArn": sub, "Protocol": "email"}]
        },
        **fields,
    )


def test_security_alarms_pass(run_check):
    [r] = run_check("aws_cw_security_alarms", _alarm_inventory())
    assert (r.status, r.resource_id) == (PASS, ACCOUNT)


def test_security_alarms_fail(run_check):
    [r] = run_check("aws_cw_security_alarms", _alarm_inventory(skip=("NoMfa",)))
    assert (r.status, r.resource_id) == (FAIL, ACCOUNT)
    assert r.data["missing"] == ["console-login-without-mfa"]


def test_security_alarms_edge(run_check):
    # Subscriber not confirmed; filter on a log group no trail writes to; no trail list at all.
    for inv in (
        _alarm_inventory(confirmed=False),
        _alarm_inventory(log_group="app-logs"),
        _alarm_inventory(trails=[trail("main", CloudWatchLogsLogGroupArn=None)]),
    ):
        [r] = run_check("aws_cw_security_alarms", inv)
        assert (r.status, r.resource_id) == (FAIL, ACCOUNT)
    assert run_check("aws_cw_security_alarms", _alarm_inventory(trails=None)) == []


def test_security_alarms_edge_partial_sources(run_check):
    # A missing alarm is not a FAIL when alarms of some region could not be read.
    inv = _alarm_inventory(skip=("Root",), errors=(error("alarms", EU),))
    assert run_check("aws_cw_security_alarms", inv) == []
    complete = _alarm_inventory(errors=(error("alarms", EU),))
    assert run_check("aws_cw_security_alarms", complete)[0].status == PASS
