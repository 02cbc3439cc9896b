"""Logging checks: CloudTrail, AWS Config, VPC flow logs and log retention."""

from __future__ import annotations

from sentinel_cli.checks.base import ERROR, FAIL, PASS

from .builders import (
    ACCOUNT,
    ALL_USERS,
    REGION,
    bucket,
    days_ago,
    error,
    group_grant,
    inventory,
    pab,
    trail,
    trail_arn,
)


def _ids(results):
    return [(r.status, r.resource_id) for r in results]


# ---- aws_cloudtrail_multi_region -----------------------------------------------------------


def test_multi_region_pass(run_check):
    [r] = run_check("aws_cloudtrail_multi_region", inventory(trails=[trail("main")]))
    assert (r.status, r.resource_id) == (PASS, ACCOUNT)
    assert r.data["qualifyingTrails"] == [trail_arn("main")]


def test_multi_region_fail(run_check):
    trails = [
        trail("single", IsMultiRegionTrail=False),
        trail("stopped", SentinelStatus={"IsLogging": False}),
        trail(
            "writeonly",
            SentinelEventSelectors={
                "EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]
            },
        ),
        trail(
            "advanced-readonly",
            SentinelEventSelectors={
                "AdvancedEventSelectors": [
                    {
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Management"]},
                            {"Field": "readOnly", "Equals": ["false"]},
                        ]
                    }
                ]
            },
        ),
    ]
    [r] = run_check("aws_cloudtrail_multi_region", inventory(trails=trails))
    assert (r.status, r.resource_id) == (FAIL, ACCOUNT)
    [none] = run_check("aws_cloudtrail_multi_region", inventory(trails=[]))
    assert none.status == FAIL


def test_multi_region_edge_selectors(run_check):
    # No selectors = all management events; advanced management selector without readOnly passes.
    no_selectors = trail("a", SentinelEventSelectors={})
    advanced = trail(
        "b",
        SentinelEventSelectors={
            "AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
            ]
        },
    )
    for t in (no_selectors, advanced):
        assert run_check("aws_cloudtrail_multi_region", inventory(trails=[t]))[0].status == PASS
    # Selectors not collected: unknown, never PASS.
    unknown = trail("c")
    del unknown["SentinelEventSelectors"]
    [r] = run_check("aws_cloudtrail_multi_region", inventory(trails=[unknown]))
    assert (r.status, r.resource_id) == (ERROR, ACCOUNT)
    assert run_check("aws_cloudtrail_multi_region", inventory()) == []


# ---- aws_cloudtrail_log_validation / aws_cloudtrail_kms --------------------------------------


def test_log_validation(run_check):
    trails = [trail("on"), trail("off", LogFileValidationEnabled=False)]
    results = run_check("aws_cloudtrail_log_validation", inventory(trails=trails))
    assert _ids(results) == [(PASS, trail_arn("on")), (FAIL, trail_arn("off"))]
    assert results[0].region == REGION


def test_log_validation_edge_missing_field(run_check):
    t = trail("bare")
    del t["LogFileValidationEnabled"]
    [r] = run_check("aws_cloudtrail_log_validation", inventory(trails=[t]))
    assert (r.status, r.resource_id) == (FAIL, trail_arn("bare"))


def test_cloudtrail_kms(run_check):
    trails = [trail("enc"), trail("plain", KmsKeyId=None)]
    results = run_check("aws_cloudtrail_kms", inventory(trails=trails))
    assert _ids(results) == [(PASS, trail_arn("enc")), (FAIL, trail_arn("plain"))]


def test_cloudtrail_kms_edge_no_trails(run_check):
    assert run_check("aws_cloudtrail_kms", inventory(trails=[])) == []
    assert run_check("aws_cloudtrail_kms", inventory(errors=(error("trails"),))) == []


# ---- aws_cloudtrail_cloudwatch -------------------------------------------------------------


def test_cloudtrail_cloudwatch(run_check):
    trails = [
        trail("fresh"),
        trail(
            "stale",
            SentinelStatus={"IsLogging": True, "LatestCloudWatchLogsDeliveryTime": days_ago(3)},
        ),
        trail("none", CloudWatchLogsLogGroupArn=None),
    ]
    results = run_check("aws_cloudtrail_cloudwatch", inventory(trails=trails))
    assert _ids(results) == [
        (PASS, trail_arn("fresh")),
        (FAIL, trail_arn("stale")),
        (FAIL, trail_arn("none")),
    ]


def test_cloudtrail_cloudwatch_edge(run_check):
    never = trail("never", SentinelStatus={"IsLogging": True})
    unknown = trail("unknown", SentinelStatus=None)
    results = run_check("aws_cloudtrail_cloudwatch", inventory(trails=[never, unknown]))
    assert _ids(results) == [(FAIL, trail_arn("never")), (ERROR, trail_arn("unknown"))]
    # Threshold from settings: 3 days old passes a 96-hour limit.
    stale = trail("stale", SentinelStatus={"LatestCloudWatchLogsDeliveryTime": days_ago(3)})
    [r] = run_check(
        "aws_cloudtrail_cloudwatch", inventory(trails=[stale]), cloudtrail_delivery_max_age_hours=96
    )
    assert r.status == PASS


# ---- aws_cloudtrail_bucket_private ---------------------------------------------------------


def test_cloudtrail_bucket_private_pass(run_check):
    inv = inventory(trails=[trail("a"), trail("b")], buckets=[bucket("trail-bucket")])
    results = run_check("aws_cloudtrail_bucket_private", inv)
    # Two trails sharing a bucket: one result for the bucket.
    assert _ids(results) == [(PASS, "arn:aws:s3:::trail-bucket")]


def test_cloudtrail_bucket_private_fail(run_check):
    public = bucket("trail-bucket", SentinelAcl=[group_grant(ALL_USERS)])
    [r] = run_check(
        "aws_cloudtrail_bucket_private", inventory(trails=[trail("a")], buckets=[public])
    )
    assert (r.status, r.resource_id) == (FAIL, "arn:aws:s3:::trail-bucket")


def test_cloudtrail_bucket_private_edge_foreign_bucket(run_check):
    t = trail("a", S3BucketName="central-log-archive")
    [r] = run_check("aws_cloudtrail_bucket_private", inventory(trails=[t], buckets=[]))
    assert (r.status, r.resource_id) == (ERROR, "arn:aws:s3:::central-log-archive")
    # Public ACL neutralised by the account's IgnorePublicAcls.
    public = bucket("trail-bucket", SentinelAcl=[group_grant(ALL_USERS)])
    inv = inventory(
        trails=[trail("a")],
        buckets=[public],
        account_public_access_block=pab(),
        account_public_access_block_present=True,
    )
    assert run_check("aws_cloudtrail_bucket_private", inv)[0].status == PASS


# ---- aws_config_recorder -------------------------------------------------------------------


def _recorder(recording=True, last="SUCCESS"):
    return {"name": "default", "SentinelStatus": {"recording": recording, "lastStatus": last}}


def test_config_recorder(run_check):
    recorders = {
        "eu-west-1": [_recorder()],
        "us-east-1": [_recorder(recording=False)],
        "us-west-2": [],
    }
    results = run_check("aws_config_recorder", inventory(config_recorders=recorders))
    assert [(r.status, r.resource_id, r.region) for r in results] == [
        (PASS, ACCOUNT, "eu-west-1"),
        (FAIL, ACCOUNT, "us-east-1"),
        (FAIL, ACCOUNT, "us-west-2"),
    ]


def test_config_recorder_edge_failing_delivery(run_check):
    recorders = {"eu-west-1": [_recorder(last="Failure")], "us-east-1": [_recorder(last="Pending")]}
    results = run_check("aws_config_recorder", inventory(config_recorders=recorders))
    assert [(r.status, r.region) for r in results] == [(FAIL, "eu-west-1"), (PASS, "us-east-1")]


# ---- aws_vpc_flow_logs ---------------------------------------------------------------------


def _vpc_arn(vpc_id):
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc_id}"


def test_vpc_flow_logs(run_check):
    inv = inventory(
        vpcs={
            REGION: [{"VpcId": "vpc-1", "OwnerId": ACCOUNT}, {"VpcId": "vpc-2", "OwnerId": ACCOUNT}]
        },
        flow_logs={
            REGION: [{"FlowLogId": "fl-1", "ResourceId": "vpc-1", "FlowLogStatus": "ACTIVE"}]
        },
    )
    results = run_check("aws_vpc_flow_logs", inv)
    assert _ids(results) == [(PASS, _vpc_arn("vpc-1")), (FAIL, _vpc_arn("vpc-2"))]


def test_vpc_flow_logs_edge(run_check):
    # An inactive flow log does not count; flow logs that failed to fetch skip the region.
    inv = inventory(
        vpcs={REGION: [{"VpcId": "vpc-1"}], "eu-west-1": [{"VpcId": "vpc-9"}]},
        flow_logs={
            REGION: [{"FlowLogId": "fl-1", "ResourceId": "vpc-1", "FlowLogStatus": "INACTIVE"}]
        },
        errors=(error("flow_logs", "eu-west-1"),),
    )
    results = run_check("aws_vpc_flow_logs", inv)
    assert _ids(results) == [(FAIL, _vpc_arn("vpc-1"))]


# ---- aws_logs_retention_365 ----------------------------------------------------------------


def _group(name, days=None):
    group = {
        "logGroupName": name,
        "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
        "storedBytes": 10,
    }
    if days is not None:
        group["retentionInDays"] = days
    return group


def _group_arn(name):
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


def test_logs_retention(run_check):
    groups = {REGION: [_group("year", 400), _group("week", 7)]}
    results = run_check("aws_logs_retention_365", inventory(log_groups=groups))
    assert _ids(results) == [(PASS, _group_arn("year")), (FAIL, _group_arn("week"))]


def test_logs_retention_edge(run_check):
    groups = {REGION: [_group("forever"), _group("exact", 365)]}
    results = run_check("aws_logs_retention_365", inventory(log_groups=groups))
    assert _ids(results) == [(PASS, _group_arn("forever")), (PASS, _group_arn("exact"))]
    [r] = run_check(
        "aws_logs_retention_365",
        inventory(log_groups={REGION: [_group("q", 90)]}),
        log_retention_min_days=90,
    )
    assert r.status == PASS


def test_multi_region_edge_partial_trails(run_check):
    # Trails of eu-west-1 could not be read: a qualifying trail elsewhere still passes, but no
    # FAIL is guessed when none of the readable trails qualifies.
    failed = (error("trails", "eu-west-1"),)
    [r] = run_check("aws_cloudtrail_multi_region", inventory(trails=[trail("main")], errors=failed))
    assert (r.status, r.resource_id) == (PASS, ACCOUNT)
    single = [trail("local", IsMultiRegionTrail=False)]
    assert run_check("aws_cloudtrail_multi_region", inventory(trails=single, errors=failed)) == []
